"""Guests of a consultation: people without a Hub account whom the convener invites by e-mail address. They
answer through their personal link (no sign-up), appear as "Name (guest)", and get the meeting's e-mails with
the calendar file; nothing else of the Hub opens with their link."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest

from app.audit import AuditEntry
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.forums import consultations, reminders
from app.forums.consultation_models import Invitee
from tests.conftest import reload
from tests.forums.conftest import NOW, poll_data

GUEST = consultations.GuestData("Gaëlle Guest", "Gaelle.Guest@Outside.example", "fr")


def _guest(poll, email="gaelle.guest@outside.example") -> Invitee:
    return next(i for i in poll.invitees if i.guest_email == email)


def _path(url: str) -> str:
    return urlsplit(url).path


def _in_english(client):
    """The guest of these tests reads French; this client chose English with the footer's switcher."""
    from app.i18n import LANG_COOKIE

    client.set_cookie(LANG_COOKIE, "en")
    return client


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def guest(poll, people):
    invitee = consultations.add_guest(people.convener, poll, GUEST, now=NOW)
    db.session.commit()
    return invitee


# -- adding and removing ------------------------------------------------------------------------------------------
def test_a_guest_is_an_invitee_with_a_name_an_address_and_a_language(guest, poll):
    assert guest.is_guest and guest.user_id is None
    assert (guest.guest_name, guest.guest_email, guest.guest_locale) == ("Gaëlle Guest", "gaelle.guest@outside.example",
                                                                        "fr")
    assert guest.label == "Gaëlle Guest (guest)"
    assert guest.zone == poll.timezone  # until they choose another


def test_guests_can_be_named_when_the_consultation_is_created(people, group, outbox):
    poll = consultations.create_consultation(people.convener, poll_data(group, guests=[
        consultations.GuestData("", "", ""),  # an empty row is skipped
        consultations.GuestData("Olu Outside", "olu@outside.example", "")]), now=NOW)
    db.session.commit()
    olu = _guest(poll, "olu@outside.example")
    assert olu.guest_locale == people.convener.locale  # the convener's language by default
    assert "olu@outside.example" in [m["To"] for m in outbox]


def test_guests_alone_make_a_consultation_of_named_people(people, group):
    poll = consultations.create_consultation(people.convener, poll_data(
        None, guests=[consultations.GuestData("Olu Outside", "olu@outside.example", "es")]), now=NOW)
    assert [i.label for i in poll.invitees if i.is_guest] == ["Olu Outside (guest)"]


@pytest.mark.parametrize("data, field, message", [
    (consultations.GuestData("", "x@outside.example"), "name", "name"),
    (consultations.GuestData("Xavier", ""), "email", "e-mail address"),
    (consultations.GuestData("Xavier", "not an address"), "email", "such as name@example.org"),
    (consultations.GuestData("Xavier", "x@@outside.example"), "email", "such as name@example.org"),
    (consultations.GuestData("Xavier", "invitee2@EXAMPLE.org"), "email", "belongs to a Hub account"),
    (consultations.GuestData("Xavier", "GAELLE.guest@outside.example"), "email", "invited already"),
    (consultations.GuestData("Xavier", "x@outside.example", "de"), "locale", "language"),
])
def test_bad_guests_are_refused_next_to_the_field(guest, poll, people, data, field, message):
    with pytest.raises(DomainError, match=message) as error:
        consultations.add_guest(people.convener, poll, data, now=NOW)
    assert error.value.field == field
    db.session.rollback()
    assert sum(1 for i in reload(poll).invitees if i.is_guest) == 1


def test_a_row_of_the_creation_form_is_named_in_the_error(people, group):
    rows = [consultations.GuestData("A", "same@outside.example"), consultations.GuestData("B", "Same@outside.example")]
    with pytest.raises(DomainError) as error:
        consultations.create_consultation(people.convener, poll_data(group, guests=rows), now=NOW)
    assert error.value.field == "guests-1-email"


