"""Links publishers made between their activities (IATI provider/receiver activity ids, participating
organisations' activity ids, related activities): read and kept by the importer, shown as their own
reason ("linked by the publishers"), the same work as a likely duplicate, a hierarchy as related work."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.dedup import Reason, Tier
from app.extensions import db
from app.overlaps import importing, publisher_links, services
from app.overlaps.index import get_index
from app.overlaps.jobs import scan_everything
from app.overlaps.models import ActivityLink, ActivityLinkKind, Decision, ExternalActivity, FlagStatus, OverlapFlag
from app.overlaps.publisher_links import LINKED_BY_PUBLISHERS
from app.overlaps.reasons import flip, from_stored, render, render_all, to_stored
from tests.overlaps.conftest import NOW

DATA = Path(__file__).parent / "data"


def run(*names):
    report = importing.run_import([DATA / n for n in names], kind="iati", now=NOW)
    db.session.commit()
    return report


def activity(identifier: str) -> ExternalActivity:
    return db.session.scalar(sa.select(ExternalActivity).where(ExternalActivity.identifier == identifier))


def stored_links() -> dict[str, set[tuple[str, str, str]]]:
    """identifier → {(other identifier, kind, source)}."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(ExternalActivity.identifier, ActivityLink.other_identifier, ActivityLink.kind,
                                        ActivityLink.source).join(ExternalActivity))
    found: dict[str, set] = {}
    for identifier, other, kind, source in rows:
        found.setdefault(identifier, set()).add((other, kind.value, source))
    return found


# -- the importer --------------------------------------------------------------------------------------------
def test_the_importer_reads_and_stores_every_kind_of_link(app):
    report = run("iati-links.xml")
    assert report.created == 4 and report.links == 9
    links = stored_links()
    assert links["XM-DONOR-GRANT-7"] == {  # two transactions to the same project: one link; spaces trimmed
        ("XM-NGO-PROJECT-1", "implementing", "transaction/receiver-org"),
        ("XM-NGO-PROJECT-1", "participating", "participating-org")}
    # Its own id as a provider (an expenditure from itself) is not a link.
    assert links["XM-NGO-PROJECT-1"] == {("XM-DONOR-GRANT-7", "funding", "transaction/provider-org")}
    assert links["XM-DONOR-PROG"] == {("XM-DONOR-PROG-1", "child", "related-activity"),
                                      ("XM-DONOR-PROG-2", "child", "related-activity")}
    assert links["XM-DONOR-PROG-1"] == {  # the other side need not be imported (yet)
        ("XM-DONOR-PROG", "parent", "related-activity"), ("XM-DONOR-PROG-2", "sibling", "related-activity"),
        ("XM-PARTNER-COFUND", "co_funded", "related-activity"),
        ("XM-WATCHDOG-REPORT", "third_party", "related-activity")}
    assert ("iati-links.xml, activity 4 (XM-DONOR-PROG-1)",
            "related activity 'XM-SOMETHING-ELSE' of unknown type '9' left out") in report.warnings


def test_links_stay_out_of_what_the_detector_compares(app):
    run("iati-links.xml")
    initiative = activity("XM-DONOR-GRANT-7").to_initiative()
    assert "XM-NGO-PROJECT-1" not in f"{initiative.title} {initiative.description} {initiative.partner_orgs}"


def test_importing_again_keeps_the_links_and_an_update_replaces_them(app):
    run("iati-links.xml")
    before = stored_links()
    ids = set(db.session.scalars(sa.select(ActivityLink.id)))
    again = run("iati-links.xml")
    assert (again.created, again.updated, again.unchanged, again.links) == (0, 0, 4, 0)
    assert stored_links() == before and set(db.session.scalars(sa.select(ActivityLink.id))) == ids
    update = run("iati-links-update.xml")
    assert (update.updated, update.links) == (1, 1)
    after = stored_links()
    assert after["XM-NGO-PROJECT-1"] == {("XM-FOUNDATION-GRANT-2", "funding", "transaction/provider-org")}
    assert {k: v for k, v in after.items() if k != "XM-NGO-PROJECT-1"} == {
        k: v for k, v in before.items() if k != "XM-NGO-PROJECT-1"}


