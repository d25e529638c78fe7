"""The Forum in the global search: sessions of published editions for everyone, kept in step with the Forum;
consultations for exactly whom their pages let in (as far as the index can say); and the SQL twin of
Consultation.can_view that the country pages use."""
from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app import events
from app.actiongroups.models import ActionGroup, GroupRole, Membership, Visibility
from app.extensions import db
from app.forums import consultations, services
from app.forums.consultation_models import Consultation
from app.forums.consultations import visible_to
from app.forums.services import SpeakerData
from app.knowledge import search
from app.knowledge.models import SearchDocument
from app.knowledge.search import Query, rebuild_index
from app.members.models import UserStatus
from tests.conftest import drain
from tests.forums.conftest import NOW, forum_data, poll_data


def hits(q, user=None, kind=""):
    """What ``user`` finds once the worker has re-indexed what was committed."""
    drain()
    return search.search(Query(q=q, kind=kind), user).hits


def titles(q, user=None, kind=""):
    return sorted(hit.title for hit in hits(q, user, kind))


# -- sessions -----------------------------------------------------------------------------------------------
def test_sessions_are_found_by_title_description_speaker_and_track(forum, make_session):
    session = make_session("Cocoa farms and schools", description="Keeping children in class at harvest time.",
                           speakers=[SpeakerData("Wanjiru Kamau", "Kenya Private Sector Alliance")])
    make_session("Unrelated plenary", start=time(14, 0), end=time(15, 0), speakers=[])
    assert titles("cocoa") == ["Cocoa farms and schools"]
    assert titles("harvest") == ["Cocoa farms and schools"]              # description
    assert titles("wanjiru") == ["Cocoa farms and schools"]              # speaker
    assert titles("alliance private") == ["Cocoa farms and schools"]     # speaker's organisation
    assert "Cocoa farms and schools" in titles("supply chains")          # its track
    hit = hits("cocoa", kind="session")[0]
    assert hit.url == f"/forums/{forum.slug}/sessions/{session.id}"
    assert "<mark>Cocoa</mark>" in str(hit.title_html)


def test_sessions_follow_their_edition_being_published_renamed_or_withdrawn(people, forum, make_session):
    make_session("Zanzibar fisheries")
    services.update_forum(people.admin, forum, forum_data(is_published=False), now=NOW)
    db.session.commit()
    assert titles("zanzibar") == []                                      # a draft edition is not public
    services.update_forum(people.admin, forum, forum_data(is_published=True, title="Quokka Forum 2027"), now=NOW)
    db.session.commit()
    assert titles("zanzibar") == ["Zanzibar fisheries"]
    assert titles("quokka") == ["Zanzibar fisheries"]                     # the edition's new name is in the body


def test_a_changed_or_removed_session_changes_the_index(people, forum, make_session):
    session = make_session("Zanzibar fisheries")
    services.update_session(people.admin, session, services.SessionData(
        title="Mombasa fisheries", day=date(2027, 3, 27), start=time(10, 0), end=time(11, 0), kind="panel"), now=NOW)
    db.session.commit()
    assert titles("zanzibar") == [] and titles("mombasa") == ["Mombasa fisheries"]
    services.delete_session(people.admin, session)
    db.session.commit()
    assert titles("mombasa") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument).where(
        SearchDocument.kind == "session")) == 0


def test_rebuilding_the_index_covers_sessions_and_consultations(people, group, forum, make_session, poll):
    make_session("Zanzibar fisheries")
    drain()
    db.session.execute(sa.delete(SearchDocument))
    db.session.commit()
    assert titles("zanzibar") == []
    counts = rebuild_index()
    db.session.commit()
    assert counts["session"] == 1 and counts["consultation"] == 1
    assert titles("zanzibar") == ["Zanzibar fisheries"]


