"""Views: happy paths, and bad input that gets a clear answer and loses nothing."""
from __future__ import annotations

import functools
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.members.models import Organisation, OrganisationStatus, OrgRole, User, UserStatus
from tests.conftest import PASSWORD, reload, run_outbox

APPLICATION = {
    "name": "Children First Coalition", "acronym": "CFC", "stakeholder_type": "civil_society",
    "country_code": "KEN", "website": "https://cfc.example.org", "description": "We work on **child labour**.",
    "full_name": "Amara Exampleby", "job_title": "Director", "email": "amara@cfc.example.org",
    "timezone": "Africa/Nairobi", "locale": "en", "password": "a long enough phrase",
    "confirm": "a long enough phrase",
}


def counts():
    return (db.session.scalar(sa.select(sa.func.count(User.id))),
            db.session.scalar(sa.select(sa.func.count(Organisation.id))))


def field_error(html: str, field: str) -> str:
    """The error text shown next to a field (tied to it with aria-describedby)."""
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else ""


def test_apply_with_a_new_organisation(client, outbox):
    response = client.post("/apply/organisation", data=APPLICATION)
    assert response.status_code == 200
    assert "your application was sent" in response.text
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Children First Coalition"))
    assert org.status is OrganisationStatus.pending
    assert [m["Subject"] for m in outbox] == ["We received your application"]


@pytest.mark.parametrize("changes, field, message", [
    ({"confirm": "something else entirely"}, "confirm", "not the same"),
    ({"email": "not-an-address"}, "email", "e-mail address like"),
    ({"country_code": "ZZZ"}, "country_code", "Choose a country"),
    ({"timezone": "Nowhere/Else"}, "timezone", "Choose a time zone"),
    ({"stakeholder_type": ""}, "stakeholder_type", "Choose a stakeholder type"),
    ({"name": "x" * 201}, "name", "200"),
    ({"password": "password123", "confirm": "password123"}, "password", "too common"),
    ({"website": "not a url"}, "website", "https://"),
])
def test_bad_application_input_is_explained_next_to_the_field_and_kept(client, changes, field, message):
    before = counts()
    response = client.post("/apply/organisation", data={**APPLICATION, **changes})
    assert response.status_code == 200
    assert message in field_error(response.text, field)
    assert 'aria-describedby="' in response.text and f"{field}-error" in response.text
    # What the user typed is still there, except passwords.
    assert 'value="Amara Exampleby"' in response.text
    assert 'value="a long enough phrase"' not in response.text
    assert counts() == before


def test_duplicate_organisation_name_is_explained(client, make_org):
    make_org("Children First Coalition")
    before = counts()
    response = client.post("/apply/organisation", data={**APPLICATION, "name": "CHILDREN FIRST COALITIÓN"})
    assert "already registered" in field_error(response.text, "name")
    assert counts() == before


def test_duplicate_email_is_explained(client, make_user):
    make_user(APPLICATION["email"])
    response = client.post("/apply/organisation", data={**APPLICATION, "email": "Amara@CFC.example.org"})
    assert "already exists" in field_error(response.text, "email")


def test_join_an_existing_organisation(client, make_org, outbox):
    org = make_org()
    response = client.get(f"/apply/join?organisation={org.id}")
    assert f'<option selected value="{org.id}">' in response.text or f'value="{org.id}" selected' in response.text
    data = {k: APPLICATION[k] for k in ("full_name", "email", "timezone", "locale", "password", "confirm")}
    response = client.post("/apply/join", data={**data, "organisation_id": org.id})
    assert "your application was sent" in response.text
    user = db.session.scalar(sa.select(User).where(User.email == APPLICATION["email"]))
    assert user.organisation_id == org.id and user.status is UserStatus.pending


