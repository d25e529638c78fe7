"""Every operation the OpenAPI document describes is called once (none answers 500 or is missing), and no
response holds a field the web page hides from the same caller."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from app.actiongroups.models import ActionGroup, Visibility
from app.extensions import db
from app.forums.models import Forum, ForumSession
from app.knowledge.models import Resource, ResourceState
from app.overlaps.models import ExternalActivity
from tests.api.conftest import bearer

# Fields of a model that no page shows to the public; none may appear anywhere in a public response.
HIDDEN = ["review_comment", "search_text", "coordinator", "created_by", "email", "password_hash", "online_url",
          "contact", "file_path_key", "decline_reason", "session_token", "token_hash", "content_hash"]


def _world(pledge_world):
    group = ActionGroup(slug="supply", name="Supply chains", visibility=Visibility.members)
    forum = Forum(slug="f26", title="Forum 2026", starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 3),
                  is_published=True, online_url="https://meet.example.org/secret")
    db.session.add_all([group, forum])
    db.session.flush()
    db.session.add(ForumSession(forum_id=forum.id, title="Opening", online_url="https://meet.example.org/s",
                                starts_at=datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                                ends_at=datetime(2026, 11, 2, 10, tzinfo=timezone.utc)))
    db.session.add(Resource(title="Guide", resource_type="guide", state=ResourceState.published,
                            review_comment="internal note"))
    db.session.add(ExternalActivity(identifier="XM-1", title="Activity", contact={"email": "x@example.org"}))
    db.session.commit()
    return {"pledge_id": pledge_world.pledge.id, "org_id": pledge_world.org.id, "group_id": group.id,
            "forum_id": forum.id, "code": "KEN", "report_id": 1,
            "deliverable_id": pledge_world.pledge.deliverables[0].id}


def test_every_documented_operation_answers(client, pledge_world, make_token):
    values = _world(pledge_world)
    secret = make_token(pledge_world.people.coordinator, ("read", "reports:write", "pledges:write"))
    spec = client.get("/api/v1/openapi.json").get_json()
    called = 0
    for path, item in spec["paths"].items():
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
