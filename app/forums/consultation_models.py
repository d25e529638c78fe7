"""Consultations: an availability poll among invitees, which the convener turns into a scheduled meeting
(with calendar invitations), and after the meeting its minutes and action items.

A consultation moves polling → closed (deadline or by hand) → scheduled → (cancelled); the convener can
also confirm a slot straight from polling. A scheduled meeting can be rescheduled (``sequence`` + 1, same
calendar UID) or cancelled (METHOD:CANCEL).
"""
from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.i18n import all_timezones
from app.members.tokens import link_digest
from app.policy import is_partner, is_secretariat
from app.types import UTCDateTime, enum_type
from app.utils import utcnow


class ConsultationState(str, enum.Enum):
    polling = "polling"
    closed = "closed"
    scheduled = "scheduled"
    cancelled = "cancelled"


CONSULTATION_STATE_LABELS = {
    ConsultationState.polling: _l("Poll open"),
    ConsultationState.closed: _l("Poll closed"),
    ConsultationState.scheduled: _l("Scheduled"),
    ConsultationState.cancelled: _l("Cancelled"),
}


class Audience(str, enum.Enum):
    group = "group"                  # the members of an action group
    organisations = "organisations"  # the approved people of chosen organisations
    partners = "partners"            # open to every approved partner (they join when they answer)
    people = "people"                # only the people the convener names


AUDIENCE_LABELS = {
    Audience.group: _l("The members of an action group"),
    Audience.organisations: _l("The people of selected organisations"),
    Audience.partners: _l("Open to all partners"),
    Audience.people: _l("Only the people I name"),
}


class Choice(str, enum.Enum):
    yes = "yes"
    maybe = "maybe"   # "if need be"
    no = "no"


CHOICE_LABELS = {Choice.yes: _l("Yes"), Choice.maybe: _l("If need be"), Choice.no: _l("No")}


class Response(str, enum.Enum):
    """An invitee's answer to the meeting invitation (iCalendar PARTSTAT)."""

    needs_action = "needs_action"
    accepted = "accepted"
    tentative = "tentative"
    declined = "declined"


RESPONSE_LABELS = {
    Response.needs_action: _l("No answer yet"),
    Response.accepted: _l("Accepted"),
    Response.tentative: _l("Tentative"),
    Response.declined: _l("Declined"),
}
PARTSTAT = {Response.needs_action: "NEEDS-ACTION", Response.accepted: "ACCEPTED",
            Response.tentative: "TENTATIVE", Response.declined: "DECLINED"}

# Default meeting reminders, in minutes before the start: a day and an hour.
DEFAULT_REMINDERS = [24 * 60, 60]
# Local hours outside which a slot is "at night" for someone.
DAY_STARTS, DAY_ENDS = 7, 21


