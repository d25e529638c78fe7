"""Every page of the Hub in English, French and Spanish: translated, and no English left behind.

A new page joins this test by adding its URL to PUBLIC_PAGES or SIGNED_IN_PAGES.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.members.models import OrganisationStatus, UserStatus
from tests.conftest import PASSWORD

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
LANGUAGES = ["fr", "es"]

PUBLIC_PAGES = ["/", "/organisations", "/organisations/{w.org.id}", "/apply", "/apply/organisation",
                "/apply/join", "/login", "/password/forgot", "/password/reset/not-a-token",
                "/invitation/not-a-token", "/no-such-page"]
SIGNED_IN_PAGES = ["/account", "/profile", "/password/change", "/organisations/{w.org.id}/edit",
                   "/organisations/{w.org.id}/members", "/organisations/{w.waiting.id}", "/admin/", "/admin/users",
                   "/admin/organisations", "/admin/invite", "/admin/audit", "/admin/outbox"]


def _catalog(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id and isinstance(m.id, str)}


CATALOGS = {lang: _catalog(lang) for lang in LANGUAGES}


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def count(text: str, phrase: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(phrase)}(?!\w)", text))


def english_left_behind(english: str, translated: str, lang: str) -> list[str]:
    """UI strings that show on the English page as often on the translated one: not translated."""
    left = []
    for msgid, msgstr in CATALOGS[lang].items():
        if "%(" in msgid or msgstr == msgid or msgid in msgstr or (" " not in msgid and len(msgid) < 8):
            continue
        n = count(english, msgid)
        if n and count(translated, msgid) >= n:
            left.append(msgid)
    return left


@pytest.fixture
def world(make_org, make_user):
    """Names chosen to share no words with the interface, so user content can't look like UI text."""
    org = make_org("Zeta Cooperative", acronym="ZC", description="Quux *xyzzy*.")
    waiting = make_org("Quorra Collective", status=OrganisationStatus.pending)
    make_user("waiting@example.org", org=waiting, status=UserStatus.pending, full_name="Vex Qadir")
    admin = make_user("admin@example.org", org=org, admin=True, full_name="Yuki Zorn")
    return SimpleNamespace(org=org, waiting=waiting, admin=admin)


def fetch(client, url, lang):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code in (200, 400, 404), url
    return response.text


def check(english: str, translated: str, lang: str, url: str) -> None:
    assert f'<html lang="{lang}">' in translated, url
    assert CATALOGS[lang]["Language"] in visible_text(translated)
    left = english_left_behind(visible_text(english), visible_text(translated), lang)
    assert not left, f"{url} in {lang} still shows English: {left}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_are_translated(client, world, url, lang):
    url = url.format(w=world)
    check(fetch(client, url, "en"), fetch(client, url, lang), lang, url)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_signed_in_pages_are_translated(client, world, lang):
    client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    for url in (u.format(w=world) for u in SIGNED_IN_PAGES):
        world.admin.locale = "en"
        db.session.commit()
        english = fetch(client, url, "en")
        world.admin.locale = lang          # signed-in people get their profile's language
        db.session.commit()
        check(english, fetch(client, url, lang), lang, url)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_form_errors_are_translated(client, world, lang):
    data = {"name": "", "email": "bad", "password": "x", "confirm": "y"}
    english = client.post("/apply/organisation", data=data, headers={"Accept-Language": "en"}).text
    translated = client.post("/apply/organisation", data=data, headers={"Accept-Language": lang}).text
    check(english, translated, lang, "/apply/organisation (errors)")
