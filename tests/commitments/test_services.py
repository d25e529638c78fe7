"""Pledge rules: drafts, the SMART check, review, revisions after publication, closing, deliverables."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.commitments import services
from app.commitments.models import (
    Deliverable, Pledge, PledgeEvent, PledgeState, ProgressReport, ReportState, ReportValue,
)
from app.commitments.schedule import Light
from app.commitments.services import DeliverableData, IndicatorData, PledgeData, SmartError
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.notifications.models import Notification
from app.taxonomy import region_countries
from tests.commitments.conftest import NOW
from tests.conftest import reload

SMART = PledgeData(
    title="Inspectors for cocoa farms", description="Train 200 labour inspectors in three cocoa provinces.",
    contribution="Inspections find children at work on farms and get them back to school.",
    areas=["child_labour"], action_type="programme_services", countries=["CIV", "GHA"],
    target_groups=["children"], start_date=date(2026, 1, 1), end_date=date(2027, 12, 31),
    resources_amount=Decimal("120000"), resources_currency="USD",
    deliverables=[DeliverableData("Training curriculum", date(2026, 6, 30))],
    indicators=[IndicatorData("Inspectors trained", "people", Decimal(0), Decimal(200))])


@pytest.fixture
def world(pledge_world):
    return pledge_world


def _draft(world, data=SMART, actor=None):
    pledge = services.create_pledge(actor or world.people.coordinator, data, now=NOW)
    db.session.commit()
    return pledge


def _edit(pledge, **changes):
    """What the edit form sends back: the pledge as it is, with some changes."""
    return replace(services.pledge_data(pledge), **changes)


def _fields(problems):
    return [name for name, _ in problems]


# -- drafts -------------------------------------------------------------------------------------------------
def test_a_draft_needs_only_a_title_and_belongs_to_the_actors_organisation(world):
    pledge = _draft(world, PledgeData(title="  Something   good "))
    assert (pledge.title, pledge.state, pledge.organisation_id) == ("Something good", PledgeState.draft, world.org.id)
    assert pledge.coordinator_id == world.people.coordinator.id  # a focal point coordinates by default
    assert [e.action for e in services.history(pledge, world.people.coordinator)] == ["created"]


def test_a_member_who_is_not_a_focal_point_leaves_the_coordinator_to_choose(world):
    pledge = _draft(world, PledgeData(title="Member's idea"), actor=world.people.member)
    assert pledge.coordinator_id is None
    assert "coordinator_id" in _fields(services.smart_problems(pledge))


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"end_date": date(2025, 12, 31)}, "end_date"),
    ({"end_date": date(2026, 1, 1)}, "end_date"),
    ({"countries": ["XXX"]}, "countries"),
    ({"resources_currency": "EUROS"}, "resources_currency"),
    ({"resources_amount": Decimal(-5)}, "resources_amount"),
    ({"resources_currency": ""}, "resources_currency"),
    ({"action_type": "lobbying"}, "action_type"),
    ({"report_every_months": 0}, "report_every_months"),
    ({"report_every_months": 25}, "report_every_months"),
    ({"deliverables": [DeliverableData("", date(2026, 5, 1))]}, "deliverables-0-title"),
    ({"indicators": [IndicatorData("", "people", Decimal(0), Decimal(1))]}, "indicators-0-name"),
])
def test_what_even_a_draft_must_respect(world, change, field):
    with pytest.raises(DomainError) as caught:
        services.create_pledge(world.people.coordinator, replace(SMART, **change), now=NOW)
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1  # only the fixture's pledge


def test_a_region_expands_to_its_countries(world):
    pledge = _draft(world, replace(SMART, countries=["002", "FRA"]))
    assert set(pledge.countries) == set(region_countries()["002"]) | {"FRA"}
    assert "002" not in pledge.countries


def test_partners_must_be_other_active_organisations(world, make_org):
    with pytest.raises(DomainError) as caught:
        services.create_pledge(world.people.coordinator, replace(SMART, partner_ids=[world.org.id]), now=NOW)
    assert caught.value.field == "partner_ids"
    db.session.rollback()
    from app.members.models import OrganisationStatus
    pending = make_org("Pending Org", status=OrganisationStatus.pending)
    with pytest.raises(DomainError):
        services.create_pledge(world.people.coordinator, replace(SMART, partner_ids=[pending.id]), now=NOW)
    db.session.rollback()
    pledge = _draft(world, replace(SMART, partner_ids=[world.partner_org.id]))
    assert pledge.partner_ids == {world.partner_org.id}


def test_a_pledge_links_only_to_a_group_the_person_takes_part_in(world):
    group = ActionGroup(name="Supply Chains", slug="supply-chains", mandate="m")
    db.session.add(group)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.create_pledge(world.people.coordinator, replace(SMART, group_id=group.id), now=NOW)
    assert caught.value.field == "group_id"
    db.session.rollback()
    db.session.add(Membership(group_id=group.id, user_id=world.people.coordinator.id, role=GroupRole.member))
    db.session.commit()
    assert _draft(world, replace(SMART, group_id=group.id)).group_id == group.id


def test_people_without_an_organisation_cannot_pledge(world, make_user):
    from app.members.models import UserStatus
    pending = make_user("pending@example.org", status=UserStatus.pending)
    with pytest.raises(NotAllowedError):
        services.create_pledge(pending, SMART, now=NOW)


# -- the SMART check ----------------------------------------------------------------------------------------
def test_submit_explains_each_missing_piece_next_to_its_field(world):
    pledge = _draft(world, replace(SMART, indicators=[], deliverables=[DeliverableData("Curriculum")],
                                   resources_amount=None, resources_currency="", target_groups=[]))
    with pytest.raises(SmartError) as caught:
        services.submit_pledge(world.people.coordinator, pledge, now=NOW)
    fields = _fields(caught.value.problems)
    assert fields == ["target_groups", "indicators", "resources_amount", "deliverables-0-due_date"]
    assert "at least one indicator" in dict(caught.value.problems)["indicators"]
    db.session.rollback()
    assert reload(pledge).state is PledgeState.draft


def test_an_indicator_needs_a_unit_a_baseline_and_a_target_that_differ(world):
    pledge = _draft(world, replace(SMART, indicators=[IndicatorData("Inspectors", "", None, None),
                                                      IndicatorData("Laws", "laws", Decimal(1), Decimal(1))]))
    assert _fields(services.smart_problems(pledge)) == [
        "indicators-0-unit", "indicators-0-baseline", "indicators-0-target", "indicators-1-target"]


def test_in_kind_resources_are_enough(world):
    pledge = _draft(world, replace(SMART, resources_amount=None, resources_currency="",
                                   resources_in_kind="Two staff, half time"))
    assert services.smart_problems(pledge) == []


def test_a_smart_pledge_is_submitted_and_the_secretariat_is_told(world):
    pledge = _draft(world)
    services.submit_pledge(world.people.coordinator, pledge, now=NOW)
    db.session.commit()
    assert (pledge.state, pledge.submitted_at) == (PledgeState.submitted, NOW)
    told = db.session.scalars(sa.select(Notification.recipient_id).where(Notification.kind == "pledge_submitted")).all()
    assert told == [world.people.admin.id]
    with pytest.raises(InvalidTransitionError):
        services.submit_pledge(world.people.coordinator, pledge, now=NOW)


def test_only_the_pledging_organisation_submits_and_edits(world):
    pledge = _draft(world)
    for person in (world.people.partner, world.people.outsider, world.people.admin):
        with pytest.raises(NotAllowedError):
            services.submit_pledge(person, pledge, now=NOW)
        with pytest.raises(NotAllowedError):
            services.update_pledge(person, pledge, replace(SMART, title="Hijacked"), now=NOW)
    assert reload(pledge).title == SMART.title
    services.update_pledge(world.people.member, pledge, replace(SMART, title="Renamed by a member"), now=NOW)
    assert pledge.title == "Renamed by a member"


# -- review -------------------------------------------------------------------------------------------------
def _submitted(world):
    pledge = _draft(world)
    services.submit_pledge(world.people.coordinator, pledge, now=NOW)
    db.session.commit()
    return pledge


def test_publishing_starts_the_light_and_tells_the_organisation(world):
    pledge = _submitted(world)
    services.publish_pledge(world.people.admin, pledge, now=NOW)
    db.session.commit()
    assert (pledge.state, pledge.published_at) == (PledgeState.published, NOW)
    assert pledge.report_due_on == date(2026, 7, 1)
    assert pledge.light(date(2026, 3, 1)) is Light.green
    assert pledge.light(date(2026, 7, 2)) is Light.amber
    told = db.session.scalars(sa.select(Notification.recipient_id).where(Notification.kind == "pledge_published")).all()
    assert told == [world.people.coordinator.id]


def test_only_the_secretariat_reviews_and_only_submitted_pledges(world):
    pledge = _draft(world)
    with pytest.raises(InvalidTransitionError):
        services.publish_pledge(world.people.admin, pledge, now=NOW)
    services.submit_pledge(world.people.coordinator, pledge, now=NOW)
    for person in (world.people.coordinator, world.people.partner):
        with pytest.raises(NotAllowedError):
            services.publish_pledge(person, pledge, now=NOW)
        with pytest.raises(NotAllowedError):
            services.return_pledge(person, pledge, "No.", now=NOW)


def test_returning_needs_comments_and_the_author_resubmits(world):
    pledge = _submitted(world)
    with pytest.raises(DomainError) as caught:
        services.return_pledge(world.people.admin, pledge, "   ", now=NOW)
    assert caught.value.field == "reason"
    services.return_pledge(world.people.admin, pledge, "Name the three provinces.", now=NOW)
    db.session.commit()
    assert (pledge.state, pledge.review_comment) == (PledgeState.returned, "Name the three provinces.")
    services.update_pledge(world.people.coordinator, pledge,
                           _edit(pledge, description=SMART.description + " Provinces: A, B, C."), now=NOW)
    services.submit_pledge(world.people.coordinator, pledge, now=NOW + timedelta(days=1))
    services.publish_pledge(world.people.admin, pledge, now=NOW + timedelta(days=2))
    db.session.commit()
    events = [(e.action, e.actor_id) for e in reversed(services.history(pledge, world.people.admin))]
    assert events == [("created", world.people.coordinator.id), ("submitted", world.people.coordinator.id),
                      ("returned", world.people.admin.id), ("submitted", world.people.coordinator.id),
                      ("published", world.people.admin.id)]
    assert pledge.review_comment == ""


def test_the_public_history_leaves_out_the_review_notes(world):
    pledge = _submitted(world)
    services.return_pledge(world.people.admin, pledge, "Private note.", now=NOW)
    services.submit_pledge(world.people.coordinator, pledge, now=NOW)
    services.publish_pledge(world.people.admin, pledge, now=NOW)
    db.session.commit()
    assert [e.action for e in services.history(pledge, None)] == ["published"]
    assert "returned" in [e.action for e in services.history(pledge, world.people.member)]


# -- after publication --------------------------------------------------------------------------------------
def _published(world):
    pledge = _submitted(world)
    services.publish_pledge(world.people.admin, pledge, now=NOW)
    db.session.commit()
    return pledge


def test_a_change_after_publication_is_a_visible_revision(world):
    pledge = _published(world)
    changed = _edit(pledge, title="Inspectors for cocoa and coffee farms", countries=["CIV"],
                    end_date=date(2028, 6, 30))
    assert services.update_pledge(world.people.coordinator, pledge, changed, now=NOW) is True
    db.session.commit()
    assert pledge.revision == 1
    event = services.history(pledge, None)[0]
    assert (event.action, event.revision) == ("revised", 1)
    assert event.changes["title"] == ["Inspectors for cocoa farms", "Inspectors for cocoa and coffee farms"]
    assert event.changes["countries"] == ["CIV, GHA", "CIV"]
    assert event.changes["end_date"] == ["2027-12-31", "2028-06-30"]
    # Saving the same thing again is no revision.
    assert services.update_pledge(world.people.coordinator, pledge, changed, now=NOW) is False
    assert reload(pledge).revision == 1


def test_indicator_changes_are_revisions_too(world):
    pledge = _published(world)
    indicator_id = pledge.indicators[0].id
    services.update_pledge(world.people.coordinator, pledge, _edit(pledge, indicators=[
        IndicatorData("Inspectors trained", "people", Decimal(0), Decimal(250), indicator_id)]), now=NOW)
    db.session.commit()
    assert pledge.indicators[0].id == indicator_id  # the same indicator, changed, not a new one
    assert services.history(pledge, None)[0].changes["indicators"] == [
        "Inspectors trained [people] 0 → 200", "Inspectors trained [people] 0 → 250"]


def test_a_published_pledge_stays_smart(world):
    pledge = _published(world)
    with pytest.raises(SmartError):
        services.update_pledge(world.people.coordinator, pledge, _edit(pledge, indicators=[]), now=NOW)
    db.session.rollback()
    assert len(reload(pledge).indicators) == 1


def test_an_indicator_with_reported_values_cannot_be_removed(world):
    pledge = _published(world)
    report = ProgressReport(pledge_id=pledge.id, period_start=date(2026, 1, 1), period_end=date(2026, 7, 1),
                            state=ReportState.draft)
    report.values.append(ReportValue(indicator_id=pledge.indicators[0].id, value=Decimal(10)))
    db.session.add(report)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.update_pledge(world.people.coordinator, pledge, replace(SMART, indicators=[
            IndicatorData("Another", "cases", Decimal(0), Decimal(5))]), now=NOW)
    assert caught.value.field == "indicators"


def test_the_start_date_is_fixed_once_a_report_is_approved(world):
    pledge = _published(world)
    pledge.reported_through = date(2026, 7, 1)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.update_pledge(world.people.coordinator, pledge, replace(SMART, start_date=date(2026, 2, 1)),
                               now=NOW)
    assert caught.value.field == "start_date"


def test_a_submitted_pledge_waits_for_the_review(world):
    pledge = _submitted(world)
    with pytest.raises(InvalidTransitionError):
        services.update_pledge(world.people.coordinator, pledge, replace(SMART, title="Changed"), now=NOW)


def test_completed_and_withdrawn_pledges_are_closed_for_good(world):
    done, gone = _published(world), world.pledge
    services.complete_pledge(world.people.coordinator, done, now=NOW)
    services.withdraw_pledge(world.people.member, gone, "Funding ended.", now=NOW)
    db.session.commit()
    assert (done.state, gone.state) == (PledgeState.completed, PledgeState.withdrawn)
    assert done.light(date(2030, 1, 1)) is Light.completed and gone.light(date(2030, 1, 1)) is Light.withdrawn
    assert services.history(gone, None)[0].comment == "Funding ended."
    for pledge in (done, gone):
        with pytest.raises(InvalidTransitionError):
            services.update_pledge(world.people.coordinator, pledge, replace(SMART, title="Again"), now=NOW)
        with pytest.raises(InvalidTransitionError):
            services.complete_pledge(world.people.coordinator, pledge, now=NOW)
        assert not pledge.can_report(world.people.coordinator)


def test_partners_cannot_close_a_pledge(world):
    with pytest.raises(InvalidTransitionError):
        services.withdraw_pledge(world.people.partner, world.pledge, now=NOW)
    assert reload(world.pledge).state is PledgeState.published


# -- deliverables -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("done_on", "url", "field"), [
    (None, "", "done_on"),
    (date(2026, 3, 2), "", "done_on"),           # tomorrow
    (date(2025, 12, 31), "", "done_on"),         # before the pledge started
    (date(2026, 2, 1), "javascript:alert(1)", "evidence_url"),
    (date(2026, 2, 1), "ftp://example.org/x", "evidence_url"),
])
def test_marking_a_deliverable_done_checks_the_date_and_the_link(world, done_on, url, field):
    deliverable = world.pledge.deliverables[0]
    with pytest.raises(DomainError) as caught:
        services.mark_deliverable_done(world.people.coordinator, deliverable, done_on, url, today=date(2026, 3, 1))
    assert caught.value.field == field


def test_a_done_deliverable_is_in_the_public_history_and_cannot_be_removed(world):
    deliverable = world.pledge.deliverables[0]
    services.mark_deliverable_done(world.people.member, deliverable, date(2026, 2, 1), "https://example.org/c",
                                   today=date(2026, 3, 1))
    db.session.commit()
    assert (deliverable.done_on, deliverable.done_by_id) == (date(2026, 2, 1), world.people.member.id)
    assert [e.action for e in services.history(world.pledge, None)] == ["deliverable_done"]
    with pytest.raises(InvalidTransitionError):
        services.mark_deliverable_done(world.people.member, deliverable, date(2026, 2, 2), today=date(2026, 3, 1))
    data = services.pledge_data(world.pledge)
    with pytest.raises(DomainError) as caught:
        services.update_pledge(world.people.coordinator, world.pledge, replace(data, deliverables=[]), now=NOW)
    assert caught.value.field == "deliverables"


def test_partners_and_outsiders_cannot_mark_deliverables(world):
    deliverable = world.pledge.deliverables[0]
    for person in (world.people.partner, world.people.outsider, world.people.admin):
        with pytest.raises(NotAllowedError):
            services.mark_deliverable_done(person, deliverable, date(2026, 2, 1), today=date(2026, 3, 1))
    assert db.session.scalar(sa.select(Deliverable.done_on).where(Deliverable.id == deliverable.id)) is None


def test_deliverables_outside_the_period_are_a_warning_not_an_error(world):
    pledge = _draft(world, replace(SMART, deliverables=[DeliverableData("Late", date(2028, 3, 1))]))
    assert services.deliverable_warnings(pledge) == ["“Late” is due outside the pledge's period."]
    assert services.smart_problems(pledge) == []


# -- reading ------------------------------------------------------------------------------------------------
def test_the_light_is_explained_in_words(world):
    pledge = world.pledge  # due 1 July 2026
    assert pledge.light_reason(date(2026, 3, 1)) == "On track: the next progress report is due on Jul 1, 2026."
    assert pledge.light_reason(date(2026, 7, 1)) == "A progress report is due today."
    assert "late by a full reporting period" in pledge.light_reason(date(2027, 2, 1))
    assert pledge.light_reason(date(2027, 8, 1)).startswith("Inactive")


def test_what_is_due_next_is_the_sooner_of_the_report_and_the_deliverables(world):
    what, when = services.next_due(world.pledge)
    assert (what, when) == ("Training curriculum", date(2026, 6, 30))
    world.pledge.deliverables[0].done_on = date(2026, 2, 1)
    assert services.next_due(world.pledge) == ("Progress report", date(2026, 7, 1))


def test_my_organisations_pledges_include_the_joint_ones_where_we_are_partners(world, make_pledge):
    own = make_pledge(world.partner_org, state=PledgeState.draft)
    assert {p.id for p in services.organisation_pledges(world.partner_org.id)} == {own.id, world.pledge.id}
    assert services.organisation_pledges(world.other_org.id) == []


def test_events_are_recorded_with_who_and_when(world):
    pledge = _submitted(world)
    event = db.session.scalars(sa.select(PledgeEvent).where(PledgeEvent.pledge_id == pledge.id,
                                                            PledgeEvent.action == "submitted")).one()
    assert (event.actor_id, event.created_at) == (world.people.coordinator.id, NOW)
