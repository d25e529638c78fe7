"""Membership rules, tested through the services directly."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError, TokenError
from app.extensions import db
from app.members import services
from app.members.models import Organisation, OrganisationStatus, OrgRole, User, UserStatus
from app.members.passwords import verify_password
from app.utils import utcnow
from tests.conftest import PASSWORD

ORG = services.OrganisationData(name="Société Générale des Enfants", stakeholder_type="civil_society",
                                country_code="SEN", acronym="SGE", website="https://sge.example.org")
PERSON = services.PersonData(full_name="Aline Demoreau", email="Aline@Example.org", timezone="Africa/Dakar",
                             locale="fr")
GOOD_PASSWORD = "a long enough phrase"


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_apply_with_new_organisation_creates_pending_org_and_focal_point(app, outbox):
    user = services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)
    db.session.commit()
    assert user.status is UserStatus.pending
    assert user.org_role is OrgRole.focal_point
    assert user.email == "aline@example.org"
    assert user.organisation.status is OrganisationStatus.pending
    assert user.organisation.name_key == "societe generale des enfants"
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    assert user.password_hash != GOOD_PASSWORD and user.password_hash.startswith("$argon2id$")
    assert actions() == ["organisation.apply"]
    assert [m["To"] for m in outbox] == ["aline@example.org"]


def test_admins_are_told_of_a_new_application(app, make_user, outbox):
    admin = make_user("admin@example.org", admin=True)
    services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)
    db.session.commit()
    to_admin = [m for m in outbox if m["To"] == admin.email]
    assert len(to_admin) == 1
    assert "/admin/" in to_admin[0].get_content()


@pytest.mark.parametrize("name", ["societe generale des enfants", "SOCIÉTÉ  GÉNÉRALE DES ENFANTS",
                                  " Société Générale des Enfants "])
def test_duplicate_organisation_name_is_refused_ignoring_case_and_accents(app, make_org, name):
    make_org("Société Générale des Enfants")
    with pytest.raises(DuplicateError) as exc:
        services.apply_with_new_organisation(
            services.OrganisationData(name=name, stakeholder_type="academia", country_code="FRA"),
            PERSON, GOOD_PASSWORD)
    assert exc.value.field == "name"


def test_duplicate_email_is_refused(app, make_user):
    make_user("aline@example.org")
    with pytest.raises(DuplicateError) as exc:
        services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)
    assert exc.value.field == "email"


@pytest.mark.parametrize("field, org, person", [
    ("country_code", {"country_code": "XXX"}, {}),
    ("stakeholder_type", {"stakeholder_type": "pirates"}, {}),
    ("timezone", {}, {"timezone": "Mars/Olympus_Mons"}),
    ("locale", {}, {"locale": "de"}),
])
def test_unknown_country_type_time_zone_or_language_is_refused(app, field, org, person):
    from dataclasses import replace

    with pytest.raises(DomainError) as exc:
        services.apply_with_new_organisation(replace(ORG, **org), replace(PERSON, **person), GOOD_PASSWORD)
    assert exc.value.field == field


@pytest.mark.parametrize("password", ["short", "password123", "qwertyuiop", "Password1234"])
def test_weak_passwords_are_refused(app, password):
    with pytest.raises(DomainError) as exc:
        services.apply_with_new_organisation(ORG, PERSON, password)
    assert exc.value.field == "password"


def test_apply_to_join_needs_an_active_organisation(app, make_org):
    pending = make_org(status=OrganisationStatus.pending)
    with pytest.raises(DomainError):
        services.apply_to_join(pending, PERSON, GOOD_PASSWORD)
    active = make_org()
    user = services.apply_to_join(active, PERSON, GOOD_PASSWORD)
    assert user.status is UserStatus.pending and user.organisation is active


def test_approving_an_organisation_approves_its_applicant_and_tells_them(app, make_user, outbox):
    admin = make_user(admin=True)
    user = services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)
    db.session.commit()
    outbox.clear()
    now = utcnow()
    services.approve_organisation(admin, user.organisation, now=now)
    db.session.commit()
    assert user.organisation.status is OrganisationStatus.active
    assert user.status is UserStatus.active and user.approved_at == now
    assert actions()[-2:] == ["organisation.approve", "user.approve"]
    assert [m["To"] for m in outbox] == [user.email]
    # The applicant chose French: the e-mail is in French whatever the admin's language.
    assert outbox[0]["Content-Language"] == "fr"


def test_declining_an_organisation_gives_the_reason_and_frees_the_name(app, make_user, outbox):
    admin = make_user(admin=True)
    user = services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)
    db.session.commit()
    with pytest.raises(DomainError):
        services.decline_organisation(admin, user.organisation, "  ")
    services.decline_organisation(admin, user.organisation, "Not working on target 8.7.")
    db.session.commit()
    assert user.status is UserStatus.declined
    assert "Not working on target 8.7." in outbox[-1].get_content()
    assert services.find_organisation_by_name(ORG.name) is None  # may apply again, corrected


def test_only_admins_decide(app, make_user, make_org):
    focal = make_user()
    org = make_org(status=OrganisationStatus.pending)
    with pytest.raises(NotAllowedError):
        services.approve_organisation(focal, org)
    assert org.status is OrganisationStatus.pending


def test_decisions_only_apply_to_pending_applications(app, make_user, make_org):
    admin = make_user(admin=True)
    with pytest.raises(InvalidTransitionError):
        services.approve_organisation(admin, make_org())
    with pytest.raises(InvalidTransitionError):
        services.approve_user(admin, make_user())


def test_a_person_cannot_be_approved_before_their_organisation(app, make_user, make_org):
    admin = make_user(admin=True)
    pending_user = make_user(org=make_org(status=OrganisationStatus.pending), status=UserStatus.pending)
    with pytest.raises(InvalidTransitionError):
        services.approve_user(admin, pending_user)


def test_suspending_signs_out_and_blocks_sign_in(app, make_user):
    admin = make_user(admin=True)
    user = make_user()
    token_before = user.session_token
    services.suspend_user(admin, user, "left the organisation")
    assert user.session_token != token_before
    with pytest.raises(services.LoginError, match="suspended"):
        services.authenticate(user.email, PASSWORD)
    services.reactivate_user(admin, user)
    assert services.authenticate(user.email, PASSWORD) is user


def test_admin_cannot_suspend_themselves(app, make_user):
    admin = make_user(admin=True)
    with pytest.raises(NotAllowedError):
        services.suspend_user(admin, admin)


def test_suspend_and_reactivate_an_organisation(app, make_user, make_org):
    admin = make_user(admin=True)
    org = make_org()
    services.suspend_organisation(admin, org)
    assert not org.can_view(None)
    with pytest.raises(InvalidTransitionError):
        services.suspend_organisation(admin, org)
    services.reactivate_organisation(admin, org)
    assert org.is_active
    assert actions() == ["organisation.suspend", "organisation.reactivate"]


def test_authenticate_says_the_same_for_unknown_email_and_wrong_password(app, make_user):
    user = make_user()
    with pytest.raises(services.LoginError) as unknown:
        services.authenticate("nobody@example.org", PASSWORD)
    with pytest.raises(services.LoginError) as wrong:
        services.authenticate(user.email, "wrong password!")
    assert str(unknown.value) == str(wrong.value)


def test_invitation_link_sets_password_once_and_expires(app, make_user, make_org, outbox):
    admin = make_user(admin=True)
    org = make_org()
    now = utcnow()
    invited = services.invite_user(admin, org, services.PersonData(full_name="Kofi Sampleton",
                                                                   email="kofi@example.org"), "member", now=now)
    db.session.commit()
    assert invited.status is UserStatus.invited and invited.password_hash is None
    link = outbox[-1].get_content().split("/invitation/")[1].split()[0]
    # Expired after INVITATION_MAX_AGE.
    later = now + timedelta(seconds=app.config["INVITATION_MAX_AGE"] + 1)
    with pytest.raises(TokenError, match="expired"):
        services.accept_invitation(link, GOOD_PASSWORD, now=later)
    user = services.accept_invitation(link, GOOD_PASSWORD, now=now + timedelta(days=1))
    assert user.status is UserStatus.active and user.org_role is OrgRole.member
    with pytest.raises(TokenError, match="already been used"):
        services.accept_invitation(link, "another good phrase", now=now + timedelta(days=1))


def test_password_reset_token_works_once_and_expires(app, make_user, outbox):
    user = make_user()
    now = utcnow()
    assert services.request_password_reset(user.email.upper(), now=now)
    db.session.commit()
    token = outbox[-1].get_content().split("/password/reset/")[1].split()[0]
    with pytest.raises(TokenError, match="expired"):
        services.reset_password(token, GOOD_PASSWORD, now=now + timedelta(hours=2))
    with pytest.raises(TokenError, match="not valid"):
        services.reset_password(token[:-3] + "abc", GOOD_PASSWORD, now=now)
    old_session = user.session_token
    services.reset_password(token, GOOD_PASSWORD, now=now + timedelta(minutes=5))
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    assert user.session_token != old_session
    with pytest.raises(TokenError, match="already been used"):
        services.reset_password(token, "yet another phrase", now=now + timedelta(minutes=6))


def test_no_reset_email_for_unknown_or_inactive_addresses(app, make_user, outbox):
    pending = make_user(status=UserStatus.pending)
    assert not services.request_password_reset("nobody@example.org")
    assert not services.request_password_reset(pending.email)
    db.session.commit()
    assert outbox == []


def test_change_password_checks_the_current_one(app, make_user):
    user = make_user()
    with pytest.raises(DomainError) as exc:
        services.change_password(user, "not my password", GOOD_PASSWORD)
    assert exc.value.field == "current_password"
    services.change_password(user, PASSWORD, GOOD_PASSWORD)
    assert verify_password(user.password_hash, GOOD_PASSWORD)


def test_only_focal_points_of_the_organisation_edit_it(app, make_user, make_org):
    org = make_org()
    member = make_user(org=org, role=OrgRole.member)
    outsider = make_user()
    focal = make_user(org=org)
    data = services.OrganisationData(name="Renamed", stakeholder_type="academia", country_code="FRA")
    for person in (member, outsider):
        with pytest.raises(NotAllowedError):
            services.update_organisation(person, org, data)
    services.update_organisation(focal, org, data)
    assert org.name == "Renamed" and org.country_code == "FRA"


def test_renaming_to_another_organisations_name_is_refused(app, make_user, make_org):
    make_org("Taken Name")
    org = make_org()
    with pytest.raises(DuplicateError):
        services.update_organisation(make_user(org=org), org, services.OrganisationData(
            name="taken name", stakeholder_type="academia", country_code="FRA"))


def test_nothing_is_written_when_an_application_is_refused(app, make_org):
    make_org("Taken Name")
    count = db.session.scalar(sa.select(sa.func.count(User.id)))
    with pytest.raises(DuplicateError):
        services.apply_with_new_organisation(
            services.OrganisationData(name="Taken name", stakeholder_type="academia", country_code="FRA"),
            PERSON, GOOD_PASSWORD)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == count
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 1


def test_a_declined_applicant_may_apply_again_with_the_same_address(app, make_user, make_org):
    admin = make_user(admin=True)
    first = services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)
    services.decline_organisation(admin, first.organisation, "Please give your website.")
    db.session.commit()
    again = services.apply_to_join(make_org("Existing Partner"), PERSON, "another good phrase")
    db.session.commit()
    assert again.id == first.id  # the same account: its history stays in the audit log
    assert again.status is UserStatus.pending and again.decline_reason == ""
    assert again.organisation.name == "Existing Partner"
    assert verify_password(again.password_hash, "another good phrase")
    assert actions()[-1] == "user.apply"


def test_active_and_pending_accounts_still_cannot_apply_twice(app, make_user):
    make_user(PERSON.email.lower(), status=UserStatus.pending)
    with pytest.raises(DuplicateError):
        services.apply_with_new_organisation(ORG, PERSON, GOOD_PASSWORD)


def test_the_secretariat_resends_an_expired_invitation(app, make_user, make_org, outbox):
    admin = make_user(admin=True)
    now = utcnow()
    invited = services.invite_user(admin, make_org(), services.PersonData(full_name="Late Reader",
                                                                         email="late@example.org"), "member", now=now)
    db.session.commit()
    later = now + timedelta(days=20)  # the first link has expired
    services.resend_invitation(admin, invited, now=later)
    db.session.commit()
    token = outbox[-1].get_content().split("/invitation/")[1].split()[0]
    assert services.accept_invitation(token, GOOD_PASSWORD, now=later + timedelta(hours=1)).is_approved
    with pytest.raises(InvalidTransitionError):
        services.resend_invitation(admin, invited)
    assert "user.resend_invitation" in actions()
