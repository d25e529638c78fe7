"""Every kind of content the issue names can be given in French and Spanish (one registry, no column per
language), and its page shows a French reader the French text, marked with its language for the others."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from app.actiongroups.models import ActionGroup
from app.commitments.models import Pledge, PledgeState
from app.extensions import db
from app.forums import services as forums
from app.knowledge.models import Resource, ResourceState
from app.multilingual.registry import KINDS
from app.multilingual.services import localized, save_translations
from app.news import services as news
from app.utils import search_text_of

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

# Issue 19: "action group names and mandates, Forum and session titles and descriptions, news, announcements,
# resource titles and summaries, pledge titles and summaries" (a pledge's summary is its description).
ISSUE_KINDS = {
    "group": ("name", "mandate"),
    "forum": ("title", "description"),
    "session": ("title", "description"),
    "news": ("title", "body"),
    "announcement": ("text",),
    "resource": ("title", "summary"),
    "pledge": ("title", "description"),
}


@pytest.mark.parametrize("name,fields", ISSUE_KINDS.items())
def test_every_kind_of_content_is_translatable(name, fields):
    assert name in KINDS, f"{name} is not registered with app.multilingual"
    assert KINDS[name].field_names == fields


@pytest.fixture
def objects(make_user, make_org):
    admin = make_user("admin@example.org", admin=True)
    org = make_org("Org")
    group = ActionGroup(slug="quarry", name="Quarry Group", mandate="Stone work.")
    pledge = Pledge(organisation_id=org.id, title="Train inspectors", description="Two hundred inspectors.",
                    state=PledgeState.published, published_at=NOW, areas=["child_labour"], countries=["KEN"])
    pledge.search_text = search_text_of(pledge.title, pledge.description)
    resource = Resource(title="Due diligence guide", summary="A short guide.", resource_type="guidance",
                        state=ResourceState.published, published_at=NOW)
    db.session.add_all([group, pledge, resource])
    db.session.flush()
    forum = forums.create_forum(admin, forums.ForumData(title="Partnership Forum", slug="forum-2027",
                                                        starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 2),
                                                        description="The yearly meeting.", is_published=True),
                                now=NOW)
    session = forums.create_session(admin, forum, forums.SessionData(title="Opening plenary", day=date(2027, 3, 1),
                                                                      start=time(9), end=time(10),
                                                                      description="Welcome."), now=NOW)
    post = news.create_post(admin, news.NewsData(title="Registration opens", body="Register now."), now=NOW)
    db.session.commit()
    return dict(admin=admin, group=group, pledge=pledge, resource=resource, forum=forum, session=session, news=post)


FRENCH = {
    "group": {"name": "Groupe Carrière", "mandate": "Travail de la pierre."},
    "pledge": {"title": "Former des inspecteurs", "description": "Deux cents inspecteurs."},
    "resource": {"title": "Guide du devoir de vigilance", "summary": "Un guide court."},
    "forum": {"title": "Forum des partenaires", "description": "La réunion annuelle."},
    "session": {"title": "Plénière inaugurale", "description": "Bienvenue."},
    "news": {"title": "Ouverture des inscriptions", "body": "Inscrivez-vous."},
}


@pytest.mark.parametrize("name", sorted(FRENCH))
def test_a_french_reader_sees_the_french_text_on_the_page(client, login, make_user, objects, name):
    kind, obj = KINDS[name], objects[name]
    save_translations(kind, obj, "fr", FRENCH[name], objects["admin"])
    db.session.commit()
    with client.application.test_request_context("/"):
        url = kind.url(obj)
    english = client.get(url).get_data(as_text=True)
    first = kind.field_names[0]
    assert getattr(obj, first) in english and FRENCH[name][first] not in english
    login(make_user("fr@example.org", locale="fr"))
    french = client.get(url).get_data(as_text=True)
    assert FRENCH[name][first] in french, url
    # and the same through the service the pages and e-mails use
    assert localized(obj, first, "fr").text == FRENCH[name][first]
    assert localized(obj, first, "es").text == getattr(obj, first)  # no Spanish: the original


def test_an_announcement_is_given_in_french(objects):
    from app.announcements import services as announcements

    item = announcements.create_announcement(objects["admin"], text="Registration closes Friday", starts_at=NOW,
                                             ends_at=datetime(2026, 3, 8, tzinfo=timezone.utc), language="en")
    db.session.flush()
    save_translations(KINDS["announcement"], item, "fr", {"text": "Les inscriptions ferment vendredi"},
                      objects["admin"])
    assert localized(item, "text", "fr").text == "Les inscriptions ferment vendredi"
    assert localized(item, "text", "es").text == "Registration closes Friday"


LISTS = {"group": "/actiongroups/", "forum": "/forums/"}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_pages_show_a_french_reader_the_french_titles_in_one_more_query(client, login, make_user, objects,
                                                                            count_queries, name):
    kind, obj = KINDS[name], objects[name]
    login(make_user("fr@example.org", locale="fr"))
    client.get(LISTS[name])
    count_queries.clear()
    before = client.get(LISTS[name]).get_data(as_text=True)
    untranslated_queries = len(count_queries)
    assert getattr(obj, kind.field_names[0]) in before
    save_translations(kind, obj, "fr", FRENCH[name], objects["admin"])
    db.session.commit()
    count_queries.clear()
    html = client.get(LISTS[name]).get_data(as_text=True)
    assert FRENCH[name][kind.field_names[0]] in html
    assert len(count_queries) == untranslated_queries  # the translations are read in one query either way
