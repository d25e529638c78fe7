"""Every kind of e-mail, sent by the real services, is entirely in its recipient's language and time zone.

The kinds are the templates under ``templates/email/``: a new template without a way to send it here fails
:func:`test_every_email_kind_is_covered`. Each e-mail goes to a person whose language is French or Spanish
(and English, as the reference) and whose zone is Bangkok, sent while nobody is signed in (a scheduled job)
and while someone English-speaking in another zone is (a convener at their desk).
"""
from __future__ import annotations

import re
from email import message_from_bytes, policy
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from babel import Locale
from babel.messages.extract import extract_from_file
from flask_babel import force_locale, get_translations

from app import jobs
from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.commitments.models import Deliverable, Indicator, Pledge, PledgeState
from app.extensions import db
from app.forums import consultations
from app.forums import services as forum_services
from app.mail import SUBJECT_MAX
from app.members import services as members
from app.members.models import User, UserStatus
from app.members.passwords import hash_password
from app.notifications.services import notify, queue_daily_digests
from app.utils import search_text_of
from tests.conftest import PASSWORD
from tests.strategies import fuzz

APP = Path(__file__).resolve().parents[2] / "app"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ZONE = "Asia/Bangkok"
LANGUAGES = ["fr", "es"]

# Words of the interface that are English whatever the data: month and day names (CLDR's own, so none is
# missed), and the words Babel writes in English dates and times.
ENGLISH_DATE_WORDS = (set(Locale("en").months["format"]["wide"].values())
                      | set(Locale("en").days["format"]["wide"].values())
                      | {"AM", "PM", "Coordinated Universal Time", "Indochina Time", "Standard Time"})


def templates() -> dict[str, Path]:
    """Every e-mail kind: name -> template (partials such as the signature start with "_")."""
    return {p.stem: p for p in sorted(APP.rglob("templates/email/*.txt")) if not p.stem.startswith("_")}


def template_messages(path: Path) -> list[tuple[str, ...]]:
    """The English msgids a template marks for translation (singular and plural forms)."""
    options = {"extensions": "jinja2.ext.do"}
    found = []
    for paths in (path, APP / "templates/email/_signature.txt"):
        for _line, message, _comments, _context in extract_from_file("jinja2", paths, options=options):
            found.append(message if isinstance(message, tuple) else (message,))
    return found


def english_leftovers(text: str, lang: str, msgids: list[tuple[str, ...]]) -> list[str]:
    """Pieces of the English interface left in ``text``: date words, and runs of three or more words of an
    English msgid (between its placeholders) that the language's translation does not itself contain."""
    found = sorted(w for w in ENGLISH_DATE_WORDS if re.search(rf"\b{re.escape(w)}\b", text))
    with force_locale(lang):
        catalog = get_translations()
        for forms in msgids:
            translated = " ".join(catalog.ugettext(forms[0]) if len(forms) == 1 else
                                  catalog.ungettext(forms[0], forms[1], n) for n in (1, 2))
            for form in forms:
                for piece in re.split(r"%\(\w+\)[sd]|%%", form):
                    piece = piece.strip(" .,:;“”()—–-")
                    if len(piece.split()) >= 3 and piece not in translated and piece in text:
                        found.append(piece)
    return found


# -- the world the e-mails are about --------------------------------------------------------------------------
@pytest.fixture
def world(app, make_org, make_user):
    """People who read French, Spanish and English (all in Bangkok), a secretariat, a group, a Forum."""
    home = make_org("Organización Zeta")
    other = make_org("Organisation Kappa")
    admin_en = make_user("admin@example.org", org=home, admin=True, full_name="Ada Admin", timezone="Europe/London")
    readers = {lang: make_user(f"reader-{lang}@example.org", org=other, full_name=f"Lectora {lang.upper()}",
                               locale=lang, timezone=ZONE) for lang in ("en", "fr", "es")}
    convener = make_user("convener@example.org", org=home, full_name="Cleo Convener", timezone="America/Chicago")
    group = ActionGroup(slug="cadenas", name="Cadenas de suministro", mandate="Cadenas limpias.")
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=convener.id, role=GroupRole.convener))
    db.session.add_all(Membership(group_id=group.id, user_id=r.id, role=GroupRole.member) for r in readers.values())
    db.session.commit()
    counter = iter(range(1, 1_000_000))
    # ``title`` and ``text`` are what people typed (the fuzz test below varies them); ``tag()`` keeps the
    # addresses and slugs of each run apart.
    return SimpleNamespace(home=home, other=other, admin=admin_en, readers=readers, convener=convener, group=group,
                           make_user=make_user, make_org=make_org, title="Inspección Zeta",
                           text="Añadan un indicador.", tag=lambda: next(counter))


