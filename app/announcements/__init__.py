"""Announcements: a short, dismissible banner on every page, for everyone or one action group's members,
shown between a start and an end time. The active ones are cached for ``ANNOUNCEMENT_QUIET_SECONDS`` so the
banner costs no query on most pages."""
from flask import Blueprint, url_for

from app.announcements.models import Announcement
from app.announcements.services import banner_for
from app.multilingual.registry import TranslatableKind, register_kind

bp = Blueprint("announcements", __name__, url_prefix="/announcements", template_folder="templates")

from app.announcements import routes  # noqa: E402,F401  (registers the views on bp)


@bp.app_context_processor
def banner_helpers():
    return {"announcement_banner": banner_for}


def _register_translatable() -> None:
    from flask_babel import lazy_gettext as _l

    register_kind(TranslatableKind(
        "announcement", Announcement, _l("Announcement"), (("text", _l("Text"), False),),
        can_translate=lambda item, user: item.can_edit(user), can_view=lambda item, user: item.can_edit(user),
        url=lambda item: url_for("announcements.index"), order=70))


_register_translatable()
