"""Numbers from outside (URLs, queries, forms) never reach the database unbounded (issue 14, item 2).

Before: ``/pledges/9223372036854775808``, ``?page=9223372036854775808`` on ten list pages and
``partner_ids=9223372036854775808`` in the pledge form were server errors (OverflowError).
"""
from __future__ import annotations

import inspect
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import url_for

from app import create_app
from app.actiongroups.discussions import services as discussions
from app.actiongroups.models import GroupRole
from app.commitments.models import Pledge
from app.extensions import db
from config import TestingConfig
from tests.actiongroups.conftest import add_member, make_group  # noqa: F401  (fixtures)

HUGE = "9223372036854775808"  # 2**63: past every database integer
HUGE_VALUES = [HUGE, "9" * 30, "9" * 5000, "2147483648"]


def _int_routes() -> list[tuple[str, str]]:
    app = create_app(TestingConfig)
    rows = []
    for rule in app.url_map.iter_rules():
        if any(type(c).__name__ == "IdConverter" for c in rule._converters.values()):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                rows.append((method, rule.rule))
    return rows


INT_ROUTES = _int_routes()


def _fill(rule: str, number: str) -> str:
    path = re.sub(r"<int:[^>]+>", number, rule)
    return re.sub(r"<(?:[a-z]+:)?[^>]+>", "x", path)


def test_every_route_with_an_id_uses_the_bounded_converter():
    app = create_app(TestingConfig)
    plain = [rule.rule for rule in app.url_map.iter_rules()
             if any(type(c).__name__ == "IntegerConverter" for c in rule._converters.values())]
    assert not plain and len(INT_ROUTES) > 50


def test_a_huge_id_in_any_url_is_not_found(client, login, make_user):
    """Every route with an id (all methods), walked from the URL map; one client, so the test stays quick."""
    login(make_user(admin=True))
    answers = {(method, rule, number): client.open(_fill(rule, number), method=method).status_code
               for method, rule in INT_ROUTES for number in (HUGE, "9" * 5000, "2147483648")}
    assert {key: code for key, code in answers.items() if code != 404} == {}


# Every list page that reads ``page=`` (the test below checks no such page is missing here).
LIST_PAGES = {
    "members.directory": {}, "admin.users": {}, "admin.organisations": {}, "admin.audit_log": {},
    "actiongroups.workspace": {"slug": "g"}, "actiongroups.discussions.index": {"slug": "g"},
    "actiongroups.discussions.thread": {"slug": "g", "thread_id": None},
    "actiongroups.documents.index": {"slug": "g"}, "actiongroups.workplan.index": {"slug": "g"},
    "commitments.registry": {}, "commitments.export_csv": {}, "commitments.export_json": {},
    "commitments.export_iati": {}, "forums.group_meetings": {"slug": "g"}, "knowledge.library": {},
    "knowledge.search_page": {}, "notifications.index": {}, "overlaps.review_queue": {}, "overlaps.activities": {},
    "news.index": {}, "forums.consultation_list": {},
}


def test_the_list_of_paginated_pages_is_complete(app):
    found = set()
    for rule in app.url_map.iter_rules():
        source = inspect.getsource(app.view_functions[rule.endpoint])
        if "GET" in rule.methods and re.search(r"paginate\(|from_args\(|\"page\"|_render_thread", source):
            found.add(rule.endpoint)
    assert found <= set(LIST_PAGES), found - set(LIST_PAGES)


@pytest.fixture
def world(app, make_user, make_group, add_member):
    admin = make_user(admin=True)
    group = make_group("G", slug="g")
    add_member(group, admin, GroupRole.convener)
    thread = discussions.start_thread(admin, group, "A thread", "A post.",
                                      now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    db.session.commit()
    return admin, thread


@pytest.mark.parametrize("endpoint", sorted(LIST_PAGES))
def test_any_page_number_on_a_list_page_is_answered(app, client, login, world, endpoint):
    admin, thread = world
    login(admin)
    values = {k: (thread.id if v is None else v) for k, v in LIST_PAGES[endpoint].items()}
    with app.test_request_context():
        url = url_for(endpoint, **values)
    answers = {query: client.get(f"{url}?{query}").status_code
               for page in HUGE_VALUES + ["-1", "0", "²", "1e9"]
               for query in (f"page={page}", f"page=2&per_page={page}")}
    assert {query: code for query, code in answers.items() if code != 200} == {}


@pytest.mark.parametrize("number", HUGE_VALUES)
def test_a_huge_partner_id_in_the_pledge_form_is_an_error_next_to_the_field(client, login, make_user, number):
    user = make_user()
    login(user)
    response = client.post("/pledges/new", data={"title": "A pledge", "partner_ids": [number]})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 0


@pytest.mark.parametrize("number", HUGE_VALUES)
def test_a_huge_organisation_id_when_joining_is_an_error(client, number):
    assert client.get(f"/apply/join?organisation={number}").status_code == 200
    response = client.post("/apply/join", data={"organisation_id": number, "full_name": "Ada",
                                                 "email": "ada@example.org"})
    assert response.status_code == 200 and "Choose your organisation" in response.text


@pytest.mark.parametrize("number", HUGE_VALUES)
def test_huge_numbers_in_number_fields_are_errors_next_to_the_field(client, login, make_user, number):
    login(make_user(admin=True))
    response = client.post("/forums/new", data={"title": "Forum", "slug": "forum-x", "capacity": number,
                                                 "starts_on": "2027-03-01", "ends_on": "2027-03-02",
                                                 "timezone": "UTC"})
    assert response.status_code == 200
    assert "Enter a whole number from 0 to" in response.text
