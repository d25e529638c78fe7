"""Overlaps between initiatives: the "possible overlaps" panel, each initiative's overlaps, the review
queue, the gap view, and imported external activities. The detector itself is :mod:`app.dedup`."""
from flask import Blueprint

bp = Blueprint("overlaps", __name__, template_folder="templates")

from app.overlaps import routes  # noqa: E402,F401  (registers the views on bp)
