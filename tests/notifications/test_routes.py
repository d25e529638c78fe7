"""The notifications pages, the bell in the navbar, and who may see what."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.notifications import services
from app.notifications.kinds import KINDS
from app.notifications.models import Delivery, Notification
from tests.conftest import PASSWORD, reload


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


@pytest.fixture
def people(make_user):
    actor = make_user(full_name="Ada Actor")
    person = make_user("person@example.org", full_name="Pat Person")
    other = make_user("other@example.org")
    return actor, person, other


def _notify(recipient, actor, n, *, kind="thread_new"):
    notification = services.notify(recipient, kind, key=f"t:{n}:{recipient.id}", url=f"/actiongroups/g/t/{n}",
                                   actor=actor, thread=f"Thread {n}", group="Alpha Group")
    db.session.commit()
    return notification


@pytest.mark.parametrize("method, url", [
    ("GET", "/notifications"), ("GET", "/notifications/preferences"), ("POST", "/notifications/preferences"),
    ("POST", "/notifications/read"), ("POST", "/notifications/1/open"),
])
def test_anonymous_visitors_are_sent_to_sign_in(client, method, url):
    response = client.open(url, method=method)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_no_bell_for_anonymous_visitors(client):
    assert "/notifications" not in client.get("/").text


def test_someone_elses_notification_is_not_found(client, login, people):
    actor, person, other = people
    theirs = _notify(other, actor, 1)
    login(person)
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.post("/notifications/999999/open").status_code == 404
    assert reload(theirs).read_at is None
    assert "Thread 1" not in client.get("/notifications").text


def test_mark_all_read_needs_post(client, login, people):
    actor, person, _other = people
    notification = _notify(person, actor, 1)
    login(person)
    assert client.get("/notifications/read").status_code == 405
    assert reload(notification).read_at is None


def test_mark_all_read(client, login, people):
    actor, person, other = people
    mine = [_notify(person, actor, n) for n in (1, 2)]
    theirs = _notify(other, actor, 3)
    login(person)
    response = client.post("/notifications/read", data={"next": "/notifications"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert all(reload(n).read_at is not None for n in mine)
    assert reload(theirs).read_at is None
    # An outside `next` is ignored.
    response = client.post("/notifications/read", data={"next": "https://evil.example.com/"})
    assert response.headers["Location"] == "/notifications"


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_one_button_actions_check_the_csrf_token(csrf_app, people):
    app = csrf_app
    actor, person, _other = people
    notification = _notify(person, actor, 1)
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/notifications/read").status_code == 400
    assert client.post(f"/notifications/{notification.id}/open").status_code == 400
    assert reload(notification).read_at is None
    token = csrf_token(client.get("/notifications").text)
    assert client.post(f"/notifications/{notification.id}/open", data={"csrf_token": token}).status_code == 302
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 302


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, login, people):
    actor, person, _other = people
    first, second = _notify(person, actor, 1), _notify(person, actor, 2)
    login(person)
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/actiongroups/g/t/1"
    assert reload(first).read_at is not None and reload(second).read_at is None


def test_the_list_shows_unread_first_with_text_for_screen_readers(client, login, people):
    actor, person, _other = people
    old_unread = _notify(person, actor, 1)
    read = _notify(person, actor, 2)
    services.mark_read(person, [read.id])
    db.session.commit()
    login(person)
    page = client.get("/notifications").text
    assert page.index("Thread 1") < page.index("Thread 2")  # unread first, although older
    assert page.count("Unread:") == 1
    assert f'action="/notifications/{old_unread.id}/open"' in page
    assert 'href="/actiongroups/g/t/2"' in page
    assert "Ada Actor started “Thread 1” in Alpha Group" in page
    assert "1 unread notification" in page


@pytest.fixture
def two_a_page_app(make_app):
    return make_app(PAGE_SIZE=2)


def test_the_list_is_paginated(two_a_page_app, people):
    app = two_a_page_app
    actor, person, _other = people
    for n in range(1, 4):
        _notify(person, actor, n)
    client = app.test_client()
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    first, second = client.get("/notifications").text, client.get("/notifications?page=2").text
    assert "Thread 3" in first and "Thread 2" in first and "Thread 1" not in first
    assert "Thread 1" in second


def test_the_list_has_an_empty_state(client, login, people):
    login(people[1])
    page = client.get("/notifications").text
    assert "You have no notifications yet" in page
    assert "Mark all as read" not in page


def test_user_content_is_escaped(client, login, people):
    actor, person, _other = people
    services.notify(person, "mention", key="m:1", url="/x", actor=actor, thread="<script>alert(1)</script>")
    db.session.commit()
    login(person)
    page = client.get("/notifications").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_preferences_page_saves_one_choice_per_kind(client, login, people):
    person = people[1]
    login(person)
    page = client.get("/notifications/preferences").text
    for kind in KINDS:
        assert re.search(rf'<select[^>]*name="{kind}"', page)
    data = {name: delivery.value for name, delivery in services.preferences_of(person).items()}
    data.update(mention="off", thread_new="immediately")
    response = client.post("/notifications/preferences", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/preferences"
    db.session.expire_all()
    assert services.delivery_for(person, "mention") is Delivery.off
    assert services.delivery_for(person, "thread_new") is Delivery.immediately
    assert services.delivery_for(person, "thread_reply") is Delivery.daily
    assert '<option selected value="off">' in client.get("/notifications/preferences").text


def test_preferences_page_refuses_an_unknown_choice(client, login, people):
    person = people[1]
    login(person)
    data = {name: delivery.value for name, delivery in services.preferences_of(person).items()}
    data["mention"] = "weekly"
    response = client.post("/notifications/preferences", data=data)
    assert response.status_code == 200
    assert "Please correct the following" in response.text
    db.session.expire_all()
    assert services.delivery_for(person, "mention") is Delivery.immediately


def test_the_bell_shows_the_unread_count(client, login, people):
    actor, person, _other = people
    login(person)
    page = client.get("/account").text
    assert 'aria-label="Notifications: 0 unread"' in page and "badge rounded-pill" not in page
    for n in (1, 2):
        _notify(person, actor, n)
    page = client.get("/account").text
    assert 'aria-label="Notifications: 2 unread"' in page
    assert re.search(r'<span class="badge rounded-pill[^"]*">2</span>', page)


@pytest.fixture
def statements(app):
    seen = []

    def _record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", _record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", _record)


@pytest.mark.parametrize("url", ["/account", "/organisations", "/notifications"])
def test_the_bell_costs_at_most_one_query_a_page(client, login, people, statements, url):
    actor, person, _other = people
    for n in range(1, 6):
        _notify(person, actor, n)
    login(person)
    statements.clear()
    assert client.get(url).status_code == 200
    unread_counts = [s for s in statements if re.search(r"count\(notification\.id\)", s)]
    assert len(unread_counts) == 1, statements
    if url != "/notifications":
        assert len([s for s in statements if "notification" in s]) == 1


def test_a_page_without_the_bell_runs_no_notification_query(client, statements):
    assert client.get("/").status_code == 200
    assert not [s for s in statements if "notification" in s]
