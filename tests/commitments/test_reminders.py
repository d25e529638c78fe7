"""Deadline reminders: 14 days before, on the day, weekly while overdue; once each, one e-mail a pledge a day."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.commitments.models import Deliverable, PledgeState, ProgressReport, ReportState
from app.commitments.reminders import send_pledge_reminders, stage, upcoming_deadlines
from app.extensions import db
from app.jobs import remind_pledge_deadlines
from app.events import OutboxEvent
from app.members.models import OrgRole, UserStatus
from app.scheduler import build_scheduler

# The pledges of make_pledge start on 1 January 2026 and report every 6 months: the first report is
# due on 1 July 2026. This deliverable is far away, so that only the report has reminders in July.
REPORT_DUE = date(2026, 7, 1)
LATER = [("Final evaluation", date(2027, 12, 1))]


def at(day: date, hour: int = 6) -> datetime:
    """The scheduler's run on ``day`` (06:30 UTC)."""
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=timezone.utc)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def org(make_org):
    return make_org("Pledging Org")


@pytest.fixture
def coordinator(make_user, org):
    return make_user("cora@example.org", org=org, full_name="Cora Coordinator")


def run(day: date) -> int:
    """Run the job as the scheduler does (it commits, and the e-mails go on commit)."""
    return remind_pledge_deadlines(now=at(day))


@pytest.mark.parametrize(("today", "expected"), [
    (REPORT_DUE - days(15), None), (REPORT_DUE - days(14), "soon"), (REPORT_DUE - days(1), "soon"),
    (REPORT_DUE, "due"), (REPORT_DUE + days(6), "due"), (REPORT_DUE + days(7), "overdue:1"),
    (REPORT_DUE + days(13), "overdue:1"), (REPORT_DUE + days(14), "overdue:2"), (REPORT_DUE + days(400), "overdue:57"),
])
def test_each_day_falls_in_one_reminder_window(today, expected):
    assert stage(REPORT_DUE, today) == expected


def test_the_coordinator_gets_one_email_fourteen_days_before_a_report_is_due(org, coordinator, make_user,
                                                                             make_pledge, outbox):
    make_user("member@example.org", org=org, role=OrgRole.member)
    pledge = make_pledge(org, coordinator=coordinator, deliverables=LATER, title="Inspectors for cocoa farms")
    assert run(REPORT_DUE - days(15)) == 0
    assert run(REPORT_DUE - days(14)) == 1
    msg = outbox[-1]
    body = msg.get_content()
    assert msg["To"] == "cora@example.org"
    assert "Inspectors for cocoa farms" in msg["Subject"]
    assert "Dear Cora Coordinator" in body and "progress report is due on" in body and "in 14 days" in body
    assert f"/pledges/{pledge.id}" in body
    assert "Final evaluation" not in body
    # The same day again (a restart), and the next days of the window: nothing more.
    assert remind_pledge_deadlines(now=at(REPORT_DUE - days(14), hour=18)) == 0
    assert run(REPORT_DUE - days(13)) == 0
    assert run(REPORT_DUE - days(1)) == 0
    assert len(outbox) == 1


def test_due_date_then_weekly_while_overdue_never_twice_a_week(org, coordinator, make_pledge, outbox):
    make_pledge(org, coordinator=coordinator, deliverables=LATER)
    assert run(REPORT_DUE) == 1
    assert "The progress report is due today." in outbox[-1].get_content()
    sent = [run(REPORT_DUE + days(n)) for n in range(1, 22)]
    # Overdue week 1 on day 7, week 2 on day 14, week 3 on day 21; nothing in between.
    assert [n + 1 for n, count in enumerate(sent) if count] == [7, 14, 21]
    assert sum(sent) == 3
    assert "it is 7 days late" in outbox[1].get_content()
    assert "it is 21 days late" in outbox[3].get_content()


