"""The demo pledges: about sixty, in every state and at every light, consistent, loaded once."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.cli import seed
from app.commitments.demo import PLEDGES, seed_pledges
from app.commitments.models import (
    Pledge, PledgeEvent, PledgeState, ProgressReport, ReportState, ReportValue,
)
from app.commitments.reminders import upcoming_deadlines
from app.commitments.schedule import Light
from app.commitments.services import smart_problems
from app.extensions import db
from app.members.models import User
from app.taxonomy import ACTION_TYPES, AREAS, TARGET_GROUPS
from app.utils import fold, search_text_of

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def demo(app):
    seed(now=NOW)
    made = seed_pledges(now=NOW)
    db.session.commit()
    return made


def pledges() -> list[Pledge]:
    return list(db.session.scalars(sa.select(Pledge).order_by(Pledge.id)))


def test_seeding_twice_adds_nothing_the_second_time(demo):
    assert demo == len(PLEDGES)
    assert 55 <= demo <= 65
    assert seed_pledges(now=NOW) == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == demo


@pytest.mark.parametrize("now", [NOW, datetime(2025, 12, 31, 23, tzinfo=timezone.utc),
                                 datetime(2026, 8, 31, 6, tzinfo=timezone.utc)])
def test_every_state_and_every_light_is_there_whatever_the_day(app, now):
    seed(now=now)
    seed_pledges(now=now)
    db.session.commit()
    today = now.date()
    assert set(Counter(p.state for p in pledges())) == set(PledgeState)
    lights = Counter(p.light(today) for p in pledges())
    assert set(lights) == set(Light)
    assert lights[Light.none] >= 10  # drafts, submitted and returned pledges
    reports = Counter(r.state for r in db.session.scalars(sa.select(ProgressReport)))
    assert set(reports) == set(ReportState)


def test_the_vocabularies_are_covered(demo):
    every = pledges()
    assert {a for p in every for a in p.areas} == set(AREAS)
    assert {p.action_type for p in every} == set(ACTION_TYPES)
    assert {t for p in every for t in p.target_groups} == set(TARGET_GROUPS)
    assert len({c for p in every for c in p.countries}) >= 40
    assert any(p.is_global for p in every)
    assert any(p.partners for p in every) and any(p.group_id for p in every)
    assert any(fold("travail") in p.search_text for p in every) and any(fold("niño") in p.search_text for p in every)


def test_every_pledge_is_consistent(demo):
    for pledge in pledges():
        assert pledge.search_text == search_text_of(pledge.title, pledge.description)
        assert pledge.deliverables and pledge.indicators
        if pledge.state is not PledgeState.draft:
            assert smart_problems(pledge) == [], pledge.title
        actions = [e.action for e in db.session.scalars(
            sa.select(PledgeEvent).where(PledgeEvent.pledge_id == pledge.id).order_by(PledgeEvent.created_at))]
        assert actions[0] == "created"
        assert all(e <= NOW for e in (pledge.created_at, pledge.submitted_at, pledge.published_at,
                                      pledge.closed_at) if e is not None)
        if pledge.is_public:
            assert "published" in actions and pledge.published_at is not None
            before = (pledge.report_due_on, pledge.red_from, pledge.inactive_from)
            pledge.refresh_schedule()
            assert (pledge.report_due_on, pledge.red_from, pledge.inactive_from) == before
        else:
            assert pledge.report_due_on is None and pledge.published_at is None
        if pledge.state is PledgeState.returned:
            assert actions[-1] == "returned" and pledge.review_comment
        if pledge.is_closed:
            assert actions[-1] == pledge.state.value and pledge.closed_at is not None


def test_reports_values_and_current_values_agree(demo):
    for pledge in pledges():
        reports = list(db.session.scalars(sa.select(ProgressReport).where(ProgressReport.pledge_id == pledge.id)
                                          .order_by(ProgressReport.period_end)))
        approved = [r for r in reports if r.is_approved]
        assert pledge.reported_through == (approved[-1].period_end if approved else None)
        for report in reports:
            assert {v.indicator_id for v in report.values} == {i.id for i in pledge.indicators}
            assert report.period_end <= NOW.date()
        for indicator in pledge.indicators:
            if not approved:
                assert indicator.current_value is None
                continue
            latest = db.session.scalar(sa.select(ReportValue.value).where(
                ReportValue.report_id == approved[-1].id, ReportValue.indicator_id == indicator.id))
            assert indicator.current_value == latest and indicator.current_as_of == approved[-1].period_end
        for deliverable in pledge.deliverables:
            if deliverable.is_done:
                assert deliverable.evidence_url.startswith("https://")


def test_the_demo_login_has_an_overdue_pledge_and_a_returned_report(demo):
    focal = db.session.scalar(sa.select(User).where(User.email == "focal@mlswr.example.org"))
    mine = [p for p in pledges() if p.organisation_id == focal.organisation_id]
    assert len(mine) >= 4
    today = NOW.date()
    assert any(p.light(today) is Light.red for p in mine)
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id)).where(
        ProgressReport.pledge_id.in_([p.id for p in mine]), ProgressReport.state == ReportState.returned)) == 1
    deadlines = upcoming_deadlines(focal, today)
    assert any(d.overdue for d in deadlines) and any(not d.overdue for d in deadlines)
