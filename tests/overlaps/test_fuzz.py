"""Random input to the overlap panel, the decision form and the importers never causes a server error."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.overlaps import importing
from app.overlaps.jobs import scan_everything
from app.overlaps.models import OverlapDecision
from tests.overlaps.conftest import COCOA_DRAFT, NOW
from tests.strategies import any_text, dateish, fuzz, some_fields

FUZZ = fuzz(60)
anything = any_text(300)
codes = st.lists(st.one_of(anything, st.sampled_from(["GHA", "CIV", "002", "global", "XXX", "gh", "150"])),
                 max_size=8)
dateish = dateish(anything)
FIELDS = {"title": anything, "description": anything, "contribution": anything, "countries": codes,
          "areas": codes, "target_groups": codes, "partner_ids": codes, "start_date": dateish, "end_date": dateish,
          "due_date": dateish, "is_global": anything, "lead_organisation_id": anything}


def _client(world, signed_in, role="outsider"):
    if not getattr(world, "client", None):
        world.client = signed_in(role)
    return world.client


@FUZZ
@given(kind=st.sampled_from(["pledge", "work_item"]),
       changes=some_fields(FIELDS, max_size=5))
def test_the_panel_answers_any_draft(signed_in, world, kind, changes):
    response = _client(world, signed_in).post(f"/overlaps/check?kind={kind}", data={**COCOA_DRAFT, **changes})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.get_json()
    assert data["status"] == "ok" and all(m["reasons"] for m in data["matches"])
    assert world.item.initiative_id not in [m["id"] for m in data["matches"]]  # hidden from this person


@FUZZ
@given(decision=st.one_of(anything, st.sampled_from(["same", "related", "distinct"])),
       reference=st.one_of(anything, st.just("pledge:1")), note=st.text(max_size=2500))
def test_the_decision_form_answers_anything_and_writes_only_valid_decisions(signed_in, world, decision, reference,
                                                                            note):
    if not getattr(world, "flag_id", None):
        scan_everything(now=NOW)
        db.session.commit()
        from app.overlaps.services import flags_of

        world.flag_id = flags_of(world.pledge.initiative_id)[0].id
    client = _client(world, signed_in, "admin")
    before = db.session.scalar(sa.select(sa.func.count(OverlapDecision.id)))
    response = client.post(f"/overlaps/review/{world.flag_id}/decide",
                           data={"decision": decision, "reference": reference, "note": note})
    assert response.status_code in (200, 302)
    after = db.session.scalar(sa.select(sa.func.count(OverlapDecision.id)))
    assert after == before + (1 if response.status_code == 302 else 0)
    if response.status_code == 302:
        assert decision in ("same", "related", "distinct") and len(note) <= 2000


@FUZZ
@given(body=st.binary(max_size=2000) | anything.map(lambda t: f'<iati-activities><iati-activity>'
                                                               f'<iati-identifier>{t}</iati-identifier><title>'
                                                               f'<narrative>{t}</narrative></title></iati-activity>'
                                                               f'</iati-activities>'.encode("utf-8", "replace")))
def test_the_iati_import_survives_any_bytes(app, tmp_path_factory, body):
    path = tmp_path_factory.mktemp("fuzz") / "random.xml"
    path.write_bytes(body)
    report = importing.run_import([path], kind="iati")
    db.session.rollback()
    assert report.files == 1 and report.read >= 0


@FUZZ
@given(body=st.binary(max_size=2000) | anything.map(lambda t: f"identifier,title,countries,start_date\n"
                                                               f"{t},{t},{t},{t}\n".encode("utf-8", "replace")))
def test_the_csv_import_survives_any_bytes(app, tmp_path_factory, body):
    path = tmp_path_factory.mktemp("fuzz") / "random.csv"
    path.write_bytes(body)
    report = importing.run_import([path], kind="csv")
    db.session.rollback()
    assert report.files == 1
