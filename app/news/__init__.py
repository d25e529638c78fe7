"""News of the Hub and of its action groups: posts in Markdown with an image, a public list, Atom feeds.

Each post is also shown on its group's page (:func:`app.actiongroups.register_public_section`), on the
country pages of the countries it is about (:func:`app.knowledge.countries.register_country_section`) and
on the home page; the search finds it (:func:`app.knowledge.search.register_kind`); its title and text can
be given in every language the Hub offers (:func:`app.multilingual.registry.register_kind`).
"""
from flask import Blueprint

from app.news.services import latest_news

bp = Blueprint("news", __name__, url_prefix="/news", template_folder="templates")

from app.news import routes  # noqa: E402,F401  (registers the views on bp)


@bp.app_context_processor
def news_helpers():
    from flask_login import current_user

    return {"latest_news": lambda limit=3, group_id=None: latest_news(current_user, limit=limit, group_id=group_id)}
