"""The secretariat's console: application queue, people, organisations, invitations, audit log, outbox."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

from app.admin import routes  # noqa: E402,F401  (registers the views on bp)
