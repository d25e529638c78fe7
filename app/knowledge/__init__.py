"""The knowledge gateway: the resource library, the global search, country pages and the monitoring dashboard.

Three registries let other features plug in without changes here:

- :func:`app.knowledge.search.register_kind`: a kind of object the global search finds (its services call
  :func:`app.events.reindex_later` when they change one: the worker re-indexes it);
- :func:`app.knowledge.countries.register_country_section`: a section of every country page;
- :func:`app.knowledge.dashboard.register_figure`: a figure (chart, table and CSV) of the dashboard (every
  figure comes from a feature's gateway).
"""
from flask import Blueprint

bp = Blueprint("knowledge", __name__, template_folder="templates")

from app.knowledge import (  # noqa: E402,F401  (each module registers its views on bp)
    country_routes, dashboard_routes, library_routes, search_routes,
)
from app.knowledge.countries import register_builtin_sections  # noqa: E402
from app.knowledge.search_sources import register_sources  # noqa: E402
from app.knowledge.services import notification_kinds, published_by_organisation  # noqa: E402
from app.members.overview import register_organisation_list  # noqa: E402
from app.notifications.kinds import register_kind as register_notification_kind  # noqa: E402

register_sources()
register_builtin_sections()
register_organisation_list("resources", published_by_organisation)  # on each organisation's page
for _kind in notification_kinds():
    register_notification_kind(_kind)
