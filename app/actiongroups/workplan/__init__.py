"""The work plan: work items (initiatives the duplication detector compares)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.actiongroups import register_tab

bp = Blueprint("workplan", __name__, url_prefix="/<slug>/workplan", template_folder="templates")

register_tab("actiongroups.workplan.index", _l("Work plan"), "actiongroups.workplan", 40)

from app.actiongroups.workplan import routes  # noqa: E402,F401  (registers the views on bp)