def _poll(w, now=NOW):
    data = consultations.ConsultationData(
        title=w.title, purpose="Acordar la **guía**.", agenda="1. Guía", duration_minutes=60,
        online_url="https://meet.example.org/zeta", audience="group", group_id=w.group.id, timezone="Europe/Zurich",
        slots=[(date(2026, 12, 8), time(9, 0)), (date(2026, 12, 10), time(15, 0))],
        deadline_on=date(2026, 12, 5), deadline_time=time(12, 0))
    poll = consultations.create_consultation(w.convener, data, now=now)
    db.session.commit()
    return poll


def _meeting(w):
    poll = _poll(w)
    consultations.confirm_slot(w.convener, poll, poll.slots[1], now=NOW)
    db.session.commit()
    return poll


def _as_member(w, lang, **changes):
    """The reader of ``lang`` as the secretariat sees them in the review queue (pending, in an active org)."""
    user = w.make_user(f"pending-{lang}-{w.tag()}@example.org", org=w.other, status=UserStatus.pending,
                       full_name=w.title, locale=lang, timezone=ZONE, **changes)
    return user


def send_password_reset(w, lang):
    members.request_password_reset(w.readers[lang].email, now=NOW)
    db.session.commit()


def send_password_changed(w, lang):
    w.readers[lang].password_hash = hash_password(PASSWORD)  # as if never changed (the fuzz test sends it again)
    members.change_password(w.readers[lang], PASSWORD, "otra frase bastante larga 7", now=NOW)
    db.session.commit()


def send_invitation(w, lang):
    members.invite_user(w.admin, w.other, members.PersonData(w.title, f"new-{lang}-{w.tag()}@example.org",
                                                             timezone=ZONE, locale=lang), "focal_point", now=NOW)
    db.session.commit()


def send_application_received(w, lang):
    members.apply_with_new_organisation(
        members.OrganisationData(f"Fundación {w.tag()}", "civil_society", "KEN"),
        members.PersonData(w.title, f"applicant-{lang}-{w.tag()}@example.org", timezone=ZONE, locale=lang),
        "una frase de paso muy larga 9")
    db.session.commit()


def send_admin_new_application(w, lang):
    w.admin.locale, w.admin.timezone = lang, ZONE
    db.session.commit()
    members.apply_to_join(w.other, members.PersonData(w.title, f"applicant-{lang}-{w.tag()}@example.org"),
                          "una frase de paso muy larga 9")
    db.session.commit()


def send_admin_pending_digest(w, lang):
    w.admin.locale, w.admin.timezone = lang, ZONE
    _as_member(w, lang, created_at=NOW - timedelta(days=3))
    # The digest goes once a day: each run's on its own day.
    jobs.remind_admins_of_pending_applications(now=NOW + timedelta(days=w.tag()))


def send_application_approved(w, lang):
    members.approve_user(w.admin, _as_member(w, lang), now=NOW)
    db.session.commit()


def send_application_declined(w, lang):
    members.decline_user(w.admin, _as_member(w, lang), w.text.strip() or "Motivo.")
    db.session.commit()


def send_notification(w, lang):
    notify(w.readers[lang], "pledge_returned", key=f"k-{w.tag()}", url="/pledges/1", actor=w.admin, now=NOW,
           pledge=w.title, message=w.text)
    db.session.commit()


def send_notification_digest(w, lang):
    for n in range(2):
        notify(w.readers[lang], "thread_new", key=f"t-{w.tag()}", url="/actiongroups/cadenas/workspace",
               actor=w.admin, now=NOW, thread=w.title, group="Cadenas de suministro")
    queue_daily_digests(NOW + timedelta(days=w.tag()))
    db.session.commit()


