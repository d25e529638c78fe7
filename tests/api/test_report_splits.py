"""The API's progress reports carry values split by sex and age group: written through the same service
(parts that do not add up are a problem naming the field) and read back, with the pledge's current parts."""
from __future__ import annotations

import sqlalchemy as sa

from app.commitments import reports
from app.commitments.models import ProgressReport
from app.extensions import db
from tests.api.conftest import bearer, document_errors


def _body(pledge, **parts):
    return {"period_end": "2026-07-01", "narrative": "Forty children removed from work.",
            "values": {str(pledge.indicators[0].id): {"value": "40", **parts}}}


def test_a_split_value_is_written_and_read_back(client, pledge_world, make_token):
    pledge = pledge_world.pledge
    secret = make_token(pledge_world.people.coordinator, ("read", "reports:write"))
    created = client.post(f"/api/v1/pledges/{pledge.id}/reports", headers=bearer(secret),
                          json=_body(pledge, female="22", male=18, under_18="40"))
    assert created.status_code == 201, created.get_json()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert document_errors(spec, "/api/v1/pledges/{pledge_id}/reports", "post", created) == []
    value = created.get_json()["values"][0]
    assert value["by_sex"] == {"female": "22", "male": "18", "sex_other": "0"}
    assert value["by_age_group"] == {"under_18": "40", "adults": "0", "age_unknown": "0"}

    report = db.session.get(ProgressReport, created.get_json()["id"])
    reports.submit_report(pledge_world.people.coordinator, report)
    reports.approve_report(pledge_world.people.admin, report)
    db.session.commit()
    response = client.get(f"/api/v1/pledges/{pledge.id}")
    assert document_errors(spec, "/api/v1/pledges/{pledge_id}", "get", response) == []
    public = response.get_json()
    assert public["reports"][0]["values"][0]["by_sex"]["female"] == "22"
    assert public["indicators"][0]["by_sex"] == {"female": "22", "male": "18", "sex_other": "0"}
    exported = client.get("/pledges/export.json").get_json()
    assert exported[0]["indicators"][0]["by_age_group"]["under_18"] == "40"


def test_parts_that_do_not_add_up_are_a_problem_naming_the_field(client, pledge_world, make_token):
    pledge = pledge_world.pledge
    secret = make_token(pledge_world.people.coordinator, ("reports:write",))
    response = client.post(f"/api/v1/pledges/{pledge.id}/reports", headers=bearer(secret),
                           json=_body(pledge, female="30", male="30"))
    assert response.status_code == 422
    assert f"values.{pledge.indicators[0].id}.female" in response.get_json()["errors"]
    response = client.post(f"/api/v1/pledges/{pledge.id}/reports", headers=bearer(secret),
                           json=_body(pledge, adults="1e30"))
    assert response.status_code == 422
    assert f"values.{pledge.indicators[0].id}.adults" in response.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0


def test_the_openapi_document_names_the_parts(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    value_in = spec["components"]["schemas"]["ValueIn"]["properties"]
    assert {"female", "male", "sex_other", "under_18", "adults", "age_unknown"} <= set(value_in)
