"""Slots of an open poll (issue 16): the convener adds slots in any time zone and removes them (with a
confirmation when invitees answered, who are then told and keep their other answers); invitees comment."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.forums import consultations
from app.forums.consultation_models import Choice
from app.notifications.models import Notification
from tests.conftest import PASSWORD
from tests.forums.conftest import NOW, poll_data

# A poll whose deadline lies ahead of the real clock too, for the pages (which use it).
FAR = [(date(2030, 6, 4), time(15, 0)), (date(2030, 6, 5), time(9, 0))]


def _invitee(poll, user):
    return next(i for i in poll.invitees if i.user_id == user.id)


def _notes(user, kind):
    return list(db.session.scalars(sa.select(Notification).where(Notification.recipient_id == user.id,
                                                                 Notification.kind == kind)))


@pytest.fixture
def far_poll(people, group):
    poll = consultations.create_consultation(people.convener, poll_data(group, slots=FAR, deadline_on=date(2030, 6, 1)),
                                             now=NOW)
    db.session.commit()
    return poll


# -- services ---------------------------------------------------------------------------------------------------
def test_a_slot_added_in_another_zone_is_stored_in_utc_and_keeps_its_zone(poll, people):
    slot = consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(9, 0), None, "America/New_York",
                                  now=NOW)
    db.session.commit()
    assert slot.starts_at == datetime(2026, 12, 11, 14, 0, tzinfo=timezone.utc)   # 09:00 in New York (EST)
    assert slot.ends_at == slot.starts_at + timedelta(minutes=60)                 # the poll's duration
    assert slot.zone == "America/New_York" and slot in poll.slots
    default = consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(16, 0), time(16, 30), None,
                                     now=NOW)
    assert default.timezone is None and default.zone == "Europe/Zurich"           # the poll's zone by default
    assert default.ends_at - default.starts_at == timedelta(minutes=30)           # its own end


def test_adding_a_slot_tells_those_who_answered_and_leaves_it_unanswered(poll, people):
    consultations.answer_poll(_invitee(poll, people.invitee), {poll.slots[0].id: "yes"}, now=NOW)
    slot = consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(9, 0), None, None, now=NOW)
    db.session.commit()
    assert len(_notes(people.invitee, "poll_slot_added")) == 1
    assert _notes(people.invitee2, "poll_slot_added") == []                       # had not answered anything
    assert slot.id not in {a.slot_id for a in _invitee(poll, people.invitee).answers}


def test_a_slot_added_after_one_was_removed_is_announced_too(poll, people):
    """SQLite may give the removed slot's id to the next one: its notification must not count as sent."""
    consultations.answer_poll(_invitee(poll, people.invitee), {poll.slots[0].id: "yes"}, now=NOW)
    first = consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(9, 0), None, None, now=NOW)
    db.session.commit()
    consultations.remove_slot(people.convener, poll, first, now=NOW + timedelta(minutes=1))
    db.session.commit()
    consultations.add_slot(people.convener, poll, date(2026, 12, 12), time(9, 0), None, None,
                           now=NOW + timedelta(minutes=2))
    db.session.commit()
    assert len(_notes(people.invitee, "poll_slot_added")) == 2


@pytest.mark.parametrize("day, start, end, zone, field", [
    (date(2026, 12, 11), time(10, 0), time(9, 0), None, "end"),                   # ends before it starts
    (date(2026, 12, 11), time(10, 0), time(10, 0), None, "end"),                  # ends as it starts
    (date(2026, 12, 11), time(10, 0), None, "Mars/Olympus_Mons", "timezone"),     # unknown zone
    (date(2026, 12, 11), time(10, 0), None, "US/Eastern", "timezone"),            # an obsolete alias
    (None, time(10, 0), None, None, "day"),                                       # no date
    (date(2026, 12, 11), None, None, None, "day"),                                # no time
    (date(2026, 11, 30), time(10, 0), None, None, "day"),                         # in the past
    (date(2026, 12, 4), time(10, 0), None, None, "day"),                          # before the deadline
    (date(2026, 12, 8), time(9, 0), None, None, "day"),                           # the same start as a slot
    (date(2027, 3, 28), time(2, 30), None, None, "start"),                        # skipped by summer time
])
def test_bad_slots_are_refused_with_their_field_and_nothing_is_added(poll, people, day, start, end, zone, field):
    before = len(poll.slots)
    with pytest.raises(DomainError) as error:
        consultations.add_slot(people.convener, poll, day, start, end, zone, now=NOW)
    assert error.value.field == field
    db.session.rollback()
    assert len(poll.slots) == before