def send_pledge_reminder(w, lang):
    pledge = Pledge(organisation_id=w.other.id, coordinator_id=w.readers[lang].id, created_by_id=w.readers[lang].id,
                    state=PledgeState.published, title=w.title, description="Formar inspectores.",
                    contribution="Inspecciones que terminan con el trabajo infantil.", areas=["child_labour"],
                    action_type="programme_services", countries=["KEN"], target_groups=["children"],
                    start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), resources_amount=Decimal("5000"),
                    resources_currency="USD", published_at=datetime(2026, 1, 15, tzinfo=timezone.utc))
    pledge.search_text = search_text_of(pledge.title, pledge.description)
    pledge.deliverables.append(Deliverable(position=0, title="Currículo", due_date=date(2026, 7, 10)))
    pledge.indicators.append(Indicator(position=0, name="Inspectores", unit="personas", baseline=Decimal(0),
                                       target=Decimal(200)))
    pledge.refresh_schedule()
    db.session.add(pledge)
    db.session.commit()
    jobs.remind_pledge_deadlines(now=datetime(2026, 6, 26, 6, 30, tzinfo=timezone.utc))


def send_consultation_poll(w, lang):
    _poll(w)


def send_meeting_invitation(w, lang):
    meeting = _meeting(w)
    consultations.reschedule(w.convener, meeting, meeting.starts_at + timedelta(days=1), now=NOW, message=w.text)
    db.session.commit()


def send_meeting_cancelled(w, lang):
    consultations.cancel(w.convener, _meeting(w), w.text, now=NOW)
    db.session.commit()


def send_meeting_minutes(w, lang):
    meeting = _meeting(w)
    consultations.save_minutes(w.convener, meeting, w.text, send=True,
                               now=meeting.starts_at + timedelta(hours=2))
    db.session.commit()


def send_meeting_reminder(w, lang):
    meeting = _meeting(w)
    jobs.send_meeting_reminders(now=meeting.starts_at - timedelta(hours=24))


def send_forum_reminder(w, lang):
    forum = forum_services.create_forum(w.admin, forum_services.ForumData(
        title=w.title, slug=f"foro-{w.tag()}", starts_on=date(2027, 3, 27), ends_on=date(2027, 3, 29),
        timezone="Europe/Zurich", venue_name="Palais des Nations", venue_address="Genève", capacity=None,
        is_published=True, registration_closes_on=date(2027, 3, 20), registration_closes_time=time(18, 0),
        tracks=["Cadenas"], rooms=["Sala XVII"], description="La reunión anual."), now=NOW)
    forum_services.register(w.readers[lang], forum, now=NOW)
    db.session.commit()
    jobs.send_meeting_reminders(now=datetime(2027, 3, 26, 3, 0, tzinfo=timezone.utc))


def send_forum_registration(w, lang):
    """A place at a full Forum frees up: the registration, the waiting list and the move up, each confirmed."""
    forum = forum_services.create_forum(w.admin, forum_services.ForumData(
        title=w.title, slug=f"foro-lleno-{w.tag()}", starts_on=date(2027, 3, 27), ends_on=date(2027, 3, 29),
        timezone="Europe/Zurich", venue_name="Palais des Nations", venue_address="Genève", capacity=1,
        is_published=True, registration_closes_on=date(2027, 3, 20), registration_closes_time=time(18, 0),
        tracks=["Cadenas"], rooms=["Sala XVII"], description="La reunión anual."), now=NOW)
    first = forum_services.register(w.admin, forum, now=NOW)
    forum_services.register(w.readers[lang], forum, now=NOW)
    forum_services.withdraw(w.admin, first, now=NOW)
    db.session.commit()


def send_newsletter(w, lang):
    from app.news import services as news
    from app.newsletter import services as newsletter

    newsletter.subscribe(w.readers[lang])
    month = NOW + timedelta(days=31 * w.tag())  # a new issue each time (one a month)
    news.create_post(w.admin, news.NewsData(title=w.title, body=w.text or "-"), now=month - timedelta(days=1))
    db.session.commit()
    jobs.send_newsletter(now=month)


SENDERS = {name[len("send_"):]: fn for name, fn in globals().items() if name.startswith("send_")}


def test_every_email_kind_is_covered():
    """A new e-mail template needs a way to send it above, so that its languages are tested."""
    assert sorted(SENDERS) == sorted(templates())


