"""Pledge deadlines: the reminder e-mails of the scheduled job, and the deadlines on a person's home page.

Each deadline (the next progress report, each open deliverable) has reminders in windows of days, so that a
day the scheduler does not run loses nothing: the reminder goes out on the first run inside its window.

- "soon": from 14 days before the due date until the day before;
- "due": from the due date for a week;
- "overdue, week n": from n weeks after the due date for a week (n = 1, 2, ...), as long as it is open.

Each reminder has its own key in the outbox (:func:`app.events.claim`), so it goes out once. A pledge gets
at most one e-mail a day: the reminders due the same day go out together, and a day key stops a second
e-mail that day (a reminder that becomes due later that day waits for the next run, if it is still in its window).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import events
from app.commitments.models import Deliverable, Pledge, PledgeState, ProgressReport, ReportState
from app.extensions import db
from app.mail import queue_email
from app.members.models import Organisation, OrganisationStatus, OrgRole, User, UserStatus
from app.policy import has_organisation
from app.urls import external_url
from app.utils import utcnow

SOON = timedelta(days=14)
WEEK = timedelta(days=7)


def stage(due: date, today: date) -> str | None:
    """The reminder of a deadline whose window contains ``today``: "soon", "due", "overdue:<n>" or None."""
    if today < due - SOON:
        return None
    if today < due:
        return "soon"
    weeks = (today - due).days // 7
    return "due" if weeks == 0 else f"overdue:{weeks}"


@dataclass(frozen=True)
class Reminder:
    """One reminder of one deadline of a pledge: the progress report (``deliverable`` None) or a deliverable."""

    key: str
    due: date
    today: date
    deliverable: Deliverable | None = None

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def days_late(self) -> int:
        return (self.today - self.due).days


def pledge_reminders(pledge: Pledge, today: date, *, report_in_review: bool = False) -> list[Reminder]:
    """The reminders of a published pledge whose window contains ``today`` (sent or not).

    :param report_in_review: a report for the due period waits for the secretariat: no report reminder.
    """
    if pledge.state is not PledgeState.published:
        return []
    out = []
    if pledge.report_due_on is not None and not report_in_review:
        when = stage(pledge.report_due_on, today)
        if when:
            out.append(Reminder(f"pledge:{pledge.id}:report:{pledge.report_due_on.isoformat()}:{when}",
                                pledge.report_due_on, today))
    for deliverable in pledge.deliverables:
        if deliverable.due_date is None or deliverable.is_done:
            continue
        when = stage(deliverable.due_date, today)
        if when:
            out.append(Reminder(
                f"pledge:{pledge.id}:deliverable:{deliverable.id}:{deliverable.due_date.isoformat()}:{when}",
                deliverable.due_date, today, deliverable))
    return out


def day_key(pledge: Pledge, today: date) -> str:
    return f"pledge:{pledge.id}:day:{today.isoformat()}"


def _has_open_deadline_before(day: date):
    """SQL: the pledge's report, or one of its open deliverables, is due on or before ``day``."""
    open_deliverables = sa.select(Deliverable.pledge_id).where(Deliverable.due_date <= day,
                                                               Deliverable.done_on.is_(None))
    return sa.or_(Pledge.report_due_on <= day, Pledge.id.in_(open_deliverables))


def _pledges_with_reminders(today: date) -> list[Pledge]:
    """Published pledges of active organisations with a deadline in 14 days or less, or overdue."""
    return list(db.session.scalars(
        sa.select(Pledge).join(Pledge.organisation)
        .where(Pledge.state == PledgeState.published, Organisation.status == OrganisationStatus.active,
               _has_open_deadline_before(today + SOON))
        .options(so.contains_eager(Pledge.organisation), so.joinedload(Pledge.coordinator),
                 so.selectinload(Pledge.deliverables))
        .order_by(Pledge.id)))


def _pledges_with_report_in_review() -> set[int]:
    """Published pledges whose report for the due period is with the secretariat: reminding them to
    write it would only confuse (they did; the review is late, not the report)."""
    return set(db.session.scalars(
        sa.select(ProgressReport.pledge_id).join(Pledge, Pledge.id == ProgressReport.pledge_id)
        .where(Pledge.state == PledgeState.published, ProgressReport.state == ReportState.submitted,
               ProgressReport.period_end >= Pledge.report_due_on)))


