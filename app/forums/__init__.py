"""Partnership Forum, consultations and calendars."""
from flask import Blueprint

bp = Blueprint("forums", __name__, url_prefix="/forums", template_folder="templates")

from app.forums import routes  # noqa: E402,F401  (registers the views on bp)
