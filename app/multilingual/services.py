"""Entering translations and choosing which language a reader sees."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from app import events
from app.errors import DomainError
from app.extensions import db
from app.multilingual.models import ContentTranslation
from app.multilingual.registry import KINDS, TranslatableKind, kind_of


def offered_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def reading_language() -> str:
    """The reader's language, or the one they picked for content with ``?content_lang=`` (a translation's link)."""
    if has_request_context():
        from flask import request

        asked = request.args.get("content_lang", "")
        if asked in offered_languages():
            return asked
    return str(get_locale() or "en")


def original_language(obj) -> str:
    return getattr(obj, "language", None) or "en"


def translations_of(kind: str, object_id: int) -> dict[str, dict[str, str]]:
    """{language: {field: text}} of one object, read once per request."""
    cache = g.setdefault("_translations", {}) if has_request_context() else {}
    key = (kind, object_id)
    if key not in cache:
        found: dict[str, dict[str, str]] = {}
        for row in db.session.execute(sa.select(ContentTranslation.language, ContentTranslation.field,
                                                ContentTranslation.text)
                                      .where(ContentTranslation.kind == kind,
                                             ContentTranslation.object_id == object_id)):
            found.setdefault(row.language, {})[row.field] = row.text
        cache[key] = found
    return cache[key]


def preload_translations(objects) -> None:
    """Read the translations of many objects of one kind in one query (a list page), for :func:`localized`."""
    objects = [obj for obj in objects if getattr(obj, "id", None) is not None]
    kind = kind_of(objects[0]) if objects else None
    if kind is None or not has_request_context():
        return
    cache = g.setdefault("_translations", {})
    ids = [obj.id for obj in objects if (kind.name, obj.id) not in cache]
    if not ids:
        return
    for object_id in ids:
        cache[(kind.name, object_id)] = {}
    for row in db.session.execute(sa.select(ContentTranslation.object_id, ContentTranslation.language,
                                            ContentTranslation.field, ContentTranslation.text)
                                  .where(ContentTranslation.kind == kind.name, ContentTranslation.object_id.in_(ids))):
        cache[(kind.name, row.object_id)].setdefault(row.language, {})[row.field] = row.text


def remember_translations(kind_name: str, object_ids, rows) -> None:
    """Keep translations read along with their objects (``rows`` of (object id, language, field, text), None
    where an object has none) for :func:`localized`, as :func:`preload_translations` would without a query."""
    if not has_request_context():
        return
    cache = g.setdefault("_translations", {})
    for object_id in object_ids:
        cache[(kind_name, object_id)] = {}
    for object_id, language, name, text in rows:
        if language is not None:
            cache[(kind_name, object_id)].setdefault(language, {})[name] = text


def save_translations(kind: TranslatableKind, obj, language: str, values: dict[str, str], user) -> None:
    """Set the object's text in ``language``; an empty field removes that field's translation.

    :raise DomainError: the Hub does not offer the language, or it is the original one.
    """
    if language not in offered_languages():
        raise DomainError(_("The Hub does not offer this language."), field="language")
    if language == original_language(obj):
        raise DomainError(_("This is the language the text was written in: edit the original instead."),
                          field="language")
    existing = {t.field: t for t in db.session.scalars(sa.select(ContentTranslation).where(
        ContentTranslation.kind == kind.name, ContentTranslation.object_id == obj.id,
        ContentTranslation.language == language))}
    for name in kind.field_names:
        text = (values.get(name) or "").strip()
        row = existing.get(name)
        if not text:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(ContentTranslation(kind=kind.name, object_id=obj.id, language=language, field=name,
                                              text=text, updated_by_id=getattr(user, "id", None)))
        else:
            row.text = text
            row.updated_by_id = getattr(user, "id", None)
    db.session.flush()
    events.reindex_later(obj)  # the search finds the object in every language it exists in
    if has_request_context():
        g.pop("_translations", None)


def translated_texts(model, ids: list[int]) -> dict[int, str]:
    """Every translation of the given objects, one text per object (a source of the search index)."""
    kind = next((k for k in KINDS.values() if k.model is model), None)
    if kind is None or not ids:
        return {}
    texts: dict[int, list[str]] = {}
    for object_id, text in db.session.execute(
            sa.select(ContentTranslation.object_id, ContentTranslation.text).where(
                ContentTranslation.kind == kind.name, ContentTranslation.object_id.in_(ids))
            .order_by(ContentTranslation.object_id, ContentTranslation.language, ContentTranslation.field)):
        texts.setdefault(object_id, []).append(text)
    return {object_id: "\n".join(parts) for object_id, parts in texts.items()}


@dataclass
class Localized:
    """One field as a reader sees it: the text, its language, and the other languages it exists in."""

    text: str
    language: str
    original: str
    available: list[str] = field(default_factory=list)

    @property
    def is_translation(self) -> bool:
        return self.language != self.original

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(self.text))


def localized(obj, name: str, language: str | None = None) -> Localized:
    """The field in the reader's language when it exists, otherwise the original."""
    kind = kind_of(obj)
    original_text = getattr(obj, name) or ""
    original = original_language(obj)
    if kind is None or obj.id is None:
        return Localized(original_text, original, original, [original])
    language = language or reading_language()
    translations = translations_of(kind.name, obj.id)
    available = [original] + [lang for lang in offered_languages()
                              if lang != original and translations.get(lang, {}).get(kind.field_names[0])]
    if language != original and translations.get(language, {}).get(name):
        return Localized(translations[language][name], language, original, available)
    return Localized(original_text, original, original, available)


@dataclass
class Missing:
    kind: TranslatableKind
    obj: object
    languages: list[str]


def missing_translations(limit_per_kind: int = 100) -> list[Missing]:
    """What lacks a translation of its naming field in which offered language (newest objects first)."""
    languages = offered_languages()
    result: list[Missing] = []
    for kind in KINDS.values():
        model = kind.model
        objects = list(db.session.scalars(sa.select(model).order_by(model.id.desc()).limit(limit_per_kind)))
        if not objects:
            continue
        have: dict[int, set[str]] = {}
        for object_id, language in db.session.execute(
                sa.select(ContentTranslation.object_id, ContentTranslation.language).where(
                    ContentTranslation.kind == kind.name, ContentTranslation.field == kind.field_names[0],
                    ContentTranslation.object_id.in_([o.id for o in objects]))):
            have.setdefault(object_id, set()).add(language)
        for obj in objects:
            lacking = [lang for lang in languages
                       if lang != original_language(obj) and lang not in have.get(obj.id, set())]
            if lacking:
                result.append(Missing(kind, obj, lacking))
    return result
