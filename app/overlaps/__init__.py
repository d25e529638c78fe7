"""Overlaps between initiatives: the "possible overlaps" panel, each initiative's overlaps, the review
queue, the gap view, and imported external activities. The detector itself is :mod:`app.dedup`."""
from flask import Blueprint

bp = Blueprint("overlaps", __name__, template_folder="templates")

from app.overlaps import routes  # noqa: E402,F401  (registers the views on bp)
from app.overlaps.gateway import register as _register_in_the_gateway  # noqa: E402

# The country pages' overlaps and gaps section and the dashboard's overlaps figure (app/knowledge).
_register_in_the_gateway()