def test_join_refuses_a_missing_organisation(client):
    data = {k: APPLICATION[k] for k in ("full_name", "email", "timezone", "locale", "password", "confirm")}
    response = client.post("/apply/join", data={**data, "organisation_id": 0})
    assert "Choose your organisation" in field_error(response.text, "organisation_id")
    response = client.post("/apply/join", data={**data, "organisation_id": 424242})
    assert "Choose your organisation" in field_error(response.text, "organisation_id")


def test_directory_filters_and_accent_insensitive_search(client, make_org):
    make_org("Société des Enfants", kind="academia", country="SEN")
    make_org("Workers Union", kind="workers", country="BRA")
    make_org("Hidden Pending", status=OrganisationStatus.pending)
    assert "Société des Enfants" in client.get("/organisations?q=societe").text
    page = client.get("/organisations?type=workers").text
    assert "Workers Union" in page and "Société" not in page
    page = client.get("/organisations?country=SEN").text
    assert "Société des Enfants" in page and "Workers Union" not in page
    assert "Hidden Pending" not in client.get("/organisations").text
    assert "No organisation matches" in client.get("/organisations?q=zzzz").text


def test_directory_paginates(client, make_org, app):
    for i in range(app.config["PAGE_SIZE"] + 3):
        make_org(f"Org {i:02d}")
    first = client.get("/organisations").text
    assert "Page 1 of 2" in first and "Org 00" in first and "Org 22" not in first
    assert "Org 22" in client.get("/organisations?page=2").text


def test_login_logout_and_safe_next(client, make_user):
    user = make_user()
    response = client.post("/login?next=/profile", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.headers["Location"] == "/profile"
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_login_ignores_next_that_leaves_the_site(client, make_user, target):
    user = make_user()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_wrong_password_keeps_the_email_and_says_why(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "not the password"})
    assert response.status_code == 200
    assert "e-mail address or password is wrong" in response.text
    assert f'value="{user.email}"' in response.text
    assert "not the password" not in response.text


def test_pending_applicant_signs_in_and_sees_where_things_stand(client, login, make_user):
    user = make_user(status=UserStatus.pending)
    login(user)
    assert "waiting for approval" in client.get("/account").text


def test_profile_edit_and_bad_time_zone(client, login, make_user):
    user = make_user()
    login(user)
    response = client.post("/profile", data={"full_name": "New Name", "job_title": "Adviser",
                                             "timezone": "America/Bogota", "locale": "es"})
    assert response.status_code == 302
    user = reload(user)
    assert (user.full_name, user.timezone, user.locale) == ("New Name", "America/Bogota", "es")
    assert "hub_lang=es" in response.headers["Set-Cookie"]  # the switcher shows the same language
    response = client.post("/profile", data={"full_name": "Kept Name", "timezone": "Mars/Base", "locale": "fr"})
    assert "zona horaria" in field_error(response.text, "timezone")  # the profile now says Spanish
    assert 'value="Kept Name"' in response.text
    assert reload(user).full_name == "New Name"


def test_focal_point_edits_the_organisation(client, login, make_user, make_org):
    org = make_org("Before")
    login(make_user(org=org))
    response = client.post(f"/organisations/{org.id}/edit", data={
        "name": "After", "stakeholder_type": "academia", "country_code": "PER", "description": "New text"})
    assert response.status_code == 302
    assert reload(org).name == "After"


def test_members_see_their_organisation_people(client, login, make_user, make_org):
    org = make_org()
    member = make_user(org=org, role=OrgRole.member, full_name="Visible Colleague")
    make_user(org=org, status=UserStatus.pending, full_name="Pending Person")
    login(member)
    page = client.get(f"/organisations/{org.id}/members").text
    assert "Visible Colleague" in page and "Pending Person" not in page


