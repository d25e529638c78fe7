"""Who convenes a group: one answer (ActionGroup.is_convened_by, app.policy.convenes), archived groups left out
everywhere it is asked (consultations, overlap review, library citations, join requests on the home page)."""
from __future__ import annotations

import pytest

from app import policy
from app.actiongroups.models import ActionGroup, GroupRole, JoinRequest, RequestKind
from app.extensions import db
from app.members.models import UserStatus
from app.utils import utcnow


@pytest.fixture
def world(make_group, make_user, add_member):
    """An open group and an archived one; Cleo convenes both, Ann convenes only the archived one."""
    open_group, archived = make_group("Open"), make_group("Old", archived=True)
    people = {
        "anonymous": None,
        "outsider": make_user(),
        "observer": make_user(),
        "member": make_user(),
        "cleo": make_user(),
        "ann": make_user(),
        "pending convener": make_user(status=UserStatus.pending),
        "admin": make_user(admin=True),
    }
    for group in (open_group, archived):
        add_member(group, people["observer"], GroupRole.observer)
        add_member(group, people["member"], GroupRole.member)
        add_member(group, people["cleo"], GroupRole.convener)
        add_member(group, people["pending convener"], GroupRole.convener)
    add_member(archived, people["ann"], GroupRole.convener)
    return open_group, archived, people


# (person, convenes the open group, convenes the archived group)
TRUTH = [("anonymous", False, False), ("outsider", False, False), ("observer", False, False),
         ("member", False, False), ("cleo", True, False), ("ann", False, False),
         ("pending convener", False, False),
         ("admin", False, False)]   # the secretariat manages every group but convenes none it is not in


@pytest.mark.parametrize(("who", "in_open", "in_archived"), TRUTH)
def test_truth_table(world, who, in_open, in_archived):
    open_group, archived, people = world
    user = people[who]
    assert open_group.is_convened_by(user) is in_open
    assert archived.is_convened_by(user) is in_archived
    assert policy.convenes(user, open_group) is in_open
    assert policy.convenes(user, archived) is in_archived
    # The SQL form says the same.
    assert set(db.session.scalars(ActionGroup.convened_ids(user))) == ({open_group.id} if in_open else set())
    assert ActionGroup.any_convened_by(user) is in_open


def test_managing_follows_convening(world):
    open_group, archived, people = world
    assert open_group.can_manage(people["cleo"]) and not archived.can_manage(people["cleo"])
    assert not archived.can_manage(people["ann"])
    assert open_group.can_manage(people["admin"]) and not archived.can_manage(people["admin"])


def test_every_question_gets_the_same_answer(world):
    """Cleo convenes the open group only; Ann (archived group only) convenes nothing."""
    from app.forums import consultations
    from app.actiongroups.gateway import citable_groups
    from app.overlaps import services as overlaps

    open_group, _archived, people = world
    cleo, ann = people["cleo"], people["ann"]
    assert consultations.convened_groups(cleo) == [open_group]
    assert consultations.convened_groups(ann) == []
    assert consultations.can_convene(cleo) and not consultations.can_convene(ann)
    assert overlaps.convened_groups(cleo) == {open_group.id}
    assert overlaps.convened_groups(ann) == set()
    assert overlaps.can_review_overlaps(cleo) and not overlaps.can_review_overlaps(ann)
    assert citable_groups(cleo) == [open_group]
    assert citable_groups(ann) == []


def test_home_page_shows_join_requests_of_convened_groups_only(world, make_user):
    from app.home import next_steps

    open_group, archived, people = world
    asking = make_user()
    for group in (open_group, archived):
        db.session.add(JoinRequest(group_id=group.id, user_id=asking.id, kind=RequestKind.request))
    db.session.commit()
    now = utcnow()
    assert [r.group_id for r in next_steps(people["cleo"], now).requests] == [open_group.id]
    assert next_steps(people["ann"], now).requests == []


def test_the_overlap_viewer_preloads_the_same_rule(world):
    from app.overlaps.initiatives import Viewer

    open_group, archived, people = world
    viewer = Viewer.of(people["cleo"])
    assert viewer.member_groups == {open_group.id, archived.id}
    assert viewer.convened_groups == {open_group.id}
    assert Viewer.of(people["pending convener"]).convened_groups == set()
