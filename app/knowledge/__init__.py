"""The knowledge gateway: the resource library, the global search, country pages and the monitoring dashboard.

Four registries let other features plug in without changes here:

- :func:`app.knowledge.search.register_kind`: a kind of object the global search finds (its services call
  :func:`app.events.reindex_later` when they change one: the worker re-indexes it);
- :func:`app.knowledge.countries.register_country_section`: a section of every country page;
- :func:`app.knowledge.dashboard.register_figure`: a figure (chart, table and CSV) of the dashboard (every
  figure comes from a feature's gateway);
- :func:`app.knowledge.citations.register_citer`: a kind of object that cites library resources.

The library itself plugs into the members' and notifications' registries from app/knowledge/gateway.py,
called by create_app like every feature's gateway.
"""
from flask import Blueprint

bp = Blueprint("knowledge", __name__, template_folder="templates")

from app.knowledge import (  # noqa: E402,F401  (each module registers its views on bp)
    country_routes, dashboard_routes, library_routes, search_routes,
)
from app.knowledge.countries import register_builtin_sections  # noqa: E402
from app.knowledge.search_sources import register_sources  # noqa: E402

register_sources()
register_builtin_sections()
