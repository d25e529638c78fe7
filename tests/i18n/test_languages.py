"""The interface in English, French and Spanish: choice of language, formatting, e-mails."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.support import Translations
from flask_babel import force_locale, get_locale, gettext, lazy_gettext, ngettext

from app.i18n import Translator, country_choices, country_name, format_dt, format_money
from tests.conftest import PASSWORD

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"


def translate(lang: str, message: str) -> str:
    """The catalog's translation, which must differ from the English (so no test passes vacuously)."""
    text = Translations.load(str(TRANSLATIONS), [lang]).gettext(message)
    assert text != message, f"{message!r} has no {lang} translation"
    return text


def html_lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


def test_visitor_language_follows_accept_language(client):
    response = client.get("/", headers={"Accept-Language": "es-CO,es;q=0.9,en;q=0.5"})
    assert html_lang(response.text) == "es"
    assert translate("es", "Browse the partners") in response.text


def test_unsupported_browser_language_falls_back_to_english(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE"}).text) == "en"


def test_switcher_sets_a_cookie_that_beats_accept_language(client):
    response = client.post("/language", data={"lang": "fr", "next": "/organisations?q=x"})
    assert response.headers["Location"] == "/organisations?q=x"
    assert "hub_lang=fr" in response.headers["Set-Cookie"]
    page = client.get("/", headers={"Accept-Language": "es"}).text
    assert html_lang(page) == "fr" and translate("fr", "Browse the partners") in page


def test_switcher_refuses_unknown_languages_and_external_targets(client):
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "hub_lang" not in response.headers.get("Set-Cookie", "")


def test_signed_in_language_comes_from_the_profile_and_the_switcher_updates_it(client, login, make_user):
    from tests.conftest import reload

    user = make_user(locale="es")
    login(user)
    assert html_lang(client.get("/account", headers={"Accept-Language": "fr"}).text) == "es"
    client.post("/language", data={"lang": "fr", "next": "/account"})
    assert reload(user).locale == "fr"
    assert html_lang(client.get("/account").text) == "fr"


def test_dates_are_in_the_users_language_and_time_zone_with_the_zone_named(client, login, make_user):
    user = make_user(locale="fr", timezone="America/Bogota")
    login(user)
    page = client.get("/account").text
    assert "(America/Bogota)" in page


def test_formatting_follows_the_locale(app):
    moment = datetime(2026, 3, 5, 14, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        with force_locale("fr"):
            assert "mars" in format_dt(moment, "long") and "(UTC)" in format_dt(moment)
            assert format_money(1234.5, "EUR").replace("\u202f", " ").replace("\xa0", " ") == "1 234,50 €"
            assert country_name("DEU") == "Allemagne"
            names = [name for _code, name in country_choices()]
            # Collation: accents don't push "Égypte" after "Zimbabwe".
            assert names.index("Égypte") < names.index("Espagne") < names.index("Zimbabwe")
        with force_locale("es"):
            assert country_name("DEU") == "Alemania"
            assert format_money(1234.5, "USD").startswith("1234,50") or "1.234,50" in format_money(1234.5, "USD")
            assert str(get_locale()) == "es"


LIKELY = lazy_gettext("Likely duplicate")  # module level, as vocabularies are


def test_a_translator_says_what_flask_babel_says_in_each_language(app):
    seen = set()
    with app.test_request_context():
        for lang in ("en", "fr", "es"):
            with force_locale(lang):
                tr = Translator()
                assert tr.label(LIKELY) == tr.label(LIKELY) == str(LIKELY)  # the second from its memory
                assert tr.gettext("Countries in common: %(names)s", names="Kenya") == gettext(
                    "Countries in common: %(names)s", names="Kenya")
                assert tr.ngettext("The periods overlap for %(num)d month", "The periods overlap for %(num)d months",
                                   3) == ngettext("The periods overlap for %(num)d month",
                                                  "The periods overlap for %(num)d months", 3)
                assert tr.label("already text") == "already text" and tr.label(None) == ""
                seen.add(tr.label(LIKELY))
    assert seen == {"Likely duplicate", translate("fr", "Likely duplicate"), translate("es", "Likely duplicate")}


def test_emails_are_written_in_the_recipients_language(app, client, make_user, outbox):
    user = make_user(locale="es")
    # The visitor asking for the reset browses in French; the e-mail follows the account's Spanish.
    client.post("/password/forgot", data={"email": user.email}, headers={"Accept-Language": "fr"})
    mail = outbox[-1]
    assert mail["Subject"] == translate("es", "Reset your Alliance 8.7 Hub password")
    body = mail.get_content()
    assert translate("es", "If it was not you, ignore this e-mail: your password stays as it is.") in body
    assert mail["Content-Language"] == "es"


def test_scheduled_emails_are_in_each_recipients_language(app, make_user, make_org, outbox):
    from datetime import timedelta

    from app.jobs import remind_admins_of_pending_applications
    from app.members.models import OrganisationStatus
    from app.utils import utcnow

    make_user("admin-fr@example.org", admin=True, locale="fr")
    make_user("admin-es@example.org", admin=True, locale="es")
    make_org(status=OrganisationStatus.pending, created_at=utcnow() - timedelta(days=3))
    remind_admins_of_pending_applications(now=utcnow())
    subjects = {m["To"]: m["Subject"] for m in outbox}
    assert subjects == {"admin-fr@example.org": translate("fr", "Applications waiting for you"),
                        "admin-es@example.org": translate("es", "Applications waiting for you")}


def test_form_errors_are_translated(client):
    response = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": "fr"})
    assert translate("fr", "Enter your e-mail address.") in response.text
    assert translate("fr", "Please correct the following:") in response.text


def test_a_language_picked_before_signing_in_is_kept(client, make_user):
    from tests.conftest import reload

    user = make_user(locale="en")
    client.post("/language", data={"lang": "es", "next": "/login"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert reload(user).locale == "es"
    assert html_lang(client.get("/account").text) == "es"


def test_without_a_switcher_choice_the_profile_language_wins(client, make_user):
    user = make_user(locale="fr")
    client.post("/login", data={"email": user.email, "password": PASSWORD}, headers={"Accept-Language": "es"})
    assert html_lang(client.get("/account", headers={"Accept-Language": "es"}).text) == "fr"
