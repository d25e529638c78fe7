"""Links that work without signing in (issue 14, items 5 and 6).

Every kind of secret link a person holds: the calendar feed, the personal consultation link, a
password-reset link and an invitation link. Each stops working when the person is suspended, declined
or their organisation suspended; the long-lived ones are signed with LINK_SECRET_KEY, so rotating
SECRET_KEY leaves them working.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.forums import consultations, feeds
from app.members import services as members
from app.members import tokens
from app.members.models import UserStatus
from tests.conftest import reload
from tests.forums.conftest import NOW, poll_data


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def links(people, group):
    """The invitee's calendar feed and personal consultation link, and a password-reset link."""
    poll = consultations.create_consultation(people.convener, poll_data(None, emails=people.invitee.email), now=NOW)
    db.session.flush()
    invitee = next(i for i in poll.invitees if i.user_id == people.invitee.id)
    feed = f"/forums/calendar/{people.invitee.id}/{feeds.reset_feed(people.invitee)}.ics"
    personal = _path(consultations.personal_url(invitee))
    reset = f"/password/reset/{tokens.make_token(people.invitee, 'reset')}"
    db.session.commit()
    return {"feed": feed, "personal": personal, "reset": reset}


def _answers(client, links) -> dict[str, int]:
    return {kind: client.get(url).status_code for kind, url in links.items()}


def test_every_link_works_for_an_active_person(client, links):
    assert _answers(client, links) == {"feed": 200, "personal": 200, "reset": 200}


def _suspend(people):
    members.suspend_user(people.admin, people.invitee, "Left the organisation.")


def _suspend_organisation(people):
    members.suspend_organisation(people.admin, people.invitee.organisation, "Membership lapsed.")


@pytest.mark.parametrize("end_access", [_suspend, _suspend_organisation])
def test_suspending_revokes_every_secret_link(client, people, links, end_access):
    end_access(people)
    db.session.commit()
    answers = _answers(client, links)
    assert answers["feed"] == 404 and answers["personal"] == 404
    if end_access is _suspend:
        assert answers["reset"] == 400  # (a suspended organisation's people may still sign in)
    # Nothing can be saved through the old personal link either.
    assert client.post(links["personal"], data={"action": "respond", "response": "accepted"}).status_code == 404


def test_links_stay_revoked_after_reactivation(client, people, links):
    _suspend(people)
    db.session.commit()
    members.reactivate_user(people.admin, reload(people.invitee))
    db.session.commit()
    answers = _answers(client, links)
    assert answers["feed"] == 404 and answers["personal"] == 404


def test_declining_revokes_the_links_of_an_applicant(client, people, make_user):
    from app.forums.models import CalendarKey

    applicant = make_user("applicant@example.org", status=UserStatus.pending)
    feed = f"/forums/calendar/{applicant.id}/{feeds.reset_feed(applicant)}.ics"  # pending people may sign in
    db.session.commit()
    members.decline_user(people.admin, applicant, "Not a partner organisation.")
    db.session.commit()
    assert db.session.get(CalendarKey, applicant.id) is None
    assert client.get(feed).status_code == 404


def test_an_invitation_link_is_refused_once_the_invited_person_is_suspended(client, people, make_org):
    from app.members.services import PersonData

    invited = members.invite_user(people.admin, make_org(), PersonData(full_name="Ivy Invited",
                                                                        email="ivy@example.org"), "member")
    db.session.commit()
    link = f"/invitation/{tokens.make_token(invited, 'invite')}"
    assert client.get(link).status_code == 200
    invited.status = UserStatus.suspended  # what an admin's suspension of the account leaves
    db.session.commit()
    assert client.get(link).status_code == 400


# -- item 6: the links' own key --------------------------------------------------------------------------------
def test_rotating_secret_key_keeps_feeds_and_personal_links(make_app, links):
    rotated = make_app(SECRET_KEY="a-brand-new-session-key-after-rotation-0123456789")
    client = rotated.test_client()
    assert client.get(links["feed"]).status_code == 200
    assert client.get(links["personal"]).status_code == 200


def test_rotating_the_link_key_changes_every_link(make_app, links):
    rotated = make_app(LINK_SECRET_KEY="a-brand-new-link-key-after-rotation-0123456789")
    client = rotated.test_client()
    assert client.get(links["feed"]).status_code == 404
    assert client.get(links["personal"]).status_code == 404


def test_leaving_a_group_revokes_the_links_to_its_consultations(client, people, group, links):
    from app.actiongroups import services as groups

    poll = consultations.create_consultation(people.convener, poll_data(group), now=NOW)
    db.session.flush()
    group_link = _path(consultations.personal_url(next(i for i in poll.invitees if i.user_id == people.invitee.id)))
    db.session.commit()
    assert client.get(group_link).status_code == 200
    groups.leave_group(people.invitee, group)
    db.session.commit()
    assert client.get(group_link).status_code == 404
    assert client.get(links["personal"]).status_code == 200  # a consultation outside the group is not affected
    assert client.get(links["feed"]).status_code == 200
