"""Membership rules: applications, approvals, invitations, sign-in, passwords, profiles.

Services take explicit actors and data, flush but never commit, and raise DomainError subclasses
whose messages are written for the person who acted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit, events
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError, TokenError
from app.extensions import db
from app.i18n import all_timezones, is_country
from app.mail import queue_email
from app.members import access_ended, tokens
from app.members.models import (
    Organisation, OrganisationStatus, OrgRole, StakeholderType, User, UserStatus,
)
from app.members.passwords import hash_password, password_problems, verify_password
from app.policy import is_secretariat
from app.urls import external_url
from app.utils import fold, one_line, utcnow

logger = logging.getLogger(__name__)


# -- data carried from forms --------------------------------------------------------------------
@dataclass(frozen=True)
class OrganisationData:
    name: str
    stakeholder_type: str
    country_code: str
    acronym: str = ""
    website: str = ""
    description: str = ""


@dataclass(frozen=True)
class PersonData:
    full_name: str
    email: str
    job_title: str = ""
    timezone: str = "UTC"
    locale: str = "en"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def find_organisation_by_name(name: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.name_key == fold(name)))


def admins() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.is_admin.is_(True), User.status == UserStatus.active)))


# -- validation shared by applications, invitations and profile edits -----------------------------
def _check_person(data: PersonData, *, existing: User | None = None, reapply: bool = False) -> User | None:
    """Check a person's details; with ``reapply``, return the declined account that applies again."""
    other = find_user_by_email(data.email)
    if other is not None and other is not existing:
        if reapply and other.status is UserStatus.declined:
            _check_profile_values(data.timezone, data.locale)
            return other
        raise DuplicateError(_("An account with this e-mail address already exists. "
                               "Sign in, or reset your password if you forgot it."), field="email")
    _check_profile_values(data.timezone, data.locale)
    return None


def _check_profile_values(timezone: str, locale: str) -> None:
    if timezone not in all_timezones():
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_("Choose English, French or Spanish."), field="locale")


def _check_organisation(data: OrganisationData, *, existing: Organisation | None = None) -> None:
    other = find_organisation_by_name(data.name)
    if other is not None and other is not existing:
        raise DuplicateError(_("An organisation with this name is already registered. "
                               "Ask to join it instead."), field="name")
    if data.stakeholder_type not in StakeholderType.__members__:
        raise DomainError(_("Choose a stakeholder type from the list."), field="stakeholder_type")
    if not is_country(data.country_code):
        raise DomainError(_("Choose a country from the list."), field="country_code")


def _check_password(password: str, person_email: str, field: str = "password") -> None:
    problems = password_problems(password, email=person_email)
    if problems:
        raise DomainError(" ".join(problems), field=field)


def _apply_org_data(org: Organisation, data: OrganisationData) -> None:
    org.set_name(data.name)
    org.acronym = data.acronym.strip()
    org.stakeholder_type = StakeholderType(data.stakeholder_type)
    org.country_code = data.country_code
    org.website = data.website.strip()
    org.description = data.description.strip()


def _new_user(data: PersonData, organisation: Organisation, *, role: OrgRole, status: UserStatus,
              password: str | None, reuse: User | None = None) -> User:
    """A new account, or ``reuse``: a declined account applying again keeps its row and history."""
    user = reuse or User(email=normalise_email(data.email))
    user.full_name, user.job_title = one_line(data.full_name), one_line(data.job_title)
    user.timezone, user.locale = data.timezone, data.locale
    user.organisation, user.org_role, user.status = organisation, role, status
    user.password_hash = hash_password(password) if password else None
    if reuse is not None:
        user.decline_reason = ""
        user.rotate_session_token()
    db.session.add(user)
    return user


def _tell_admins_of_application(applicant: User) -> None:
    for admin in admins():
        queue_email(admin, _l("New application to join the Hub"), "admin_new_application",
                    applicant=applicant, queue_url=external_url("admin.queue"))


