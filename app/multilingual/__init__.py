"""Content in several languages: people's texts (group mandates, Forum and session descriptions, pledges,
resources) given in every language the Hub offers (config ``LANGUAGES``).

One table holds every translation (kind, object id, language, field), so a fourth language is a
configuration change, not a migration per field. Each translatable object keeps its original text in its
own columns and names its original ``language``.
"""
from flask import Blueprint

from app.knowledge.search import register_text_source
from app.multilingual.services import translated_texts

bp = Blueprint("multilingual", __name__, template_folder="templates")

from app.multilingual import routes  # noqa: E402,F401  (registers its views on bp)
from app.multilingual.registry import register_builtin_kinds  # noqa: E402

register_builtin_kinds()


def _register_search_source() -> None:
    register_text_source(translated_texts)


_register_search_source()
