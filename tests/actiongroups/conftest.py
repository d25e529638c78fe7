"""A group with one person in each role, for access matrices and journeys."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app import events
from app.actiongroups.models import ActionGroup, GroupRole, JoinRequest, Membership, Visibility
from app.extensions import db
from app.members.models import UserStatus

# Every kind of person the permission tests walk through, in order of growing rights.
ROLES = ["anonymous", "outsider", "requester", "observer", "member", "convener", "admin"]


@pytest.fixture
def make_group(app):
    counter = iter(range(1, 10_000))

    def _make_group(name=None, *, visibility=Visibility.members, archived=False, **fields):
        n = next(counter)
        group = ActionGroup(name=name or f"Group {n}", slug=fields.pop("slug", f"group-{n}"),
                            visibility=visibility, is_archived=archived, mandate=fields.pop("mandate", "A mandate."),
                            **fields)
        db.session.add(group)
        events.reindex_later(group)  # as the services do: searchable once the worker ran
        db.session.commit()
        return group

    return _make_group


@pytest.fixture
def add_member(app):
    def _add_member(group, user, role=GroupRole.member):
        membership = Membership(group_id=group.id, user_id=user.id, role=role)
        db.session.add(membership)
        db.session.commit()
        return membership

    return _add_member


@pytest.fixture
def group_world(make_group, make_user, add_member):
    """A members-only group; `people.<role>` is a signed-in person of each role (None for anonymous)."""
    group = make_group("Supply Chains", slug="supply-chains")
    people = SimpleNamespace(
        anonymous=None,
        outsider=make_user("outsider@example.org", full_name="Olu Outsider"),
        requester=make_user("requester@example.org", full_name="Rae Requester"),
        observer=make_user("observer@example.org", full_name="Obi Observer"),
        member=make_user("member@example.org", full_name="Mia Member"),
        convener=make_user("convener@example.org", full_name="Cleo Convener"),
        admin=make_user("admin@example.org", admin=True, full_name="Ada Admin"),
        pending_user=make_user("pending@example.org", status=UserStatus.pending),
    )
    add_member(group, people.observer, GroupRole.observer)
    add_member(group, people.member, GroupRole.member)
    add_member(group, people.convener, GroupRole.convener)
    request = JoinRequest(group_id=group.id, user_id=people.requester.id, motivation="Please.")
    db.session.add(request)
    db.session.commit()
    return SimpleNamespace(group=group, people=people, request=request)


@pytest.fixture
def as_role(client, login, group_world):
    """Sign in as one of ROLES (anonymous stays signed out); returns the client."""

    def _as_role(role):
        person = getattr(group_world.people, role)
        if person is not None:
            assert login(person).status_code == 302
        return client

    return _as_role