# -- consultations ------------------------------------------------------------------------------------------
@pytest.fixture
def meetings(people, group, make_org, make_user):
    """One consultation of each kind, all with the word "quorum" in their title."""
    outsider = make_user("outsider@example.org", full_name="Otto Outside")     # invited to the group's poll
    pending = make_user("pending@example.org", status=UserStatus.pending)
    other_group = ActionGroup(slug="migration", name="Migration", visibility=Visibility.partners)
    db.session.add(other_group)
    db.session.flush()
    db.session.add(Membership(group_id=other_group.id, user_id=people.convener.id, role=GroupRole.convener))
    db.session.commit()

    def make(title, **changes):
        return consultations.create_consultation(people.convener, poll_data(title=title, **changes), now=NOW)

    made = SimpleNamespace(
        group_poll=make("Quorum of the group", audience="group", group_id=group.id, emails=outsider.email),
        public_meeting=make("Quorum in public", audience="group", group_id=group.id, is_public=True),
        open_poll=make("Quorum open to all", audience="partners", emails=""),
        named=make("Quorum among named people", audience="people", emails=people.invitee.email),
        partners_group=make("Quorum of an open group", audience="people", group_id=other_group.id,
                            emails=people.invitee.email),
        cancelled=make("Quorum cancelled", audience="group", group_id=group.id, is_public=True),
    )
    consultations.confirm_slot(people.convener, made.public_meeting, made.public_meeting.slots[0], now=NOW)
    consultations.confirm_slot(people.convener, made.cancelled, made.cancelled.slots[0], now=NOW)
    consultations.cancel(people.convener, made.cancelled, now=NOW)
    db.session.commit()
    users = dict(anonymous=None, pending=pending, partner=people.partner, member=people.invitee,
                 outsider=outsider, org_member=people.member, convener=people.convener, admin=people.admin)
    return SimpleNamespace(**vars(made), users=users)


EXPECTED = {  # who finds which consultation through the search
    "anonymous": {"Quorum in public"},
    "pending": {"Quorum in public"},
    "partner": {"Quorum in public", "Quorum open to all", "Quorum of an open group"},
    "member": {"Quorum in public", "Quorum open to all", "Quorum of an open group", "Quorum of the group"},
    "outsider": {"Quorum in public", "Quorum open to all", "Quorum of an open group"},
    "org_member": {"Quorum in public", "Quorum open to all", "Quorum of an open group"},
    "convener": {"Quorum in public", "Quorum open to all", "Quorum of an open group", "Quorum of the group"},
    "admin": {"Quorum in public", "Quorum open to all", "Quorum of an open group", "Quorum of the group"},
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_consultations_are_found_only_by_people_who_may_open_them(meetings, role):
    user = meetings.users[role]
    found = {hit.title: hit for hit in hits("quorum", user, kind="consultation")}
    assert set(found) == EXPECTED[role]
    everything = {c.title: c for c in db.session.scalars(sa.select(Consultation))}
    for title, hit in found.items():
        assert everything[title].can_view(user), (role, title)       # never more than the page allows
        assert hit.url == f"/forums/consultations/{everything[title].id}"


def test_what_the_search_leaves_out_and_why(meetings):
    """Named people and outside invitees may open pages the index cannot tell it about (it knows no lists of
    people), and cancelled consultations are not found at all."""
    assert meetings.named.can_view(meetings.users["member"])
    assert "Quorum among named people" not in {h.title for h in hits("quorum", meetings.users["admin"])}
    assert meetings.group_poll.can_view(meetings.users["outsider"])
    assert meetings.cancelled.can_view(None)
    assert "Quorum cancelled" not in {h.title for h in hits("quorum", meetings.users["admin"])}


def test_a_group_opened_to_all_partners_opens_its_consultations_in_the_search(meetings, group, people):
    assert "Quorum of the group" not in {h.title for h in hits("quorum", people.partner)}
    group.visibility = Visibility.partners
    events.reindex_later(group)          # as update_group does: the group's consultations follow it
    db.session.commit()
    assert "Quorum of the group" in {h.title for h in hits("quorum", people.partner)}


def test_a_scheduled_public_meeting_becomes_public_in_the_search(meetings, people):
    assert "Quorum of the group" not in {h.title for h in hits("quorum")}
    meetings.group_poll.is_public = True
    consultations.confirm_slot(people.convener, meetings.group_poll, meetings.group_poll.slots[0], now=NOW)
    db.session.commit()
    assert "Quorum of the group" in {h.title for h in hits("quorum")}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_sql_twin_of_can_view_agrees_with_it(meetings, role):
    user = meetings.users[role]
    every = list(db.session.scalars(sa.select(Consultation)))
    condition = visible_to(user)
    query = sa.select(Consultation.id)
    if condition is not None:
        query = query.where(condition)
    assert set(db.session.scalars(query)) == {c.id for c in every if c.can_view(user)}, role
