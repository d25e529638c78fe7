"""Partner organisations and the people who act for them."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin

from app.extensions import db
from app.policy import belongs_to, is_secretariat, is_signed_in
from app.types import UTCDateTime, enum_type
from app.utils import fold, utcnow


class StakeholderType(str, enum.Enum):
    government = "government"
    workers = "workers"
    employers = "employers"
    un_agency = "un_agency"
    regional = "regional"
    development_partner = "development_partner"
    civil_society = "civil_society"
    academia = "academia"
    private_sector = "private_sector"
    media = "media"
    other = "other"

    @property
    def label(self) -> str:
        return str(STAKEHOLDER_LABELS[self])


STAKEHOLDER_LABELS = {
    StakeholderType.government: _l("Government"),
    StakeholderType.workers: _l("Workers' organisation"),
    StakeholderType.employers: _l("Employers' organisation"),
    StakeholderType.un_agency: _l("UN agency"),
    StakeholderType.regional: _l("Regional organisation"),
    StakeholderType.development_partner: _l("Development partner"),
    StakeholderType.civil_society: _l("Civil society"),
    StakeholderType.academia: _l("Academia"),
    StakeholderType.private_sector: _l("Private sector"),
    StakeholderType.media: _l("Media"),
    StakeholderType.other: _l("Other"),
}


class OrganisationStatus(str, enum.Enum):
    pending = "pending"
    active = "active"
    declined = "declined"
    suspended = "suspended"


class UserStatus(str, enum.Enum):
    pending = "pending"      # applied, waiting for the secretariat
    invited = "invited"      # invited by the secretariat, has not set a password yet
    active = "active"
    declined = "declined"
    suspended = "suspended"


class OrgRole(str, enum.Enum):
    focal_point = "focal_point"
    member = "member"


STATUS_LABELS = {
    "pending": _l("Pending approval"),
    "invited": _l("Invited"),
    "active": _l("Active"),
    "declined": _l("Declined"),
    "suspended": _l("Suspended"),
}

ROLE_LABELS = {OrgRole.focal_point: _l("Focal point"), OrgRole.member: _l("Member")}



class Organisation(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # Case- and accent-folded name: the uniqueness key and what the directory search matches.
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    acronym: so.Mapped[str] = so.mapped_column(sa.String(30), default="")
    stakeholder_type: so.Mapped[StakeholderType] = so.mapped_column(enum_type(StakeholderType), index=True)
    country_code: so.Mapped[str] = so.mapped_column(sa.String(3), index=True)  # ISO 3166-1 alpha-3
    website: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[OrganisationStatus] = so.mapped_column(
        enum_type(OrganisationStatus), default=OrganisationStatus.pending, index=True)
    decline_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    approved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    users: so.WriteOnlyMapped["User"] = so.relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name

    def set_name(self, name: str) -> None:
        self.name = " ".join(name.split())
        self.name_key = fold(self.name)

    @property
    def is_active(self) -> bool:
        return self.status is OrganisationStatus.active

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    # -- permissions -------------------------------------------------------------------------
    def can_view(self, user) -> bool:
        """Active organisations are public; others only to the secretariat and their own people."""
        if self.is_active:
            return True
        return is_secretariat(user) or (is_signed_in(user) and user.organisation_id == self.id)

    def can_edit(self, user) -> bool:
        """The secretariat and the organisation's approved focal points may edit its profile."""
        if is_secretariat(user):
            return True
        return belongs_to(user, self.id) and user.org_role is OrgRole.focal_point and self.is_active

    def can_view_members(self, user) -> bool:
        """Any approved member of the organisation, and the secretariat, sees its people."""
        return is_secretariat(user) or belongs_to(user, self.id)


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    job_title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    organisation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organisation.id"), index=True)
    org_role: so.Mapped[OrgRole] = so.mapped_column(enum_type(OrgRole), default=OrgRole.focal_point)
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    status: so.Mapped[UserStatus] = so.mapped_column(enum_type(UserStatus), default=UserStatus.pending, index=True)
    decline_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Part of the session identity: rotating it signs the user out everywhere (password change).
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=lambda: secrets.token_urlsafe(24))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    approved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    password_changed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # When the person closed the getting-started guide (app/members/guide.py); None: shown until done.
    guide_dismissed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    organisation: so.Mapped[Organisation | None] = so.relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def name_with_org(self) -> str:
        """"Name (Organisation)": how a person is shown wherever one is chosen or listed, so that two people
        with the same name can be told apart (also the form of an unambiguous @mention)."""
        name = self.full_name or self.email
        return f"{name} ({self.organisation.name})" if self.organisation is not None else name

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_urlsafe(24)

    @property
    def is_active(self) -> bool:
        # Flask-Login refuses to log in inactive users. Pending applicants may sign in to see
        # where their application stands; declined, suspended and invited people may not.
        return self.status in (UserStatus.active, UserStatus.pending)

    @property
    def is_approved(self) -> bool:
        return self.status is UserStatus.active

    @property
    def may_use_secret_links(self) -> bool:
        """Whether links that work without signing in (calendar feed, consultation link) may act for them:
        only an approved person of an organisation that is not suspended."""
        return self.is_approved and (self.organisation is None or self.organisation.is_active)

    @property
    def is_focal_point(self) -> bool:
        return self.is_approved and self.org_role is OrgRole.focal_point

    def can_view_outbox(self) -> bool:
        return is_secretariat(self)