def test_the_content_hash_changes_with_the_links_and_not_for_an_activity_without_any():
    """Activities imported before links were read keep their hash unless they have links: the first import
    after the upgrade updates only those."""
    record = importing.Record(identifier="XM-1", title="A title")
    assert record.content_hash() == "e3c69170d063349c9a616cfc17f0c0ba5fb902a39942c639332c9a15728d9cb6"  # as before
    record.links = [importing.Link("XM-2", "funding", "transaction/provider-org")]
    assert record.content_hash() != "e3c69170d063349c9a616cfc17f0c0ba5fb902a39942c639332c9a15728d9cb6"


def test_the_import_command_says_how_many_links_it_stored(app):
    result = app.test_cli_runner().invoke(args=["import-iati", str(DATA / "iati-links.xml")])
    assert result.exit_code == 0, result.output
    assert "Links to other activities made by the publishers, stored with them: 9." in result.output


def test_links_are_read_while_streaming(app):
    """Each record carries its links as it is read (no second pass over the file)."""
    records = list(importing.iati_records(DATA / "iati-links.xml", importing.ImportReport()))
    by_id = {record.identifier: record for record, _where in records}
    assert [(link.identifier, link.kind) for link in by_id["XM-NGO-PROJECT-1"].links] == [
        ("XM-DONOR-GRANT-7", "funding")]


# -- the reason ------------------------------------------------------------------------------------------------
ALL_KINDS = [Reason(LINKED_BY_PUBLISHERS, (kind.value,)) for kind in ActivityLinkKind]


@pytest.mark.parametrize("lang, funding, parent", [
    ("en", "Linked by the publishers: the other initiative funds your initiative — the same work, reported by "
           "the funder and by the implementer",
     "Linked by the publishers: the other initiative is the parent of your initiative — related work, not a "
     "duplicate"),
    ("fr", "Lien déclaré par les éditeurs : l’autre initiative finance votre initiative — le même travail, "
           "publié par le bailleur et par l’organisme de mise en œuvre",
     "Lien déclaré par les éditeurs : l’autre initiative est le programme parent de votre initiative — un "
     "travail lié, pas un doublon"),
    ("es", "Vínculo declarado por los publicadores: la otra iniciativa financia su iniciativa — el mismo "
           "trabajo, publicado por el financiador y por el ejecutor",
     "Vínculo declarado por los publicadores: la otra iniciativa es el programa principal de su iniciativa — "
     "un trabajo relacionado, no un duplicado"),
])
def test_the_reason_reads_naturally_in_each_language(app, lang, funding, parent):
    with app.test_request_context(), force_locale(lang):
        texts = {r.params[0]: render(r).text for r in ALL_KINDS}
    assert texts["funding"] == funding and texts["parent"] == parent
    assert len(set(texts.values())) == len(ActivityLinkKind)  # each kind says something of its own
    assert all(t.startswith(funding.split(":")[0]) for t in texts.values())


def test_the_reason_is_evidence_comes_first_and_turns_round(app):
    with app.test_request_context():
        rendered = render_all([Reason("no_common_country", ()), Reason("similar_text", (40,)),
                               Reason(LINKED_BY_PUBLISHERS, ("child",))])
    assert rendered[0].code == LINKED_BY_PUBLISHERS and rendered[0].kind == "evidence"
    flipped = flip(ALL_KINDS)
    assert [r.params[0] for r in flipped] == ["implementing", "funding", "participating", "child", "parent",
                                              "sibling", "co_funded", "third_party"]
    assert flip(flipped) == ALL_KINDS and from_stored(to_stored(ALL_KINDS)) == ALL_KINDS


