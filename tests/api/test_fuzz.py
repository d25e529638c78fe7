"""Random JSON at the write endpoints: never a 500, and nothing half-saved (a refused request leaves no
report, no value, no audit entry)."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit import AuditEntry
from app.commitments.models import Deliverable, ProgressReport, ReportValue
from app.extensions import db
from tests.api.conftest import bearer

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)
VALUE = st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=12), st.sampled_from(
    ["12.5", "1e30", "NaN", "Infinity", "-0", "1" * 40, "²", "9" * 15]))
REPORT = st.fixed_dictionaries({}, optional={
    "period_end": st.one_of(TEXT, st.sampled_from(["2026-07-01", "2027-01-01", "2031-01-01", "1900-01-01"])),
    "narrative": st.one_of(TEXT, JSON),
    "values": st.one_of(JSON, st.dictionaries(st.sampled_from(["1", "2", "x", "99999999999"]),
                                              st.fixed_dictionaries({"value": VALUE}), max_size=2)),
    "deliverables": st.one_of(JSON, st.dictionaries(st.sampled_from(["1", "2", "-1"]), st.fixed_dictionaries(
        {"done_on": st.one_of(TEXT, st.dates().map(str))}), max_size=2)),
})


def _counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (ProgressReport, ReportValue, AuditEntry))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(REPORT, JSON))
def test_random_report_drafts(client, pledge_world, make_token, body):
    secret = getattr(pledge_world, "_fuzz_secret", None) or make_token(
        pledge_world.people.coordinator, ("read", "reports:write", "pledges:write"))
    pledge_world._fuzz_secret = secret
    before = _counts()
    response = client.post(f"/api/v1/pledges/{pledge_world.pledge.id}/reports", json=body, headers=bearer(secret))
    assert response.status_code in (201, 409, 422), response.get_data(as_text=True)
    if response.status_code == 201:
        # Clean up so that the next example meets the same pledge.
        db.session.execute(sa.delete(ProgressReport))
        db.session.commit()
    else:
        assert response.content_type == "application/problem+json"
        assert _counts() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(JSON, st.fixed_dictionaries({"done_on": st.one_of(TEXT, st.dates().map(str)),
                                                   "evidence_url": st.one_of(TEXT, JSON)})))
def test_random_deliverable_updates(client, pledge_world, make_token, body):
    secret = getattr(pledge_world, "_fuzz_secret", None) or make_token(
        pledge_world.people.coordinator, ("pledges:write",))
    pledge_world._fuzz_secret = secret
    deliverable = pledge_world.pledge.deliverables[0]
    response = client.post(f"/api/v1/pledges/{pledge_world.pledge.id}/deliverables/{deliverable.id}/done",
                           json=body, headers=bearer(secret))
    assert response.status_code in (200, 409, 422), response.get_data(as_text=True)
    if response.status_code == 200:
        db.session.execute(sa.update(Deliverable).values(done_on=None, evidence_url=""))
        db.session.commit()
    else:
        db.session.expire_all()
        assert db.session.get(Deliverable, deliverable.id).done_on is None
