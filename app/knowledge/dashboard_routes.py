"""Dashboard views."""
from flask import abort

from app.knowledge import bp


@bp.route("/dashboard")
def dashboard():
    abort(404)
