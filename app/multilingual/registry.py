"""Which kinds of objects have translatable fields, and who may translate them.

A feature registers its kind once (see :func:`register_builtin_kinds`); the translation form, the
"needs translation" list, the reader's view and the deletion of translations with their object follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.members.models import User
from app.policy import is_secretariat


@dataclass(frozen=True)
class TranslatableKind:
    """:param fields: (column name, label, is Markdown) of each translatable field; the first names the object.
    :param can_translate: (object, user) -> whether the user may enter translations (author or secretariat).
    :param can_view: (object, user) -> whether the user may see the object at all.
    :param endpoint: a function (object) -> the URL of the object's page.
    """

    name: str
    model: Any
    label: Any
    fields: tuple[tuple[str, Any, bool], ...]
    can_translate: Callable[[Any, User | None], bool]
    can_view: Callable[[Any, User | None], bool]
    url: Callable[[Any], str]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(name for name, _label, _md in self.fields)


KINDS: dict[str, TranslatableKind] = {}


def register_kind(kind: TranslatableKind) -> None:
    """Register a translatable kind; its translations are deleted with each of its objects."""
    if kind.name in KINDS:
        return
    KINDS[kind.name] = kind
    sa.event.listen(kind.model, "after_delete", _delete_translations(kind.name))


def kind_of(obj) -> TranslatableKind | None:
    for kind in KINDS.values():
        if isinstance(obj, kind.model):
            return kind
    return None


def _delete_translations(kind_name: str):
    def _after_delete(_mapper, connection, target) -> None:
        from app.multilingual.models import ContentTranslation

        connection.execute(sa.delete(ContentTranslation).where(ContentTranslation.kind == kind_name,
                                                               ContentTranslation.object_id == target.id))
    return _after_delete


def register_builtin_kinds() -> None:
    from flask import url_for

    from app.actiongroups.models import ActionGroup
    from app.commitments.models import Pledge
    from app.forums.models import Forum, ForumSession
    from app.knowledge.models import Resource

    register_kind(TranslatableKind(
        "group", ActionGroup, _l("Action group"),
        (("name", _l("Name"), False), ("mandate", _l("Mandate"), True)),
        can_translate=lambda group, user: group.can_manage(user),
        can_view=lambda group, user: not group.is_archived or is_secretariat(user),
        url=lambda group: url_for("actiongroups.public", slug=group.slug)))
    register_kind(TranslatableKind(
        "forum", Forum, _l("Forum edition"),
        (("title", _l("Title"), False), ("description", _l("Description"), True)),
        can_translate=lambda forum, user: forum.can_manage(user),
        can_view=lambda forum, user: forum.can_view(user),
        url=lambda forum: url_for("forums.programme", slug=forum.slug)))
    register_kind(TranslatableKind(
        "session", ForumSession, _l("Forum session"),
        (("title", _l("Title"), False), ("description", _l("Description"), True)),
        can_translate=lambda session, user: session.forum.can_manage(user),
        can_view=lambda session, user: session.can_view(user),
        url=lambda session: url_for("forums.session_detail", slug=session.forum.slug, session_id=session.id)))
    register_kind(TranslatableKind(
        "resource", Resource, _l("Resource"),
        (("title", _l("Title"), False), ("summary", _l("Summary"), True)),
        can_translate=lambda resource, user: resource.can_edit(user) or (
            is_secretariat(user) and resource.can_view(user)),
        can_view=lambda resource, user: resource.can_view(user),
        url=lambda resource: url_for("knowledge.resource", resource_id=resource.id)))
    register_kind(TranslatableKind(
        "pledge", Pledge, _l("Pledge"),
        (("title", _l("Title"), False), ("description", _l("Description"), True)),
        can_translate=lambda pledge, user: pledge.can_edit(user) or is_secretariat(user),
        can_view=lambda pledge, user: pledge.can_view(user),
        url=lambda pledge: url_for("commitments.detail", pledge_id=pledge.id)))
