"""News: who may write and read what, bad input, where posts appear, feeds, languages."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.extensions import db
from app.multilingual.registry import KINDS
from app.multilingual.services import save_translations
from app.news import services
from app.news.models import NewsPost
from tests.actiongroups.documents.conftest import PDF, PNG
from tests.conftest import PASSWORD, drain

LOGIN = 302
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ROLES = ["anonymous", "partner", "convener", "admin"]


@pytest.fixture
def world(make_user, make_org):
    org = make_org("Org")
    people = {
        "anonymous": None,
        "partner": make_user("partner@example.org", org=org),
        "convener": make_user("convener@example.org", org=org),
        "admin": make_user("admin@example.org", org=org, admin=True),
    }
    group = ActionGroup(slug="quarry", name="Quarry Group", mandate="Stone work.")
    other = ActionGroup(slug="other", name="Other Group", mandate="")
    db.session.add_all([group, other])
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=people["convener"].id, role=GroupRole.convener))
    db.session.commit()
    hub = services.create_post(people["admin"], services.NewsData(
        title="Hub news", body="Forum registration is **open**.", countries=["GHA"], areas=["child_labour"]),
        now=NOW)
    private = services.create_post(people["admin"], services.NewsData(
        title="Partners memo", body="Only for partners.", is_public=False), now=NOW)
    grouped = services.create_post(people["convener"], services.NewsData(
        title="Quarry update", body="Stones.", group_id=group.id), now=NOW)
    db.session.commit()
    return dict(people=people, group=group, other=other, hub=hub, private=private, grouped=grouped)


@pytest.fixture
def as_role(client, login, world):
    def _as(role):
        user = world["people"][role]
        if user is not None:
            login(user)
        return client
    return _as


def _codes(*codes):
    return dict(zip(ROLES, codes))


MATRIX = [
    ("GET", "/news/", _codes(200, 200, 200, 200)),
    ("GET", "/news/?area=child_labour&country=GHA&group=quarry&page=2", _codes(200, 200, 200, 200)),
    ("GET", "/news/{hub}", _codes(200, 200, 200, 200)),
    ("GET", "/news/{private}", _codes(404, 200, 200, 200)),
    ("GET", "/news/999999", _codes(404, 404, 404, 404)),
    ("GET", "/news/{hub}/image", _codes(404, 404, 404, 404)),  # no image
    ("GET", "/news/new", _codes(LOGIN, 403, 200, 200)),
    ("GET", "/news/{hub}/edit", _codes(LOGIN, 403, 403, 200)),
    ("GET", "/news/{grouped}/edit", _codes(LOGIN, 403, 200, 200)),
    ("POST", "/news/{hub}/delete", _codes(LOGIN, 403, 403, 302)),
    ("GET", "/news/feed.atom", _codes(200, 200, 200, 200)),
    ("GET", "/news/groups/quarry/feed.atom", _codes(200, 200, 200, 200)),
    ("GET", "/news/groups/nope/feed.atom", _codes(404, 404, 404, 404)),
    ("GET", "/translations/news/{grouped}", _codes(LOGIN, 403, 200, 200)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX])
def test_route_access(as_role, world, role, method, template, expected):
    url = template.format(hub=world["hub"].id, private=world["private"].id, grouped=world["grouped"].id)
    response = as_role(role).open(url, method=method)
    assert response.status_code == expected[role]


def _form(**fields):
    data = {"title": "Registration closes Friday", "body": "Register **now**.", "language": "en", "group_id": "",
            "is_public": "y"}
    data.update(fields)
    return data


def test_the_secretariat_publishes_news_with_an_image(client, login, world):
    login(world["people"]["admin"])
    response = client.post("/news/new", data=_form(image=(io.BytesIO(PNG), "chart.png"), image_alt="A chart"),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    post = db.session.scalar(sa.select(NewsPost).where(NewsPost.title == "Registration closes Friday"))
    assert post.has_image and post.image_mime == "image/png"
    response = client.get(f"/news/{post.id}/image")
    assert response.data == PNG
    response.close()
    html = client.get(f"/news/{post.id}").get_data(as_text=True)
    assert "<strong>now</strong>" in html and 'alt="A chart"' in html


def test_markdown_is_sanitised(client, login, world):
    login(world["people"]["admin"])
    client.post("/news/new", data=_form(body="<script>alert(1)</script> [x](javascript:alert(1))"))
    post = db.session.scalar(sa.select(NewsPost).where(NewsPost.title == "Registration closes Friday"))
    html = client.get(f"/news/{post.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "javascript:" not in html


@pytest.mark.parametrize("fields, message", [
    ({"title": "  "}, "Give the news a title."),
    ({"body": ""}, "Write the news."),
    ({"language": "de"}, "does not offer"),
    ({"countries": ["XYZ"]}, "Unknown country code"),
])
def test_bad_input_is_refused(client, login, world, fields, message):
    login(world["people"]["admin"])
    before = db.session.scalar(sa.select(sa.func.count()).select_from(NewsPost))
    response = client.post("/news/new", data=_form(**fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NewsPost)) == before


def test_an_oversize_or_wrong_image_is_refused(make_app, make_user, make_org):
    app = make_app(NEWS_IMAGE_MAX_BYTES=10)
    admin = make_user("a@example.org", admin=True)
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    before = db.session.scalar(sa.select(sa.func.count()).select_from(NewsPost))
    for name, data in (("chart.png", PNG), ("report.pdf", PDF)):
        response = client.post("/news/new", data=_form(image=(io.BytesIO(data), name)),
                               content_type="multipart/form-data")
        assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NewsPost)) == before


def test_a_convener_writes_only_for_their_group(client, login, world):
    login(world["people"]["convener"])
    assert "Give the news" not in client.post("/news/new", data=_form(group_id=str(world["group"].id))).get_data(
        as_text=True)
    response = client.post("/news/new", data=_form(title="Elsewhere", group_id=str(world["other"].id)))
    assert "You may not write news for this." in response.get_data(as_text=True)
    response = client.post("/news/new", data=_form(title="Whole hub", group_id=""))
    assert "You may not write news for this." in response.get_data(as_text=True)


def test_partners_only_news_is_hidden_from_visitors(client, login, world):
    assert "Partners memo" not in client.get("/news/").get_data(as_text=True)
    assert "Partners memo" not in client.get("/news/feed.atom").get_data(as_text=True)
    login(world["people"]["partner"])
    assert "Partners memo" in client.get("/news/").get_data(as_text=True)


def test_filters(client, world):
    html = client.get("/news/?country=GHA").get_data(as_text=True)
    assert "Hub news" in html and "Quarry update" not in html
    html = client.get("/news/?group=quarry").get_data(as_text=True)
    assert "Quarry update" in html and "Hub news" not in html


def test_posts_appear_on_home_and_group_pages(client, world):
    assert "Hub news" in client.get("/").get_data(as_text=True)
    assert "Quarry update" in client.get("/actiongroups/quarry").get_data(as_text=True)


def test_a_list_of_news_reads_translations_in_one_query(client, world, count_queries):
    for n in range(5):
        services.create_post(world["people"]["admin"], services.NewsData(title=f"Extra {n}", body="x"), now=NOW)
    db.session.commit()
    client.get("/news/")
    count_queries.clear()
    client.get("/news/")
    few = len(count_queries)
    for n in range(10):
        services.create_post(world["people"]["admin"], services.NewsData(title=f"More {n}", body="x"), now=NOW)
    db.session.commit()
    count_queries.clear()
    client.get("/news/")
    assert len(count_queries) == few


def test_feeds_are_atom_with_absolute_addresses(app, client, world):
    response = client.get("/news/groups/quarry/feed.atom")
    assert response.mimetype == "application/atom+xml"
    xml = response.get_data(as_text=True)
    assert "<feed" in xml and "Quarry update" in xml and "Hub news" not in xml
    assert f'{app.config["BASE_URL"].rstrip("/")}/news/{world["grouped"].id}' in xml


def test_search_knows_news(client, world):
    drain()                                  # the worker indexes what the services asked for
    assert f"/news/{world['hub'].id}" in client.get("/search?q=registration").get_data(as_text=True)
    assert client.get("/search?q=memo").get_data(as_text=True).count(f"/news/{world['private'].id}") == 0


def test_a_french_reader_sees_the_french_version(client, login, world, make_user):
    hub = world["hub"]
    save_translations(KINDS["news"], hub, "fr", {"title": "Nouvelles du Hub", "body": "Inscriptions ouvertes."},
                      world["people"]["admin"])
    db.session.commit()
    assert "Hub news" in client.get("/").get_data(as_text=True)
    login(make_user("fr@example.org", locale="fr"))
    html = client.get("/").get_data(as_text=True)
    assert "Nouvelles du Hub" in html
    assert "Inscriptions ouvertes." in client.get(f"/news/{hub.id}").get_data(as_text=True)


def test_deleting_a_post_deletes_its_translations(client, login, world):
    from app.multilingual.models import ContentTranslation

    hub = world["hub"]
    save_translations(KINDS["news"], hub, "fr", {"title": "Nouvelles"}, world["people"]["admin"])
    db.session.commit()
    login(world["people"]["admin"])
    assert client.post(f"/news/{hub.id}/delete").status_code == 302
    hub_id = hub.id
    db.session.expunge_all()
    assert db.session.get(NewsPost, hub_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == 0