# -- applications -----------------------------------------------------------------------------------
def apply_with_new_organisation(org_data: OrganisationData, person: PersonData, password: str) -> User:
    """Register a new organisation and its first focal point; both wait for the secretariat."""
    _check_organisation(org_data)
    declined = _check_person(person, reapply=True)
    _check_password(password, person.email)
    org = Organisation(status=OrganisationStatus.pending)
    _apply_org_data(org, org_data)
    db.session.add(org)
    user = _new_user(person, org, role=OrgRole.focal_point, status=UserStatus.pending, password=password,
                     reuse=declined)
    db.session.flush()
    audit.record(user, "organisation.apply", org, reapplication=declined is not None)
    events.reindex_later(org)
    queue_email(user, _l("We received your application"), "application_received", user=user, organisation=org)
    _tell_admins_of_application(user)
    logger.info("Organisation %r applied, focal point %s", org, user)
    return user


def apply_to_join(organisation: Organisation, person: PersonData, password: str) -> User:
    """Ask to join an existing, active organisation as a focal point."""
    if not organisation.is_active:
        raise DomainError(_("This organisation is not accepting new focal points."), field="organisation_id")
    declined = _check_person(person, reapply=True)
    _check_password(password, person.email)
    user = _new_user(person, organisation, role=OrgRole.focal_point, status=UserStatus.pending, password=password,
                     reuse=declined)
    db.session.flush()
    audit.record(user, "user.apply", user, organisation=organisation.name, reapplication=declined is not None)
    queue_email(user, _l("We received your application"), "application_received",
                user=user, organisation=organisation)
    _tell_admins_of_application(user)
    return user


# -- the secretariat's decisions --------------------------------------------------------------------
def _require_admin(actor: User) -> None:
    if not is_secretariat(actor):
        raise NotAllowedError(_("Only the secretariat can do this."))


def approve_organisation(actor: User, org: Organisation, *, now: datetime | None = None) -> Organisation:
    """Approve a pending organisation and the people who applied with it."""
    _require_admin(actor)
    if org.status is not OrganisationStatus.pending:
        raise InvalidTransitionError(_("Only a pending organisation can be approved."))
    now = now or utcnow()
    org.status = OrganisationStatus.active
    org.approved_at = now
    audit.record(actor, "organisation.approve", org)
    events.reindex_later(org)
    for user in db.session.scalars(org.users.select().where(User.status == UserStatus.pending)):
        _activate(actor, user, now)
    return org


def decline_organisation(actor: User, org: Organisation, reason: str) -> Organisation:
    _require_admin(actor)
    if org.status is not OrganisationStatus.pending:
        raise InvalidTransitionError(_("Only a pending organisation can be declined."))
    reason = _require_reason(reason)
    org.status = OrganisationStatus.declined
    org.decline_reason = reason
    # The name becomes free again, so the applicant can correct it and apply once more.
    org.name_key = f"{org.name_key[:170]}#declined-{org.id}"
    audit.record(actor, "organisation.decline", org, reason=reason)
    events.reindex_later(org)
    for user in db.session.scalars(org.users.select().where(User.status == UserStatus.pending)):
        _decline(actor, user, reason)
    return org


def approve_user(actor: User, user: User, *, now: datetime | None = None) -> User:
    _require_admin(actor)
    if user.status is not UserStatus.pending:
        raise InvalidTransitionError(_("Only a pending application can be approved."))
    if user.organisation is None or not user.organisation.is_active:
        raise InvalidTransitionError(_("Approve the organisation first."))
    _activate(actor, user, now or utcnow())
    return user


def decline_user(actor: User, user: User, reason: str) -> User:
    _require_admin(actor)
    if user.status is not UserStatus.pending:
        raise InvalidTransitionError(_("Only a pending application can be declined."))
    _decline(actor, user, _require_reason(reason))
    return user


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the applicant a reason."), field="reason")
    return reason


