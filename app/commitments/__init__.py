"""Pledges (commitments), progress reports, the public registry and its exports."""
from flask import Blueprint

bp = Blueprint("commitments", __name__, url_prefix="/pledges", template_folder="templates")

# Each module registers its views on bp.
from app.commitments import registry_routes, report_routes, routes  # noqa: E402,F401
