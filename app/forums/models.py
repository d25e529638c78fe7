"""The Partnership Forum: editions, their timetable (tracks, rooms, sessions, speakers), registrations,
personal agendas, and the secret behind each person's calendar feed.

Times are stored in UTC (``*_at``); the Forum's ``timezone`` is the venue's, in which the secretariat
enters session times and in which the programme is shown first.

Registration: one row per person and Forum (``session_id`` NULL) or per person and session with a
capacity. ``registered_count`` on the Forum and on each session is the number of rows in state
``registered``; the services change it with one conditional UPDATE (``... WHERE registered_count <
capacity``), which is what keeps concurrent registrations from ever exceeding the capacity: the UPDATE
locks the row (PostgreSQL) or the database (SQLite) until the transaction ends.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.policy import is_partner, is_secretariat
from app.types import UTCDateTime, enum_type
from app.utils import utcnow


class SessionKind(str, enum.Enum):
    plenary = "plenary"
    panel = "panel"
    workshop = "workshop"
    side_event = "side_event"


SESSION_KIND_LABELS = {
    SessionKind.plenary: _l("Plenary"),
    SessionKind.panel: _l("Panel"),
    SessionKind.workshop: _l("Workshop"),
    SessionKind.side_event: _l("Side event"),
}


class RegistrationState(str, enum.Enum):
    registered = "registered"
    waiting = "waiting"
    withdrawn = "withdrawn"


REGISTRATION_STATE_LABELS = {
    RegistrationState.registered: _l("Registered"),
    RegistrationState.waiting: _l("On the waiting list"),
    RegistrationState.withdrawn: _l("Withdrawn"),
}
ACTIVE_STATES = (RegistrationState.registered, RegistrationState.waiting)


class Forum(db.Model):
    """One edition of the Partnership Forum."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")  # of title and description
    starts_on: so.Mapped[date] = so.mapped_column(sa.Date)
    ends_on: so.Mapped[date] = so.mapped_column(sa.Date)
    venue_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    venue_address: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")  # the venue's IANA zone
    # The venue's clock convention: True writes the edition's times 14:45 in every language (Geneva),
    # False the reader's language's way (2:45 PM in English).
    has_24h_clock: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    online_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    registration_opens_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    registration_closes_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    capacity: so.Mapped[int | None] = so.mapped_column()  # None: no limit
    registered_count: so.Mapped[int] = so.mapped_column(default=0)
    is_published: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    tracks: so.Mapped[list["ForumTrack"]] = so.relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="ForumTrack.position, ForumTrack.id")
    rooms: so.Mapped[list["ForumRoom"]] = so.relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="ForumRoom.position, ForumRoom.id")

    __table_args__ = (
        sa.CheckConstraint("registered_count >= 0", name="registered_count_not_negative"),
        sa.CheckConstraint("capacity IS NULL OR registered_count <= capacity", name="within_capacity"),
    )

    def __repr__(self) -> str:
        return f"<Forum {self.id} {self.slug}>"

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1)]

    def registration_is_open(self, now: datetime) -> bool:
        if self.registration_opens_at is not None and now < self.registration_opens_at:
            return False
        if self.registration_closes_at is not None and now >= self.registration_closes_at:
            return False
        return True

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.registered_count)

    # -- permissions ---------------------------------------------------------------------------------
    def can_view(self, user) -> bool:
        """Published editions are public; drafts only for the secretariat."""
        return self.is_published or is_secretariat(user)

    def can_manage(self, user) -> bool:
        """Edit the edition and its timetable, see participants: the secretariat."""
        return is_secretariat(user)

    def can_register(self, user) -> bool:
        """Approved partners register for a published edition (the dates are checked by the service)."""
        return self.is_published and is_partner(user)


class ForumTrack(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    forum_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)

    forum: so.Mapped[Forum] = so.relationship(back_populates="tracks")

    __table_args__ = (sa.UniqueConstraint("forum_id", "name", name="uq_forum_track_forum_name"),)

    def __repr__(self) -> str:
        return f"<ForumTrack {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name


class ForumRoom(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    forum_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)

    forum: so.Mapped[Forum] = so.relationship(back_populates="rooms")

    __table_args__ = (sa.UniqueConstraint("forum_id", "name", name="uq_forum_room_forum_name"),)

    def __repr__(self) -> str:
        return f"<ForumRoom {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name


