"""Which kinds of objects have translatable fields, and who may translate them.

A feature registers its kind from its gateway.py (:func:`register_kind`); the translation form, the
"needs translation" list, the reader's view and the deletion of translations with their object follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.knowledge.models import Resource
from app.members.models import User
from app.multilingual.models import ContentTranslation
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
    order: int = 0  # where the "needs translation" list puts the kind

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(name for name, _label, _md in self.fields)


KINDS: dict[str, TranslatableKind] = {}


def register_kind(kind: TranslatableKind) -> None:
    """Register a translatable kind; its translations are deleted with each of its objects (registering the
    same name again does nothing)."""
    if kind.name in KINDS:
        return
    KINDS[kind.name] = kind
    ordered = sorted(KINDS.values(), key=lambda k: (k.order, k.name))
    KINDS.clear()
    KINDS.update((k.name, k) for k in ordered)
    sa.event.listen(kind.model, "after_delete", _delete_translations(kind.name))


def kind_of(obj) -> TranslatableKind | None:
    for kind in KINDS.values():
        if isinstance(obj, kind.model):
            return kind
    return None


def _delete_translations(kind_name: str):
    def _after_delete(_mapper, connection, target) -> None:
        connection.execute(sa.delete(ContentTranslation).where(ContentTranslation.kind == kind_name,
                                                               ContentTranslation.object_id == target.id))
    return _after_delete


def register_builtin_kinds() -> None:
    """The resource library's kind; each feature registers its own from its gateway.py."""
    from flask import url_for

    register_kind(TranslatableKind(
        "resource", Resource, _l("Resource"),
        (("title", _l("Title"), False), ("summary", _l("Summary"), True)),
        can_translate=lambda resource, user: resource.can_edit(user) or (
            is_secretariat(user) and resource.can_view(user)),
        can_view=lambda resource, user: resource.can_view(user),
        url=lambda resource: url_for("knowledge.resource", resource_id=resource.id), order=40))