def test_a_consultation_has_at_most_max_guests(poll, people, monkeypatch):
    monkeypatch.setattr(consultations, "MAX_GUESTS", 2)
    for n in range(2):
        consultations.add_guest(people.convener, poll, consultations.GuestData(f"G{n}", f"g{n}@outside.example"),
                                now=NOW)
    with pytest.raises(DomainError, match="at most 2 guests") as error:
        consultations.add_guest(people.convener, poll, consultations.GuestData("G2", "g2@outside.example"), now=NOW)
    assert error.value.field == "email"


def test_only_the_convener_adds_or_removes_guests(guest, poll, people):
    with pytest.raises(NotAllowedError):
        consultations.add_guest(people.invitee, poll, consultations.GuestData("X", "x@outside.example"), now=NOW)
    with pytest.raises(NotAllowedError):
        consultations.remove_guest(people.invitee, guest)
    with pytest.raises(DomainError):
        consultations.remove_guest(people.convener, next(i for i in poll.invitees if not i.is_guest))


def test_no_guest_joins_a_closed_or_cancelled_consultation(poll, people):
    consultations.close_poll(people.convener, poll, now=NOW)
    with pytest.raises(InvalidTransitionError):
        consultations.add_guest(people.convener, poll, GUEST, now=NOW)


def test_adding_and_removing_are_audited(guest, poll, people):
    consultations.remove_guest(people.convener, guest)
    db.session.commit()
    entries = db.session.query(AuditEntry).filter(AuditEntry.action.like("consultation_guest_%")).order_by(
        AuditEntry.id).all()
    assert [(e.action, e.detail["guest"], e.actor_id) for e in entries] == [
        ("consultation_guest_added", "Gaëlle Guest", people.convener.id),
        ("consultation_guest_removed", "Gaëlle Guest", people.convener.id)]


