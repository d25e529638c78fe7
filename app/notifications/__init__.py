"""Notifications: in the Hub (a bell, a list, mark read) and by e-mail, per person and per kind."""
from flask import Blueprint

from app.notifications.kinds import render

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")
# {{ notification | notification_text }}: in pages and in e-mails, rendered in the reader's language.
bp.add_app_template_filter(render, "notification_text")

from app.notifications import routes  # noqa: E402,F401  (registers the views on bp)
