"""Content in several languages: the form, who may use it, what a reader sees, the secretariat's list."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.errors import DomainError
from app.extensions import db
from app.multilingual import services
from app.multilingual.models import ContentTranslation
from app.multilingual.registry import KINDS
from tests.conftest import drain

LOGIN = 302


@pytest.fixture
def world(make_user, make_org):
    org = make_org("Org")
    people = dict(
        outsider=make_user("outsider@example.org", org=org),
        convener=make_user("convener@example.org", org=org),
        admin=make_user("admin@example.org", org=org, admin=True),
        french=make_user("french@example.org", org=org, locale="fr"),
    )
    group = ActionGroup(slug="quarry", name="Quarry Group", mandate="Stone work.", areas=["forced_labour"])
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=people["convener"].id, role=GroupRole.convener))
    db.session.commit()
    people["group"] = group
    return people


def _translate(client, group, **data):
    return client.post(f"/translations/group/{group.id}", data={"language": "fr", **data})


@pytest.mark.parametrize("role, get, post", [
    (None, LOGIN, LOGIN), ("outsider", 403, 403), ("convener", 200, 302), ("admin", 200, 302)])
def test_who_may_translate_a_group(client, login, world, role, get, post):
    if role:
        login(world[role])
    group = world["group"]
    assert client.get(f"/translations/group/{group.id}").status_code == get
    assert _translate(client, group, name="Groupe Carrière", mandate="Travail de la pierre.").status_code == post


@pytest.mark.parametrize("role, code", [(None, LOGIN), ("outsider", 403), ("convener", 403), ("admin", 200)])
def test_only_the_secretariat_sees_the_needs_translation_list(client, login, world, role, code):
    if role:
        login(world[role])
    assert client.get("/translations/needed").status_code == code


def test_unknown_kind_or_object_is_not_found(client, login, world):
    login(world["admin"])
    assert client.get("/translations/planet/1").status_code == 404
    assert client.get("/translations/group/999999").status_code == 404


def test_a_language_the_hub_does_not_offer_is_refused(client, login, world):
    login(world["admin"])
    group = world["group"]
    response = client.post(f"/translations/group/{group.id}", data={"language": "de", "name": "Steinbruch"})
    assert response.status_code == 200
    assert "does not offer" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == 0
    with pytest.raises(DomainError):
        services.save_translations(KINDS["group"], group, "en", {"name": "Same"}, world["admin"])


def test_a_reader_sees_their_language_and_others_the_original(client, login, world):
    group = world["group"]
    login(world["convener"])
    _translate(client, group, name="Groupe Carrière", mandate="Travail de la **pierre**.")
    client.post("/logout")
    english = client.get("/actiongroups/quarry").get_data(as_text=True)
    assert "Quarry Group" in english and "Groupe Carrière" not in english
    assert 'href="?content_lang=fr"' in english  # a link to the translation

    login(world["french"])
    french = client.get("/actiongroups/quarry").get_data(as_text=True)
    assert "Groupe Carrière" in french and "<strong>pierre</strong>" in french
    assert "Traduit de" in french or "Translated from" in french


def test_the_original_is_marked_with_its_language_when_no_translation_exists(client, login, world):
    login(world["french"])
    html = client.get("/actiongroups/quarry").get_data(as_text=True)
    assert '<span lang="en">Quarry Group</span>' in html
    assert 'data-content-language="en"' in html


def test_an_empty_field_removes_its_translation(client, login, world):
    group = world["group"]
    login(world["admin"])
    _translate(client, group, name="Groupe", mandate="Mandat")
    _translate(client, group, name="Groupe", mandate="")
    rows = db.session.execute(sa.select(ContentTranslation.field, ContentTranslation.text)).all()
    assert [tuple(r) for r in rows] == [("name", "Groupe")]


def test_the_needs_translation_list_names_what_is_missing(client, login, world):
    group = world["group"]
    login(world["admin"])
    _translate(client, group, name="Groupe", mandate="Mandat")
    missing = {(m.kind.name, m.obj.id): m.languages for m in services.missing_translations()}
    assert missing[("group", group.id)] == ["es"]
    html = client.get("/translations/needed?kind=group").get_data(as_text=True)
    assert f"/translations/group/{group.id}?language=es" in html


def test_translations_are_deleted_with_their_object(world):
    group = world["group"]
    services.save_translations(KINDS["group"], group, "fr", {"name": "Groupe"}, world["admin"])
    db.session.commit()
    db.session.delete(group)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == 0


def test_a_fourth_language_is_configuration(make_app, make_user, make_org):
    app = make_app(LANGUAGES=("en", "fr", "es", "pt"))
    with app.app_context():
        group = ActionGroup(slug="g4", name="Group", mandate="")
        db.session.add(group)
        db.session.commit()
        services.save_translations(KINDS["group"], group, "pt", {"name": "Grupo"}, None)
        assert services.localized(group, "name", "pt").text == "Grupo"


def test_search_finds_content_in_every_language_it_exists_in(client, world):

    group = world["group"]
    services.save_translations(KINDS["group"], group, "fr", {"name": "Groupe", "mandate": "Travail de la carrière"},
                               world["admin"])
    db.session.commit()
    drain()                                  # the worker re-indexes the group with its translation
    html = client.get("/search?q=carrière").get_data(as_text=True)
    assert "/actiongroups/quarry" in html