def test_only_a_manager_changes_slots_and_only_while_the_poll_is_open(poll, people):
    with pytest.raises(NotAllowedError):
        consultations.add_slot(people.invitee, poll, date(2026, 12, 11), time(9, 0), None, None, now=NOW)
    with pytest.raises(NotAllowedError):
        consultations.remove_slot(people.invitee, poll, poll.slots[0], confirmed=True, now=NOW)
    consultations.close_poll(people.convener, poll, now=NOW)
    with pytest.raises(InvalidTransitionError):
        consultations.add_slot(people.convener, poll, date(2026, 12, 11), time(9, 0), None, None, now=NOW)
    with pytest.raises(InvalidTransitionError):
        consultations.remove_slot(people.convener, poll, poll.slots[0], confirmed=True, now=NOW)


def test_removing_an_answered_slot_needs_confirmation_then_tells_who_answered(poll, people):
    first, second = poll.slots[0], poll.slots[1]
    ines, ivo = _invitee(poll, people.invitee), _invitee(poll, people.invitee2)
    consultations.answer_poll(ines, {first.id: "yes", second.id: "maybe"}, now=NOW)
    consultations.answer_poll(ivo, {first.id: "no"}, now=NOW)
    db.session.commit()
    with pytest.raises(consultations.SlotHasAnswersError) as error:
        consultations.remove_slot(people.convener, poll, first, now=NOW)
    assert error.value.count == 2
    db.session.rollback()
    assert first in poll.slots and len(ines.answers) == 2                         # nothing changed
    assert consultations.remove_slot(people.convener, poll, first, confirmed=True, now=NOW) == 2
    db.session.commit()
    assert first not in poll.slots
    assert [(a.slot_id, a.choice) for a in ines.answers] == [(second.id, Choice.maybe)]  # the other answer stays
    assert ines.answered_at is not None
    assert ivo.answers == [] and ivo.answered_at is None                          # counts as not answered again
    assert len(_notes(people.invitee, "poll_slot_removed")) == 1
    assert len(_notes(people.invitee2, "poll_slot_removed")) == 1
    assert _notes(people.partner, "poll_slot_removed") == []


def test_a_slot_nobody_answered_goes_without_confirmation(poll, people):
    slot = poll.slots[-1]
    assert consultations.remove_slot(people.convener, poll, slot, now=NOW) == 0
    db.session.commit()
    assert slot not in poll.slots and len(poll.slots) == 3


def test_the_last_slot_cannot_be_removed(people, group):
    poll = consultations.create_consultation(people.convener, poll_data(group, slots=[(date(2026, 12, 8), time(9, 0))]),
                                             now=NOW)
    with pytest.raises(DomainError, match="at least one slot"):
        consultations.remove_slot(people.convener, poll, poll.slots[0], confirmed=True, now=NOW)


def test_a_comment_goes_with_the_answers_and_stays_until_changed(poll, people):
    ines = _invitee(poll, people.invitee)
    consultations.answer_poll(ines, {poll.slots[0].id: "yes"}, now=NOW, comment="  Only the first half hour. ")
    assert ines.comment == "Only the first half hour."
    consultations.answer_poll(ines, {poll.slots[1].id: "no"}, now=NOW)            # no comment field: kept
    assert ines.comment == "Only the first half hour."
    with pytest.raises(DomainError) as error:
        consultations.answer_poll(ines, {poll.slots[0].id: "yes"}, now=NOW, comment="x" * 1001)
    assert error.value.field == "comment"
    consultations.answer_poll(ines, {poll.slots[0].id: "yes"}, now=NOW, comment="")
    assert ines.comment == ""