def test_change_password_signs_out_other_sessions(app, client, login, make_user):
    user = make_user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    login(user)
    response = client.post("/password/change", data={"current_password": PASSWORD,
                                                     "password": "a brand new phrase", "confirm": "a brand new phrase"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200          # this session stays signed in
    assert other_device.get("/account").status_code == 302    # the other one is signed out


def test_reset_password_through_the_emailed_link(client, make_user, outbox):
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    link = re.search(r"http://\S+/password/reset/\S+", outbox[-1].get_content()).group(0)
    path = link.split("127.0.0.1:5000", 1)[1]
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "my new phrase here", "confirm": "my new phrase here"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": user.email, "password": "my new phrase here"}).status_code == 302
    again = client.get(path)
    assert again.status_code == 400 and "already been used" in again.text


def test_forgot_password_answers_the_same_for_unknown_addresses(client, make_user):
    user = make_user()
    known = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True).text
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True).text
    # The CSRF tokens carry a timestamp: the two pages may be a second apart.
    without_token = functools.partial(re.sub, r'name="csrf_token" value="[^"]*"', "")
    assert without_token(known.replace(user.email, "X")) == without_token(unknown.replace("nobody@example.org", "X"))


def test_admin_approves_from_the_queue_and_the_audit_log_shows_it(client, login, make_user, make_org, outbox):
    admin = make_user(admin=True)
    org = make_org("Queued Org", status=OrganisationStatus.pending)
    applicant = make_user(org=org, status=UserStatus.pending)
    login(admin)
    assert "Queued Org" in client.get("/admin/").text
    response = client.post(f"/admin/organisations/{org.id}/approve", follow_redirects=True)
    assert "Queued Org was approved" in response.text
    assert reload(applicant).status is UserStatus.active
    audit = client.get("/admin/audit").text
    assert "organisation.approve" in audit and "user.approve" in audit


def test_admin_decline_needs_a_reason(client, login, make_user, make_org):
    login(make_user(admin=True))
    org = make_org(status=OrganisationStatus.pending)
    response = client.post(f"/admin/organisations/{org.id}/decline", data={"reason": ""}, follow_redirects=True)
    assert "Give the applicant a reason" in response.text
    assert reload(org).status is OrganisationStatus.pending


def test_admin_invites_and_the_link_sets_a_password(client, login, make_user, make_org, outbox):
    admin = make_user(admin=True)
    org = make_org()
    login(admin)
    response = client.post("/admin/invite", data={"organisation_id": org.id, "full_name": "Invited Person",
                                                  "email": "invited@example.org", "role": "member", "locale": "es"})
    assert response.status_code == 302
    mail = outbox[-1]
    assert mail["To"] == "invited@example.org"
    path = "/invitation/" + mail.get_content().split("/invitation/")[1].split()[0]
    client.post("/logout")
    assert "Invited Person" in client.get(path).text
    response = client.post(path, data={"password": "invited phrase ok", "confirm": "invited phrase ok"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert client.get(path).status_code == 400


def test_admin_outbox_lists_and_shows_file_messages(make_app, tmp_path, make_user):
    app = make_app(MAIL_BACKEND="file", MAIL_OUTBOX_DIR=str(tmp_path))
    client = app.test_client()
    admin = make_user(admin=True)
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    client.post("/password/forgot", data={"email": admin.email})
    assert list(tmp_path.glob("*.eml")) == []  # the worker writes it
    run_outbox(app)
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    listing = client.get("/admin/outbox").text
    assert "Reset your Alliance 8.7 Hub password" in listing
    message = client.get(f"/admin/outbox/{files[0].name}").text
    assert "/password/reset/" in message
    assert client.get("/admin/outbox/..%2Fsecret.eml").status_code == 404


def test_admin_users_list_filters_and_paginates(client, login, make_user, app):
    admin = make_user("the-admin@example.org", admin=True)
    login(admin)
    make_user(full_name="Suspended Someone", status=UserStatus.suspended)
    page = client.get("/admin/users?status=suspended").text
    assert "Suspended Someone" in page and admin.email not in page  # e-mails appear only in the table
    assert "Suspended Someone" in client.get("/admin/users?q=someone").text
    for i in range(app.config["PAGE_SIZE"]):
        make_user(full_name=f"Extra {i:02d}")
    assert "Page 1 of 2" in client.get("/admin/users").text