@pytest.fixture
def sent(world, outbox, monkeypatch):
    """Run a sender and return the e-mails of the kind it is about, addressed to the reader, with their
    template (queue_email renders exactly one template per message, in the order they are delivered)."""
    import app.mail as mail

    rendered: list[str] = []
    real = mail.render_template

    def spy(name, **context):
        rendered.append(name)
        return real(name, **context)

    monkeypatch.setattr(mail, "render_template", spy)

    def _sent(kind, lang):
        outbox.clear()
        rendered.clear()
        SENDERS[kind](world, lang)
        delivered = list(outbox)  # the worker's drain renders what a sender fanned out (a meeting's invitees)
        assert len(rendered) == len(delivered)
        readers = set(db.session.scalars(sa.select(User.email).where(User.locale == lang)))
        return [m for name, m in zip(rendered, delivered) if name == f"email/{kind}.txt" and m["To"] in readers]

    return _sent


def _body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(templates()))
def test_every_email_is_entirely_in_the_recipients_language(kind, lang, sent, world):
    english = sent(kind, "en")
    assert english, f"no {kind} e-mail was sent"
    english_subject = english[0]["Subject"]
    messages = sent(kind, lang)
    assert messages, f"no {kind} e-mail was sent in {lang}"
    msgids = template_messages(templates()[kind])
    for msg in messages:
        assert msg["Content-Language"] == lang
        body = _body(msg)
        assert english_leftovers(body, lang, msgids) == [], body
        assert not any(re.search(rf"\b{w}\b", msg["Subject"]) for w in ENGLISH_DATE_WORDS)
        assert msg["Subject"] != english_subject, "the subject is not translated"
        assert len(msg["Subject"]) <= SUBJECT_MAX


@pytest.mark.parametrize("kind", ["consultation_poll", "meeting_invitation", "meeting_reminder",
                                  "meeting_cancelled"])
def test_times_are_in_the_recipients_zone_with_the_zone_named(kind, sent, world):
    """15:00 in Zurich on 10 December is 21:00 in Bangkok; the e-mail says so, and names the zone."""
    messages = sent(kind, "fr")
    assert messages
    for msg in messages:
        body = _body(msg)
        assert "(Asia/Bangkok)" in body
        assert "Europe/Zurich" not in body and "America/Chicago" not in body


def test_emails_sent_while_someone_else_is_signed_in_are_in_the_recipients_terms(app, world, outbox):
    """The convener (English, Chicago) confirms the meeting from their browser: the French reader's
    invitation is still in French, in Bangkok time."""
    poll = _poll(world)
    outbox.clear()
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(db.session.get(User, world.convener.id))
        consultations.confirm_slot(world.convener, poll, poll.slots[1], now=NOW)
        db.session.commit()
    french = [m for m in outbox if m["To"] == world.readers["fr"].email]
    assert len(french) == 1
    body = _body(french[0])
    assert "jeu. 10 déc. 2026" in body and "21:00" in body and "(Asia/Bangkok)" in body
    assert "Thursday" not in body and "December" not in body and "Chicago" not in body


# -- fuzz: whatever people typed, every kind in every language ----------------------------------------------
printable = st.characters(blacklist_categories=("Cs", "Cc"))
typed_title = st.text(alphabet=printable, min_size=1, max_size=200).filter(lambda t: t.strip())
# What reaches the services: the request class drops NUL characters at the door (app/http.py), and
# PostgreSQL refuses them in text.
typed_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                     max_size=2000)


@fuzz(40)
@given(kind=st.sampled_from(sorted(templates())), lang=st.sampled_from(["en", "fr", "es"]), title=typed_title,
       text=typed_text, zone=st.sampled_from([ZONE, "Pacific/Chatham", "America/St_Johns", "UTC", "", "Mars/Base"]))
def test_every_email_kind_renders_in_every_language_whatever_was_typed(sent, world, kind, lang, title, text, zone):
    world.title, world.text = title, text
    world.readers[lang].timezone = zone
    db.session.commit()
    messages = sent(kind, lang)
    assert messages, f"no {kind} e-mail was sent in {lang}"
    for msg in messages:
        parsed = message_from_bytes(bytes(msg), policy=policy.default)  # a well-formed message, as sent
        subject = parsed["Subject"]
        assert subject and "\n" not in subject and len(subject) <= SUBJECT_MAX
        assert parsed["Content-Language"] == lang
        body = _body(parsed)
        assert "Dear" not in body if lang != "en" else body.startswith("Dear")
        if lang != "en":
            without_typed = body.replace(title, " ").replace(" ".join(title.split()), " ")
            for line in text.splitlines():
                without_typed = without_typed.replace(line.strip(), " ") if line.strip() else without_typed
            assert not [w for w in ENGLISH_DATE_WORDS if re.search(rf"\b{re.escape(w)}\b", without_typed)]