def test_the_database_holds_exactly_one_of_a_member_and_a_guest(poll, people):
    from sqlalchemy.exc import IntegrityError

    db.session.add(Invitee(consultation_id=poll.id, user_id=people.partner.id, guest_name="X",
                           guest_email="x@outside.example"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# -- the invitation e-mail ------------------------------------------------------------------------------------------
def test_the_guest_invitation_is_in_their_language_with_the_link_on_base_url(poll, people, outbox, app):
    outbox.clear()
    guest = consultations.add_guest(people.convener, poll, GUEST, now=NOW)
    db.session.commit()
    [mail] = [m for m in outbox if m["To"] == "gaelle.guest@outside.example"]
    assert mail["Subject"] == f"Vos disponibilités, s’il vous plaît : {poll.title}"
    assert mail["Content-Language"] == "fr"
    body = _body(mail)
    assert "Bonjour Gaëlle Guest," in body
    assert "avant le sam. 5 déc. 2026, 12:00 (Europe/Zurich)" in body  # in French, in the consultation's zone
    link = consultations.personal_url(guest)
    assert link.startswith(app.config["BASE_URL"] + "/forums/c/") and link in body
    # No link to a Hub page they cannot open, and no word about an account they do not have.
    assert f"/forums/consultations/{poll.id}" not in body
    assert "compte" not in body and "invité" in body


def test_the_guest_invitation_follows_base_url(app, guest, poll, monkeypatch, outbox):
    monkeypatch.setitem(app.config, "BASE_URL", "https://hub.example.net/prefix")
    outbox.clear()
    consultations.send_new_link(poll.convener, guest)
    db.session.commit()
    [mail] = list(outbox)
    link = consultations.personal_url(guest)
    assert link.startswith("https://hub.example.net/prefix/forums/c/") and link in _body(mail)


# -- answering through the link -------------------------------------------------------------------------------------
def test_a_guest_answers_through_the_link_without_signing_in_and_changes_until_the_poll_closes(client, guest, poll,
                                                                                              people):
    link = _path(consultations.personal_url(guest))
    _in_english(client)
    page = client.get(link)
    assert page.status_code == 200 and "through your personal link" in page.text
    s = [slot.id for slot in poll.slots]
    response = client.post(link, data={"action": "answer", f"slot-{s[0]}": "yes", f"slot-{s[1]}": "maybe",
                                       f"slot-{s[2]}": "", "comment": "Only the first half hour."})
    assert response.status_code == 302
    guest = reload(guest)
    assert {a.slot_id: a.choice.value for a in guest.answers} == {s[0]: "yes", s[1]: "maybe"}  # s[2] unanswered
    assert guest.comment == "Only the first half hour." and guest.answered_at is not None
    client.post(link, data={"action": "answer", f"slot-{s[0]}": "no"})
    assert {a.slot_id: a.choice.value for a in reload(guest).answers} == {s[0]: "no", s[1]: "maybe"}
    # Closed: shown read-only, and a save changes nothing.
    consultations.close_poll(people.convener, reload(poll), now=NOW)
    db.session.commit()
    page = client.get(link).text
    assert "answers can no longer change" in page and 'id="answer-form"' not in page
    assert "Gaëlle Guest (guest)" in page  # their answers stay in the grid
    client.post(link, data={"action": "answer", f"slot-{s[0]}": "yes"})
    assert {a.slot_id: a.choice.value for a in reload(guest).answers} == {s[0]: "no", s[1]: "maybe"}


def test_the_guests_page_is_in_their_language_unless_they_choose_another(client, guest, poll, people):
    link = _path(consultations.personal_url(guest))
    page = client.get(link, headers={"Accept-Language": "es"}).text
    assert '<html lang="fr">' in page and "Enregistrer mes réponses" in page
    assert '<html lang="en">' in _in_english(client).get(link).text
    # A member's personal link keeps the usual rule (here: the browser's language).
    member = next(i for i in poll.invitees if i.user_id == people.invitee.id)
    other = client.application.test_client()
    assert '<html lang="es">' in other.get(_path(consultations.personal_url(member)),
                                           headers={"Accept-Language": "es"}).text


def test_the_service_refuses_answers_after_the_deadline(guest, poll):
    with pytest.raises(InvalidTransitionError):
        consultations.answer_poll(guest, {poll.slots[0].id: "yes"}, now=poll.deadline_at + timedelta(seconds=1))


def test_the_link_opens_nothing_else(client, guest, poll):
    link = _path(consultations.personal_url(guest))
    page = client.get(link).text
    assert "Convener&#39;s tools" not in page and "Convener's tools" not in page
    assert f"/forums/consultations/{poll.id}.ics" not in page
    assert "gaelle.guest@outside.example" not in page  # the address is for the convener's eyes
    # Nobody was signed in by the link: the consultation's page still asks to sign in.
    assert client.get(f"/forums/consultations/{poll.id}").status_code == 302
    assert client.get("/forums/consultations/new").status_code == 302


def test_the_guest_chooses_the_zone_the_times_are_shown_in(client, guest, poll):
    link = _path(consultations.personal_url(guest))
    _in_english(client)
    assert "Times are shown in Europe/Zurich." in client.get(link).text  # the consultation's
    client.post(link, data={"action": "zone", "timezone": "Asia/Tokyo"})
    assert reload(guest).guest_timezone == "Asia/Tokyo"
    assert "Times are shown in Asia/Tokyo." in client.get(link).text
    client.post(link, data={"action": "zone", "timezone": "Mars/Olympus"})
    assert reload(guest).guest_timezone == "Asia/Tokyo"


@pytest.mark.parametrize("end", ["remove", "revoke", "tamper"])
def test_a_removed_revoked_or_tampered_link_is_not_found(client, guest, people, end):
    link = _path(consultations.personal_url(guest))
    if end == "remove":
        consultations.remove_guest(people.convener, guest)
    elif end == "revoke":
        consultations.revoke_link(people.convener, guest)
    else:
        link = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"action": "answer", "all": "yes"}).status_code == 404


