"""Discussions: threads, replies, moderation, mentions and unread markers."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.actiongroups import register_tab

bp = Blueprint("discussions", __name__, url_prefix="/<slug>/threads", template_folder="templates")

register_tab("actiongroups.discussions.index", _l("Discussions"), "actiongroups.discussions", 20)

from app.actiongroups.discussions import routes  # noqa: E402,F401  (registers the views on bp)
