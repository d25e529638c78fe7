"""Progress report rules, through the services: every transition allowed and refused, and only approved
reports moving the pledge (indicators, deliverables, traffic light)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.commitments import reports
from app.commitments.models import (
    Indicator, PledgeEvent, PledgeState, ProgressReport, ReportState,
)
from app.commitments.schedule import Light
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.notifications.models import Notification
from tests.commitments.conftest import NOW

# pledge_world's pledge runs from 1 January 2026 to 31 December 2027 and reports every 6 months:
# periods end on 1 July 2026, 1 January 2027, 1 July 2027 and 31 December 2027.
P1, P2, P3 = date(2026, 7, 1), date(2027, 1, 1), date(2027, 7, 1)
# Two weeks after the first report fell due: the pledge is amber.
LATE = datetime(2026, 7, 15, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2027, 2, 1, 9, 0, tzinfo=timezone.utc)


def kinds_for(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.recipient_id == user.id)
                                   .order_by(Notification.id)))


def events(pledge) -> list[tuple[str, str]]:
    return [(e.action, e.comment) for e in db.session.scalars(
        sa.select(PledgeEvent).where(PledgeEvent.pledge_id == pledge.id).order_by(PledgeEvent.id))]


def filled(pledge, value=Decimal(40), narrative="We trained 40 inspectors.", **extra) -> reports.ReportData:
    return reports.ReportData(narrative=narrative,
                              values={i.id: reports.ValueEntry(value, "") for i in pledge.indicators}, **extra)


@pytest.fixture
def world(pledge_world):
    return pledge_world


def submitted(world, period_end=P1, value=Decimal(40), now=LATE) -> ProgressReport:
    """A report written by the member and submitted."""
    member, pledge = world.people.member, world.pledge
    report = reports.start_report(member, pledge, period_end, now=now)
    reports.save_report(member, report, filled(pledge, value), now=now)
    reports.submit_report(member, report, now=now)
    db.session.commit()
    return report


# -- periods -------------------------------------------------------------------------------------------------
def test_eligible_periods_are_begun_and_without_a_report(world):
    pledge = world.pledge
    assert [p.end for p in reports.eligible_periods(pledge, NOW.date())] == [P1]   # the current one counts
    assert [p.end for p in reports.eligible_periods(pledge, LATER.date())] == [P1, P2, P3]
    assert reports.eligible_periods(pledge, date(2025, 12, 31)) == []
    reports.start_report(world.people.member, pledge, P2, now=LATER)
    db.session.commit()
    assert [p.end for p in reports.eligible_periods(pledge, LATER.date())] == [P1, P3]


def test_no_report_for_a_future_period(world):
    with pytest.raises(DomainError) as refused:
        reports.start_report(world.people.member, world.pledge, P2, now=NOW)
    assert refused.value.field == "period_end" and "future period" in str(refused.value)
    assert "1, 2026" in str(refused.value)  # says when it starts (1 July 2026)
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0


def test_a_period_must_be_one_of_the_pledges(world):
    with pytest.raises(DomainError) as refused:
        reports.start_report(world.people.member, world.pledge, date(2026, 5, 5), now=NOW)
    assert refused.value.field == "period_end"


def test_one_report_per_period(world):
    reports.start_report(world.people.member, world.pledge, P1, now=NOW)
    db.session.commit()
    with pytest.raises(DuplicateError):
        reports.start_report(world.people.coordinator, world.pledge, P1, now=NOW)


# -- starting ------------------------------------------------------------------------------------------------
def test_the_member_starts_a_draft_with_a_row_per_indicator_and_open_deliverable(world, make_pledge):
    pledge = make_pledge(world.org, coordinator=world.people.coordinator,
                         indicators=[("Inspectors trained", "people", Decimal(0), Decimal(200)),
                                     ("Farms visited", "farms", Decimal(10), Decimal(500))],
                         deliverables=[("Curriculum", date(2026, 3, 1)), ("Handbook", date(2026, 6, 1))])
    pledge.deliverables[0].done_on = date(2026, 2, 1)
    db.session.commit()
    report = reports.start_report(world.people.member, pledge, P1, now=NOW)
    db.session.commit()
    assert (report.state, report.period_start, report.period_end) == (ReportState.draft, date(2026, 1, 1), P1)
    assert report.author_id == world.people.member.id and report.created_at == NOW
    assert sorted(v.indicator_id for v in report.values) == sorted(i.id for i in pledge.indicators)
    assert all(v.value is None for v in report.values)
    assert [u.deliverable_id for u in report.deliverable_updates] == [pledge.deliverables[1].id]  # the open one


@pytest.mark.parametrize("role", ["anonymous", "outsider", "partner", "admin"])
def test_only_the_pledging_organisation_starts_reports(world, role):
    person = getattr(world.people, role)
    with pytest.raises(NotAllowedError):
        reports.start_report(person, world.pledge, P1, now=NOW)


@pytest.mark.parametrize("state, words", [(PledgeState.withdrawn, "withdrawn"), (PledgeState.completed, "completed"),
                                          (PledgeState.draft, "published"), (PledgeState.submitted, "published")])
def test_only_a_published_pledge_takes_reports(world, state, words):
    world.pledge.state = state
    db.session.commit()
    with pytest.raises(InvalidTransitionError) as refused:
        reports.start_report(world.people.coordinator, world.pledge, P1, now=NOW)
    assert words in str(refused.value)


def test_a_withdrawn_pledge_refuses_saving_and_submitting_a_draft_too(world):
    member = world.people.member
    report = reports.start_report(member, world.pledge, P1, now=NOW)
    world.pledge.state = PledgeState.withdrawn
    db.session.commit()
    with pytest.raises(InvalidTransitionError, match="withdrawn"):
        reports.save_report(member, report, filled(world.pledge), now=NOW)
    with pytest.raises(InvalidTransitionError, match="withdrawn"):
        reports.submit_report(member, report, now=NOW)


# -- saving --------------------------------------------------------------------------------------------------
def test_saving_keeps_values_comments_and_deliverable_updates(world):
    member, pledge = world.people.member, world.pledge
    indicator, deliverable = pledge.indicators[0], pledge.deliverables[0]
    report = reports.start_report(member, pledge, P1, now=NOW)
    reports.save_report(member, report, {
        "narrative": "  Training went well. ", "challenges": "Rain.",
        "values": {indicator.id: {"value": Decimal("12.5"), "comment": " first cohort "}},
        "deliverables": {deliverable.id: {"done_on": date(2026, 2, 20), "note": "Printed."}}},
        now=NOW + timedelta(hours=1))
    db.session.commit()
    report = db.session.get(ProgressReport, report.id)
    assert (report.narrative, report.challenges) == ("Training went well.", "Rain.")
    assert [(v.value, v.comment) for v in report.values] == [(Decimal("12.5"), "first cohort")]
    assert [(u.done_on, u.note) for u in report.deliverable_updates] == [(date(2026, 2, 20), "Printed.")]
    assert report.updated_at == NOW + timedelta(hours=1)
    # Nothing reaches the pledge before approval.
    assert (indicator.current_value, deliverable.done_on) == (None, None)


@pytest.mark.parametrize("value", ["about 50", "50", Decimal("NaN"), Decimal("Infinity"), Decimal(10) ** 16, True])
def test_numbers_must_be_numbers(world, value):
    member, pledge = world.people.member, world.pledge
    indicator = pledge.indicators[0]
    report = reports.start_report(member, pledge, P1, now=NOW)
    with pytest.raises(DomainError) as refused:
        reports.save_report(member, report, {"values": {indicator.id: {"value": value}}}, now=NOW)
    assert refused.value.field == f"value_{indicator.id}"
    assert str(refused.value) == "Enter a number, e.g. 50 or 12.5"


def test_zero_and_negative_numbers_are_numbers(world):
    member, pledge = world.people.member, world.pledge
    report = reports.start_report(member, pledge, P1, now=NOW)
    reports.save_report(member, report, filled(pledge, Decimal(0)), now=NOW)
    assert report.values[0].value == 0
    reports.save_report(member, report, filled(pledge, -3), now=NOW)
    assert report.values[0].value == -3


@pytest.mark.parametrize("done_on, words", [(date(2026, 3, 2), "future"), (date(2025, 12, 31), "before the pledge")])
def test_a_done_date_cannot_be_in_the_future_nor_before_the_start(world, done_on, words):
    member, pledge = world.people.member, world.pledge
    deliverable = pledge.deliverables[0]
    report = reports.start_report(member, pledge, P1, now=NOW)
    with pytest.raises(DomainError) as refused:
        reports.save_report(member, report, {"deliverables": {deliverable.id: {"done_on": done_on}}}, now=NOW)
    assert refused.value.field == f"done_on_{deliverable.id}" and words in str(refused.value)


def test_too_long_texts_are_refused_next_to_their_field(world):
    member, pledge = world.people.member, world.pledge
    report = reports.start_report(member, pledge, P1, now=NOW)
    with pytest.raises(DomainError) as refused:
        reports.save_report(member, report, {"narrative": "x" * (reports.TEXT_MAX + 1)}, now=NOW)
    assert refused.value.field == "narrative"
    indicator = pledge.indicators[0]
    with pytest.raises(DomainError) as refused:
        reports.save_report(member, report, {"values": {indicator.id: {"comment": "x" * 501}}}, now=NOW)
    assert refused.value.field == f"comment_{indicator.id}"


def test_an_indicator_added_after_the_report_started_gets_a_row(world):
    member, pledge = world.people.member, world.pledge
    report = reports.start_report(member, pledge, P1, now=NOW)
    db.session.commit()
    added = Indicator(pledge_id=pledge.id, position=1, name="Farms visited", unit="farms")
    pledge.indicators.append(added)
    db.session.commit()
    reports.save_report(member, report, {"values": {added.id: {"value": Decimal(7)}}}, now=NOW)
    assert {v.indicator_id: v.value for v in report.values} == {pledge.indicators[0].id: None, added.id: 7}


# -- submitting ----------------------------------------------------------------------------------------------
def test_submitting_tells_the_secretariat(world):
    report = submitted(world)
    assert (report.state, report.submitted_at) == (ReportState.submitted, LATE)
    assert kinds_for(world.people.admin) == ["report_submitted"]
    notification = db.session.scalar(sa.select(Notification).where(Notification.recipient_id == world.people.admin.id))
    assert notification.url == f"/pledges/{world.pledge.id}/reports/{report.id}"
    assert notification.params["pledge"] == "Inspectors for cocoa farms"
    assert events(world.pledge) == [("report_submitted", "")]
    assert db.session.scalar(sa.select(PledgeEvent.report_id)) == report.id


def test_submitting_needs_a_narrative(world):
    member, pledge = world.people.member, world.pledge
    report = reports.start_report(member, pledge, P1, now=NOW)
    reports.save_report(member, report, filled(pledge, narrative="  "), now=NOW)
    with pytest.raises(DomainError) as refused:
        reports.submit_report(member, report, now=NOW)
    assert refused.value.field == "narrative"


def test_submitting_names_every_indicator_without_a_value(world, make_pledge):
    member = world.people.member
    pledge = make_pledge(world.org, indicators=[("Inspectors trained", "people", 0, 200),
                                                ("Farms visited", "farms", 0, 500),
                                                ("Children back at school", "children", 0, 1000)])
    first, second, third = pledge.indicators
    report = reports.start_report(member, pledge, P1, now=NOW)
    reports.save_report(member, report, {"narrative": "Done.", "values": {second.id: {"value": Decimal(3)}}}, now=NOW)
    with pytest.raises(DomainError) as refused:
        reports.submit_report(member, report, now=NOW)
    message = str(refused.value)
    assert "“Inspectors trained”" in message and "“Children back at school”" in message
    assert "Farms visited" not in message
    assert refused.value.field == f"value_{first.id}"
    assert report.state is ReportState.draft


@pytest.mark.parametrize("role", ["outsider", "partner", "admin"])
def test_only_the_pledging_organisation_submits(world, role):
    member, pledge = world.people.member, world.pledge
    report = reports.start_report(member, pledge, P1, now=NOW)
    reports.save_report(member, report, filled(pledge), now=NOW)
    with pytest.raises(NotAllowedError):
        reports.submit_report(getattr(world.people, role), report, now=NOW)
    with pytest.raises(NotAllowedError):
        reports.save_report(getattr(world.people, role), report, filled(pledge), now=NOW)


def test_a_submitted_report_cannot_be_changed_or_submitted_again(world):
    report = submitted(world)
    with pytest.raises(InvalidTransitionError):
        reports.save_report(world.people.member, report, filled(world.pledge), now=LATE)
    with pytest.raises(InvalidTransitionError):
        reports.submit_report(world.people.coordinator, report, now=LATE)


# -- reviewing -----------------------------------------------------------------------------------------------
def test_returning_needs_a_comment_and_tells_author_and_coordinator(world):
    report = submitted(world)
    admin = world.people.admin
    with pytest.raises(DomainError) as refused:
        reports.return_report(admin, report, "   ", now=LATE)
    assert refused.value.field == "comment"
    reports.return_report(admin, report, "Add the number of women trained.", now=LATE + timedelta(days=1))
    db.session.commit()
    assert (report.state, report.review_comment, report.reviewed_by_id) == (
        ReportState.returned, "Add the number of women trained.", admin.id)
    assert kinds_for(world.people.member) == ["report_returned"]
    assert kinds_for(world.people.coordinator) == ["report_returned"]
    message = db.session.scalar(sa.select(Notification.params).where(
        Notification.recipient_id == world.people.member.id))["message"]
    assert message == "Add the number of women trained."
    assert events(world.pledge)[-1] == ("report_returned", "Add the number of women trained.")


def test_a_returned_report_is_revised_and_submitted_again(world):
    report = submitted(world)
    reports.return_report(world.people.admin, report, "Check the number.", now=LATE)
    reports.save_report(world.people.coordinator, report, filled(world.pledge, Decimal(38)), now=LATE)
    reports.submit_report(world.people.coordinator, report, now=LATE + timedelta(days=2))
    assert report.state is ReportState.submitted and report.submitted_at == LATE + timedelta(days=2)
    assert report.values[0].value == 38


@pytest.mark.parametrize("role", ["outsider", "partner", "member", "coordinator"])
def test_only_the_secretariat_reviews(world, role):
    report = submitted(world)
    person = getattr(world.people, role)
    with pytest.raises(NotAllowedError):
        reports.approve_report(person, report, now=LATE)
    with pytest.raises(NotAllowedError):
        reports.return_report(person, report, "No.", now=LATE)
    assert report.state is ReportState.submitted


@pytest.mark.parametrize("state", [ReportState.draft, ReportState.returned, ReportState.approved])
def test_only_a_submitted_report_is_reviewed(world, state):
    report = reports.start_report(world.people.member, world.pledge, P1, now=LATE)
    report.state = state
    db.session.commit()
    with pytest.raises(InvalidTransitionError):
        reports.approve_report(world.people.admin, report, now=LATE)
    with pytest.raises(InvalidTransitionError):
        reports.return_report(world.people.admin, report, "No.", now=LATE)


def test_approval_turns_an_amber_pledge_green(world):
    pledge = world.pledge
    assert pledge.light(LATE.date()) is Light.amber
    report = submitted(world, value=Decimal(40))
    assert pledge.light(LATE.date()) is Light.amber          # submitted is not enough
    reports.approve_report(world.people.admin, report, now=LATE + timedelta(days=1))
    db.session.commit()
    assert pledge.light(LATE.date()) is Light.green
    assert (pledge.reported_through, pledge.report_due_on) == (P1, P2)
    indicator = pledge.indicators[0]
    assert (indicator.current_value, indicator.current_as_of) == (Decimal(40), P1)
    assert indicator.progress == pytest.approx(0.2)
    assert (report.state, report.approved_at, report.reviewed_by_id) == (
        ReportState.approved, LATE + timedelta(days=1), world.people.admin.id)
    assert kinds_for(world.people.member) == ["report_approved"]
    assert kinds_for(world.people.coordinator) == ["report_approved"]
    assert [action for action, _comment in events(pledge)] == ["report_submitted", "report_approved"]


def test_a_returned_report_changes_nothing(world):
    pledge = world.pledge
    report = submitted(world)
    reports.return_report(world.people.admin, report, "Check the number.", now=LATE)
    db.session.commit()
    assert pledge.light(LATE.date()) is Light.amber
    assert pledge.reported_through is None and pledge.indicators[0].current_value is None


def test_approving_an_older_period_after_a_newer_one_keeps_the_newer_value(world):
    admin, pledge = world.people.admin, world.pledge
    newer = submitted(world, P2, Decimal(120), now=LATER)
    older = submitted(world, P1, Decimal(40), now=LATER)
    reports.approve_report(admin, newer, now=LATER)
    reports.approve_report(admin, older, now=LATER + timedelta(hours=1))
    db.session.commit()
    indicator = pledge.indicators[0]
    assert (indicator.current_value, indicator.current_as_of) == (Decimal(120), P2)
    assert pledge.reported_through == P2 and pledge.report_due_on == P3


def test_approval_marks_deliverables_done_without_overwriting_a_date(world, make_pledge):
    member = world.people.member
    pledge = make_pledge(world.org, deliverables=[("Curriculum", date(2026, 3, 1)), ("Handbook", date(2026, 6, 1)),
                                                  ("Training", date(2026, 6, 1))])
    curriculum, handbook, training = pledge.deliverables
    report = reports.start_report(member, pledge, P1, now=LATE)
    reports.save_report(member, report, filled(pledge, deliverables={
        curriculum.id: reports.DeliverableEntry(date(2026, 2, 1)),
        handbook.id: reports.DeliverableEntry(date(2026, 5, 1)),
        training.id: reports.DeliverableEntry(None, "Half done.")}), now=LATE)
    reports.submit_report(member, report, now=LATE)
    handbook.done_on = date(2026, 4, 1)   # marked done on the pledge page meanwhile
    reports.approve_report(world.people.admin, report, now=LATE)
    db.session.commit()
    assert (curriculum.done_on, curriculum.done_by_id) == (date(2026, 2, 1), member.id)
    assert handbook.done_on == date(2026, 4, 1)
    assert training.done_on is None


def test_approved_reports_are_final(world):
    report = submitted(world)
    reports.approve_report(world.people.admin, report, now=LATE)
    with pytest.raises(InvalidTransitionError):
        reports.save_report(world.people.member, report, filled(world.pledge), now=LATE)


# -- reading -------------------------------------------------------------------------------------------------
@pytest.fixture
def three_reports(world):
    """An approved report for the first period, a submitted one for the second, a draft for the third."""
    admin = world.people.admin
    first = submitted(world, P1, Decimal(40), now=LATER)
    reports.approve_report(admin, first, now=LATER)
    second = submitted(world, P2, Decimal(90), now=LATER)
    third = reports.start_report(world.people.member, world.pledge, P3, now=datetime(2027, 3, 1, tzinfo=timezone.utc))
    db.session.commit()
    return first, second, third


@pytest.mark.parametrize("role, expected", [
    ("anonymous", ["first"]), ("outsider", ["first"]), ("partner", ["third", "second", "first"]),
    ("member", ["third", "second", "first"]), ("coordinator", ["third", "second", "first"]),
    ("admin", ["third", "second", "first"]),
])
def test_visible_reports_newest_first(world, three_reports, role, expected):
    names = dict(zip((r.id for r in three_reports), ("first", "second", "third")))
    seen = reports.visible_reports(world.pledge, getattr(world.people, role))
    assert [names[r.id] for r in seen] == expected


def test_a_draft_pledge_shows_no_reports_to_outsiders(world, three_reports):
    world.pledge.state = PledgeState.draft
    db.session.commit()
    assert reports.visible_reports(world.pledge, world.people.outsider) == []


def test_chart_data_has_approved_values_only_in_period_order(world, make_pledge):
    admin, member = world.people.admin, world.people.member
    pledge = make_pledge(world.org, indicators=[("Inspectors trained", "people", Decimal(0), Decimal(200)),
                                                ("Budget spent", "USD", None, Decimal("1000.5"))])
    trained, budget = pledge.indicators
    for period_end, value in ((P2, Decimal(90)), (P1, Decimal("40.5")), (P3, Decimal(150))):
        report = reports.start_report(member, pledge, period_end, now=LATER + timedelta(days=200))
        reports.save_report(member, report, {"narrative": "Done.", "values": {
            trained.id: {"value": value}, budget.id: {"value": Decimal(5)}}}, now=LATER)
        if period_end != P3:
            reports.submit_report(member, report, now=LATER)
            reports.approve_report(admin, report, now=LATER)
    db.session.commit()
    assert reports.indicator_chart_data(pledge) == {"start": "2026-01-01", "end": "2027-12-31", "indicators": [
        {"id": trained.id, "name": "Inspectors trained", "unit": "people", "baseline": 0.0, "target": 200.0,
         "points": [{"date": "2026-07-01", "value": 40.5}, {"date": "2027-01-01", "value": 90.0}]},
        {"id": budget.id, "name": "Budget spent", "unit": "USD", "baseline": None, "target": 1000.5,
         "points": [{"date": "2026-07-01", "value": 5.0}, {"date": "2027-01-01", "value": 5.0}]},
    ]}


def test_chart_data_of_a_pledge_without_reports(world):
    data = reports.indicator_chart_data(world.pledge)
    assert [i["points"] for i in data["indicators"]] == [[]]


def test_the_review_queue_lists_submitted_reports_longest_waiting_first(world, make_pledge):
    member = world.people.member
    other = make_pledge(world.org, title="Second pledge")
    late = submitted(world, P1, now=LATE + timedelta(days=3))
    report = reports.start_report(member, other, P1, now=LATE)
    reports.save_report(member, report, filled(other), now=LATE)
    reports.submit_report(member, report, now=LATE)
    reports.start_report(member, world.pledge, P2, now=LATER)  # a draft: not in the queue
    db.session.commit()
    queue = reports.submitted_reports()
    assert [r.id for r in queue] == [report.id, late.id]
    assert queue[0].pledge.organisation.name == "Pledging Org"


def test_reading_takes_the_same_queries_for_one_report_or_three(world, make_pledge):
    """visible_reports is one query (and one for the values of all reports); the chart data one query."""
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def measure() -> tuple[int, int]:
        db.session.expire_all()
        pledge = db.session.get(type(world.pledge), world.pledge.id)
        list(pledge.indicators), list(pledge.partners), world.people.member.organisation_id  # not what we count
        statements.clear()
        for report in reports.visible_reports(pledge, world.people.member):
            list(report.values)
        read = len(statements)
        statements.clear()
        reports.indicator_chart_data(pledge)
        return read, len(statements)

    first = submitted(world, P1, now=LATER)
    reports.approve_report(world.people.admin, first, now=LATER)
    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        one = measure()
        for period_end in (P2, P3):
            reports.approve_report(world.people.admin, submitted(world, period_end, now=LATER), now=LATER)
        db.session.commit()
        three = measure()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert one == three == (2, 1)
