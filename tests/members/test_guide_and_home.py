"""The getting-started guide (ticks read from the data, closable, gone when done) and the home page's
"what is happening" (everyone) and "your next steps" (signed-in partners)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.actiongroups.models import ActionGroup, GroupRole, JoinRequest, Membership, RequestKind
from app.commitments.models import PledgeState
from app.extensions import db
from app.home import SHOWN, happening, next_steps
from app.members.guide import dismiss_guide, guide_for
from app.members.models import OrgRole, UserStatus
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, reload
from tests.knowledge.conftest import make_resource  # noqa: F401  (fixture)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def ticks(user):
    guide = guide_for(user)
    return None if guide is None else {step.key: step.done for step in guide.steps}


@pytest.fixture
def newcomer(make_org, make_user):
    return make_user("new@example.org", org=make_org("Newcomer Org"), full_name="Nia Newcomer")


@pytest.fixture
def group(app):
    group = ActionGroup(slug="mines", name="Mines Group", mandate="Mines.")
    db.session.add(group)
    db.session.commit()
    return group


def test_the_guide_ticks_each_step_from_the_data_and_goes_when_done(newcomer, group, make_pledge):  # noqa: F811
    assert ticks(newcomer) == {"profile": False, "group": False, "pledge": False}
    newcomer.organisation.description, newcomer.organisation.website = "We work on mines.", "https://n.example.org"
    db.session.commit()
    assert ticks(newcomer) == {"profile": True, "group": False, "pledge": False}
    db.session.add(JoinRequest(group_id=group.id, user_id=newcomer.id))
    db.session.commit()
    guide = guide_for(newcomer)
    assert not guide.steps[1].done and "asked to join" in str(guide.steps[1].hint)   # asked, not yet in
    db.session.add(Membership(group_id=group.id, user_id=newcomer.id))
    db.session.commit()
    make_pledge(newcomer.organisation, title="Draft", state=PledgeState.draft)     # a draft counts: it is made
    assert ticks(newcomer) is None                                                   # all done: no guide


def test_the_guide_is_for_approved_partners_of_an_organisation_until_closed(newcomer, make_user):
    assert guide_for(None) is None
    assert guide_for(make_user(status=UserStatus.pending)) is None
    assert guide_for(make_user(admin=True)) is None
    assert guide_for(newcomer) is not None
    dismiss_guide(newcomer, now=NOW)
    db.session.commit()
    assert reload(newcomer).guide_dismissed_at == NOW and guide_for(newcomer) is None


def test_a_member_is_told_who_completes_the_profile(newcomer, make_user):
    member = make_user(org=newcomer.organisation, role=OrgRole.member)
    step = guide_for(member).steps[0]
    assert step.endpoint == "members.organisation" and "focal points" in str(step.hint)
    assert guide_for(newcomer).steps[0].endpoint == "members.edit_organisation"


def test_the_guide_on_the_account_and_home_pages_and_closing_it(client, login, newcomer):
    login(newcomer)
    account = client.get("/account").text
    assert "Getting started" in account and "0 of 3 steps done." in account
    assert f"/organisations/{newcomer.organisation_id}/edit" in account and "/pledges/new" in account
    assert "Getting started" in client.get("/").text
    response = client.post("/account/guide/dismiss", follow_redirects=True)
    assert response.status_code == 200 and "Getting started" not in response.text
    assert reload(newcomer).guide_dismissed_at is not None
    assert "Getting started" not in client.get("/").text


def test_closing_the_guide_needs_a_sign_in_and_a_csrf_token(client, make_app, newcomer):
    response = client.post("/account/guide/dismiss")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    protected = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = _token(protected.get("/login").text)
    protected.post("/login", data={"email": newcomer.email, "password": PASSWORD, "csrf_token": token})
    assert protected.post("/account/guide/dismiss").status_code == 400
    assert reload(newcomer).guide_dismissed_at is None
    token = _token(protected.get("/account").text)
    assert protected.post("/account/guide/dismiss", data={"csrf_token": token}).status_code == 302
    assert reload(newcomer).guide_dismissed_at is not None


def _token(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# -- the home page ------------------------------------------------------------------------------------------
def test_what_is_happening_lists_the_newest_public_things(make_org, make_pledge, make_resource):  # noqa: F811
    org = make_org("Pledging Org")
    for n in range(SHOWN + 2):
        make_pledge(org, title=f"Public pledge {n}")
    make_pledge(org, title="Secret draft", state=PledgeState.draft)
    make_resource(title="Fresh study")
    from app.knowledge.models import ResourceState

    make_resource(title="Unpublished study", state=ResourceState.submitted)
    now = happening(NOW, NOW.date())
    assert len(now.pledges) == SHOWN and "Secret draft" not in {p.title for p in now.pledges}
    assert [r.title for r in now.resources] == ["Fresh study"]


def test_next_steps_show_invitations_requests_and_polls(make_user, group, newcomer):
    convener = make_user(full_name="Cora Convener")
    db.session.add(Membership(group_id=group.id, user_id=convener.id, role=GroupRole.convener))
    db.session.add(JoinRequest(group_id=group.id, user_id=newcomer.id, kind=RequestKind.request))
    other = ActionGroup(slug="farms", name="Farms Group", mandate="Farms.")
    db.session.add(other)
    db.session.flush()
    db.session.add(JoinRequest(group_id=other.id, user_id=newcomer.id, kind=RequestKind.invitation,
                               invited_by_id=convener.id))
    db.session.commit()
    mine = next_steps(convener, NOW)
    assert [r.user.full_name for r in mine.requests] == ["Nia Newcomer"] and not mine.invitations
    theirs = next_steps(newcomer, NOW)
    assert [r.group.name for r in theirs.invitations] == ["Farms Group"] and not theirs.requests
    assert next_steps(None, NOW) is None
    assert next_steps(make_user(status=UserStatus.pending), NOW) is None
    assert next_steps(make_user(admin=True), NOW).applications >= 1     # the pending person just made


def test_an_open_unanswered_poll_is_a_next_step(make_user):
    from app.forums import consultations
    from tests.forums.conftest import poll_data

    convener = make_user(admin=True, full_name="Ada Admin")
    invitee = make_user("invitee@example.org", full_name="Ivy Invitee")
    poll = consultations.create_consultation(convener, poll_data(emails="invitee@example.org"), now=NOW)
    db.session.commit()
    assert [c.id for c in next_steps(invitee, NOW).polls] == [poll.id]
    assert next_steps(invitee, poll.deadline_at + timedelta(minutes=1)).polls == []   # closed by its deadline


def test_the_home_page_for_visitors_and_partners(client, login, newcomer, make_pledge):  # noqa: F811
    make_pledge(newcomer.organisation, title="Visible pledge")
    page = client.get("/").text
    assert "What is happening" in page and "Visible pledge" in page and "Your next steps" not in page
    login(newcomer)
    page = client.get("/").text
    assert "Your next steps" in page and "Nothing is waiting for you" in page


def test_the_home_page_runs_a_bounded_number_of_queries(client, login, newcomer, make_pledge,  # noqa: F811
                                                        count_queries):
    make_pledge(newcomer.organisation, title="First pledge")
    login(newcomer)
    client.get("/")
    count_queries.clear()
    client.get("/")
    few = len(count_queries)
    for n in range(15):
        make_pledge(newcomer.organisation, title=f"Pledge {n}")
    client.get("/")
    count_queries.clear()
    client.get("/")
    assert len(count_queries) == few