def test_a_day_without_the_scheduler_still_sends_within_the_window(org, coordinator, make_pledge, outbox):
    make_pledge(org, coordinator=coordinator, deliverables=LATER)
    # The scheduler was down from 14 days before until 3 days after the due date.
    assert run(REPORT_DUE + days(3)) == 1
    assert "it is 3 days late" in outbox[-1].get_content()
    assert run(REPORT_DUE + days(4)) == 0
    # Down again the whole second week: the week-2 reminder goes out on its last day.
    assert run(REPORT_DUE + days(20)) == 1
    assert run(REPORT_DUE + days(21)) == 1  # week 3 starts


def test_reminders_due_the_same_day_go_out_in_one_email(org, coordinator, make_pledge, outbox):
    make_pledge(org, coordinator=coordinator, deliverables=[
        ("Training curriculum", REPORT_DUE), ("Baseline survey", REPORT_DUE - days(20)), ("Later", date(2027, 1, 1))])
    assert run(REPORT_DUE) == 1
    body = outbox[-1].get_content()
    assert "The progress report is due today." in body
    assert "“Training curriculum” is due today." in body
    assert "“Baseline survey” was due on" in body and "it is 20 days late" in body
    assert "Later" not in body
    # The report comes first, then the deliverables by date.
    assert body.index("progress report") < body.index("Baseline survey") < body.index("Training curriculum")
    assert run(REPORT_DUE) == 0 and len(outbox) == 1


def test_at_most_one_email_per_pledge_a_day(org, coordinator, make_pledge, outbox):
    pledge = make_pledge(org, coordinator=coordinator, deliverables=LATER)
    today = REPORT_DUE - days(14)
    assert run(today) == 1
    # A deliverable added later that day, already due in 10 days: it waits for tomorrow's run.
    pledge.deliverables.append(Deliverable(title="Inspection manual", due_date=today + days(10), position=5))
    db.session.commit()
    assert remind_pledge_deadlines(now=at(today, hour=15)) == 0
    assert run(today + days(1)) == 1
    body = outbox[-1].get_content()
    assert "Inspection manual" in body and "The progress report is due" not in body
    keys = set(db.session.scalars(db.select(OutboxEvent.key)))
    assert f"pledge:{pledge.id}:day:{today.isoformat()}" in keys
    assert f"pledge:{pledge.id}:report:{REPORT_DUE.isoformat()}:soon" in keys


def test_deliverables_have_reminders_until_done(org, coordinator, make_pledge, outbox):
    due = date(2026, 5, 15)
    pledge = make_pledge(org, coordinator=coordinator, deliverables=[("Training curriculum", due)])
    assert run(due - days(14)) == 1
    assert "“Training curriculum” is due on" in outbox[-1].get_content()
    assert run(due) == 1
    assert run(due + days(7)) == 1
    pledge.deliverables[0].done_on = due + days(8)
    db.session.commit()
    assert run(due + days(14)) == 0
    assert len(outbox) == 3


@pytest.mark.parametrize("state", [PledgeState.completed, PledgeState.withdrawn, PledgeState.draft,
                                   PledgeState.submitted, PledgeState.returned])
def test_closed_and_unpublished_pledges_get_no_reminders(state, org, coordinator, make_pledge, outbox):
    make_pledge(org, state=state, coordinator=coordinator, deliverables=[("Training curriculum", REPORT_DUE)])
    for day in (REPORT_DUE - days(14), REPORT_DUE, REPORT_DUE + days(7)):
        assert run(day) == 0
    assert outbox == []


def test_no_report_reminder_while_the_report_waits_for_review(org, coordinator, make_pledge, outbox):
    pledge = make_pledge(org, coordinator=coordinator, deliverables=LATER)
    report = ProgressReport(pledge_id=pledge.id, period_start=date(2026, 1, 1), period_end=REPORT_DUE,
                            state=ReportState.submitted)
    db.session.add(report)
    db.session.commit()
    assert run(REPORT_DUE + days(7)) == 0
    # Returned for revision: the organisation has work to do again.
    report.state = ReportState.returned
    db.session.commit()
    assert run(REPORT_DUE + days(14)) == 1


