"""Action group rules, through the services."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.actiongroups import services
from app.actiongroups.models import Activity, GroupRole, JoinRequest, Membership, RequestStatus, Visibility
from app.audit import AuditEntry
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.notifications.models import Notification


def kinds_for(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.recipient_id == user.id)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_secretariat_creates_and_edits_a_group(app, make_user):
    admin = make_user(admin=True)
    data = services.GroupData(name="Migration", slug="migration", mandate="**Mandate**",
                              areas=["trafficking", "forced_labour", "bogus"], focus_countries=["NPL", "QAT"],
                              visibility="partners")
    group = services.create_group(admin, data)
    assert group.areas == ["forced_labour", "trafficking"]  # canonical order, unknown dropped
    assert group.visibility is Visibility.partners
    with pytest.raises(DuplicateError):
        services.create_group(admin, data)
    with pytest.raises(DomainError) as exc:
        services.create_group(admin, services.GroupData(name="X", slug="Not A Slug"))
    assert exc.value.field == "slug"
    with pytest.raises(DomainError):
        services.create_group(admin, services.GroupData(name="X", slug="new"))
    with pytest.raises(DomainError) as exc:
        services.create_group(admin, services.GroupData(name="X", slug="x", focus_countries=["ZZZ"]))
    assert exc.value.field == "focus_countries"


def test_only_the_secretariat_creates_groups(app, make_user):
    with pytest.raises(NotAllowedError):
        services.create_group(make_user(), services.GroupData(name="X", slug="x"))


def test_join_request_is_seen_by_conveners_and_accepted(group_world, make_user, outbox):
    group, people = group_world.group, group_world.people
    newcomer = make_user("newcomer@example.org")
    request = services.request_to_join(newcomer, group, "  We run shelters.  ")
    db.session.commit()
    assert request.motivation == "We run shelters."
    assert "group_join_request" in kinds_for(people.convener)
    with pytest.raises(DuplicateError):
        services.request_to_join(newcomer, group, "again")
    with pytest.raises(NotAllowedError):
        services.decide_request(people.member, request, accept=True)
    services.decide_request(people.convener, request, accept=True, message="Welcome!")
    db.session.commit()
    assert group.role_of(newcomer) is GroupRole.member
    assert request.status is RequestStatus.accepted
    assert "group_join_accepted" in kinds_for(newcomer)
    assert {"group.request_join", "group.accept_request"} <= set(audit_actions())
    assert db.session.scalar(sa.select(Activity.verb).order_by(Activity.id.desc())) == "member_joined"
    with pytest.raises(InvalidTransitionError):
        services.decide_request(people.convener, request, accept=False)


def test_declined_request_tells_the_person_why(group_world, make_user):
    newcomer = make_user()
    request = services.request_to_join(newcomer, group_world.group, "")
    services.decide_request(group_world.people.convener, request, accept=False, message="Not our theme.")
    db.session.commit()
    notification = db.session.scalar(sa.select(Notification).where(Notification.recipient_id == newcomer.id))
    assert notification.kind == "group_join_declined" and notification.params["message"] == "Not our theme."
    assert group_world.group.membership_of(newcomer) is None


def test_the_database_allows_one_open_request_per_person(group_world):
    db.session.add(JoinRequest(group_id=group_world.group.id, user_id=group_world.people.requester.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_members_cannot_join_twice_and_pending_accounts_cannot_join(group_world, make_user):
    from app.members.models import UserStatus

    with pytest.raises(DuplicateError):
        services.request_to_join(group_world.people.member, group_world.group, "")
    with pytest.raises(NotAllowedError):
        services.request_to_join(make_user(status=UserStatus.pending), group_world.group, "")


def test_conveners_invite_and_the_invitee_accepts(group_world, make_user):
    person = make_user()
    invitation = services.invite_to_group(group_world.people.convener, group_world.group, person, "observer")
    db.session.commit()
    assert "group_invitation" in kinds_for(person)
    with pytest.raises(DuplicateError):
        services.invite_to_group(group_world.people.convener, group_world.group, person, "member")
    with pytest.raises(NotAllowedError):
        services.answer_invitation(make_user(), invitation, accept=True)
    services.answer_invitation(person, invitation, accept=True)
    assert group_world.group.role_of(person) is GroupRole.observer


def test_members_cannot_invite(group_world, make_user):
    with pytest.raises(NotAllowedError):
        services.invite_to_group(group_world.people.member, group_world.group, make_user(), "member")


def test_the_last_convener_can_neither_leave_nor_be_demoted(group_world, make_user):
    group, people = group_world.group, group_world.people
    convener_membership = group.membership_of(people.convener)
    with pytest.raises(InvalidTransitionError):
        services.leave_group(people.convener, group)
    with pytest.raises(InvalidTransitionError):
        services.change_role(people.convener, convener_membership, "member")
    with pytest.raises(InvalidTransitionError):
        services.remove_convener(people.admin, group, people.convener)
    # With a second convener, the first may step down.
    services.change_role(people.convener, group.membership_of(people.member), "convener")
    services.change_role(people.convener, convener_membership, "member")
    db.session.commit()
    assert group.role_of(people.convener) is GroupRole.member
    assert "group.change_role" in audit_actions()
    assert "group_role_changed" in kinds_for(people.member)


def test_members_leave(group_world):
    services.leave_group(group_world.people.member, group_world.group)
    db.session.commit()
    assert db.session.scalar(sa.select(Membership).where(Membership.user_id == group_world.people.member.id)) is None
    with pytest.raises(InvalidTransitionError):
        services.leave_group(group_world.people.member, group_world.group)


def test_secretariat_appoints_and_removes_conveners(group_world):
    group, people = group_world.group, group_world.people
    services.appoint_convener(people.admin, group, people.outsider)
    db.session.commit()
    assert group.role_of(people.outsider) is GroupRole.convener
    with pytest.raises(DuplicateError):
        services.appoint_convener(people.admin, group, people.outsider)
    services.remove_convener(people.admin, group, people.outsider)
    assert group.role_of(people.outsider) is GroupRole.member
    assert kinds_for(people.outsider).count("group_role_changed") == 2  # appointed, then removed
    with pytest.raises(NotAllowedError):
        services.appoint_convener(people.convener, group, people.member)


def test_nothing_changes_in_an_archived_group(group_world, make_user):
    group, people = group_world.group, group_world.people
    services.archive_group(people.admin, group)
    assert not group.can_participate(people.member) and not group.can_manage(people.convener)
    assert group.can_view_workspace(people.member)  # still readable
    with pytest.raises(InvalidTransitionError):
        services.request_to_join(make_user(), group, "")
    with pytest.raises(NotAllowedError):
        services.decide_request(people.convener, group_world.request, accept=True)
    services.archive_group(people.admin, group, archived=False)
    assert group.can_participate(people.member)


@pytest.mark.parametrize("visibility, outsider_reads", [(Visibility.members, False), (Visibility.partners, True)])
def test_visibility_decides_who_reads_the_workspace(make_group, make_user, visibility, outsider_reads):
    from app.members.models import UserStatus

    group = make_group(visibility=visibility)
    outsider = make_user()
    assert group.can_view_workspace(outsider) is outsider_reads
    assert not group.can_participate(outsider)
    assert not group.can_view_workspace(make_user(status=UserStatus.pending))


def test_the_sql_of_who_reads_a_workspace_agrees_with_can_view_workspace(make_group, make_user, add_member):
    from app.actiongroups.models import ActionGroup
    from app.members.models import UserStatus

    closed, open_, archived = (make_group("Closed"), make_group("Open", visibility=Visibility.partners),
                               make_group("Archived", archived=True))
    member, partner, admin = make_user(), make_user(), make_user(admin=True)
    pending = make_user(status=UserStatus.pending)
    add_member(closed, member)
    add_member(archived, member)
    groups = [closed, open_, archived]
    for user in (None, pending, partner, member, admin):
        condition = ActionGroup.workspace_readable_by(user)
        query = sa.select(ActionGroup.id) if condition is None else sa.select(ActionGroup.id).where(condition)
        assert set(db.session.scalars(query)) == {g.id for g in groups if g.can_view_workspace(user)}, user
    assert ActionGroup.workspace_readable_by(admin) is None