def _activate(actor: User, user: User, now: datetime) -> None:
    user.status = UserStatus.active
    user.approved_at = now
    audit.record(actor, "user.approve", user)
    queue_email(user, _l("Welcome to the Alliance 8.7 Hub"), "application_approved",
                user=user, login_url=external_url("members.login"))


def _decline(actor: User, user: User, reason: str) -> None:
    user.status = UserStatus.declined
    user.decline_reason = reason
    access_ended(user)
    audit.record(actor, "user.decline", user, reason=reason)
    queue_email(user, _l("Your application to the Alliance 8.7 Hub"), "application_declined",
                user=user, reason=reason)


def suspend_user(actor: User, user: User, reason: str = "") -> User:
    _require_admin(actor)
    if user.id == actor.id:
        raise NotAllowedError(_("You cannot suspend your own account."))
    if user.status is not UserStatus.active:
        raise InvalidTransitionError(_("Only an active account can be suspended."))
    user.status = UserStatus.suspended
    user.rotate_session_token()  # signs the person out everywhere
    access_ended(user)  # and revokes every secret link they hold
    audit.record(actor, "user.suspend", user, reason=reason.strip())
    return user


def reactivate_user(actor: User, user: User) -> User:
    _require_admin(actor)
    if user.status is not UserStatus.suspended:
        raise InvalidTransitionError(_("Only a suspended account can be reactivated."))
    user.status = UserStatus.active
    audit.record(actor, "user.reactivate", user)
    return user


def suspend_organisation(actor: User, org: Organisation, reason: str = "") -> Organisation:
    _require_admin(actor)
    if org.status is not OrganisationStatus.active:
        raise InvalidTransitionError(_("Only an active organisation can be suspended."))
    org.status = OrganisationStatus.suspended
    for user in db.session.scalars(org.users.select()):
        access_ended(user)
    audit.record(actor, "organisation.suspend", org, reason=reason.strip())
    events.reindex_later(org)
    return org


def reactivate_organisation(actor: User, org: Organisation) -> Organisation:
    _require_admin(actor)
    if org.status is not OrganisationStatus.suspended:
        raise InvalidTransitionError(_("Only a suspended organisation can be reactivated."))
    org.status = OrganisationStatus.active
    audit.record(actor, "organisation.reactivate", org)
    events.reindex_later(org)
    return org


# -- invitations -----------------------------------------------------------------------------------
def invite_user(actor: User, org: Organisation, person: PersonData, role: str,
                *, now: datetime | None = None) -> User:
    """Create an invited account and e-mail a signed, expiring link to set a password."""
    _require_admin(actor)
    if not org.is_active:
        raise DomainError(_("People can only be invited to an active organisation."), field="organisation_id")
    if role not in OrgRole.__members__:
        raise DomainError(_("Choose a role from the list."), field="role")
    _check_person(person)
    user = _new_user(person, org, role=OrgRole(role), status=UserStatus.invited, password=None)
    db.session.flush()
    audit.record(actor, "user.invite", user, organisation=org.name, role=role)
    _send_invitation(user, actor, now=now)
    return user


def resend_invitation(actor: User, user: User, *, now: datetime | None = None) -> User:
    """Send an invited person a fresh link (the first one may have expired or been lost)."""
    _require_admin(actor)
    if user.status is not UserStatus.invited:
        raise InvalidTransitionError(_("Only an invited account can be sent a new invitation."))
    audit.record(actor, "user.resend_invitation", user)
    _send_invitation(user, actor, now=now)
    return user


def _send_invitation(user: User, actor: User, *, now: datetime | None = None) -> None:
    token = tokens.make_token(user, "invite", now=now)
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    queue_email(user, _l("You are invited to the Alliance 8.7 Hub"), "invitation", user=user, inviter=actor,
                url=external_url("members.accept_invitation", token=token), days=days)