# -- what users see --------------------------------------------------------------------------------------------
def test_a_funder_and_its_implementer_are_a_likely_duplicate_even_when_their_texts_differ(app, world):
    run("iati-links.xml")
    grant, project = activity("XM-DONOR-GRANT-7"), activity("XM-NGO-PROJECT-1")
    detector = get_index().detector()
    # The detector alone does not find the pair: the grant's text says nothing of the project's work.
    assert project.initiative_id not in [m.id for m in detector.find_overlaps(grant.to_initiative())]
    for mine, other, kind in ((grant, project, "implementing"), (project, grant, "funding")):
        panel = services.initiative_overlaps(mine, world.people.outsider)
        first = panel.matches[0]
        assert first.card.id == other.initiative_id and first.match.tier is Tier.LIKELY
        assert first.reasons[0].code == LINKED_BY_PUBLISHERS and first.match.reasons[0].params == (kind,)
    html = app.test_client().get(f"/activities/{project.id}").get_data(as_text=True)
    assert "Linked by the publishers: the other initiative funds your initiative" in html


def test_a_link_is_read_from_either_side_once_both_are_imported(app):
    run("iati-links.xml")
    grant = activity("XM-DONOR-GRANT-7")
    db.session.execute(sa.delete(ActivityLink).where(ActivityLink.activity_id == grant.id))  # only the NGO's link
    links = publisher_links.links_of(grant.initiative_id)
    project = activity("XM-NGO-PROJECT-1")
    assert links[project.initiative_id].kinds == ("implementing",)
    assert publisher_links.links_of(activity("XM-DONOR-PROG-1").initiative_id).keys() == {
        activity("XM-DONOR-PROG").initiative_id}  # the other linked activities are not imported
    assert publisher_links.links_of("pledge:1") == {}


@pytest.fixture
def family(world, make_activity):
    """A programme and its component with the same text (the detector alone calls them a likely duplicate),
    and a sibling component; linked by their publisher."""
    text = dict(description="Community facilitators visit cocoa farming households, identify children in "
                            "hazardous work, and remediation support reaches every child found.",
                countries=["GHA", "CIV"], areas=["child_labour"])
    parent = make_activity("Cocoa child labour remediation programme", identifier="XM-P", **text)
    child = make_activity("Cocoa child labour remediation programme", identifier="XM-P-1", **text)
    sibling = make_activity("Literacy classes for adults in the north", identifier="XM-P-2",
                            description="Evening literacy classes for adults.", countries=["GHA"])
    db.session.add_all([ActivityLink(activity_id=child.id, other_identifier="XM-P", kind=ActivityLinkKind.parent),
                        ActivityLink(activity_id=child.id, other_identifier="XM-P-2", kind=ActivityLinkKind.sibling),
                        ActivityLink(activity_id=parent.id, other_identifier="XM-P-1", kind=ActivityLinkKind.child),
                        ActivityLink(activity_id=parent.id, other_identifier="XM-P-1",
                                     kind=ActivityLinkKind.funding)])
    db.session.commit()
    return parent, child, sibling


def test_a_parent_and_its_child_are_related_never_a_likely_duplicate(app, world, family):
    parent, child, sibling = family
    detector = get_index().detector()
    assert detector.compare(child.to_initiative(), parent.to_initiative()).tier is Tier.LIKELY  # text alone
    panel = services.initiative_overlaps(child, world.people.admin)
    shown = {m.card.id: m for m in panel.matches}
    view = shown[parent.initiative_id]
    # The hierarchy wins over the funding link: a programme funding its own component is one programme.
    assert view.match.tier is Tier.POSSIBLE and view.match.reasons[0] == Reason(LINKED_BY_PUBLISHERS, ("parent",))
    assert "is the parent of" in view.reasons[0].text
    assert sibling.initiative_id not in shown  # a sibling is marked only when the detector finds it
    back = {m.card.id: m for m in services.initiative_overlaps(parent, world.people.admin).matches}
    assert back[child.initiative_id].match.reasons[0].params == ("child",)
    assert all(m.match.tier is not Tier.LIKELY or not publisher_links.link_of_match(m.match)
               for m in panel.matches)


def test_a_publishers_own_hierarchy_is_not_queued_for_review(app, world, family):
    parent, child, _sibling = family
    scan_everything(now=NOW)
    db.session.commit()
    assert child.initiative_id not in {f.other(parent.initiative_id) for f in services.flags_of(parent.initiative_id)}


