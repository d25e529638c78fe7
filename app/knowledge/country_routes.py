"""Country pages."""
from flask import abort

from app.knowledge import bp


@bp.route("/countries/<code>")
def country(code: str):
    abort(404)
