"""Pledges for tests: a factory, and a joint pledge with one person in each role."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app import events
from app.commitments.models import Deliverable, Indicator, Pledge, PledgePartner, PledgeState
from app.extensions import db
from app.members.models import OrgRole
from app.utils import search_text_of

# Every kind of person the permission tests walk through, in order of growing rights.
ROLES = ["anonymous", "outsider", "partner", "member", "coordinator", "admin"]

# A fixed "now" for tests of dates: the pledge below starts on 1 January 2026 and reports every 6 months.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_pledge(app):
    """Create a pledge directly (no service), complete enough to submit: one deliverable, one indicator.

    ``state`` defaults to published; ``partners`` is a list of organisations.
    """
    counter = iter(range(1, 100_000))

    def _make_pledge(org, *, state=PledgeState.published, coordinator=None, partners=(), deliverables=None,
                     indicators=None, **fields):
        n = next(counter)
        values = dict(title=f"Pledge {n}", description="Train 200 labour inspectors in three provinces.",
                      contribution="Inspections find and end child labour on farms.", areas=["child_labour"],
                      action_type="programme_services", countries=["KEN"], target_groups=["children"],
                      start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), resources_amount=Decimal("50000"),
                      resources_currency="USD")
        values.update(fields)
        pledge = Pledge(organisation_id=org.id, coordinator_id=coordinator.id if coordinator else None,
                        created_by_id=coordinator.id if coordinator else None, state=state, **values)
        pledge.search_text = search_text_of(pledge.title, pledge.description)
        if state in (PledgeState.published, PledgeState.completed, PledgeState.withdrawn):
            pledge.published_at = datetime(2026, 1, 15, tzinfo=timezone.utc)
        for position, (title, due) in enumerate(deliverables or [("Training curriculum", date(2026, 6, 30))]):
            pledge.deliverables.append(Deliverable(position=position, title=title, due_date=due))
        for position, (name, unit, baseline, target) in enumerate(
                indicators or [("Inspectors trained", "people", Decimal(0), Decimal(200))]):
            pledge.indicators.append(Indicator(position=position, name=name, unit=unit, baseline=baseline,
                                               target=target))
        for partner in partners:
            pledge.partners.append(PledgePartner(organisation_id=partner.id))
        pledge.refresh_schedule()
        db.session.add(pledge)
        events.reindex_later(pledge)  # as the services do: searchable once the worker ran
        db.session.commit()
        return pledge

    return _make_pledge


@pytest.fixture
def pledge_world(make_org, make_user, make_pledge):
    """A published joint pledge of "Pledging Org" with "Partner Org"; `people.<role>` for each of ROLES."""
    pledging = make_org("Pledging Org")
    partner_org = make_org("Partner Org")
    other = make_org("Other Org")
    people = SimpleNamespace(
        anonymous=None,
        outsider=make_user("outsider@example.org", org=other, full_name="Olu Outsider"),
        partner=make_user("partner@example.org", org=partner_org, full_name="Pat Partner"),
        member=make_user("member@example.org", org=pledging, role=OrgRole.member, full_name="Mia Member"),
        coordinator=make_user("coordinator@example.org", org=pledging, full_name="Cora Coordinator"),
        admin=make_user("admin@example.org", admin=True, full_name="Ada Admin"),
    )
    pledge = make_pledge(pledging, coordinator=people.coordinator, partners=[partner_org],
                         title="Inspectors for cocoa farms")
    return SimpleNamespace(pledge=pledge, people=people, org=pledging, partner_org=partner_org, other_org=other)


@pytest.fixture
def as_role(client, login, pledge_world):
    """Sign in as one of ROLES (anonymous stays signed out); returns the client."""

    def _as_role(role):
        person = getattr(pledge_world.people, role)
        if person is not None:
            assert login(person).status_code == 302
        return client

    return _as_role
