"""Flagged pairs: scanning, the review queue, decisions (audited, reversible, never deleting), the
notifications they send, "materially changed", and the nightly job."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import events
from app.audit import AuditEntry
from app.commitments import services as pledges
from app.commitments.models import Pledge
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.jobs import scan_overlaps
from app.notifications.models import Notification
from app.overlaps import services
from app.overlaps.jobs import scan_everything
from app.overlaps.models import Decision, FlagStatus, InitiativeChange, InitiativeLink, OverlapDecision, OverlapFlag
from tests.conftest import drain, reload
from tests.overlaps.conftest import NOW


def flag_between(x, y) -> OverlapFlag:
    a, b = sorted([x.initiative_id, y.initiative_id])
    flag = db.session.scalar(sa.select(OverlapFlag).where(OverlapFlag.a_id == a, OverlapFlag.b_id == b))
    assert flag is not None, f"no flag between {a} and {b}"
    return flag


@pytest.fixture
def flagged(world):
    scan_everything(now=NOW)
    db.session.commit()
    return world


# -- scanning ------------------------------------------------------------------------------------------------
def test_scanning_flags_each_pair_once_with_reasons_filters_and_groups(flagged):
    world = flagged
    flags = db.session.scalars(sa.select(OverlapFlag)).all()
    pairs = {frozenset(f.ids) for f in flags}
    assert len(pairs) == len(flags) == 3
    flag = flag_between(world.pledge, world.item)
    assert flag.status is FlagStatus.open and flag.tier in ("likely_duplicate", "possible_overlap")
    assert flag.countries == ["CIV", "GHA"] and "child_labour" in flag.areas
    assert flag.group_ids == [str(world.group.id)]
    assert flag.reasons and all(isinstance(code, str) for code, _params in flag.reasons)


def test_saving_an_initiative_flags_its_pairs_once_the_worker_ran(world, make_org):
    assert db.session.scalar(sa.select(sa.func.count(OverlapFlag.id))) == 0
    item = world.item
    from app.actiongroups.workplan import services as workplan

    workplan.update_work_item(world.people.member, item, {
        "title": item.title, "description": item.description, "countries": item.countries, "areas": item.areas,
        "start_date": item.start_date, "due_date": date(2027, 6, 30), "status": "in_progress",
        "lead_organisation_id": item.lead_organisation_id, "responsible_id": item.responsible_id}, now=NOW)
    db.session.commit()
    scans = sa.select(sa.func.count()).select_from(events.OutboxEvent).where(events.OutboxEvent.kind == services.SCAN)
    assert db.session.scalar(scans) == 1                    # recorded in the save's transaction...
    assert services.flags_of(item.initiative_id) == []      # ...and no scan inside the request
    drain()
    assert {f.other(item.initiative_id) for f in services.flags_of(item.initiative_id)} >= {
        world.pledge.initiative_id, world.activity.initiative_id}


def test_two_imported_activities_are_not_flagged(world, make_activity):
    twin = make_activity(world.activity.title, description=world.activity.description,
                         countries=world.activity.countries, reporting_org_ref="XM-OTHER")
    services.scan(twin, now=NOW)
    assert all("external_activity" not in f.other(twin.initiative_id) for f in services.flags_of(twin.initiative_id))


def test_a_withdrawn_initiative_clears_its_open_flags_and_keeps_decided_ones(flagged):
    world = flagged
    decided = flag_between(world.pledge, world.activity)
    services.decide(world.people.admin, decided, "related", now=NOW)
    pledges.withdraw_pledge(world.people.cocoa, world.pledge, "Funding ended.", now=NOW)
    db.session.commit()
    drain()
    assert flag_between(world.pledge, world.item).status is FlagStatus.cleared
    assert reload(decided).status is FlagStatus.decided


# -- the queue -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("outsider", 403), ("cocoa", 403),
                                            ("member", 403), ("convener", 200), ("admin", 200)])
def test_who_sees_the_review_queue(signed_in, flagged, role, expected):
    assert signed_in(role).get("/overlaps/review").status_code == expected


def test_a_convener_sees_only_the_pairs_of_their_groups_work(signed_in, flagged):
    world = flagged
    html = signed_in("convener").get("/overlaps/review").get_data(as_text=True)
    mine = [flag_between(world.pledge, world.item), flag_between(world.item, world.activity)]
    other = flag_between(world.pledge, world.activity)
    assert all(f"/overlaps/review/{f.id}\"" in html for f in mine)
    assert f"/overlaps/review/{other.id}\"" not in html
    client = signed_in("convener")
    assert client.get(f"/overlaps/review/{other.id}").status_code == 403
    assert client.post(f"/overlaps/review/{other.id}/decide", data={"decision": "distinct"}).status_code == 403


@pytest.mark.parametrize("query, expect_pairs", [
    ("", 3), ("?country=CIV", 3), ("?country=QAT", 0), ("?area=child_labour", 3), ("?area=trafficking", 0),
    ("?kind=work_item", 2), ("?kind=external_activity", 2), ("?status=decided", 0), ("?status=all", 3),
    ("?country=<script>&tier=nope&kind=x&status=zzz&page=-3", 3),
])
def test_the_queue_filters(signed_in, flagged, query, expect_pairs):
    html = signed_in("admin").get(f"/overlaps/review{query}").get_data(as_text=True)
    assert html.count('class="border rounded p-2 mb-2 overlap-flag"') == expect_pairs


def test_the_queue_paginates_and_puts_what_is_new_since_my_last_visit_first(signed_in, flagged, make_activity):
    world = flagged
    client = signed_in("admin")
    client.get("/overlaps/review")  # a visit
    visit = db.session.get(services.ReviewVisit, world.people.admin.id)
    visit.seen_at -= timedelta(hours=2)  # that visit was two hours ago
    for flag in db.session.scalars(sa.select(OverlapFlag)):
        flag.flagged_at = visit.seen_at - timedelta(hours=1)
    db.session.commit()
    for n in range(25):
        make_activity(f"Radio programme number {n} about fair recruitment of migrant workers in Nepal",
                      description=f"Weekly radio programme {n} on recruitment fees and safe migration, "
                                  "broadcast in Nepali for families of migrant workers.", countries=["NPL"])
    newest = make_activity("Pledge-like activity: child labour monitoring and remediation for cocoa farmers",
                           description=world.pledge.description, countries=["GHA", "CIV"])
    services.scan(newest)
    db.session.commit()
    html = client.get("/overlaps/review").get_data(as_text=True)
    first = html.index('class="border rounded p-2 mb-2 overlap-flag"')
    assert "New</span>" in html[first:first + 400]
    assert newest.title in html[first:first + 2000]
    page2 = client.get("/overlaps/review?page=2")
    assert page2.status_code == 200


def test_visits_rotate_after_half_an_hour_away(app, world):
    admin = world.people.admin
    assert services.visit_queue(admin, now=NOW) is None
    assert services.visit_queue(admin, now=NOW + timedelta(minutes=10)) is None      # the same visit
    assert services.visit_queue(admin, now=NOW + timedelta(hours=2)) == NOW + timedelta(minutes=10)


def test_the_pair_page_shows_both_sides_and_the_reasons(signed_in, flagged):
    world = flagged
    flag = flag_between(world.pledge, world.activity)
    html = signed_in("admin").get(f"/overlaps/review/{flag.id}").get_data(as_text=True)
    assert world.pledge.title in html and world.activity.title in html
    assert "Why they were flagged" in html and "Countries in common" in html
    assert "cocoa@example.org" in html and "dana@donor.example.org" in html  # each side's contact
    assert 'name="decision"' in html and "Record the decision" in html


# -- decisions -----------------------------------------------------------------------------------------------
def test_same_initiative_links_both_keeps_both_and_marks_the_reference(signed_in, flagged):
    world = flagged
    flag = flag_between(world.pledge, world.activity)
    client = signed_in("admin")
    response = client.post(f"/overlaps/review/{flag.id}/decide", data={"decision": "same", "note": "Same project."})
    assert response.status_code == 200 and "Say which of the two is the reference" in response.get_data(as_text=True)
    response = client.post(f"/overlaps/review/{flag.id}/decide",
                           data={"decision": "same", "reference": world.pledge.initiative_id})
    assert response.status_code == 302
    flag = reload(flag)
    assert flag.status is FlagStatus.decided and flag.decision is Decision.same
    link = db.session.scalars(sa.select(InitiativeLink)).one()
    assert link.relation.value == "same" and link.reference_id == world.pledge.initiative_id
    assert db.session.get(Pledge, world.pledge.id) is not None  # nothing deleted
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_id == flag.id)) == "overlap_decided"
    page = client.get(f"/activities/{world.activity.id}").get_data(as_text=True)
    assert "Same initiative" in page and "this other one is the reference" in page


def test_related_tells_both_focal_points_with_each_others_contact(flagged, outbox):
    world = flagged
    flag = flag_between(world.pledge, world.item)
    services.decide(world.people.admin, flag, Decision.related, now=NOW)
    db.session.commit()
    notes = {n.recipient_id: n for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "overlap_coordinate"))}
    assert set(notes) == {world.people.cocoa.id, world.people.member.id}
    assert "member@example.org" in notes[world.people.cocoa.id].params["contact"]
    assert "cocoa@example.org" in notes[world.people.member.id].params["contact"]
    mails = {m["To"]: m.get_body().get_content() for m in outbox}
    assert "member@example.org" in mails["cocoa@example.org"] and "cocoa@example.org" in mails["member@example.org"]


def test_the_reviewers_note_reaches_both_focal_points_and_a_reply_reaches_the_other_side(flagged, outbox):
    world = flagged
    flag = flag_between(world.pledge, world.item)
    note = "Both of you plan facilitators in the same districts of Ashanti: share the household lists."
    services.decide(world.people.admin, flag, Decision.related, note=note, now=NOW)
    db.session.commit()
    mails = {m["To"]: m for m in outbox}
    assert set(mails) == {"cocoa@example.org", "member@example.org"}
    for mine, other in (("cocoa@example.org", "member@example.org"), ("member@example.org", "cocoa@example.org")):
        mail = mails[mine]
        assert note in mail.get_body().get_content()
        assert mail["Reply-To"].addresses[0].addr_spec == other
        assert len(mail["Subject"]) <= 90 and other not in mail["Subject"] and "Ashanti" not in mail["Subject"]
        assert mail["Subject"].startswith("Please coordinate: ")


def test_related_with_an_imported_activity_gives_the_publishers_contact(flagged):
    world = flagged
    services.decide(world.people.admin, flag_between(world.pledge, world.activity), "related", now=NOW)
    note = db.session.scalars(sa.select(Notification).where(Notification.kind == "overlap_coordinate")).one()
    assert note.recipient_id == world.people.cocoa.id and "dana@donor.example.org" in note.params["contact"]


def test_a_decision_is_reversible_and_nothing_is_deleted(signed_in, flagged):
    world = flagged
    flag = flag_between(world.pledge, world.item)
    decision = services.decide(world.people.admin, flag, "related", note="Coordinate.", now=NOW)
    db.session.commit()
    client = signed_in("admin")
    response = client.post(f"/overlaps/review/{flag.id}/decisions/{decision.id}/revert")
    assert response.status_code == 302
    decision, flag = reload(decision), reload(flag)
    assert decision.reverted_at is not None and decision.ended_reason == "reverted"
    assert flag.status is FlagStatus.open and flag.decision is None
    link = db.session.scalars(sa.select(InitiativeLink)).one()
    assert link.removed_at is not None  # kept, marked removed
    assert db.session.scalar(sa.select(sa.func.count(OverlapDecision.id))) == 1
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == flag.id)))
    assert {"overlap_decided", "overlap_decision_reverted"} <= actions
    html = client.get(f"/overlaps/review/{flag.id}").get_data(as_text=True)
    assert "undone by Ada Admin" in html
    with pytest.raises(InvalidTransitionError):
        services.revert_decision(world.people.admin, decision)


def test_a_new_decision_replaces_the_current_one(flagged):
    world = flagged
    flag = flag_between(world.pledge, world.activity)
    first = services.decide(world.people.admin, flag, "distinct", now=NOW)
    second = services.decide(world.people.admin, flag, "same", reference_id=world.activity.initiative_id, now=NOW)
    assert first.ended_reason == "replaced" and second.is_current and flag.decision is Decision.same


def test_decisions_are_refused_to_those_who_do_not_review(flagged):
    world = flagged
    flag = flag_between(world.pledge, world.activity)
    with pytest.raises(NotAllowedError):
        services.decide(world.people.cocoa, flag, "distinct")
    with pytest.raises(NotAllowedError):
        services.decide(world.people.convener, flag, "distinct")  # no work item of their group in it
    with pytest.raises(DomainError):
        services.decide(world.people.admin, flag, "merge")
    with pytest.raises(DomainError):
        services.decide(world.people.admin, flag, "same", reference_id="pledge:424242")
    services.decide(world.people.convener, flag_between(world.item, world.activity), "distinct")


# -- distinct: remembered unless a side changes materially -------------------------------------------------
def test_a_distinct_pair_stays_decided_after_a_cosmetic_change(flagged):
    world = flagged
    flag = flag_between(world.pledge, world.activity)
    services.decide(world.people.admin, flag, "distinct", now=NOW)
    db.session.commit()
    data = pledges.pledge_data(world.pledge)
    from dataclasses import replace

    pledges.update_pledge(world.people.cocoa, world.pledge,
                          replace(data, description=data.description.replace("every", "each"),
                                  end_date=data.end_date + timedelta(days=20)), now=NOW)
    db.session.commit()
    assert reload(flag).status is FlagStatus.decided and reload(flag).decision is Decision.distinct


def test_a_distinct_pair_is_flagged_again_after_a_material_change(flagged):
    world = flagged
    flag = flag_between(world.pledge, world.activity)
    services.decide(world.people.admin, flag, "distinct", now=NOW)
    db.session.commit()
    from dataclasses import replace

    data = pledges.pledge_data(world.pledge)
    pledges.update_pledge(world.people.cocoa, world.pledge, replace(data, countries=["GHA"]), now=NOW)
    db.session.commit()
    drain()
    flag = reload(flag)
    assert flag.status is FlagStatus.open and flag.decision is None and flag.times_reopened == 1
    ended = flag.decisions[0]
    assert ended.ended_reason == "changed"
    assert db.session.scalar(sa.select(AuditEntry.detail).where(AuditEntry.action == "overlap_reflagged")) == {
        "changed": {world.pledge.initiative_id: ["countries"]}}


BASE = {"countries": ["CIV", "GHA"], "global": False, "themes": ["child_labour"], "target_groups": ["children"],
        "orgs": ["org:1"], "start": "2026-01-01", "end": "2027-12-31",
        "text": "Child labour monitoring and remediation for cocoa farmers in every cooperative of the region"}


@pytest.mark.parametrize("change, material", [
    ({}, []),
    ({"text": BASE["text"].replace("every", "each")}, []),                          # rewording
    ({"end": "2028-02-15"}, []),                                                     # a date moved a few weeks
    ({"end": "2028-06-30"}, ["end"]),                                               # moved by six months
    ({"start": None}, ["start"]),
    ({"countries": ["GHA"]}, ["countries"]),
    ({"global": True}, ["global"]),
    ({"themes": ["child_labour", "forced_labour"]}, ["themes"]),
    ({"orgs": ["org:1", "org:2"]}, ["orgs"]),
    ({"text": "Legal aid for domestic workers in the Gulf states, with a hotline and shelters"}, ["text"]),
])
def test_what_counts_as_a_material_change(change, material):
    assert services.material_changes(BASE, {**BASE, **change}) == material
    assert services.material_changes(None, BASE) == []


# -- the nightly job -----------------------------------------------------------------------------------------
def test_the_nightly_job_rescans_changes_and_tells_owners_of_likely_duplicates_once(world, outbox):
    result = scan_overlaps(now=NOW)
    assert result["rescanned"] == 0  # the fixtures wrote no change-log lines
    # the funder reports the pledge's work in its own words: a paraphrase is a "possible overlap" since the
    # detector was calibrated on real data; a copy of the pledge's text is a "likely duplicate"
    world.activity.title, world.activity.description = world.pledge.title, world.pledge.description
    for obj in (world.pledge, world.item, world.activity):
        services.record_change(obj.initiative_id)
    db.session.commit()
    result = scan_overlaps(now=NOW + timedelta(days=1))
    assert result["rescanned"] == 3 and result["flagged"] >= 3
    likely = flag_between(world.pledge, world.activity)
    assert likely.tier == "likely_duplicate"
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "overlap_likely")).all()
    assert result["told"] == len(notes) and world.people.cocoa.id in {n.recipient_id for n in notes}
    assert {n.recipient_id for n in notes} <= {world.people.cocoa.id, world.people.member.id}
    sent = len(outbox)
    again = scan_overlaps(now=NOW + timedelta(days=2))
    assert again["told"] == 0 and again["rescanned"] == 0 and len(outbox) == sent


def test_the_nightly_job_clears_flags_of_deleted_initiatives(flagged):
    world = flagged
    services.initiative_deleted(world.item.initiative_id, now=NOW)
    db.session.delete(world.item)
    db.session.commit()
    scan_overlaps(now=NOW + timedelta(days=1))
    flags = services.flags_of(f"work_item:{world.item.id}")
    assert flags and all(f.status is FlagStatus.cleared for f in flags)


def test_the_nightly_job_forgets_old_change_log_lines_only_with_a_saved_index(app, world, tmp_path):
    old = InitiativeChange(initiative_id=world.pledge.initiative_id, created_at=NOW - timedelta(days=90))
    db.session.add(old)
    db.session.commit()
    scan_overlaps(now=NOW)
    assert db.session.get(InitiativeChange, old.seq) is not None  # in memory: workers may still need it
    app.config["DEDUP_INDEX_DIR"] = str(tmp_path)
    app.extensions.pop("overlaps_index", None)
    scan_overlaps(now=NOW)
    assert db.session.get(InitiativeChange, old.seq) is None
