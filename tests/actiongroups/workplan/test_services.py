"""Work plan rules, through the services and the model."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_login import login_user

from app.actiongroups.models import Activity, GroupRole
from app.actiongroups.workplan import services
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.members.models import OrganisationStatus
from app.notifications.models import Notification

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def assigned_to(user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.recipient_id == user.id, Notification.kind == "work_item_assigned")))


def verbs(group) -> list[str]:
    return list(db.session.scalars(sa.select(Activity.verb).where(Activity.group_id == group.id)
                                   .order_by(Activity.id)))


def item_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(WorkItem.id)))


def data(**overrides) -> services.WorkItemData:
    fields = {"title": "Mapping recruitment agencies", "description": "We **map** them.",
              "countries": ["NPL", "QAT", "NPL"], "areas": ["trafficking", "forced_labour", "bogus"],
              "start_date": date(2026, 1, 1), "due_date": date(2026, 6, 30)}
    return services.WorkItemData(**{**fields, **overrides})


def test_member_adds_a_work_item(group_world, make_org):
    group, people = group_world.group, group_world.people
    org = make_org("Lead Org")
    item = services.create_work_item(people.member, group, data(lead_organisation_id=org.id,
                                                                responsible_id=people.convener.id), now=NOW)
    db.session.commit()
    item = db.session.get(WorkItem, item.id)
    assert item.group_id == group.id and item.title == "Mapping recruitment agencies"
    assert item.countries == ["NPL", "QAT"]                  # sorted, once each
    assert item.areas == ["forced_labour", "trafficking"]    # canonical order, unknown dropped
    assert item.start_date == date(2026, 1, 1) and item.due_date == date(2026, 6, 30)
    assert item.status is WorkItemStatus.planned
    assert item.lead_organisation_id == org.id and item.responsible_id == people.convener.id
    assert item.created_by_id == people.member.id and item.created_at == NOW == item.updated_at
    assert verbs(group) == ["work_item_new"]
    activity = db.session.scalar(sa.select(Activity))
    assert activity.params["title"] == item.title and activity.url == f"/actiongroups/supply-chains/workplan/{item.id}"


def test_a_mapping_is_accepted_as_data(group_world):
    item = services.create_work_item(group_world.people.member, group_world.group,
                                     {"title": "  Two   words ", "status": "in_progress", "unknown": 1})
    assert item.title == "Two words" and item.status is WorkItemStatus.in_progress


def test_the_responsible_person_is_told_exactly_once(group_world):
    group, people = group_world.group, group_world.people
    item = services.create_work_item(people.member, group, data(responsible_id=people.convener.id), now=NOW)
    db.session.commit()
    [notification] = assigned_to(people.convener)
    assert notification.params == {"actor": people.member.full_name, "title": item.title, "item": item.title,
                                   "group": group.name}
    assert notification.url == f"/actiongroups/supply-chains/workplan/{item.id}"
    assert notification.key == f"work_item_assigned:{item.id}:{people.convener.id}:{NOW.isoformat()}"
    # Saving again, with other changes but the same person: no new notification.
    services.update_work_item(people.member, item, data(title="Renamed", responsible_id=people.convener.id),
                              now=NOW + timedelta(hours=1))
    services.change_status(people.member, item, "in_progress", now=NOW + timedelta(hours=2))
    db.session.commit()
    assert len(assigned_to(people.convener)) == 1


def test_a_new_responsible_person_is_told_but_not_when_they_take_it_themselves(group_world, make_user, add_member):
    group, people = group_world.group, group_world.people
    item = services.create_work_item(people.member, group, data(responsible_id=people.member.id), now=NOW)
    assert assigned_to(people.member) == []                   # the actor gave it to themself
    services.update_work_item(people.member, item, data(responsible_id=people.convener.id),
                              now=NOW + timedelta(days=1))
    assert len(assigned_to(people.convener)) == 1
    other = make_user("other@example.org")
    add_member(group, other, GroupRole.member)
    services.update_work_item(people.convener, item, data(responsible_id=other.id), now=NOW + timedelta(days=2))
    db.session.commit()
    assert len(assigned_to(other)) == 1
    # Given back to the convener later: a new event, so a new notification.
    services.update_work_item(people.member, item, data(responsible_id=people.convener.id),
                              now=NOW + timedelta(days=3))
    assert len(assigned_to(people.convener)) == 2


def test_due_date_before_start_is_refused_and_nothing_is_saved(group_world):
    with pytest.raises(DomainError) as exc:
        services.create_work_item(group_world.people.member, group_world.group,
                                  data(start_date=date(2026, 5, 1), due_date=date(2026, 4, 30)))
    assert exc.value.field == "due_date"
    assert "before the start date" in str(exc.value)
    db.session.rollback()
    assert item_count() == 0 and verbs(group_world.group) == []


def test_same_start_and_due_date_is_fine(group_world):
    item = services.create_work_item(group_world.people.member, group_world.group,
                                     data(start_date=date(2026, 5, 1), due_date=date(2026, 5, 1)))
    assert item.id is not None


@pytest.mark.parametrize("countries", [["ZZZ"], ["KEN", "XKX"], ["KE"], ["global"]])
def test_unknown_country_codes_are_refused(group_world, countries):
    with pytest.raises(DomainError) as exc:
        services.create_work_item(group_world.people.member, group_world.group, data(countries=countries))
    assert exc.value.field == "countries"


def test_no_countries_means_not_given(group_world):
    item = services.create_work_item(group_world.people.member, group_world.group, data(countries=[]))
    assert item.countries == [] and item.to_initiative().countries == ()


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_title_is_required_and_bounded(group_world, title):
    with pytest.raises(DomainError) as exc:
        services.create_work_item(group_world.people.member, group_world.group, data(title=title))
    assert exc.value.field == "title"


def test_unknown_status_is_refused(group_world):
    with pytest.raises(DomainError) as exc:
        services.create_work_item(group_world.people.member, group_world.group, data(status="finished"))
    assert exc.value.field == "status"


@pytest.mark.parametrize("who", ["outsider", "observer", "requester", "pending_user"])
def test_the_responsible_person_must_take_part_in_the_group(group_world, who):
    person = getattr(group_world.people, who)
    with pytest.raises(DomainError) as exc:
        services.create_work_item(group_world.people.member, group_world.group, data(responsible_id=person.id))
    assert exc.value.field == "responsible_id"


def test_the_lead_organisation_must_exist_and_be_active(group_world, make_org):
    suspended = make_org("Suspended Org", status=OrganisationStatus.suspended)
    for org_id in (999_999, suspended.id):
        with pytest.raises(DomainError) as exc:
            services.create_work_item(group_world.people.member, group_world.group, data(lead_organisation_id=org_id))
        assert exc.value.field == "lead_organisation_id"


def test_an_item_keeps_its_organisation_and_person_when_they_no_longer_qualify(group_world, make_org):
    group, people = group_world.group, group_world.people
    org = make_org("Lead Org")
    item = services.create_work_item(people.member, group, data(lead_organisation_id=org.id,
                                                                responsible_id=people.convener.id))
    org.status = OrganisationStatus.suspended
    db.session.flush()
    # Editing something else is still possible; choosing them anew would not be.
    services.update_work_item(people.member, item, data(title="New title", lead_organisation_id=org.id,
                                                        responsible_id=people.convener.id))
    assert item.title == "New title"


@pytest.mark.parametrize("who", ["outsider", "requester", "observer", "pending_user"])
def test_only_participants_change_the_plan(group_world, who):
    group, people = group_world.group, group_world.people
    actor = getattr(people, who)
    with pytest.raises(NotAllowedError):
        services.create_work_item(actor, group, data())
    item = services.create_work_item(people.member, group, data())
    with pytest.raises(NotAllowedError):
        services.update_work_item(actor, item, data(title="Hijacked"))
    with pytest.raises(NotAllowedError):
        services.change_status(actor, item, "done")
    assert item.title == "Mapping recruitment agencies" and item.status is WorkItemStatus.planned


@pytest.mark.parametrize("who", ["member", "convener", "admin"])
def test_conveners_members_and_the_secretariat_change_the_plan(group_world, who):
    group, actor = group_world.group, getattr(group_world.people, who)
    assert group.can_participate(actor)
    item = services.create_work_item(actor, group, data())
    services.update_work_item(actor, item, data(title="Changed"))
    services.change_status(actor, item, WorkItemStatus.done)
    assert (item.title, item.status) == ("Changed", WorkItemStatus.done)


def test_an_archived_group_cannot_change(group_world):
    group, people = group_world.group, group_world.people
    item = services.create_work_item(people.member, group, data())
    group.is_archived = True
    db.session.flush()
    for actor in (people.member, people.convener, people.admin):
        with pytest.raises(InvalidTransitionError):
            services.create_work_item(actor, group, data())
        with pytest.raises(InvalidTransitionError):
            services.update_work_item(actor, item, data(title="Changed"))
        with pytest.raises(InvalidTransitionError):
            services.change_status(actor, item, "done")
    assert item_count() == 1 and item.title == "Mapping recruitment agencies"


def test_saving_without_a_change_records_nothing(group_world):
    group, people = group_world.group, group_world.people
    item = services.create_work_item(people.member, group, data(), now=NOW)
    services.update_work_item(people.convener, item, data(), now=NOW + timedelta(days=1))
    assert item.updated_at == NOW and verbs(group) == ["work_item_new"]
    services.update_work_item(people.convener, item, data(description="More detail."), now=NOW + timedelta(days=1))
    assert item.updated_at == NOW + timedelta(days=1) and verbs(group) == ["work_item_new", "work_item_changed"]


def test_change_status(group_world):
    group, people = group_world.group, group_world.people
    item = services.create_work_item(people.member, group, data(), now=NOW)
    services.change_status(people.convener, item, "in_progress", now=NOW + timedelta(days=1))
    assert item.status is WorkItemStatus.in_progress and item.updated_at == NOW + timedelta(days=1)
    services.change_status(people.convener, item, "in_progress")  # same status: nothing to record
    assert verbs(group) == ["work_item_new", "work_item_changed"]
    with pytest.raises(DomainError) as exc:
        services.change_status(people.convener, item, "finished")
    assert exc.value.field == "status" and item.status is WorkItemStatus.in_progress


@pytest.mark.parametrize("status, due, overdue", [
    (WorkItemStatus.planned, date(2026, 3, 9), True),
    (WorkItemStatus.in_progress, date(2026, 3, 9), True),
    (WorkItemStatus.planned, date(2026, 3, 10), False),    # due today is not late yet
    (WorkItemStatus.planned, date(2026, 3, 11), False),
    (WorkItemStatus.done, date(2026, 1, 1), False),
    (WorkItemStatus.dropped, date(2026, 1, 1), False),
    (WorkItemStatus.planned, None, False),
])
def test_is_overdue(status, due, overdue):
    item = WorkItem(title="x", status=status, due_date=due)
    assert item.is_overdue(date(2026, 3, 10)) is overdue


def test_today_is_the_viewers_date(app, make_user):
    """At 23:30 UTC on 9 March it is already 10 March in Nairobi, and still 9 March in UTC."""
    late = datetime(2026, 3, 9, 23, 30, tzinfo=timezone.utc)
    nairobi = make_user(timezone="Africa/Nairobi")
    # A fresh app context for each "request": Flask-Babel and Flask-Login cache on `g`.
    with app.app_context(), app.test_request_context():
        login_user(nairobi)
        assert services.viewer_today(now=late) == date(2026, 3, 10)
    with app.app_context(), app.test_request_context():
        assert services.viewer_today(now=late) == date(2026, 3, 9)


def test_to_initiative_is_the_duplication_detectors_shape(group_world, make_org):
    from app.dedup import Initiative

    group, people = group_world.group, group_world.people
    org = make_org("Lead Org")
    item = services.create_work_item(people.member, group, data(lead_organisation_id=org.id))
    initiative = item.to_initiative()
    assert initiative == Initiative(
        id=f"work_item:{item.id}", kind="work_item", title="Mapping recruitment agencies",
        description="We **map** them.", countries=("NPL", "QAT"), start=date(2026, 1, 1), end=date(2026, 6, 30),
        themes=("forced_labour", "trafficking"), lead_org=f"org:{org.id}")
    # Plain frozen values only: the detector must not receive model objects or the model's own lists.
    assert isinstance(initiative.countries, tuple) and hash(initiative)


def test_responsible_candidates_are_conveners_and_members(group_world):
    people = group_world.people
    assert services.responsible_candidates(group_world.group) == sorted(
        [people.member, people.convener], key=lambda u: u.full_name)
