"""Action group workspaces."""
from flask import Blueprint

bp = Blueprint("actiongroups", __name__, url_prefix="/actiongroups", template_folder="templates")

from app.actiongroups import routes  # noqa: E402,F401  (registers the views on bp)