def user_for_token(token: str, purpose: str, *, now: datetime | None = None) -> User:
    """Return the user a reset or invitation link belongs to, or raise TokenError in words."""
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == "invite" else "PASSWORD_RESET_MAX_AGE"]
    try:
        user = tokens.read_token(token, purpose, max_age, now=now)
    except tokens.TokenInvalid as exc:
        raise TokenError({
            "expired": _("This link has expired. Ask for a new one."),
            "used": _("This link has already been used. Ask for a new one if you need it."),
        }.get(exc.reason, _("This link is not valid. Check that you copied the whole address."))) from None
    expected = UserStatus.invited if purpose == "invite" else UserStatus.active
    if user.status is not expected:
        raise TokenError(_("This link has already been used. Ask for a new one if you need it."))
    return user


def accept_invitation(token: str, password: str, *, now: datetime | None = None) -> User:
    user = user_for_token(token, "invite", now=now)
    _check_password(password, user.email)
    now = now or utcnow()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.status = UserStatus.active
    user.approved_at = now
    audit.record(user, "user.accept_invitation", user)
    return user


# -- sign-in and passwords --------------------------------------------------------------------------
class LoginError(DomainError):
    """Sign-in refused; the message says why without revealing whether the e-mail exists."""


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User:
    user = find_user_by_email(email)
    if user is None or not verify_password(user.password_hash, password):
        raise LoginError(_("The e-mail address or password is wrong."))
    if user.status is UserStatus.suspended:
        raise LoginError(_("This account is suspended. Contact the secretariat."))
    if user.status is UserStatus.declined:
        raise LoginError(_("This application was declined. Check the e-mail we sent you for the reason."))
    if not user.is_active:
        raise LoginError(_("This account is not active yet."))
    user.last_login_at = now or utcnow()
    return user


def request_password_reset(email: str, *, now: datetime | None = None) -> bool:
    """E-mail a reset link if an active account has this address. The caller must answer the same
    way either way, so nobody can learn which addresses have accounts."""
    user = find_user_by_email(email)
    if user is None or user.status is not UserStatus.active:
        return False
    token = tokens.make_token(user, "reset", now=now)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    queue_email(user, _l("Reset your Alliance 8.7 Hub password"), "password_reset", user=user,
                url=external_url("members.reset_password", token=token), minutes=minutes)
    return True


def reset_password(token: str, password: str, *, now: datetime | None = None) -> User:
    user = user_for_token(token, "reset", now=now)
    _set_password(user, password, now=now)
    audit.record(user, "user.reset_password", user)
    return user


def change_password(user: User, current: str, new: str, *, now: datetime | None = None) -> User:
    if not verify_password(user.password_hash, current):
        raise DomainError(_("Your current password is wrong."), field="current_password")
    _set_password(user, new, now=now)
    return user


def _set_password(user: User, password: str, *, now: datetime | None = None) -> None:
    _check_password(password, user.email)
    user.password_hash = hash_password(password)
    user.password_changed_at = now or utcnow()
    user.rotate_session_token()  # every other session is signed out
    queue_email(user, _l("Your password was changed"), "password_changed", user=user,
                reset_url=external_url("members.forgot_password"))


# -- profiles ---------------------------------------------------------------------------------------
def update_profile(user: User, *, full_name: str, job_title: str, timezone: str, locale: str) -> User:
    _check_profile_values(timezone, locale)
    user.full_name = one_line(full_name)
    user.job_title = one_line(job_title)
    user.timezone = timezone
    user.locale = locale
    return user


def update_organisation(actor: User, org: Organisation, data: OrganisationData) -> Organisation:
    if not org.can_edit(actor):
        raise NotAllowedError(_("Only the organisation's focal points can edit its profile."))
    _check_organisation(data, existing=org)
    _apply_org_data(org, data)
    audit.record(actor, "organisation.edit", org)
    events.reindex_later(org)  # its pledges follow (the organisation's name)
    return org
