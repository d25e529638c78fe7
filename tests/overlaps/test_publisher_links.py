"""Links publishers made between their activities (IATI provider/receiver activity ids, participating
organisations' activity ids, related activities): read and kept by the importer, shown as their own
reason ("linked by the publishers"), the same work as a likely duplicate, a hierarchy as related work."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.overlaps import importing
from app.overlaps.models import ActivityLink, ExternalActivity
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


def test_links_are_read_while_streaming(app, tmp_path):
    """Each record carries its links as it is read (no second pass over the file)."""
    records = list(importing.iati_records(DATA / "iati-links.xml", importing.ImportReport()))
    by_id = {record.identifier: record for record, _where in records}
    assert [(link.identifier, link.kind) for link in by_id["XM-NGO-PROJECT-1"].links] == [
        ("XM-DONOR-GRANT-7", "funding")]