def _recipients(pledges: list[Pledge]) -> dict[int, list[User]]:
    """Pledge id → who gets its reminders: the coordinating focal point if they still act for the
    organisation, else the organisation's approved focal points (one query, only when needed)."""
    out: dict[int, list[User]] = {}
    orphans = []
    for pledge in pledges:
        person = pledge.coordinator
        if person is not None and person.is_approved and person.organisation_id == pledge.organisation_id:
            out[pledge.id] = [person]
        else:
            orphans.append(pledge)
    if orphans:
        focal_points: dict[int, list[User]] = {}
        for person in db.session.scalars(
                sa.select(User).where(User.organisation_id.in_({p.organisation_id for p in orphans}),
                                      User.org_role == OrgRole.focal_point, User.status == UserStatus.active)
                .order_by(User.id)):
            focal_points.setdefault(person.organisation_id, []).append(person)
        for pledge in orphans:
            out[pledge.id] = focal_points.get(pledge.organisation_id, [])
    return out


def send_pledge_reminders(now: datetime | None = None) -> int:
    """Queue today's deadline reminders of published pledges: one e-mail per pledge and recipient at most,
    listing every reminder of the pledge due today. Flushes; the job commits (the e-mails go on commit).

    :return: the number of e-mails queued.
    """
    now = now or utcnow()
    today = now.date()
    pledges = _pledges_with_reminders(today)
    in_review = _pledges_with_report_in_review()
    due = {p.id: pledge_reminders(p, today, report_in_review=p.id in in_review) for p in pledges}
    pledges = [p for p in pledges if due[p.id]]
    already = events.recorded([r.key for p in pledges for r in due[p.id]] + [day_key(p, today) for p in pledges])
    recipients = _recipients(pledges)
    sent = 0
    for pledge in pledges:
        fresh = [r for r in due[pledge.id] if r.key not in already]
        if not fresh or day_key(pledge, today) in already or not recipients[pledge.id]:
            continue
        # Report first, then deliverables by date.
        fresh.sort(key=lambda r: (r.deliverable is not None, r.due, r.key))
        for person in recipients[pledge.id]:
            queue_email(person, _l("Pledge deadlines: %(title)s", title=pledge.title), "pledge_reminder",
                        pledge=pledge, reminders=fresh, pledge_url=external_url("commitments.detail",
                                                                               pledge_id=pledge.id))
            sent += 1
        events.claim([r.key for r in fresh] + [day_key(pledge, today)], now)
    db.session.flush()
    return sent


# -- the home page ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    """Something due on a pledge: its progress report (``deliverable`` None) or a deliverable."""

    pledge: Pledge
    due: date
    overdue: bool
    deliverable: Deliverable | None = None

    @property
    def what(self) -> str:
        return self.deliverable.title if self.deliverable is not None else _("Progress report")


def upcoming_deadlines(user, today: date, *, within_days: int = 30) -> list[Deadline]:
    """The open deadlines of the published pledges ``user``'s organisation makes: overdue ones first (the
    oldest first), then those of the next ``within_days`` days by date. Empty for people not approved.
    """
    if not has_organisation(user):
        return []
    horizon = today + timedelta(days=within_days)
    pledges = db.session.scalars(
        sa.select(Pledge).where(Pledge.organisation_id == user.organisation_id,
                                Pledge.state == PledgeState.published, _has_open_deadline_before(horizon))
        .options(so.selectinload(Pledge.deliverables)))
    out = []
    for pledge in pledges:
        if pledge.report_due_on is not None and pledge.report_due_on <= horizon:
            out.append(Deadline(pledge, pledge.report_due_on, pledge.report_due_on < today))
        out += [Deadline(pledge, d.due_date, d.due_date < today, d) for d in pledge.deliverables
                if d.due_date is not None and not d.is_done and d.due_date <= horizon]
    return sorted(out, key=lambda d: (not d.overdue, d.due, d.pledge.id, d.deliverable is not None,
                                      d.deliverable.position if d.deliverable else 0))