def test_linked_pairs_are_in_the_review_queue_and_decided_like_others(app, world, signed_in):
    run("iati-links.xml")
    grant, project = activity("XM-DONOR-GRANT-7"), activity("XM-NGO-PROJECT-1")
    scan_everything(now=NOW)
    db.session.commit()
    a, b = sorted([grant.initiative_id, project.initiative_id])
    flag = db.session.scalar(sa.select(OverlapFlag).where(OverlapFlag.a_id == a, OverlapFlag.b_id == b))
    assert flag is not None and flag.tier == Tier.LIKELY.value and flag.status is FlagStatus.open
    kind_from_a = "funding" if a == project.initiative_id else "implementing"
    assert flag.reasons[0] == [LINKED_BY_PUBLISHERS, [kind_from_a]]
    client = signed_in("admin")
    html = client.get("/overlaps/review").get_data(as_text=True)
    assert f"/overlaps/review/{flag.id}\"" in html and "Linked by the publishers" in html
    page = client.get(f"/overlaps/review/{flag.id}").get_data(as_text=True)
    assert f"Linked by the publishers: “{grant.title}” funds “{project.title}”" in page
    services.decide(world.people.admin, flag, Decision.distinct, now=NOW)
    db.session.commit()
    services.scan(project, now=NOW)  # scanned again: the decision stands
    db.session.commit()
    assert flag.status is FlagStatus.decided and flag.decision is Decision.distinct
    response = client.post(f"/overlaps/review/{flag.id}/decide", data={"decision": "same", "reference": a})
    assert response.status_code == 302
    db.session.expire_all()
    assert flag.decision is Decision.same and flag.current_decision.reference_id == a
    panel = services.initiative_overlaps(grant, world.people.admin)
    assert panel.matches[0].link is not None and panel.matches[0].link.reference_id == a


def test_a_link_removed_by_a_new_version_clears_the_open_flag(app, world):
    run("iati-links.xml")
    scan_everything(now=NOW)
    db.session.commit()
    grant, project = activity("XM-DONOR-GRANT-7"), activity("XM-NGO-PROJECT-1")
    assert any(f.other(project.initiative_id) == grant.initiative_id for f in services.flags_of(project.initiative_id))
    run("iati-links-update.xml")
    db.session.execute(sa.delete(ActivityLink).where(ActivityLink.activity_id == grant.id))
    services.scan(project, now=NOW)
    db.session.commit()
    flag = next(f for f in services.flags_of(project.initiative_id)
                if f.other(project.initiative_id) == grant.initiative_id)
    assert flag.status is FlagStatus.cleared


# -- the real development set ---------------------------------------------------------------------------------
def test_every_linked_pair_of_the_iati_development_set_is_found(app):
    """All 111 pairs of ``linked_pairs.csv`` (funder and implementer, different publishers) are links once
    the 1,800 activities are imported. Skipped where the shared data is not on the machine."""
    realdata = pytest.importorskip("bench.realdata")
    try:
        folder = realdata.shared_data() / "iati-dev"
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    report = importing.run_import([folder / "activities"], kind="iati", now=NOW)
    db.session.commit()
    pairs = realdata.linked_pairs()
    ids = dict(db.session.execute(sa.select(ExternalActivity.identifier, ExternalActivity.id)).all())
    found, queued = 0, 0
    for pair in pairs:
        a, b = (f"external_activity:{ids[pair[side]]}" for side in ("activity_a", "activity_b"))
        link = publisher_links.links_of(a).get(b)
        found += link is not None
        queued += link is not None and link.is_flagged
        assert link is not None and publisher_links.links_of(b)[a].kinds == publisher_links.strongest_first(
            publisher_links.flip_kind(k) for k in link.kinds)  # the same link, read from the other side
    print(f"IATI development set: {report.links} publishers' links stored; {found} of {len(pairs)} linked pairs "
          f"found as links, {queued} of them queued for review")
    assert found == len(pairs) == 111 and queued == found
