"""Pledges (commitments) and progress reports."""
from flask import Blueprint

bp = Blueprint("commitments", __name__, url_prefix="/commitments", template_folder="templates")

from app.commitments import routes  # noqa: E402,F401  (registers the views on bp)
