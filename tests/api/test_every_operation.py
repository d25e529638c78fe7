"""Every operation the OpenAPI document describes is called once (none answers 500 or is missing), its
response is what the document says (every field named there, of the type it gives), and no response holds
a field the web page hides from the same caller."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from app.actiongroups.models import ActionGroup, Visibility
from app.extensions import db
from app.forums.models import Forum, ForumSession, SessionSpeaker
from app.knowledge.models import IndicatorValue, PathfinderCountry, Resource, ResourceState
from app.overlaps.models import ExternalActivity
from tests.api.conftest import bearer, document_errors

# Fields of a model that no page shows to the public; none may appear anywhere in a public response.
HIDDEN = ["review_comment", "search_text", "coordinator", "created_by", "email", "password_hash", "online_url",
          "contact", "file_path_key", "decline_reason", "session_token", "token_hash", "content_hash"]


def _world(pledge_world):
    group = ActionGroup(slug="supply", name="Supply chains", visibility=Visibility.members)
    forum = Forum(slug="f26", title="Forum 2026", starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 3),
                  is_published=True, online_url="https://meet.example.org/secret")
    db.session.add_all([group, forum])
    db.session.flush()
    session = ForumSession(forum_id=forum.id, title="Opening", online_url="https://meet.example.org/s",
                           starts_at=datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                           ends_at=datetime(2026, 11, 2, 10, tzinfo=timezone.utc))
    db.session.add(session)
    db.session.flush()
    db.session.add(SessionSpeaker(session_id=session.id, name="A. Speaker", organisation="ILO"))
    db.session.add(Resource(title="Guide", resource_type="guide", state=ResourceState.published,
                            review_comment="internal note"))
    db.session.add(ExternalActivity(identifier="XM-1", title="Activity", contact={"email": "x@example.org"}))
    db.session.add(PathfinderCountry(country_code="KEN", since=date(2019, 5, 1)))
    # Two years of the total, one of the girls' figure: the chart has a year without a figure (null).
    db.session.add_all([IndicatorValue(country_code="KEN", indicator_code="SL_TLF_CHLDEA", year=year, sex=sex,
                                       value=value, source="ILO") for year, sex, value in
                        [(2019, "total", "8.5"), (2022, "total", "7.25"), (2022, "female", "6")]])
    db.session.commit()
    return {"pledge_id": pledge_world.pledge.id, "org_id": pledge_world.org.id, "group_id": group.id,
            "forum_id": forum.id, "code": "KEN", "deliverable_id": pledge_world.pledge.deliverables[0].id}


def test_every_documented_operation_answers(client, pledge_world, make_token):
    values = _world(pledge_world)
    secret = make_token(pledge_world.people.coordinator, ("read", "reports:write", "pledges:write"))
    spec = client.get("/api/v1/openapi.json").get_json()
    called = 0
    # The paths of one report last: their report is the one the POST creates (its id is not known before:
    # on PostgreSQL the ids of earlier tests' reports are not reused).
    for path, item in sorted(spec["paths"].items(), key=lambda entry: "{report_id}" in entry[0]):
        url = path.format(**values)
        for method in ("get", "post", "put"):
            if method not in item:
                continue
            body = None
            if method == "post" and url.endswith("/reports"):
                body = {"period_end": "2026-07-01"}
            elif method == "put":
                body = {"narrative": "n"}
            elif method == "post":
                body = {"done_on": "2026-02-01"}
            response = client.open(url, method=method.upper(), json=body, headers=bearer(secret))
            assert response.status_code in (200, 201), (method, url, response.get_json())
            assert document_errors(spec, path, method, response) == [], (method, url)
            if method == "post" and url.endswith("/reports"):
                values["report_id"] = response.get_json()["id"]
            called += 1
    assert called >= 18


def test_public_responses_hold_no_hidden_field(client, pledge_world):
    values = _world(pledge_world)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        if "get" not in item or path.startswith("/api/v1/me"):
            continue
        response = client.get(path.format(**values))
        assert response.status_code == 200, path
        assert document_errors(spec, path, "get", response) == [], path
        text = json.dumps(response.get_json())
        for name in HIDDEN:
            assert f'"{name}"' not in text, (path, name)
        assert "meet.example.org" not in text and "x@example.org" not in text and "internal note" not in text


def test_private_group_workspace_is_not_served_without_membership(client, pledge_world, make_token):
    from app.actiongroups.workplan.models import WorkItem

    values = _world(pledge_world)
    db.session.add(WorkItem(group_id=values["group_id"], title="Secret plan"))
    db.session.commit()
    outsider = make_token(pledge_world.people.outsider)
    items = client.get("/api/v1/me/work-items", headers=bearer(outsider)).get_json()["items"]
    assert items == []
    assert client.get("/api/v1/me/work-items").status_code == 401


def _schemas_reached(spec: dict, schema: dict, seen: set) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            _schemas_reached(spec, spec["components"]["schemas"][ref.rsplit("/", 1)[-1]], seen)
        for value in schema.values():
            _schemas_reached(spec, value, seen)
    elif isinstance(schema, list):
        for value in schema:
            _schemas_reached(spec, value, seen)


def test_every_documented_response_names_all_its_fields(client):
    """Every object a response holds is described field by field, and closed: a field the document does not
    name is an error (not a free-form object, which would let an undocumented field through)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    seen: set = set()
    for item in spec["paths"].values():
        for operation in (value for value in item.values() if isinstance(value, dict)):
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    _schemas_reached(spec, response, seen)
    assert len(seen) > 30
    for ref in seen:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert schema["type"] == "object" and schema["properties"], ref
        assert schema["additionalProperties"] is False, ref
        assert set(schema["required"]) == set(schema["properties"]), ref
        for name, field in schema["properties"].items():
            assert field.get("type") or field.get("$ref") or field.get("allOf") or field.get("anyOf"), (ref, name)
            if field.get("type") == "object":  # a map (the gap view's cells): its values are described
                assert isinstance(field["additionalProperties"], dict), (ref, name)
