"""Random input to the pledge form never causes a server error, and a refused form writes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.commitments.models import Deliverable, Indicator, Pledge, PledgeEvent
from app.extensions import db
from tests.commitments.test_routes import SMART_FORM
from tests.strategies import any_text, dateish, fuzz, huge_numbers, idish, numberish, some_fields

FUZZ = fuzz(60)
anything = any_text(200)
numberish = numberish(anything)
dateish = dateish(anything)
idish = idish(anything)
FIELDS = {
    "title": anything, "description": anything, "contribution": anything, "areas": anything,
    "action_type": anything, "countries": anything, "target_groups": anything, "start_date": dateish,
    "end_date": dateish, "resources_amount": numberish, "resources_currency": anything,
    "report_every_months": numberish, "partner_ids": idish, "coordinator_id": idish, "group_id": idish,
    "deliverables-0-title": anything, "deliverables-0-due_date": dateish, "deliverables-0-id": idish,
    "indicators-0-name": anything, "indicators-0-unit": anything, "indicators-0-baseline": numberish,
    "indicators-0-target": numberish, "indicators-0-id": idish, "intent": st.sampled_from(["save", "submit"]),
}


def _counts():
    return tuple(db.session.scalar(sa.select(sa.func.count(model.id)))
                 for model in (Pledge, Deliverable, Indicator, PledgeEvent))


@FUZZ
@given(changes=some_fields(FIELDS))
def test_the_pledge_form_survives_random_input(as_role, pledge_world, changes):
    client = as_role("coordinator") if not getattr(pledge_world, "signed_in", False) else pledge_world.client
    pledge_world.signed_in, pledge_world.client = True, client
    before = _counts()
    data = {**SMART_FORM, "coordinator_id": str(pledge_world.people.coordinator.id), **changes}
    response = client.post("/pledges/new", data=data)
    assert response.status_code in (200, 302), response.text[:300]
    db.session.expire_all()
    if response.status_code == 200:
        assert _counts() == before  # refused: nothing written, not even part of it
    else:
        assert _counts()[0] == before[0] + 1
        pledge = db.session.scalars(sa.select(Pledge).order_by(Pledge.id.desc())).first()
        assert pledge.title.strip()
        assert pledge.end_date is None or pledge.start_date is None or pledge.end_date > pledge.start_date
        # A saved pledge's page opens, whatever dates it was given (issue 14: 9999-12-31 broke it).
        assert client.get(f"/pledges/{pledge.id}").status_code == 200


@FUZZ
@given(target=numberish, baseline=numberish)
def test_indicator_numbers_are_numbers_or_an_error(as_role, pledge_world, target, baseline):
    client = as_role("coordinator") if not getattr(pledge_world, "signed_in", False) else pledge_world.client
    pledge_world.signed_in, pledge_world.client = True, client
    response = client.post(f"/pledges/{pledge_world.pledge.id}/edit", data={
        **SMART_FORM, "coordinator_id": str(pledge_world.people.coordinator.id),
        "indicators-0-id": str(pledge_world.pledge.indicators[0].id),
        "deliverables-0-id": str(pledge_world.pledge.deliverables[0].id),
        "indicators-0-target": target, "indicators-0-baseline": baseline})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "is not a number" in response.text or "Measurable" in response.text or "target" in response.text


@FUZZ
@given(number=huge_numbers())
def test_huge_numbers_in_urls_and_pages_are_never_a_server_error(client, number):
    assert client.get(f"/pledges/{number}").status_code == 404
    assert client.get(f"/pledges/{number}/edit").status_code in (302, 404)  # (sign in first, if it could exist)
    assert client.get(f"/pledges/?page={number}").status_code == 200
    assert client.get(f"/organisations?page={number}").status_code == 200