class Consultation(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    purpose: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    agenda: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    duration_minutes: so.Mapped[int] = so.mapped_column(default=60)
    online_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    place: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="SET NULL"),
                                                       index=True)
    audience: so.Mapped[Audience] = so.mapped_column(enum_type(Audience), default=Audience.people)
    organisation_ids: so.Mapped[list[int]] = so.mapped_column(sa.JSON, default=list)
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # ISO 3166-1 alpha-3 it is about
    convener_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # The zone the convener thinks in: slots are entered in it and it is shown beside the viewer's own.
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")
    # The meeting's clock convention: True writes its times 14:45 in every language (a Geneva meeting).
    has_24h_clock: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    is_public: so.Mapped[bool] = so.mapped_column(default=False)  # listed on the group's public page
    deadline_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    state: so.Mapped[ConsultationState] = so.mapped_column(enum_type(ConsultationState),
                                                           default=ConsultationState.polling)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    closed_reason: so.Mapped[str] = so.mapped_column(sa.String(20), default="")  # "deadline" or "manual"
    # The meeting, once a slot is confirmed.
    starts_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    sequence: so.Mapped[int] = so.mapped_column(default=0)       # iCalendar SEQUENCE of the invitation
    scheduled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())  # when the time was last set
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    cancel_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reminder_minutes: so.Mapped[list[int]] = so.mapped_column(sa.JSON, default=lambda: list(DEFAULT_REMINDERS))
    minutes: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown, after the meeting
    minutes_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    convener: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821
    group: so.Mapped["ActionGroup | None"] = so.relationship("ActionGroup")  # noqa: F821
    slots: so.Mapped[list["Slot"]] = so.relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Slot.starts_at")
    invitees: so.Mapped[list["Invitee"]] = so.relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Invitee.id")
    action_items: so.Mapped[list["ActionItem"]] = so.relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="ActionItem.id")

    __table_args__ = (
        sa.Index("ix_consultation_state_deadline", "state", "deadline_at"),
        sa.Index("ix_consultation_state_starts", "state", "starts_at"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.title!r} {self.state.value}>"

    def __str__(self) -> str:
        return self.title

    @property
    def state_label(self) -> str:
        return str(CONSULTATION_STATE_LABELS[self.state])

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_polling(self) -> bool:
        return self.state is ConsultationState.polling

    @property
    def is_scheduled(self) -> bool:
        return self.state is ConsultationState.scheduled

    @property
    def is_cancelled(self) -> bool:
        return self.state is ConsultationState.cancelled

    @property
    def has_meeting_time(self) -> bool:
        return self.starts_at is not None

    def is_over(self, now: datetime) -> bool:
        return self.is_scheduled and self.ends_at is not None and self.ends_at <= now

    def invitee_of(self, user) -> "Invitee | None":
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return next((i for i in self.invitees if i.user_id == user.id), None)

    # -- permissions -------------------------------------------------------------------------------
    def can_manage(self, user) -> bool:
        """Edit, close, confirm, reschedule, cancel, write minutes: the convener, the group's conveners, the
        secretariat."""
        if not is_partner(user):
            return False
        if is_secretariat(user) or user.id == self.convener_id:
            return True
        return self.group is not None and self.group.can_manage(user)

    def can_view(self, user) -> bool:
        """Invitees, managers; every approved partner when it is open to all; the group's readers; anyone
        for a public meeting."""
        if self.can_manage(user) or self.invitee_of(user) is not None:
            return True
        if self.is_public and self.state in (ConsultationState.scheduled, ConsultationState.cancelled):
            return True
        if not is_partner(user):
            return False
        if self.audience is Audience.partners:
            return True
        return self.group is not None and self.group.can_view_workspace(user)

    def can_answer(self, user) -> bool:
        """Answer the poll as oneself: invitees, and any approved partner when it is open to all."""
        if not self.is_polling or not is_partner(user):
            return False
        return self.invitee_of(user) is not None or self.audience is Audience.partners

    def can_respond(self, user) -> bool:
        """Accept, decline or say tentative to the scheduled meeting: invitees."""
        return self.is_scheduled and is_partner(user) and self.invitee_of(user) is not None


class Slot(db.Model):
    """A candidate time of the poll. It ends at the start plus the consultation's duration unless the convener
    gave it its own end; it was entered in ``timezone`` (None: the consultation's), which the convener may
    choose per slot (a morning in New York next to an afternoon in Geneva)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"))
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    own_ends_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    timezone: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    consultation: so.Mapped[Consultation] = so.relationship(back_populates="slots")
    answers: so.Mapped[list["Answer"]] = so.relationship(back_populates="slot", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("consultation_id", "starts_at", name="uq_slot_consultation_start"),)

    def __repr__(self) -> str:
        return f"<Slot {self.id} {self.starts_at.isoformat()}>"

    @property
    def ends_at(self) -> datetime:
        return self.own_ends_at or self.starts_at + self.consultation.duration

    @property
    def zone(self) -> str:
        """The zone the slot was entered in."""
        return self.timezone or self.consultation.timezone


@dataclass(frozen=True)
class GuestRecipient:
    """Whom :func:`app.mail.queue_email` writes to for a guest: the address, name, language and zone the
    convener gave (a User has the same four attributes)."""

    email: str
    full_name: str
    locale: str
    timezone: str | None


class Invitee(db.Model):
    """A person asked to answer the poll and, later, to the meeting: a Hub member (``user``), or a guest
    without an account whom the convener named by e-mail address (``guest_*``; exactly one of the two).

    The personal link is ``/forums/c/<id>/<token>`` where the token is an HMAC of the id and
    ``link_nonce`` with the app's secret key: unguessable, never stored, and revoked at once by clearing
    (or replacing) the nonce. For a guest it is the only way in: it opens this poll and nothing else.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # A guest: their name and address as the convener typed them (the address lower-cased), the language of
    # their e-mails, and the zone they chose to read the times in (None: the consultation's).
    guest_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    guest_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    guest_locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    guest_timezone: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    link_nonce: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=lambda: secrets.token_hex(16))
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())  # the poll
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")  # with the answers
    reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    response: so.Mapped[Response] = so.mapped_column(enum_type(Response), default=Response.needs_action)
    responded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    consultation: so.Mapped[Consultation] = so.relationship(back_populates="invitees")
    user: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821
    answers: so.Mapped[list["Answer"]] = so.relationship(back_populates="invitee", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "user_id", name="uq_invitee_consultation_user"),
        sa.UniqueConstraint("consultation_id", "guest_email", name="uq_invitee_consultation_guest_email"),
        sa.CheckConstraint("(user_id IS NOT NULL AND guest_email IS NULL AND guest_name IS NULL) OR "
                           "(user_id IS NULL AND guest_email IS NOT NULL AND guest_name IS NOT NULL)",
                           name="user_or_guest"),
    )

    def __repr__(self) -> str:
        who = f"user={self.user_id}" if self.user_id is not None else f"guest={self.guest_email!r}"
        return f"<Invitee {self.id} consultation={self.consultation_id} {who}>"

    # -- who it is -----------------------------------------------------------------------------------------
    @property
    def is_guest(self) -> bool:
        return self.user_id is None and self.guest_email is not None

    @property
    def name(self) -> str:
        return self.guest_name if self.is_guest else self.user.full_name

    @property
    def label(self) -> str:
        """How lists show the invitee: "Name (guest)" for a guest, "Name (Organisation)" for a member."""
        if self.is_guest:
            return str(_l("%(name)s (guest)", name=self.guest_name))
        return self.user.name_with_org

    @property
    def email(self) -> str:
        return self.guest_email if self.is_guest else self.user.email

    @property
    def zone(self) -> str:
        """The zone the invitee reads the poll in, for the grid and the nights: a member's own (UTC without
        one), a guest's choice (the consultation's without one)."""
        if self.is_guest:
            return self.guest_timezone if _is_zone(self.guest_timezone) else self.consultation.timezone
        return self.user.timezone if _is_zone(self.user.timezone) else "UTC"

    @property
    def recipient(self):
        """Whom e-mails to this invitee go to: the User, or a :class:`GuestRecipient`."""
        if self.is_guest:
            return GuestRecipient(self.guest_email, self.guest_name, self.guest_locale or "en", self.guest_timezone)
        return self.user

    @property
    def may_receive(self) -> bool:
        """Whether the Hub writes to them: a guest while invited, a member while their account is approved."""
        return self.is_guest or self.user.is_approved

    @property
    def response_label(self) -> str:
        return str(RESPONSE_LABELS[self.response])

    @property
    def partstat(self) -> str:
        return PARTSTAT[self.response]

    def link_token(self) -> str | None:
        """The secret part of this invitee's personal link; None once revoked."""
        if not self.link_nonce:
            return None

        return link_digest(f"poll-link:{self.id}:{self.link_nonce}")

    def check_token(self, token: str) -> bool:
        expected = self.link_token()
        return bool(expected) and hmac.compare_digest(expected, token or "")

    def new_link(self) -> None:
        self.link_nonce = secrets.token_hex(16)

    def revoke_link(self) -> None:
        self.link_nonce = None


def _is_zone(name: str | None) -> bool:
    return bool(name) and name in all_timezones()


class Answer(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("slot.id", ondelete="CASCADE"))
    invitee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("invitee.id", ondelete="CASCADE"), index=True)
    choice: so.Mapped[Choice] = so.mapped_column(enum_type(Choice))

    slot: so.Mapped[Slot] = so.relationship(back_populates="answers")
    invitee: so.Mapped[Invitee] = so.relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("slot_id", "invitee_id", name="uq_answer_slot_invitee"),)

    def __repr__(self) -> str:
        return f"<Answer slot={self.slot_id} invitee={self.invitee_id} {self.choice.value}>"


class ActionItem(db.Model):
    """A follow-up decided at a meeting: who does what by when. For a group's meeting it is also a work
    item of the group's work plan (``work_item``), which then holds its status."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"),
                                                       index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    responsible_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    due_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    is_done: so.Mapped[bool] = so.mapped_column(default=False)
    work_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("work_item.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    consultation: so.Mapped[Consultation] = so.relationship(back_populates="action_items")
    responsible: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821
    work_item: so.Mapped["WorkItem | None"] = so.relationship("WorkItem")  # noqa: F821

    def __repr__(self) -> str:
        return f"<ActionItem {self.id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title
