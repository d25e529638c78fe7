"""Announcements: who may make them, bad input, who sees the banner when, dismissing, the cache."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.announcements import services
from app.announcements.models import Announcement
from app.errors import DomainError
from app.extensions import db
from app.multilingual.registry import KINDS
from app.multilingual.services import save_translations

LOGIN = 302
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@pytest.fixture
def world(app, make_user, make_org):
    org = make_org("Org")
    people = {
        "partner": make_user("partner@example.org", org=org),
        "member": make_user("member@example.org", org=org),
        "convener": make_user("convener@example.org", org=org),
        "admin": make_user("admin@example.org", org=org, admin=True),
        "french": make_user("french@example.org", org=org, locale="fr"),
    }
    group = ActionGroup(slug="quarry", name="Quarry Group", mandate="")
    db.session.add(group)
    db.session.flush()
    db.session.add_all([Membership(group_id=group.id, user_id=people["convener"].id, role=GroupRole.convener),
                        Membership(group_id=group.id, user_id=people["member"].id, role=GroupRole.member)])
    db.session.commit()
    yield dict(people=people, group=group)
    services.start_with_none(app)  # the shared app forgets this test's (rolled back) announcements


def _make(world, text="Forum registration closes Friday", group=None, start=None, end=None):
    now = datetime.now(timezone.utc)
    item = services.create_announcement(world["people"]["admin"], text=text, group=group,
                                        starts_at=start or now - HOUR, ends_at=end or now + HOUR)
    db.session.commit()
    return item


@pytest.mark.parametrize("role, code", [(None, LOGIN), ("partner", 403), ("convener", 200), ("admin", 200)])
def test_who_may_make_announcements(client, login, world, role, code):
    if role:
        login(world["people"][role])
    assert client.get("/announcements/").status_code == code


def test_the_secretariat_makes_an_announcement_through_the_form(client, login, world):
    login(world["people"]["admin"])
    response = client.post("/announcements/", data={
        "text": "Forum registration closes Friday", "language": "en", "group_id": "",
        "start_day": "2020-01-01", "start_time": "09:00", "end_day": "2099-01-01", "end_time": "09:00"})
    assert response.status_code == 302
    assert "Forum registration closes Friday" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"end_day": "2019-12-31"}, "The end must come after the start."),
    ({"end_day": "2020-01-01"}, "The end must come after the start."),
    ({"text": " "}, "Write the announcement."),
    ({"end_day": ""}, "Give a start and an end."),
])
def test_bad_input_is_refused(client, login, world, fields, message):
    login(world["people"]["admin"])
    data = {"text": "Closes Friday", "language": "en", "group_id": "", "start_day": "2020-01-01",
            "start_time": "09:00", "end_day": "2099-01-01", "end_time": "09:00", **fields}
    response = client.post("/announcements/", data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_a_convener_announces_only_to_their_group(world):
    with pytest.raises(DomainError):
        services.create_announcement(world["people"]["convener"], text="To all", group=None,
                                     starts_at=NOW, ends_at=NOW + HOUR)
    services.create_announcement(world["people"]["convener"], text="To us", group=world["group"],
                                 starts_at=NOW, ends_at=NOW + HOUR)


def test_the_banner_shows_between_start_and_end(app, world):
    item = _make(world, start=NOW, end=NOW + HOUR)
    anyone = world["people"]["partner"]
    assert services.visible_announcements(anyone, now=NOW - timedelta(seconds=1)) == []
    assert [i for i, _t, _l in services.visible_announcements(anyone, now=NOW)] == [item.id]
    assert services.visible_announcements(anyone, now=NOW + HOUR) == []


def test_a_group_announcement_is_for_its_members(client, login, world):
    _make(world, text="Quarry meeting moved", group=world["group"])
    assert "Quarry meeting moved" not in client.get("/").get_data(as_text=True)
    login(world["people"]["partner"])
    assert "Quarry meeting moved" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(world["people"]["member"])
    assert "Quarry meeting moved" in client.get("/").get_data(as_text=True)


def test_a_dismissed_banner_stays_hidden(client, world):
    item = _make(world)
    assert "Forum registration closes Friday" in client.get("/").get_data(as_text=True)
    response = client.post(f"/announcements/{item.id}/dismiss", data={"next": "/news/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/news/")
    assert "Forum registration closes Friday" not in client.get("/").get_data(as_text=True)
    assert client.post(f"/announcements/{item.id}/dismiss", data={"next": "https://evil.example"}
                       ).headers["Location"] == "/"


def test_a_french_reader_sees_the_french_text(client, login, world):
    item = _make(world)
    save_translations(KINDS["announcement"], item, "fr", {"text": "Les inscriptions ferment vendredi"},
                      world["people"]["admin"])
    db.session.commit()
    from flask import current_app

    current_app.extensions.pop("announcement_cache", None)  # a translation is seen after the quiet time
    login(world["people"]["french"])
    assert "Les inscriptions ferment vendredi" in client.get("/").get_data(as_text=True)


def test_the_banner_costs_no_query_while_quiet(make_app, make_user, count_queries):
    app = make_app(ANNOUNCEMENT_QUIET_SECONDS=3600)
    app.extensions.pop("announcement_cache", None)
    now = datetime.now(timezone.utc)
    admin = make_user("a@example.org", admin=True)
    services.create_announcement(admin, text="Hello", starts_at=now - HOUR, ends_at=now + HOUR)
    db.session.commit()
    assert len(services.cached_announcements(now)) == 1
    count_queries.clear()
    assert len(services.cached_announcements(now)) == 1
    assert count_queries == []
    app.extensions.pop("announcement_cache")
    assert len(services.cached_announcements(now)) == 1
    assert count_queries  # without the cache, it reads them
