"""Action group core views: happy paths, bad input, bounded queries."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.actiongroups.models import ActionGroup, Activity, GroupRole, JoinRequest, RequestStatus
from app.actiongroups.services import record_activity
from app.extensions import db
from tests.conftest import reload

G = "/actiongroups/supply-chains"


def test_public_list_and_page_show_conveners_and_member_organisations(client, group_world):
    assert "Supply Chains" in client.get("/actiongroups/").text
    page = client.get(G).text
    assert "Cleo Convener" in page
    assert group_world.people.member.organisation.name in page
    assert "Partners sign in to ask to join" in page


def test_ask_to_join_then_convener_accepts_with_a_message(client, login, group_world, make_user):
    newcomer = make_user("new@example.org", full_name="Nia Newcomer")
    login(newcomer)
    response = client.post(f"{G}/join", data={"motivation": "We run a hotline."})
    assert response.status_code == 302
    assert "the conveners will answer soon" in client.get(G).text
    again = client.post(f"{G}/join", data={"motivation": "Again"})
    assert "already asked to join" in again.text
    client.post("/logout")
    login(group_world.people.convener)
    members_page = client.get(f"{G}/members").text
    assert "Nia Newcomer" in members_page and "We run a hotline." in members_page
    request = db.session.scalar(sa.select(JoinRequest).where(JoinRequest.user_id == newcomer.id))
    response = client.post(f"{G}/requests/{request.id}/accept", data={"message": "Welcome"}, follow_redirects=True)
    assert "Nia Newcomer is now a member" in response.text
    assert reload(request).status is RequestStatus.accepted


def test_oversize_motivation_is_refused_and_kept(client, login, group_world, make_user):
    login(make_user())
    response = client.post(f"{G}/join", data={"motivation": "x" * 2001})
    assert response.status_code == 200 and "2000" in response.text
    assert db.session.scalar(sa.select(sa.func.count(JoinRequest.id))) == 1  # only the fixture's


def test_invite_an_unknown_address_explains(client, login, group_world):
    login(group_world.people.convener)
    response = client.post(f"{G}/invite", data={"email": "nobody@example.org", "role": "member"},
                           follow_redirects=True)
    assert "No partner account uses this address" in response.text


def test_last_convener_leaving_gets_a_clear_message(client, login, group_world):
    login(group_world.people.convener)
    response = client.post(f"{G}/leave", follow_redirects=True)
    assert "at least one convener" in response.text
    assert group_world.group.role_of(group_world.people.convener) is GroupRole.convener


def test_role_change_from_the_members_page(client, login, group_world):
    login(group_world.people.convener)
    membership = group_world.group.membership_of(group_world.people.member)
    client.post(f"{G}/members/{membership.id}/role", data={"role": "observer"})
    assert reload(membership).role is GroupRole.observer


def test_secretariat_creates_a_group_and_bad_input_is_kept(client, login, group_world):
    login(group_world.people.admin)
    bad = client.post("/actiongroups/new", data={"name": "Rule of Law", "slug": "Rule Of Law!",
                                                 "visibility": "members", "areas": ["forced_labour"]})
    assert "lowercase letters" in bad.text and 'value="Rule of Law"' in bad.text
    assert re.search(r'<input checked [^>]*value="forced_labour"', bad.text)  # ticked boxes stay ticked
    ok = client.post("/actiongroups/new", data={"name": "Rule of Law", "slug": "rule-of-law",
                                                "visibility": "partners", "focus_countries": ["NPL", "PER"]})
    assert ok.status_code == 302
    group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == "rule-of-law"))
    assert group.focus_countries == ["NPL", "PER"]
    client.post("/actiongroups/rule-of-law/conveners", data={"email": "member@example.org"})
    assert group.role_of(group_world.people.member) is GroupRole.convener


def test_archived_group_refuses_joining_with_a_message(client, login, group_world, make_user):
    group_world.group.is_archived = True
    db.session.commit()
    login(make_user())
    assert client.get(f"{G}/join").status_code == 403
    assert "takes no new members" in client.get(G).text


def _activities(group, actor, n):
    for i in range(n):
        record_activity(group, actor, "thread_new", url=f"{G}/threads/{i}", title=f"Thread {i}")
    db.session.commit()


@pytest.mark.parametrize("path", ["workspace", "members"])
def test_workspace_pages_run_the_same_number_of_queries_at_two_sizes(client, login, group_world, make_user,
                                                                     add_member, count_queries, path):
    group = group_world.group
    login(group_world.people.convener)
    _activities(group, group_world.people.member, 5)
    client.get(f"{G}/{path}")  # warm-up (first request loads the person and caches)
    count_queries.clear()
    client.get(f"{G}/{path}")
    small = len(count_queries)
    _activities(group, group_world.people.member, 60)
    for i in range(30):
        add_member(group, make_user(f"extra{i}@example.org"))
        db.session.add(JoinRequest(group_id=group.id, user_id=make_user(f"asker{i}@example.org").id))
    db.session.commit()
    count_queries.clear()
    response = client.get(f"{G}/{path}")
    assert response.status_code == 200
    assert len(count_queries) == small, f"{small} queries with little data, {len(count_queries)} with more"


def test_activity_feed_is_rendered_in_the_readers_language(client, login, group_world):
    _activities(group_world.group, group_world.people.member, 1)
    group_world.people.convener.locale = "fr"
    db.session.commit()
    login(group_world.people.convener)
    page = client.get(f"{G}/workspace").text
    assert "Mia Member" in page and "Thread 0" in page
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1


def test_a_multi_line_decline_message_is_sent_not_a_server_error(client, login, group_world, outbox):
    login(group_world.people.convener)
    response = client.post(f"{G}/requests/{group_world.request.id}/decline",
                           data={"message": "Sorry.\nWe are full this year."})
    assert response.status_code == 302
    assert reload(group_world.request).status is RequestStatus.declined
    assert all("\n" not in m["Subject"] for m in outbox)


def test_nobody_leaves_an_archived_group(client, login, group_world):
    group_world.group.is_archived = True
    db.session.commit()
    login(group_world.people.member)
    assert client.post(f"{G}/leave").status_code == 403
    assert group_world.group.membership_of(group_world.people.member) is not None