def test_without_an_active_coordinator_the_organisations_focal_points_get_it(org, make_user, make_pledge, outbox):
    gone = make_user("gone@example.org", org=org, status=UserStatus.suspended)
    make_user("fp1@example.org", org=org)
    make_user("fp2@example.org", org=org, locale="fr")
    make_user("member@example.org", org=org, role=OrgRole.member)
    make_user("pending@example.org", org=org, status=UserStatus.pending)
    make_pledge(org, coordinator=gone, deliverables=LATER)
    make_pledge(org, deliverables=LATER)  # no coordinator at all
    assert run(REPORT_DUE) == 4
    assert sorted(m["To"] for m in outbox) == ["fp1@example.org", "fp1@example.org", "fp2@example.org",
                                               "fp2@example.org"]
    assert "you are a focal point of Pledging Org" in outbox[0].get_content()


def test_the_email_is_in_the_recipients_language(org, make_user, make_pledge, outbox):
    person = make_user("fatou@example.org", org=org, locale="fr")
    make_pledge(org, coordinator=person, deliverables=LATER)
    assert run(REPORT_DUE) == 1
    assert outbox[-1]["Content-Language"] == "fr"


def test_the_scheduler_runs_the_reminders_every_day(app):
    job = build_scheduler(app).get_job("remind_pledge_deadlines")
    assert job is not None and "hour='6'" in str(job.trigger) and "minute='30'" in str(job.trigger)


def test_running_the_job_twice_the_same_day_sends_nothing_twice(org, coordinator, make_pledge, outbox):
    for _ in range(3):
        make_pledge(org, coordinator=coordinator, deliverables=LATER)
    assert send_pledge_reminders(now=at(REPORT_DUE)) == 3
    db.session.commit()
    assert send_pledge_reminders(now=at(REPORT_DUE, hour=12)) == 0
    db.session.commit()
    assert len(outbox) == 3


def test_the_job_reads_with_the_same_few_queries_for_few_or_many_pledges(make_org, make_user, make_pledge):
    from sqlalchemy import event

    def selects_for(count: int, day: date) -> int:
        org = make_org()
        person = make_user(org=org)
        for i in range(count):
            # Half with a coordinator, half falling back to the organisation's focal points.
            make_pledge(org, coordinator=person if i % 2 else None,
                        deliverables=[("Manual", day), ("Survey", day + days(3))])
        statements = []
        record = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert run(day) >= count
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    # On the second day the first batch's reports are overdue too: 14 pledges then.
    assert selects_for(2, REPORT_DUE - days(10)) == selects_for(12, REPORT_DUE + days(200)) <= 5


# -- the deadlines a person sees -----------------------------------------------------------------------------
def test_upcoming_deadlines_lists_overdue_first_then_the_next_30_days(org, coordinator, make_org, make_pledge):
    today = date(2026, 6, 20)
    mine = make_pledge(org, coordinator=coordinator, title="Mine", deliverables=[
        ("Late manual", today - days(3)), ("Done manual", today - days(10)), ("Soon manual", today + days(5)),
        ("Far manual", today + days(31))])
    mine.deliverables[1].done_on = today - days(12)
    make_pledge(org, state=PledgeState.draft, title="Draft", deliverables=[("Draft thing", today + days(2))])
    make_pledge(make_org("Other Org"), title="Theirs", deliverables=[("Their thing", today + days(2))])
    db.session.commit()
    deadlines = upcoming_deadlines(coordinator, today)
    assert [(d.what, d.due, d.overdue) for d in deadlines] == [
        ("Late manual", today - days(3), True), ("Soon manual", today + days(5), False),
        ("Progress report", REPORT_DUE, False)]
    assert all(d.pledge.id == mine.id for d in deadlines)
    assert upcoming_deadlines(coordinator, today, within_days=60)[-1].what == "Far manual"


def test_people_not_approved_have_no_deadlines(org, make_user, make_pledge):
    pending = make_user(org=org, status=UserStatus.pending)
    make_pledge(org)
    assert upcoming_deadlines(pending, date(2026, 6, 20)) == []
    assert upcoming_deadlines(None, date(2026, 6, 20)) == []
