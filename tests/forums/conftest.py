"""Forum and consultation fixtures: an edition in Geneva with a timetable, people in every role, a poll."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from types import SimpleNamespace

import pytest

from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.extensions import db
from app.forums import consultations, services
from app.forums.services import ForumData, SessionData, SpeakerData
from app.members.models import OrgRole

# A fixed "now": the 2027 Forum (Geneva, 27–29 March 2027) is a few months away; Europe changes to
# summer time on Sunday 28 March 2027, in the middle of the Forum.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _pinned_clock(clock):
    """Requests see the same "now" as the services called with ``now=NOW``: the poll's fixed deadline
    (5 December 2026) stays in the future whatever the real date."""
    clock(NOW)


@pytest.fixture
def people(make_org, make_user):
    home = make_org("Home Organisation")
    other = make_org("Other Organisation")
    return SimpleNamespace(
        admin=make_user("admin@example.org", org=home, admin=True, full_name="Ada Admin"),
        convener=make_user("convener@example.org", org=home, full_name="Cleo Convener", timezone="Europe/Zurich"),
        invitee=make_user("invitee@example.org", org=other, full_name="Ines Invitee", timezone="America/New_York"),
        invitee2=make_user("invitee2@example.org", org=other, full_name="Ivo Bangkok", timezone="Asia/Bangkok"),
        partner=make_user("partner@example.org", org=other, full_name="Pat Partner", timezone="Africa/Nairobi"),
        member=make_user("member@example.org", org=home, role=OrgRole.member, full_name="Mo Member"),
    )


@pytest.fixture
def group(people):
    group = ActionGroup(slug="supply-chains", name="Supply Chains", mandate="Clean supply chains.")
    db.session.add(group)
    db.session.flush()
    db.session.add_all([Membership(group_id=group.id, user_id=people.convener.id, role=GroupRole.convener),
                        Membership(group_id=group.id, user_id=people.invitee.id, role=GroupRole.member),
                        Membership(group_id=group.id, user_id=people.invitee2.id, role=GroupRole.member)])
    db.session.commit()
    return group


def forum_data(**changes) -> ForumData:
    values = dict(title="Partnership Forum 2027", slug="forum-2027", starts_on=date(2027, 3, 27),
                  ends_on=date(2027, 3, 29), timezone="Europe/Zurich", venue_name="Palais des Nations",
                  venue_address="Avenue de la Paix 14, 1211 Genève", capacity=None, is_published=True,
                  registration_closes_on=date(2027, 3, 20), registration_closes_time=time(18, 0),
                  tracks=["Supply chains", "Migration"], rooms=["Room XVII", "Room XX"],
                  description="The yearly meeting of the partners.")
    values.update(changes)
    return ForumData(**values)


@pytest.fixture
def forum(people):
    forum = services.create_forum(people.admin, forum_data(), now=NOW)
    db.session.commit()
    return forum


@pytest.fixture
def make_session(forum, people):
    def _make(title="Opening plenary", day=date(2027, 3, 27), start=time(10, 0), end=time(11, 30), **changes):
        data = SessionData(title=title, day=day, start=start, end=end, kind=changes.pop("kind", "plenary"),
                           track_id=changes.pop("track_id", forum.tracks[0].id),
                           room_id=changes.pop("room_id", forum.rooms[0].id),
                           speakers=changes.pop("speakers", [SpeakerData("Dana Speaker", "ILO")]), **changes)
        session = services.create_session(people.admin, forum, data, now=NOW)
        db.session.commit()
        return session

    return _make


def poll_data(group=None, **changes) -> consultations.ConsultationData:
    values = dict(title="Due diligence consultation", purpose="Agree the guidance.", agenda="1. Guidance",
                  duration_minutes=60, online_url="https://meet.example.org/dd", audience="group" if group else "people",
                  group_id=group.id if group else None, timezone="Europe/Zurich",
                  slots=[(date(2026, 12, 8), time(9, 0)), (date(2026, 12, 8), time(15, 0)),
                         (date(2026, 12, 9), time(13, 0)), (date(2026, 12, 10), time(22, 0))],
                  deadline_on=date(2026, 12, 5), deadline_time=time(12, 0))
    values.update(changes)
    return consultations.ConsultationData(**values)


@pytest.fixture
def poll(people, group):
    consultation = consultations.create_consultation(people.convener, poll_data(group), now=NOW)
    db.session.commit()
    return consultation