# -- pages ------------------------------------------------------------------------------------------------------
def test_the_convener_adds_a_slot_in_another_zone_through_the_form(client, login, people, far_poll):
    login(people.convener)
    page = client.get(f"/forums/consultations/{far_poll.id}/slots/new")
    assert page.status_code == 200 and 'selected value="Europe/Zurich"' in page.text   # the poll's zone first
    response = client.post(f"/forums/consultations/{far_poll.id}/slots/new",
                           data={"day": "2030-06-06", "start": "09:00", "end": "", "timezone": "America/New_York"})
    assert response.status_code == 302
    db.session.expire_all()
    added = next(s for s in far_poll.slots if s.timezone == "America/New_York")
    assert added.starts_at == datetime(2030, 6, 6, 13, 0, tzinfo=timezone.utc)
    page = client.get(f"/forums/consultations/{far_poll.id}").text
    assert "proposed as 9:00\u202fAM (America/New York)" in page                  # beside the convener's time


@pytest.mark.parametrize("data, message", [
    ({"day": "2030-06-06", "start": "10:00", "end": "09:00", "timezone": "Europe/Zurich"}, "must end after it starts"),
    ({"day": "2030-06-06", "start": "10:00", "end": "", "timezone": "Nowhere/Atlantis"}, "Choose a time zone"),
    ({"day": "", "start": "10:00", "end": "", "timezone": "Europe/Zurich"}, "Give the slot a date"),
])
def test_bad_input_in_the_form_is_shown_next_to_the_field(client, login, people, far_poll, data, message):
    login(people.convener)
    response = client.post(f"/forums/consultations/{far_poll.id}/slots/new", data=data)
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    assert len(far_poll.slots) == 2


def test_removing_an_answered_slot_asks_first_on_a_page_naming_who_answered(client, login, people, far_poll):
    slot, other = far_poll.slots[0], far_poll.slots[1]
    slot_id, other_id = slot.id, other.id
    consultations.answer_poll(_invitee(far_poll, people.invitee), {slot.id: "yes", other.id: "no"}, now=NOW)
    db.session.commit()
    login(people.convener)
    url = f"/forums/consultations/{far_poll.id}/slots/{slot.id}/remove"
    asked = client.post(url, data={})                                              # no confirmation yet
    assert asked.status_code == 200 and "Ines Invitee" in asked.text and "are kept" in asked.text
    db.session.expire_all()
    assert len(far_poll.slots) == 2
    assert client.post(url, data={"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert [s.id for s in far_poll.slots] == [other_id] != [slot_id]


def test_the_comment_is_shown_to_the_convener_in_the_grid(app, client, login, people, far_poll):
    login(people.invitee)
    client.post(f"/forums/consultations/{far_poll.id}/answer",
                data={f"slot-{far_poll.slots[0].id}": "yes", "comment": "I can only stay 30 minutes."})
    assert "I can only stay 30 minutes.</textarea>" in client.get(f"/forums/consultations/{far_poll.id}").text
    assert "poll-comment" not in client.get(f"/forums/consultations/{far_poll.id}").text  # not to other invitees
    convener = app.test_client()
    convener.post("/login", data={"email": people.convener.email, "password": PASSWORD})
    page = convener.get(f"/forums/consultations/{far_poll.id}").text
    assert '<td class="small poll-comment">I can only stay 30 minutes.</td>' in page


def test_the_personal_link_takes_a_comment_too(client, people, far_poll):
    ines = _invitee(far_poll, people.invitee)
    url = f"/forums/c/{ines.id}/{ines.link_token()}"
    client.post(url, data={"action": "answer", f"slot-{far_poll.slots[1].id}": "maybe", "comment": "Maybe late."})
    db.session.expire_all()
    assert ines.comment == "Maybe late."