class ForumSession(db.Model):
    """One entry of the timetable."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    forum_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")  # of title and description
    kind: so.Mapped[SessionKind] = so.mapped_column(enum_type(SessionKind), default=SessionKind.panel)
    track_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("forum_track.id", ondelete="SET NULL"))
    room_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("forum_room.id", ondelete="SET NULL"))
    online_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    capacity: so.Mapped[int | None] = so.mapped_column()  # None: no registration needed
    registered_count: so.Mapped[int] = so.mapped_column(default=0)
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="SET NULL"),
                                                       index=True)
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # ISO 3166-1 alpha-3 it is about
    # Incremented when the time or place changes, so calendars replace their copy (iCalendar SEQUENCE).
    sequence: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    forum: so.Mapped[Forum] = so.relationship()
    track: so.Mapped[ForumTrack | None] = so.relationship()
    room: so.Mapped[ForumRoom | None] = so.relationship()
    group: so.Mapped["ActionGroup | None"] = so.relationship("ActionGroup")  # noqa: F821
    speakers: so.Mapped[list["SessionSpeaker"]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionSpeaker.position")

    __table_args__ = (
        sa.Index("ix_forum_session_forum_start", "forum_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("registered_count >= 0", name="registered_count_not_negative"),
        sa.CheckConstraint("capacity IS NULL OR registered_count <= capacity", name="within_capacity"),
    )

    def __repr__(self) -> str:
        return f"<ForumSession {self.id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return str(SESSION_KIND_LABELS[self.kind])

    @property
    def needs_registration(self) -> bool:
        return self.capacity is not None

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.registered_count)

    @property
    def location(self) -> str:
        return self.room.name if self.room is not None else ""

    def overlaps(self, other: "ForumSession") -> bool:
        return self.id != other.id and self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def can_view(self, user) -> bool:
        return self.forum.can_view(user)


class SessionSpeaker(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forum_session.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    session: so.Mapped[ForumSession] = so.relationship(back_populates="speakers")
    user: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return f"<SessionSpeaker {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


_ACTIVE_SQL = "state != 'withdrawn'"


class Registration(db.Model):
    """A person's registration for a Forum (``session_id`` NULL) or for one of its sessions."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    forum_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    session_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("forum_session.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    state: so.Mapped[RegistrationState] = so.mapped_column(enum_type(RegistrationState))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    withdrawn_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Checked in by the secretariat at the venue (None: not seen there, or not yet).
    attended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    forum: so.Mapped[Forum] = so.relationship()
    session: so.Mapped[ForumSession | None] = so.relationship()
    user: so.Mapped["User"] = so.relationship("User")  # noqa: F821

    __table_args__ = (
        # At most one active registration per person for the Forum, and per person for each session:
        # database rules, so two requests at once cannot both get in.
        sa.Index("uq_registration_forum_user_active", "forum_id", "user_id", unique=True,
                 sqlite_where=sa.text(f"session_id IS NULL AND {_ACTIVE_SQL}"),
                 postgresql_where=sa.text(f"session_id IS NULL AND {_ACTIVE_SQL}")),
        sa.Index("uq_registration_session_user_active", "session_id", "user_id", unique=True,
                 sqlite_where=sa.text(f"session_id IS NOT NULL AND {_ACTIVE_SQL}"),
                 postgresql_where=sa.text(f"session_id IS NOT NULL AND {_ACTIVE_SQL}")),
        # The waiting list, first come first served, and the participant lists.
        sa.Index("ix_registration_queue", "forum_id", "session_id", "state", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} forum={self.forum_id} session={self.session_id} {self.state.value}>"

    def __str__(self) -> str:
        return f"registration {self.id}"

    @property
    def state_label(self) -> str:
        return str(REGISTRATION_STATE_LABELS[self.state])

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def has_attended(self) -> bool:
        return self.attended_at is not None


class AgendaEntry(db.Model):
    """A session a person plans to attend (their personal agenda)."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("forum_session.id", ondelete="CASCADE"),
                                                  primary_key=True, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    session: so.Mapped[ForumSession] = so.relationship()

    def __repr__(self) -> str:
        return f"<AgendaEntry user={self.user_id} session={self.session_id}>"


class CalendarKey(db.Model):
    """The secret behind a person's calendar feed address; a new one makes the old address stop at once."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    secret: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CalendarKey user={self.user_id}>"