def test_saves_through_one_link_are_rate_limited(make_app, guest):
    link = _path(consultations.personal_url(guest))
    client = make_app(RATELIMIT_ENABLED=True, PERSONAL_LINK_RATE_LIMIT="2 per minute").test_client()
    codes = [client.post(link, data={"action": "answer", "all": "yes"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert client.get(link).status_code == 200  # reading is not counted


# -- where guests are listed ---------------------------------------------------------------------------------------
def test_guests_are_marked_in_the_grid_and_their_address_shown_to_the_convener_only(client, login, guest, poll,
                                                                                     people):
    consultations.answer_poll(guest, {poll.slots[0].id: "yes"}, now=NOW)
    db.session.commit()
    login(people.convener)
    page = client.get(f"/forums/consultations/{poll.id}").text
    assert "Gaëlle Guest (guest)" in page and "gaelle.guest@outside.example" in page
    assert "Remove the guest" in page
    client.post("/logout")
    login(people.invitee)
    page = client.get(f"/forums/consultations/{poll.id}").text
    assert "Gaëlle Guest (guest)" in page and "gaelle.guest@outside.example" not in page
    assert "Remove the guest" not in page


def test_the_ranking_counts_the_guests_answers(guest, poll, people):
    consultations.answer_poll(guest, {poll.slots[2].id: "yes"}, now=NOW)
    best = consultations.rank_slots(poll)[0]
    assert best.slot.id == poll.slots[2].id and best.yes == 1


def test_guests_are_not_given_action_items(guest, people):
    meeting = consultations.create_consultation(people.convener, poll_data(
        None, emails=people.invitee.email, guests=[consultations.GuestData("Olu", "olu@outside.example")]), now=NOW)
    assert all(p.id in (people.convener.id, people.invitee.id) for p in consultations.action_item_people(meeting))


# -- the meeting's e-mails --------------------------------------------------------------------------------------------
def _calendar(message) -> icalendar.Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_confirm_reschedule_cancel_reach_the_guest_with_the_calendar_file(guest, poll, people, outbox):
    outbox.clear()
    consultations.confirm_slot(people.convener, poll, poll.slots[1], now=NOW)
    db.session.commit()
    [mail] = [m for m in outbox if m["To"] == "gaelle.guest@outside.example"]
    assert mail["Subject"] == f"Invitation : {poll.title}"
    event = next(iter(_calendar(mail).walk("VEVENT")))
    attendees = {str(a): a.params.get("CN") for a in event.get("attendee")}
    assert attendees["mailto:gaelle.guest@outside.example"] == "Gaëlle Guest"
    assert f"mailto:{people.invitee.email}" in attendees
    body = _body(mail)
    assert consultations.personal_url(guest) in body and f"/forums/consultations/{poll.id}" not in body
    # Through the link the guest accepts.
    consultations.respond(guest, "accepted", now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.reschedule(people.convener, poll, poll.starts_at + timedelta(days=1), now=NOW)
    db.session.commit()
    [mail] = [m for m in outbox if m["To"] == "gaelle.guest@outside.example"]
    assert mail["Subject"] == f"Mise à jour : {poll.title}"
    assert int(next(iter(_calendar(mail).walk("VEVENT")))["sequence"]) == 1
    outbox.clear()
    consultations.cancel(people.convener, poll, "", now=NOW)
    db.session.commit()
    [mail] = [m for m in outbox if m["To"] == "gaelle.guest@outside.example"]
    assert str(_calendar(mail)["method"]) == "CANCEL"


def test_a_guest_added_to_a_scheduled_meeting_gets_the_invitation(poll, people, outbox):
    consultations.confirm_slot(people.convener, poll, poll.slots[1], now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.add_guest(people.convener, poll, GUEST, now=NOW)
    db.session.commit()
    [mail] = list(outbox)
    assert mail["To"] == "gaelle.guest@outside.example" and _calendar(mail)["method"] == "REQUEST"


def test_guests_are_reminded_like_members(guest, poll, people, outbox):
    outbox.clear()
    assert consultations.remind_non_respondents(people.convener, poll, now=NOW) == 3
    db.session.commit()
    assert "gaelle.guest@outside.example" in [m["To"] for m in outbox]
    outbox.clear()
    poll = reload(poll)
    for invitee in poll.invitees:
        invitee.reminded_at = None
    db.session.commit()
    assert reminders.remind_unanswered(poll.deadline_at - timedelta(hours=2)) == 3
    db.session.commit()
    assert "gaelle.guest@outside.example" in [m["To"] for m in outbox]


def test_guests_get_the_meeting_reminder_with_their_link(guest, poll, people, outbox):
    consultations.confirm_slot(people.convener, poll, poll.slots[1], now=NOW)
    db.session.commit()
    outbox.clear()
    assert reminders.send_meeting_reminders(poll.starts_at - timedelta(minutes=30)) == 4
    db.session.commit()
    [mail] = [m for m in outbox if m["To"] == "gaelle.guest@outside.example"]
    assert consultations.personal_url(guest) in _body(mail)


# -- the convener's forms --------------------------------------------------------------------------------------------
def _add(client, poll, **data):
    return client.post(f"/forums/consultations/{poll.id}/guests/new",
                       data={f"guest-{k}": v for k, v in data.items()})


def test_the_convener_adds_a_guest_from_the_consultation_page(client, login, poll, people, outbox):
    login(people.convener)
    page = client.get(f"/forums/consultations/{poll.id}").text
    assert 'id="guest-form"' in page and 'name="guest-email"' in page
    assert '<option selected value="en">' in page or 'value="en" selected' in page  # the convener's language
    outbox.clear()
    response = _add(client, poll, name="Olu Outside", email="olu@outside.example", locale="es")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/forums/consultations/{poll.id}")
    olu = _guest(reload(poll), "olu@outside.example")
    assert olu.guest_locale == "es"
    [mail] = list(outbox)
    assert mail["To"] == "olu@outside.example" and mail["Content-Language"] == "es"
    assert "Olu Outside was invited as a guest" in client.get(f"/forums/consultations/{poll.id}").text


@pytest.mark.parametrize("data, message", [
    ({"name": "Olu Outside", "email": "olu@@outside"}, "Enter an e-mail address such as name@example.org."),
    ({"name": "Olu Outside", "email": "invitee2@example.org"}, "belongs to a Hub account"),
    ({"name": "", "email": "olu@outside.example"}, "Give the guest&#39;s name."),
])
def test_a_mistake_is_shown_next_to_the_field_and_nothing_typed_is_lost(client, login, poll, people, data, message):
    login(people.convener)
    response = _add(client, poll, locale="fr", **data)
    assert response.status_code == 200
    page = response.text
    assert message in page and "is-invalid" in page
    assert f'value="{data["email"]}"' in page and (not data["name"] or f'value="{data["name"]}"' in page)
    assert 'value="fr" selected' in page or '<option selected value="fr">' in page
    assert not any(i.is_guest for i in reload(poll).invitees)


def test_a_duplicate_guest_is_refused(client, login, guest, poll, people):
    login(people.convener)
    page = _add(client, poll, name="Again", email="GAELLE.guest@outside.example", locale="en").text
    assert "This guest is invited already." in page
    assert sum(1 for i in reload(poll).invitees if i.is_guest) == 1


def test_the_creation_form_keeps_the_guest_rows_and_shows_errors_by_them(client, login, people, group):
    login(people.convener)
    page = client.get("/forums/consultations/new").text
    assert 'name="guests-0-email"' in page and 'name="guests-2-email"' in page
    response = client.post("/forums/consultations/new", data={
        "title": "With guests", "audience": "group", "group_id": str(group.id), "timezone": "Europe/Zurich",
        "slots-0-day": "2026-12-08", "slots-0-time": "09:00", "deadline_on": "2026-12-05", "deadline_time": "12:00",
        "guests-0-name": "Olu Outside", "guests-0-email": "olu@outside.example", "guests-0-locale": "es",
        "guests-1-name": "Bad Address", "guests-1-email": "nope", "guests-1-locale": "fr"})
    assert response.status_code == 200
    page = response.text
    assert "Enter an e-mail address such as name@example.org." in page
    assert 'value="olu@outside.example"' in page and 'value="nope"' in page and 'value="Bad Address"' in page
    response = client.post("/forums/consultations/new", data={
        "title": "With guests", "audience": "group", "group_id": str(group.id), "timezone": "Europe/Zurich",
        "slots-0-day": "2026-12-08", "slots-0-time": "09:00", "deadline_on": "2026-12-05", "deadline_time": "12:00",
        "guests-0-name": "Olu Outside", "guests-0-email": "olu@outside.example", "guests-0-locale": "es"})
    assert response.status_code == 302


def test_the_convener_removes_a_guest(client, login, guest, poll, people):
    login(people.convener)
    response = client.post(f"/forums/consultations/{poll.id}/guests/{guest.id}/remove")
    assert response.status_code == 302
    assert not any(i.is_guest for i in reload(poll).invitees)
    member = next(i for i in poll.invitees if i.user_id == people.invitee.id)
    assert client.post(f"/forums/consultations/{poll.id}/guests/{member.id}/remove").status_code == 404


def test_guest_forms_need_the_csrf_token(make_app, guest, poll, people):
    from tests.conftest import PASSWORD

    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": people.convener.email, "password": PASSWORD, "csrf_token": token})
    assert _add(client, poll, name="Olu", email="olu@outside.example", locale="en").status_code == 400
    assert client.post(f"/forums/consultations/{poll.id}/guests/{guest.id}/remove").status_code == 400
    link = _path(consultations.personal_url(guest))
    assert client.post(link, data={"action": "answer", "all": "yes"}).status_code == 400
    db.session.expire_all()
    assert len([i for i in poll.invitees if i.is_guest]) == 1 and not guest.answers


def test_the_guest_link_shows_no_convener_tools_even_to_a_signed_in_convener(client, login, guest, poll, people):
    login(people.convener)
    page = client.get(_path(consultations.personal_url(guest))).text
    assert "through your personal link" in page and "Gaëlle Guest" in page
    assert "Convener&#39;s tools" not in page and "Convener's tools" not in page
    assert 'id="guest-form"' not in page and "Remove the guest" not in page


def test_a_guest_removed_from_a_scheduled_meeting_gets_a_cancellation_and_members_nothing(guest, poll, people, outbox):
    consultations.confirm_slot(people.convener, poll, poll.slots[1], now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.remove_guest(people.convener, guest, now=NOW)
    db.session.commit()
    [mail] = list(outbox)
    assert mail["To"] == "gaelle.guest@outside.example"
    cal = _calendar(mail)
    event = next(iter(cal.walk("VEVENT")))
    assert str(cal["method"]) == "CANCEL" and str(event["uid"]) == f"consultation-{poll.id}@hub.alliance87.org"
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:gaelle.guest@outside.example"]  # only the one removed
    body = _body(mail)
    assert body.startswith("Bonjour Gaëlle Guest,") and "/forums/" not in body


def test_the_cancellation_of_a_meeting_reads_as_before_for_members(poll, people, outbox):
    consultations.confirm_slot(people.convener, poll, poll.slots[1], now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.cancel(people.convener, poll, "No longer needed.", now=NOW)
    db.session.commit()
    body = _body(next(m for m in outbox if m["To"] == people.invitee.email))
    assert "is cancelled.\n\nNo longer needed.\n\nThe attachment removes it" in body
    assert f"(open cancel.ics).\n\n{consultations.meeting_url(poll)}\n" in body


# -- changes to the poll a guest is told of by e-mail (they have no notifications) ------------------------------------
def _notes(user, kind) -> list:
    import sqlalchemy as sa

    from app.notifications.models import Notification

    return list(db.session.scalars(sa.select(Notification).where(Notification.recipient_id == user.id,
                                                                 Notification.kind == kind)))


def _member(poll, user) -> Invitee:
    return next(i for i in poll.invitees if i.user_id == user.id)


def _to(outbox, address) -> list:
    return [m for m in outbox if m["To"] == address]


def test_a_guest_who_answered_is_told_of_a_new_time_in_their_language_and_zone(app, guest, poll, people, outbox):
    from datetime import date, time

    from tests.conftest import run_outbox

    consultations.set_guest_zone(guest, "Asia/Tokyo")
    consultations.answer_poll(guest, {poll.slots[0].id: "yes"}, now=NOW)
    consultations.answer_poll(_member(poll, people.invitee), {poll.slots[0].id: "yes"}, now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(9, 0), None, None, now=NOW)
    db.session.commit()
    [mail] = _to(outbox, "gaelle.guest@outside.example")
    assert mail["Subject"] == f"Nouvel horaire proposé : {poll.title}" and mail["Content-Language"] == "fr"
    body = _body(mail)
    assert body.startswith("Bonjour Gaëlle Guest,")
    # 09:00 in Zurich is 17:00 in Tokyo, where the guest reads the poll.
    assert "Un nouvel horaire a été proposé pour « Due diligence consultation » : ven. 11 déc. 2026, 17:00 " \
           "(Asia/Tokyo)." in body
    assert "avant le sam. 5 déc. 2026, 20:00 (Asia/Tokyo)" in body
    assert consultations.personal_url(guest) in body and f"/forums/consultations/{poll.id}" not in body
    assert "invité" in body and "compte" not in body  # the guests' signature
    # The member who answered is notified as before (their notification comes by e-mail as they chose), and
    # that is all the members get.
    assert len(_notes(people.invitee, "poll_slot_added")) == 1
    assert [(m["To"], m["Subject"]) for m in outbox if m["To"] != "gaelle.guest@outside.example"] == [
        (people.invitee.email, f"Cleo Convener added a slot to the poll “{poll.title}”: you can answer it too")]
    # The worker running again (a retry) sends nothing more.
    assert run_outbox(app) == 0
    assert len(_to(outbox, "gaelle.guest@outside.example")) == 1


def test_a_guest_who_has_not_answered_is_not_told_of_a_new_time(guest, poll, people, outbox):
    from datetime import date, time

    outbox.clear()
    consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(9, 0), None, None, now=NOW)
    db.session.commit()
    assert _to(outbox, "gaelle.guest@outside.example") == []


def test_a_guest_who_answered_a_withdrawn_time_is_told_and_others_are_not(app, guest, poll, people, outbox):
    from tests.conftest import run_outbox

    olu = consultations.add_guest(people.convener, poll, consultations.GuestData("Olu Outside", "olu@outside.example",
                                                                                 "es"), now=NOW)
    first, second = poll.slots[0], poll.slots[1]
    consultations.answer_poll(guest, {first.id: "no", second.id: "yes"}, now=NOW)
    consultations.answer_poll(olu, {second.id: "yes"}, now=NOW)  # not the slot withdrawn
    consultations.answer_poll(_member(poll, people.invitee), {first.id: "yes"}, now=NOW)
    db.session.commit()
    outbox.clear()
    assert consultations.remove_slot(people.convener, poll, first, confirmed=True, now=NOW) == 2
    db.session.commit()
    [mail] = _to(outbox, "gaelle.guest@outside.example")
    assert mail["Subject"] == f"Horaire retiré : {poll.title}"
    body = _body(mail)
    # In the consultation's zone, the guest having chosen none.
    assert "L’horaire du mar. 8 déc. 2026, 09:00 (Europe/Zurich) a été retiré du sondage" in body
    assert consultations.personal_url(guest) in body
    assert "- mar. 8 déc. 2026, 09:00" not in body  # no longer among the proposed times
    assert _to(outbox, "olu@outside.example") == []
    assert len(_notes(people.invitee, "poll_slot_removed")) == 1  # the member as before
    [note] = [m for m in outbox if m["To"] != "gaelle.guest@outside.example"]  # their notification, by e-mail
    assert note["To"] == people.invitee.email and note["Subject"].startswith("Cleo Convener removed a slot")
    assert run_outbox(app) == 0 and len(_to(outbox, "gaelle.guest@outside.example")) == 1


@pytest.mark.parametrize("closed", [False, True])
def test_a_guest_removed_before_the_meeting_is_scheduled_is_told_without_a_calendar_file(app, guest, poll, people,
                                                                                        outbox, closed):
    from tests.conftest import run_outbox

    if closed:
        consultations.close_poll(people.convener, poll, now=NOW)
        db.session.commit()
    outbox.clear()
    consultations.remove_guest(people.convener, guest, now=NOW)
    db.session.commit()
    [mail] = list(outbox)
    assert mail["To"] == "gaelle.guest@outside.example"
    assert mail["Subject"] == f"Vous n’êtes plus invité·e : {poll.title}"
    assert list(mail.iter_attachments()) == []
    body = _body(mail)
    assert body.startswith("Bonjour Gaëlle Guest,")
    assert "invitées à la consultation « Due diligence consultation » : vos disponibilités ne vous sont plus " \
           "demandées" in body
    assert "cancel.ics" not in body and "/forums/" not in body and "compte" not in body
    assert run_outbox(app) == 0 and len(outbox) == 1


def test_a_guest_of_a_cancelled_consultation_is_removed_without_an_email(guest, poll, people, outbox):
    consultations.cancel(people.convener, poll, "", now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.remove_guest(people.convener, guest, now=NOW)
    db.session.commit()
    assert list(outbox) == []
