"""Consultations: bad input, answers through one's own identity, ranking, reminders to non-respondents,
confirm / reschedule / cancel with calendar e-mails read back by two parsers, minutes and action items."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import icalendar
import pytest
import vobject

from app.errors import DomainError, InvalidTransitionError
from app.extensions import db
from app.forums import consultations
from app.forums.consultation_models import ConsultationState, Response
from tests.conftest import reload
from tests.forums.conftest import NOW, poll_data


@pytest.mark.parametrize("changes, field", [
    ({"slots": [(date(2026, 11, 1), time(9, 0))]}, "slots-0-day"),                                 # in the past
    ({"slots": [(date(2026, 12, 8), time(9, 0)), (date(2026, 12, 8), time(9, 0))]}, "slots-1-day"),  # twice
    ({"slots": [(date(2026, 12, 8), time(9, 0)), (date(2026, 12, 8), time(9, 30))]}, "slots-1-day"),  # overlap
    ({"slots": [(date(2026, 12, 8), None)]}, "slots-0-day"),                                        # no time
    ({"slots": []}, "slots-0-day"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"deadline_on": date(2026, 11, 30)}, "deadline_on"),
    ({"deadline_on": date(2026, 12, 9)}, "deadline_on"),                                            # after a slot
    ({"title": "  "}, "title"),
    ({"emails": "nobody@nowhere.example"}, "emails"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
])
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(people, group, changes, field):
    from app.forums.consultation_models import Consultation

    with pytest.raises(DomainError) as error:
        consultations.create_consultation(people.convener, poll_data(group, **changes), now=NOW)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.query(Consultation).count() == 0


def test_a_slot_in_the_hour_skipped_by_daylight_saving_is_refused(people, group):
    with pytest.raises(DomainError, match="does not exist"):
        consultations.create_consultation(people.convener, poll_data(
            group, slots=[(date(2027, 3, 28), time(2, 30))], deadline_on=date(2027, 3, 1)), now=NOW)


def test_invitees_are_the_group_and_each_gets_a_personal_link(poll, people, outbox):
    assert {i.user_id for i in poll.invitees} == {people.convener.id, people.invitee.id, people.invitee2.id}
    assert sorted(m["To"] for m in outbox) == sorted([people.invitee.email, people.invitee2.email])
    link = consultations.personal_url(next(i for i in poll.invitees if i.user_id == people.invitee.id))
    assert link in outbox[0].get_body().get_content() or link in outbox[1].get_body().get_content()


def test_slots_are_stored_in_utc(poll):
    # 9:00 in Zurich in December (CET, UTC+1) is 08:00 UTC.
    assert poll.slots[0].starts_at == datetime(2026, 12, 8, 8, 0, tzinfo=timezone.utc)


def _invitee(poll, user):
    return next(i for i in poll.invitees if i.user_id == user.id)


def test_ranking_by_yes_then_if_need_be_then_fewest_at_night(poll, people):
    s = [slot.id for slot in poll.slots]
    consultations.answer_poll(_invitee(poll, people.invitee), {s[0]: "yes", s[1]: "yes", s[2]: "maybe", s[3]: "yes"},
                              now=NOW)
    consultations.answer_poll(_invitee(poll, people.invitee2), {s[0]: "no", s[1]: "yes", s[2]: "yes", s[3]: "yes"},
                              now=NOW)
    ranking = consultations.rank_slots(poll)
    # Slots 2 and 4 both score 2 + ...; slot 2 (15:00 Zurich) is at night only for Bangkok (21:00 there),
    # slot 4 (22:00 Zurich) is at night for Zurich and Bangkok.
    assert [r.slot.id for r in ranking][:2] == [s[1], s[3]]
    assert ranking[0].night < ranking[1].night
    assert "Ivo Bangkok" in ranking[0].night_names


def test_nobody_changes_someone_elses_answers_and_closed_polls_refuse(poll, people):
    s = poll.slots[0].id
    mine = _invitee(poll, people.invitee)
    consultations.answer_poll(mine, {s: "yes"}, now=NOW)
    assert {a.slot_id: a.choice.value for a in _invitee(poll, people.invitee2).answers} == {}
    consultations.close_poll(people.convener, poll, now=NOW)
    with pytest.raises(InvalidTransitionError):
        consultations.answer_poll(mine, {s: "no"}, now=NOW)
    db.session.rollback()


def test_answers_after_the_deadline_are_refused_even_before_the_job_closes_the_poll(poll, people):
    with pytest.raises(InvalidTransitionError):
        consultations.answer_poll(_invitee(poll, people.invitee), {poll.slots[0].id: "yes"},
                                  now=poll.deadline_at + timedelta(seconds=1))


def test_remind_only_those_who_have_not_answered(poll, people, outbox):
    consultations.answer_poll(_invitee(poll, people.invitee), {poll.slots[0].id: "yes"}, now=NOW)
    outbox.clear()
    assert consultations.remind_non_respondents(people.convener, poll, now=NOW) == 1
    db.session.commit()
    assert [m["To"] for m in outbox] == [people.invitee2.email]
    # Not again within 12 hours.
    assert consultations.remind_non_respondents(people.convener, poll, now=NOW + timedelta(hours=1)) == 0


def test_the_convener_hears_when_everyone_has_answered(poll, people):
    from app.notifications.models import Notification

    for user in (people.invitee, people.invitee2, people.convener):
        consultations.answer_poll(_invitee(poll, user), {poll.slots[1].id: "yes"}, now=NOW)
    db.session.commit()
    assert db.session.query(Notification).filter_by(recipient_id=people.convener.id,
                                                    kind="poll_all_answered").count() == 1


def _calendar_parts(message):
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def _read_both(raw: bytes):
    """Parse with icalendar and, independently, with vobject; return (icalendar event, vobject event)."""
    cal = icalendar.Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    other = vobject.readOne(raw.decode())
    return cal, events[0], other, other.vevent


def test_confirm_sends_every_invitee_a_request_with_a_stable_uid(poll, people, outbox):
    outbox.clear()
    slot = poll.slots[2]
    consultations.confirm_slot(people.convener, poll, slot, now=NOW)
    db.session.commit()
    assert poll.state is ConsultationState.scheduled and poll.starts_at == slot.starts_at
    assert sorted(m["To"] for m in outbox) == sorted([people.invitee.email, people.invitee2.email])
    part = _calendar_parts(outbox[0])
    assert part.get_param("method") == "REQUEST"
    cal, event, vcal, vevent = _read_both(part.get_payload(decode=True))
    assert str(cal["method"]) == "REQUEST" and vcal.method.value == "REQUEST"
    assert event.decoded("dtstart") == slot.starts_at == vevent.dtstart.value
    assert event.decoded("dtend") == slot.starts_at + timedelta(minutes=60)
    assert str(event["uid"]) == f"consultation-{poll.id}@hub.alliance87.org" == vevent.uid.value
    assert int(event["sequence"]) == 0
    assert str(event["organizer"]) == f"mailto:{people.convener.email}"
    attendees = {str(a): a.params["PARTSTAT"] for a in event.get("attendee")}
    assert attendees == {f"mailto:{people.invitee.email}": "NEEDS-ACTION",
                         f"mailto:{people.invitee2.email}": "NEEDS-ACTION"}
    url = consultations.meeting_url(poll)
    assert str(event["url"]) == url and url in str(event["description"])


def test_reschedule_keeps_the_uid_and_raises_the_sequence_then_cancel(poll, people, outbox):
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)
    consultations.respond(_invitee(poll, people.invitee), "accepted", now=NOW)
    db.session.commit()
    outbox.clear()
    new_start = datetime(2026, 12, 11, 14, 0, tzinfo=timezone.utc)
    consultations.reschedule(people.convener, poll, new_start, now=NOW)
    db.session.commit()
    _cal, event, _v, vevent = _read_both(_calendar_parts(outbox[0]).get_payload(decode=True))
    assert str(event["uid"]) == f"consultation-{poll.id}@hub.alliance87.org"
    assert int(event["sequence"]) == 1 == int(vevent.sequence.value)
    assert event.decoded("dtstart") == new_start
    assert _invitee(poll, people.invitee).response is Response.needs_action  # asked again
    outbox.clear()
    consultations.cancel(people.convener, poll, "No longer needed.", now=NOW)
    db.session.commit()
    part = _calendar_parts(outbox[0])
    cal, event, vcal, _ve = _read_both(part.get_payload(decode=True))
    assert str(cal["method"]) == "CANCEL" and part.get_param("method") == "CANCEL"
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2


def test_a_reschedule_says_the_answers_were_reset_and_asks_again(poll, people, outbox):
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)
    consultations.respond(_invitee(poll, people.invitee), "accepted", now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.reschedule(people.convener, poll, datetime(2026, 12, 11, 14, 0, tzinfo=timezone.utc), now=NOW)
    db.session.commit()
    mail = next(m for m in outbox if m["To"] == people.invitee.email)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "answers were reset: please say again whether you will come" in body
    _cal, event, _v, vevent = _read_both(_calendar_parts(mail).get_payload(decode=True))
    attendees = {str(a): (a.params["PARTSTAT"], a.params["RSVP"]) for a in event.get("attendee")}
    assert attendees[f"mailto:{people.invitee.email}"] == ("NEEDS-ACTION", "TRUE")  # asked again, in the file too


def test_the_invitation_describes_the_meeting_in_plain_text_not_markdown(people, group, outbox):
    poll = consultations.create_consultation(people.convener, poll_data(
        group, purpose="Agree the **due diligence** guidance, see [the draft](https://example.org/draft).",
        agenda="## Agenda\n\n1. Welcome\n2. The *guidance*\n\n<script>alert(1)</script>"), now=NOW)
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)
    db.session.commit()
    _cal, event, _v, vevent = _read_both(_calendar_parts(outbox[-1]).get_payload(decode=True))
    description = str(event["description"])
    assert description == vevent.description.value
    assert "Agree the due diligence guidance, see the draft (https://example.org/draft)." in description
    assert "Agenda\n\n1. Welcome\n2. The guidance" in description
    # The script's tags are gone; its words stay as text, as on the page (raw HTML never hides words).
    assert not any(mark in description for mark in ("**", "##", "*guidance*", "[the draft]", "<", ">"))


def test_calendar_uids_do_not_depend_on_the_address_the_hub_is_reached_at(make_app, make_user, make_org):
    """The same meeting has the same UID whatever BASE_URL (a new port, a proxy, a new host name) and whatever
    host the request came to; only the configured CALENDAR_UID_DOMAIN names it."""
    uids = []
    for base_url, host in (("http://127.0.0.1:5000", "127.0.0.1:5000"), ("https://hub.example.net:8443", "x.test")):
        app = make_app(BASE_URL=base_url)
        org = make_org()
        convener = make_user(org=org, admin=True)
        guest = make_user(org=org)
        poll = consultations.create_consultation(convener, poll_data(emails=guest.email), now=NOW)
        consultations.confirm_slot(convener, poll, poll.slots[0], now=NOW)
        db.session.commit()
        with app.test_request_context("/", base_url=f"http://{host}/"):
            raw = consultations.meeting_ics(poll, "REQUEST", NOW)
        uids.append((poll.id, str(icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]["uid"])))
    assert [uid for _id, uid in uids] == [f"consultation-{poll_id}@hub.alliance87.org" for poll_id, _uid in uids]
    assert consultations.ical.uid_domain({"CALENDAR_UID_DOMAIN": "calendar.alliance87.example"}) == \
        "calendar.alliance87.example"
    with pytest.raises(RuntimeError):
        consultations.ical.uid_domain({"CALENDAR_UID_DOMAIN": "not a domain"})


def test_a_slot_everyone_said_no_to_cannot_be_confirmed(poll, people):
    slot = poll.slots[0]
    for user in (people.invitee, people.invitee2):
        consultations.answer_poll(_invitee(poll, user), {slot.id: "no"}, now=NOW)
    with pytest.raises(DomainError, match="said no"):
        consultations.confirm_slot(people.convener, poll, slot, now=NOW)


def test_only_the_convener_confirms(poll, people):
    from app.errors import NotAllowedError

    with pytest.raises(NotAllowedError):
        consultations.confirm_slot(people.invitee, poll, poll.slots[0], now=NOW)


def test_action_items_of_a_group_meeting_go_on_its_work_plan(poll, people):
    from app.actiongroups.workplan.models import WorkItem

    consultations.set_countries(people.convener, poll, ["GHA", "CIV"])
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)
    after = poll.ends_at + timedelta(hours=1)
    consultations.save_minutes(people.convener, poll, "We agreed the **guidance**.", now=after)
    item = consultations.add_action_item(people.convener, poll, "Draft the guidance", people.invitee.id,
                                         date(2027, 1, 15), now=after)
    db.session.commit()
    work_item = db.session.get(WorkItem, item.work_item_id)
    assert work_item.group_id == poll.group_id and work_item.title == "Draft the guidance"
    assert work_item.countries == ["CIV", "GHA"]  # the meeting's countries stay with its follow-ups
    assert work_item.responsible_id == people.invitee.id and work_item.due_date == date(2027, 1, 15)
    consultations.set_action_done(people.convener, item, now=after)
    db.session.commit()
    assert reload(work_item).status.value == "done"


def test_action_items_go_to_group_members_only(poll, people):
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)
    with pytest.raises(DomainError) as error:
        consultations.add_action_item(people.convener, poll, "Something", people.partner.id, None,
                                      now=poll.ends_at + timedelta(hours=1))
    assert error.value.field == "responsible_id"


def test_open_polls_let_any_partner_answer_as_themselves(people):
    poll = consultations.create_consultation(people.admin, poll_data(None, audience="partners"), now=NOW)
    db.session.commit()
    assert poll.can_answer(people.partner)
    invitee = consultations.join_open_poll(people.partner, poll, now=NOW)
    consultations.answer_poll(invitee, {poll.slots[0].id: "yes"}, now=NOW)
    db.session.commit()
    assert poll.invitee_of(people.partner).answers[0].choice.value == "yes"


def test_an_unanswered_slot_stays_unanswered_and_an_answer_can_be_taken_back(poll, people):
    """Unanswered is its own state: nothing is recorded for a slot left blank, and "" takes an answer back."""
    mine = _invitee(poll, people.invitee)
    first, second = poll.slots[0].id, poll.slots[1].id
    consultations.answer_poll(mine, {first: "yes", second: ""}, now=NOW)
    assert {a.slot_id: a.choice.value for a in mine.answers} == {first: "yes"}
    assert mine.answered_at == NOW
    # Changed later, still before the close.
    consultations.answer_poll(mine, {first: "", second: "maybe"}, now=NOW + timedelta(hours=2))
    assert {a.slot_id: a.choice.value for a in mine.answers} == {second: "maybe"}
    assert mine.answered_at == NOW + timedelta(hours=2)
    # Every answer taken back: not answered any more (the reminder reaches them again).
    consultations.answer_poll(mine, {second: ""}, now=NOW + timedelta(hours=3))
    assert mine.answers == [] and mine.answered_at is None


def test_an_empty_first_save_is_refused(poll, people):
    with pytest.raises(DomainError):
        consultations.answer_poll(_invitee(poll, people.invitee), {poll.slots[0].id: ""}, now=NOW)


def test_yes_to_all_answers_yes_to_every_slot(poll, people):
    mine = _invitee(poll, people.invitee)
    consultations.answer_poll(mine, consultations.yes_to_all(poll), now=NOW)
    assert sorted(a.slot_id for a in mine.answers if a.choice.value == "yes") == sorted(s.id for s in poll.slots)
