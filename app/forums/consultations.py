"""Consultation rules: the availability poll (invitees, slots, answers, ranking), and the meeting it becomes
(confirm, reschedule, cancel with calendar e-mails; responses; minutes; action items).

Services take explicit actors and ``now``, flush but never commit, and raise DomainError with the form field
the problem belongs to.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit, events
from app.actiongroups.models import ActionGroup, Membership
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.forums import ical, times
from app.forums.consultation_models import (
    ActionItem, Answer, Audience, Choice, Consultation, ConsultationState, Invitee, Response, Slot,
)
from app.forums.services import clean_countries, clean_text, clean_title, clean_url, clean_zone
from app.i18n import format_day, format_time_of_day, is_country
from app.mail import queue_email
from app.members.models import Organisation, OrganisationStatus, User, UserStatus
from app.notifications.services import notify
from app.policy import is_partner, is_secretariat
from app.taxonomy import expand_regions
from app.urls import external_url
from app.utils import one_line, utcnow

logger = logging.getLogger(__name__)

MAX_SLOTS = 30
MAX_INVITEES = 2000
# A manual reminder goes to the same person at most this often.
REMIND_AGAIN_AFTER = timedelta(hours=12)
EMAIL_SPLIT = re.compile(r"[\s,;]+")


# -- who may convene -------------------------------------------------------------------------------------------
def convened_groups(user: User) -> list[ActionGroup]:
    """The groups ``user`` may hold consultations for: all (secretariat) or those they convene."""
    query = sa.select(ActionGroup).where(ActionGroup.is_archived.is_(False)).order_by(ActionGroup.name)
    if not is_secretariat(user):
        query = query.where(ActionGroup.id.in_(ActionGroup.convened_ids(user)))
    return list(db.session.scalars(query))


def can_convene(user) -> bool:
    """Conveners of an action group (not archived: app.policy) and the secretariat hold consultations."""
    return is_secretariat(user) or ActionGroup.any_convened_by(user)


def _require_manager(actor: User, consultation: Consultation) -> None:
    if not consultation.can_manage(actor):
        raise NotAllowedError(_("Only the convener can do this."))


# -- creating ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsultationData:
    title: str
    deadline_on: date | None
    deadline_time: time | None
    timezone: str = "UTC"
    has_24h_clock: bool = False
    slots: list[tuple[date | None, time | None]] = field(default_factory=list)
    purpose: str = ""
    agenda: str = ""
    duration_minutes: int | None = 60
    online_url: str = ""
    place: str = ""
    audience: str = Audience.people.value
    group_id: int | None = None
    organisation_ids: list[int] = field(default_factory=list)
    emails: str = ""
    is_public: bool = False
    countries: list[str] = field(default_factory=list)  # alpha-3 and/or region codes; empty: the group's focus
    guests: list["GuestData"] = field(default_factory=list)  # people without an account; empty rows are skipped


def parse_slots(rows: list[tuple[date | None, time | None]], zone: str, duration: timedelta,
                now: datetime) -> list[datetime]:
    """The UTC start times of the filled rows, checked: in the future, existing, no duplicates, no overlaps."""
    starts: list[datetime] = []
    for n, (day, at) in enumerate(rows):
        if day is None and at is None:
            continue
        name = f"slots-{n}-day"
        if day is None or at is None:
            raise DomainError(_("Give each slot a date and a start time."), field=name)
        try:
            start = times.local_to_utc(day, at, zone)
        except ValueError:
            raise DomainError(_("%(time)s does not exist in %(zone)s on %(date)s (the clocks change then).",
                                time=format_time_of_day(at), zone=zone, date=format_day(day)), field=name) from None
        if start <= now:
            raise DomainError(_("This slot is in the past."), field=name)
        if start in starts:
            raise DomainError(_("This slot is there twice."), field=name)
        clash = next((s for s in starts if s < start + duration and start < s + duration), None)
        if clash is not None:
            raise DomainError(_("This slot overlaps another one (%(other)s): a meeting of %(minutes)d minutes "
                                "cannot start at both.", other=times.show(clash, zone),
                                minutes=int(duration.total_seconds() // 60)), field=name)
        starts.append(start)
    if not starts:
        raise DomainError(_("Propose at least one slot."), field="slots-0-day")
    if len(starts) > MAX_SLOTS:
        raise DomainError(_("Propose at most %(n)d slots.", n=MAX_SLOTS), field="slots-0-day")
    return sorted(starts)


def users_by_email(text: str) -> list[User]:
    """Approved people with these addresses. :raises DomainError: naming the addresses nobody has."""
    emails = [e.strip().lower() for e in EMAIL_SPLIT.split(text or "") if e.strip()]
    if not emails:
        return []
    found = {u.email.lower(): u for u in db.session.scalars(sa.select(User).where(
        sa.func.lower(User.email).in_(emails), User.status == UserStatus.active))}
    missing = [e for e in dict.fromkeys(emails) if e not in found]
    if missing:
        raise DomainError(_("No approved Hub account has these addresses: %(emails)s.",
                            emails=", ".join(missing[:10])), field="emails")
    return list({u.id: u for u in found.values()}.values())


def _audience_people(audience: Audience, group: ActionGroup | None, organisation_ids: list[int]) -> list[User]:
    if audience is Audience.group:
        return list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.group_id == group.id, User.status == UserStatus.active)))
    if audience is Audience.organisations:
        return list(db.session.scalars(sa.select(User).where(User.organisation_id.in_(organisation_ids),
                                                             User.status == UserStatus.active)))
    return []


def create_consultation(actor: User, data: ConsultationData, now: datetime | None = None) -> Consultation:
    """Create a consultation with its poll, invite the people and e-mail each their personal link.

    :raises NotAllowedError: the actor convenes no group (and is not the secretariat), or not this group.
    :raises DomainError: invalid data, with ``field`` naming the form field.
    """
    now = now or utcnow()
    if not can_convene(actor):
        raise NotAllowedError(_("Conveners of an action group and the secretariat hold consultations."))
    title = clean_title(data.title)
    try:
        audience = Audience(data.audience)
    except ValueError:
        raise DomainError(_("Choose who is invited."), field="audience") from None
    group = None
    if data.group_id is not None:
        group = db.session.get(ActionGroup, data.group_id)
        if group is None or group not in convened_groups(actor):
            raise DomainError(_("Choose one of the groups you convene."), field="group_id")
    if audience is Audience.group and group is None:
        raise DomainError(_("Choose the group whose members are invited."), field="group_id")
    organisation_ids = sorted(set(data.organisation_ids or []))
    if audience is Audience.organisations:
        if not organisation_ids:
            raise DomainError(_("Choose at least one organisation."), field="organisation_ids")
        active = set(db.session.scalars(sa.select(Organisation.id).where(
            Organisation.id.in_(organisation_ids), Organisation.status == OrganisationStatus.active)))
        if active != set(organisation_ids):
            raise DomainError(_("Choose organisations from the list."), field="organisation_ids")
    duration = data.duration_minutes or 60
    if not 5 <= duration <= 24 * 60:
        raise DomainError(_("A meeting lasts from 5 minutes to 24 hours."), field="duration_minutes")
    zone = clean_zone(data.timezone)
    starts = parse_slots(data.slots, zone, timedelta(minutes=duration), now)
    if data.deadline_on is None or data.deadline_time is None:
        raise DomainError(_("Say by when you need the answers (date and time)."), field="deadline_on")
    try:
        deadline = times.local_to_utc(data.deadline_on, data.deadline_time, zone)
    except ValueError:
        raise DomainError(_("That time does not exist in %(zone)s on that day (the clocks change then).",
                            zone=zone), field="deadline_on") from None
    if deadline <= now:
        raise DomainError(_("The deadline for answers is in the past."), field="deadline_on")
    if deadline > starts[0]:
        raise DomainError(_("The deadline must come before the first slot."), field="deadline_on")
    # The countries it is about; by default those its action group focuses on.
    countries = clean_countries(data.countries) or (
        sorted({c for c in group.focus_countries or [] if is_country(c)}) if group else [])
    people = {u.id: u for u in _audience_people(audience, group, organisation_ids)}
    people.update({u.id: u for u in users_by_email(data.emails)})
    people[actor.id] = actor
    guests = _clean_guests(actor, data.guests)
    if len(people) + len(guests) < 2 and audience is not Audience.partners:
        raise DomainError(_("Invite at least one person besides yourself."), field="emails")
    if len(people) > MAX_INVITEES:
        raise DomainError(_("Invite at most %(n)d people.", n=MAX_INVITEES), field="emails")
    consultation = Consultation(
        title=title, purpose=clean_text(data.purpose, "purpose"), agenda=clean_text(data.agenda, "agenda"),
        duration_minutes=duration, online_url=clean_url(data.online_url, "online_url"),
        place=one_line(data.place)[:300], group_id=group.id if group else None, group=group, audience=audience,
        organisation_ids=organisation_ids, countries=countries, convener_id=actor.id, timezone=zone,
        has_24h_clock=bool(data.has_24h_clock),
        is_public=bool(data.is_public),
        deadline_at=deadline, state=ConsultationState.polling, created_at=now, updated_at=now)
    consultation.slots = [Slot(starts_at=s) for s in starts]
    consultation.invitees = [Invitee(user_id=uid, user=u, created_at=now) for uid, u in people.items()] + [
        Invitee(guest_name=name, guest_email=email, guest_locale=locale, created_at=now)
        for name, email, locale in guests]
    db.session.add(consultation)
    db.session.flush()
    # The worker writes the invitations (up to MAX_INVITEES of them): see _deliver_poll_invitations.
    events.emit(POLL_MAIL, {"consultation": consultation.id}, key=f"{POLL_MAIL}:{consultation.id}")
    audit.record(actor, "consultation_created", consultation, invitees=len(people), slots=len(starts),
                 **({"guests": len(guests)} if guests else {}))
    events.reindex_later(consultation)
    logger.info("Consultation %r created by %s with %d invitees and %d guests", consultation, actor, len(people),
                len(guests))
    return consultation


def add_invitees(actor: User, consultation: Consultation, emails: str, now: datetime | None = None) -> list[Invitee]:
    _require_manager(actor, consultation)
    if consultation.state not in (ConsultationState.polling, ConsultationState.scheduled):
        raise InvalidTransitionError(_("People can be added while the poll is open or the meeting is scheduled."))
    have = {i.user_id for i in consultation.invitees}
    added = []
    for person in users_by_email(emails):
        if person.id in have:
            continue
        invitee = Invitee(user_id=person.id, user=person, created_at=now or utcnow())
        consultation.invitees.append(invitee)
        added.append(invitee)
    if not added:
        raise DomainError(_("Everyone listed is already invited."), field="emails")
    db.session.flush()
    for invitee in added:
        if consultation.is_scheduled:
            _send_meeting_email(consultation, invitee, "REQUEST", "meeting_invitation",
                                _l("Invitation: %(title)s", title=consultation.title))
        else:
            _send_poll_email(consultation, invitee, "invitation")
    return added


# -- guests: people without a Hub account --------------------------------------------------------------------
MAX_GUESTS = 50
GUEST_NAME_MAX = 120
EMAIL_MAX = 254


@dataclass(frozen=True)
class GuestData:
    """A guest as the convener names them; ``locale`` is the language of their e-mails ("": the convener's)."""

    name: str
    email: str
    locale: str = ""


def _clean_guest(actor: User, guest: GuestData, taken: set[str], prefix: str = "") -> tuple[str, str, str]:
    """The guest's name, address (lower-cased) and language, checked.

    :param taken: the addresses of the consultation's guests already (and of the rows before this one).
    :param prefix: how the form names this guest's fields (``guests-2-`` on the creation form).
    :raises DomainError: a missing name, a bad address, an address of a Hub account (invite the person as
        a member: they answer as themselves), a guest invited already, an unknown language.
    """
    from email_validator import EmailNotValidError, validate_email
    from flask import current_app

    name = one_line(guest.name)
    if not name:
        raise DomainError(_("Give the guest's name."), field=f"{prefix}name")
    if len(name) > GUEST_NAME_MAX:
        raise DomainError(_("Keep the name under %(max)d characters.", max=GUEST_NAME_MAX), field=f"{prefix}name")
    typed = (guest.email or "").strip()
    if not typed:
        raise DomainError(_("Give the guest's e-mail address."), field=f"{prefix}email")
    try:
        email = validate_email(typed, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DomainError(_("Enter an e-mail address such as name@example.org."), field=f"{prefix}email") from None
    if len(email) > EMAIL_MAX:
        raise DomainError(_("Enter an e-mail address such as name@example.org."), field=f"{prefix}email")
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)) is not None:
        raise DomainError(_("This address belongs to a Hub account: invite the person by e-mail among the "
                            "people with an account instead, so that they answer as themselves."),
                          field=f"{prefix}email")
    if email in taken:
        raise DomainError(_("This guest is invited already."), field=f"{prefix}email")
    locale = guest.locale or getattr(actor, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_("Choose the language of the guest's e-mails from the list."), field=f"{prefix}locale")
    return name, email, locale


def _clean_guests(actor: User, guests: list[GuestData]) -> list[tuple[str, str, str]]:
    """The filled rows of the creation form's guests, checked (each error names its row's field)."""
    cleaned: list[tuple[str, str, str]] = []
    for n, guest in enumerate(guests):
        if not one_line(guest.name) and not (guest.email or "").strip():
            continue
        if len(cleaned) >= MAX_GUESTS:
            raise DomainError(_("Invite at most %(n)d guests.", n=MAX_GUESTS), field=f"guests-{n}-email")
        cleaned.append(_clean_guest(actor, guest, {email for _name, email, _locale in cleaned}, f"guests-{n}-"))
    return cleaned


def add_guest(actor: User, consultation: Consultation, guest: GuestData, now: datetime | None = None) -> Invitee:
    """Invite someone without a Hub account: they get an e-mail in their language with a personal link to
    the poll (or, once the meeting is scheduled, the calendar invitation).

    :raises NotAllowedError: the actor does not manage the consultation.
    :raises InvalidTransitionError: the poll is closed and no meeting is scheduled, or it is cancelled.
    :raises DomainError: see :func:`_clean_guest`; or the consultation has MAX_GUESTS guests already.
    """
    now = now or utcnow()
    _require_manager(actor, consultation)
    if consultation.state not in (ConsultationState.polling, ConsultationState.scheduled):
        raise InvalidTransitionError(_("People can be added while the poll is open or the meeting is scheduled."))
    present = {i.guest_email for i in consultation.invitees if i.is_guest}
    if len(present) >= MAX_GUESTS:
        raise DomainError(_("A consultation has at most %(n)d guests.", n=MAX_GUESTS), field="email")
    name, email, locale = _clean_guest(actor, guest, present)
    invitee = Invitee(guest_name=name, guest_email=email, guest_locale=locale, created_at=now)
    consultation.invitees.append(invitee)
    db.session.flush()
    if consultation.is_scheduled:
        _send_meeting_email(consultation, invitee, "REQUEST", "meeting_invitation",
                            _l("Invitation: %(title)s", title=consultation.title))
    else:
        _send_poll_email(consultation, invitee, "invitation")
    audit.record(actor, "consultation_guest_added", consultation, guest=name, email=email)
    logger.info("Guest %r added to %r by %s", invitee, consultation, actor)
    return invitee


def remove_guest(actor: User, invitee: Invitee, now: datetime | None = None) -> None:
    """Take a guest off the consultation: their answers go, and their personal link no longer opens anything.
    Before a meeting is scheduled (the poll open or closed) the guest is told by e-mail. When the meeting is
    scheduled and still to come, they are told with a calendar cancellation that takes it out of their
    calendar (RFC 5546: a CANCEL to the attendee removed).

    :raises DomainError: the invitee is a member, not a guest.
    """
    now = now or utcnow()
    consultation = invitee.consultation
    _require_manager(actor, consultation)
    if not invitee.is_guest:
        raise DomainError(_("Only guests can be removed."))
    name, email = invitee.guest_name, invitee.guest_email
    if consultation.is_scheduled and consultation.starts_at > now:
        from flask import current_app

        convener = consultation.convener
        ics = ical.meeting_to_ical(consultation, meeting_url(consultation), now, ical.uid_domain(current_app.config),
                                   method="CANCEL",
                                   organizer=ical.Attendee(convener.email, convener.full_name) if convener else None,
                                   attendees=[ical.Attendee(invitee.email, invitee.name, "DECLINED")])
        queue_email(invitee.recipient, _l("No longer invited: %(title)s", title=consultation.title), "meeting_cancelled",
                    zone=invitee_zone(invitee), guest=True, removed=True, consultation=consultation,
                    page_url="", attachments=[("cancel.ics", ics, "text/calendar; method=CANCEL; charset=UTF-8")])
    elif consultation.state in (ConsultationState.polling, ConsultationState.closed):  # no meeting yet
        queue_email(invitee.recipient, _l("No longer invited: %(title)s", title=consultation.title), "meeting_cancelled",
                    zone=invitee_zone(invitee), key=_change_key("poll_guest_removed", invitee, now), guest=True,
                    removed=True, poll=True, consultation=consultation, page_url="")
    consultation.invitees.remove(invitee)
    db.session.flush()
    audit.record(actor, "consultation_guest_removed", consultation, guest=name, email=email)
    logger.info("Guest %s removed from %r by %s", email, consultation, actor)


def set_guest_zone(invitee: Invitee, zone: str) -> None:
    """The zone a guest reads the poll's times in (and their e-mails use): a member sets theirs in their profile.

    :raises DomainError: an unknown zone, or the invitee is a member.
    """
    if not invitee.is_guest:
        raise DomainError(_("Set your time zone in your profile."), field="timezone")
    invitee.guest_timezone = clean_zone(zone)
    db.session.flush()


# -- personal links ----------------------------------------------------------------------------------------
def personal_url(invitee: Invitee) -> str | None:
    token = invitee.link_token()
    if token is None:
        return None
    return external_url("forums.personal_link", invitee_id=invitee.id, token=token)


def invitee_by_link(invitee_id: int, token: str) -> Invitee | None:
    """The invitee a personal link stands for; None for a tampered, revoked or unknown link."""
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or not invitee.check_token(token) or (
            not invitee.is_guest and not invitee.user.may_use_secret_links):
        return None
    return invitee


def revoke_links_of(user: User, *, group: ActionGroup | None = None) -> None:
    """Revoke every personal consultation link of ``user`` (their access ended), or only those to ``group``'s
    consultations (they left it)."""
    query = sa.select(Invitee).where(Invitee.user_id == user.id)
    if group is not None:
        query = query.join(Consultation, Consultation.id == Invitee.consultation_id).where(
            Consultation.group_id == group.id)
    for invitee in db.session.scalars(query):
        invitee.revoke_link()


def revoke_link(actor: User, invitee: Invitee) -> None:
    _require_manager(actor, invitee.consultation)
    invitee.revoke_link()
    db.session.flush()
    audit.record(actor, "poll_link_revoked", invitee.consultation, invitee_user_id=invitee.user_id,
                 **({"guest": invitee.guest_name} if invitee.is_guest else {}))


def send_new_link(actor: User, invitee: Invitee) -> None:
    """Replace the invitee's link (the old one stops working) and e-mail the new one."""
    _require_manager(actor, invitee.consultation)
    invitee.new_link()
    db.session.flush()
    _send_poll_email(invitee.consultation, invitee, "new_link")


POLL_MAIL = "forums.poll_invitations"


@events.handler(POLL_MAIL)
def _deliver_poll_invitations(payload: dict, event) -> None:
    """Fan a new poll's invitation out to its invitees but the convener, one outbox e-mail each (keyed: a
    second delivery after a crash records none twice); none once the poll is no longer open."""
    consultation = db.session.scalar(sa.select(Consultation).where(Consultation.id == payload["consultation"])
                                     .options(so.selectinload(Consultation.invitees).joinedload(Invitee.user),
                                              so.selectinload(Consultation.slots)))
    if consultation is None or consultation.state is not ConsultationState.polling:
        return
    for invitee in consultation.invitees:
        if invitee.user_id != consultation.convener_id:
            _send_poll_email(consultation, invitee, "invitation", key=f"{event.key}:{invitee.id}")


def _send_poll_email(consultation: Consultation, invitee: Invitee, kind: str, key: str | None = None,
                     slot_at: datetime | None = None) -> None:
    """E-mail the invitee about the poll, with their personal link and the proposed times in their zone.

    :param kind: "invitation", "reminder", "new_link"; or, for a guest who answered (a member gets a
        notification instead), "slot_added" or "slot_removed" with ``slot_at``, the start of that slot.
    """
    subjects = {"invitation": _l("Your availability, please: %(title)s", title=consultation.title),
                "reminder": _l("Reminder: your availability for %(title)s", title=consultation.title),
                "new_link": _l("Your new personal link: %(title)s", title=consultation.title),
                "slot_added": _l("New time proposed: %(title)s", title=consultation.title),
                "slot_removed": _l("Time withdrawn: %(title)s", title=consultation.title)}
    zone = invitee_zone(invitee)
    # Times go to the template as datetimes: it writes them in the invitee's language and zone.
    queue_email(invitee.recipient, subjects[kind], "consultation_poll", zone=zone, key=key, consultation=consultation,
                kind=kind, personal_url=personal_url(invitee), guest=invitee.is_guest,
                page_url=external_url("forums.consultation", consultation_id=consultation.id),
                slots=[(s.starts_at, times.is_night(s.starts_at, s.ends_at, zone)) for s in consultation.slots],
                deadline=consultation.deadline_at, slot_at=slot_at)


def _change_key(what: str, invitee: Invitee, now: datetime, slot: Slot | None = None) -> str:
    """The key of what a change of the poll sends an invitee (a member's notification, a guest's e-mail):
    recorded once, so a retry delivers one message. ``now`` is part of it because SQLite may give a deleted
    slot's or invitee's id to the next one: a later change must not find its key taken."""
    where = f"{invitee.consultation_id}" if slot is None else f"{invitee.consultation_id}:{slot.id}"
    who = f"guest:{invitee.id}" if invitee.is_guest else f"user:{invitee.user_id}"
    return f"{what}:{where}:{who}:{now:%Y%m%dT%H%M%S%f}"


def invitee_zone(invitee: Invitee) -> str:
    """The zone an invitee's e-mails write times in: a member's own, a guest's choice, else the consultation's."""
    if invitee.is_guest:
        return invitee.zone
    return reader_zone(invitee.user, invitee.consultation)


def reader_zone(user: User, consultation: Consultation) -> str:
    """The zone ``user`` reads the consultation's times in: their own, else the consultation's."""
    return user.timezone if times.is_zone(user.timezone) else consultation.timezone


# -- answering the poll ------------------------------------------------------------------------------------
def poll_is_open(consultation: Consultation, now: datetime) -> bool:
    return consultation.is_polling and now < consultation.deadline_at


def join_open_poll(user: User, consultation: Consultation, now: datetime | None = None) -> Invitee:
    """Make an approved partner an invitee of a poll open to all partners (when they first answer)."""
    invitee = consultation.invitee_of(user)
    if invitee is not None:
        return invitee
    if consultation.audience is not Audience.partners or not consultation.can_answer(user):
        raise NotAllowedError(_("You are not invited to this consultation."))
    invitee = Invitee(user_id=user.id, user=user, created_at=now or utcnow())
    consultation.invitees.append(invitee)
    db.session.flush()
    return invitee


MAX_COMMENT = 1000


def answer_poll(invitee: Invitee, answers: dict[int, str], now: datetime | None = None,
                comment: str | None = None) -> None:
    """Record the invitee's yes / if need be / no for the slots of the poll (their own answers only: the
    invitee comes from the signed-in person or from their personal link). An empty value leaves the slot
    unanswered (and takes back an earlier answer); answers can change until the poll closes.

    :param comment: a note for the convener beside the answers ("only the first half hour"); None leaves
        the earlier one, "" removes it.
    :raises InvalidTransitionError: the poll is closed (by hand, by its deadline, or scheduled).
    :raises DomainError: an unknown slot or choice, or no answer at all.
    """
    now = now or utcnow()
    consultation = invitee.consultation
    if not poll_is_open(consultation, now):
        raise InvalidTransitionError(_("This poll is closed: answers can no longer change."))
    if comment is not None:
        comment = comment.strip()
        if len(comment) > MAX_COMMENT:
            raise DomainError(_("Keep the comment under %(n)d characters.", n=MAX_COMMENT), field="comment")
        invitee.comment = comment
    slots = {s.id: s for s in consultation.slots}
    if set(answers) - set(slots):
        raise DomainError(_("One of the answers is for a slot that is not in this poll."))
    choices: dict[int, Choice | None] = {}
    for slot_id, value in answers.items():
        try:
            choices[slot_id] = Choice(value) if value else None
        except ValueError:
            raise DomainError(_("Answer yes, if need be, or no.")) from None
    existing = {a.slot_id: a for a in invitee.answers}
    for slot_id, choice in choices.items():
        if choice is None:
            if slot_id in existing:
                invitee.answers.remove(existing[slot_id])
        elif slot_id in existing:
            existing[slot_id].choice = choice
        else:
            invitee.answers.append(Answer(slot_id=slot_id, choice=choice))
    if not invitee.answers:
        if invitee.answered_at is None:
            raise DomainError(_("Choose an answer for at least one slot (or “Yes to all”)."))
        invitee.answered_at = None  # every answer taken back: they count as not answered again
        db.session.flush()
        return
    first_time = invitee.answered_at is None
    invitee.answered_at = now
    db.session.flush()
    if first_time and all(i.answered_at is not None for i in consultation.invitees) and consultation.convener:
        notify(consultation.convener, "poll_all_answered", key=f"poll_all_answered:{consultation.id}",
               url=f"/forums/consultations/{consultation.id}", now=now, consultation=consultation.title)


def yes_to_all(consultation: Consultation) -> dict[int, str]:
    """The answers of "Yes to all": yes to every slot of the poll."""
    return {slot.id: Choice.yes.value for slot in consultation.slots}


def close_poll(actor: User | None, consultation: Consultation, now: datetime | None = None,
               reason: str = "manual") -> None:
    """Close the poll (by hand, or by the deadline job with ``actor`` None)."""
    if actor is not None:
        _require_manager(actor, consultation)
    if not consultation.is_polling:
        raise InvalidTransitionError(_("The poll is not open."))
    consultation.state = ConsultationState.closed
    consultation.closed_at = now or utcnow()
    consultation.closed_reason = reason
    db.session.flush()


def reopen_poll(actor: User, consultation: Consultation, deadline: datetime, now: datetime | None = None) -> None:
    _require_manager(actor, consultation)
    now = now or utcnow()
    if consultation.state is not ConsultationState.closed:
        raise InvalidTransitionError(_("Only a closed poll can be opened again."))
    if deadline <= now:
        raise DomainError(_("The deadline for answers is in the past."), field="deadline_on")
    consultation.state = ConsultationState.polling
    consultation.deadline_at = deadline
    consultation.closed_at, consultation.closed_reason = None, ""
    db.session.flush()


def remind_non_respondents(actor: User | None, consultation: Consultation, now: datetime | None = None) -> int:
    """E-mail the invitees who have not answered (and only them) their personal link again; someone
    reminded in the last 12 hours is skipped. :return: how many were reminded."""
    now = now or utcnow()
    if actor is not None:
        _require_manager(actor, consultation)
    if not poll_is_open(consultation, now):
        raise InvalidTransitionError(_("The poll is closed: there is nothing to answer."))
    sent = 0
    for invitee in consultation.invitees:
        if invitee.answered_at is not None or invitee.user_id == consultation.convener_id:
            continue
        if invitee.reminded_at is not None and invitee.reminded_at > now - REMIND_AGAIN_AFTER:
            continue
        if not invitee.may_receive or invitee.link_nonce is None:
            continue
        _send_poll_email(consultation, invitee, "reminder")
        invitee.reminded_at = now
        sent += 1
    db.session.flush()
    return sent


# -- changing the slots of an open poll ---------------------------------------------------------------------------
class SlotHasAnswersError(DomainError):
    """Removing a slot that invitees answered needs the convener's confirmation."""

    def __init__(self, count: int):
        super().__init__(_("Invitees answered this slot: confirm that it should go."))
        self.count = count


def add_slot(actor: User, consultation: Consultation, day: date | None, start: time | None, end: time | None,
             zone: str | None, now: datetime | None = None) -> Slot:
    """Add a slot to an open poll, entered in any zone (the consultation's by default). Without an end it
    lasts the consultation's duration. Invitees who have answered are told there is one more to answer.

    :raises InvalidTransitionError: the poll is not open.
    :raises DomainError: a missing or impossible time, an unknown zone, an end before the start, a slot
        in the past or before the deadline for answers, the same start twice, too many slots.
    """
    now = now or utcnow()
    _require_manager(actor, consultation)
    if not poll_is_open(consultation, now):
        raise InvalidTransitionError(_("Slots change only while the poll is open."))
    zone = clean_zone(zone or consultation.timezone)
    if day is None or start is None:
        raise DomainError(_("Give the slot a date and a start time."), field="day")
    if len(consultation.slots) >= MAX_SLOTS:
        raise DomainError(_("A poll has at most %(n)d slots.", n=MAX_SLOTS), field="day")
    starts_at, ends_at = None, None
    for name, at in (("start", start), ("end", end)):
        if at is None:
            continue
        try:
            moment = times.local_to_utc(day, at, zone)
        except ValueError:
            raise DomainError(_("%(time)s does not exist in %(zone)s on %(date)s (the clocks change then).",
                                time=format_time_of_day(at), zone=zone, date=format_day(day)), field=name) from None
        starts_at, ends_at = (moment, ends_at) if name == "start" else (starts_at, moment)
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_("The slot must end after it starts."), field="end")
    if ends_at is not None and ends_at - starts_at > timedelta(hours=24):
        raise DomainError(_("A meeting lasts from 5 minutes to 24 hours."), field="end")
    if starts_at <= now:
        raise DomainError(_("This slot is in the past."), field="day")
    if starts_at < consultation.deadline_at:
        raise DomainError(_("The slot must come after the deadline for answers (%(deadline)s).",
                            deadline=times.show(consultation.deadline_at, zone, h24=consultation.has_24h_clock)),
                          field="day")
    if any(s.starts_at == starts_at for s in consultation.slots):
        raise DomainError(_("The poll already has a slot starting then."), field="day")
    slot = Slot(starts_at=starts_at, own_ends_at=ends_at if ends_at != starts_at + consultation.duration else None,
                timezone=None if zone == consultation.timezone else zone)
    consultation.slots.append(slot)
    consultation.slots.sort(key=lambda s: s.starts_at)
    db.session.flush()
    for invitee in consultation.invitees:
        if invitee.answered_at is None:
            continue
        if invitee.is_guest:  # a guest has no notifications: an e-mail with their link
            _send_poll_email(consultation, invitee, "slot_added", slot_at=starts_at,
                             key=_change_key("poll_slot_added", invitee, now, slot))
        else:
            notify(invitee.user, "poll_slot_added", key=_change_key("poll_slot_added", invitee, now, slot),
                   url=f"/forums/consultations/{consultation.id}", actor=actor, now=now,
                   consultation=consultation.title)
    audit.record(actor, "consultation_slot_added", consultation, starts_at=starts_at.isoformat(), zone=zone)
    logger.info("Slot %r added to %r by %s", slot, consultation, actor)
    return slot


def remove_slot(actor: User, consultation: Consultation, slot: Slot, *, confirmed: bool = False,
                now: datetime | None = None) -> int:
    """Remove a slot from an open poll. When invitees answered it the convener must confirm; those invitees
    are then told, and their answers to the other slots stay (someone whose only answers were for this slot
    counts as not having answered). :return: how many invitees had answered it.

    :raises InvalidTransitionError: the poll is not open.
    :raises SlotHasAnswersError: invitees answered it and ``confirmed`` is False.
    :raises DomainError: it is the poll's last slot.
    """
    now = now or utcnow()
    _require_manager(actor, consultation)
    if slot.consultation_id != consultation.id:
        raise DomainError(_("Choose one of the poll's slots."))
    if not poll_is_open(consultation, now):
        raise InvalidTransitionError(_("Slots change only while the poll is open."))
    if len(consultation.slots) <= 1:
        raise DomainError(_("A poll keeps at least one slot: add another before removing this one."))
    answered = [a.invitee for a in slot.answers]
    if answered and not confirmed:
        raise SlotHasAnswersError(len(answered))
    starts_at = slot.starts_at
    for answer in list(slot.answers):
        answer.invitee.answers.remove(answer)
    consultation.slots.remove(slot)
    db.session.flush()
    for invitee in answered:
        if not invitee.answers:
            invitee.answered_at = None
        if invitee.is_guest:  # a guest has no notifications: an e-mail with their link
            _send_poll_email(consultation, invitee, "slot_removed", slot_at=starts_at,
                             key=_change_key("poll_slot_removed", invitee, now, slot))
            continue
        notify(invitee.user, "poll_slot_removed", key=_change_key("poll_slot_removed", invitee, now, slot),
               url=f"/forums/consultations/{consultation.id}", actor=actor, now=now,
               consultation=consultation.title)
    db.session.flush()
    audit.record(actor, "consultation_slot_removed", consultation, starts_at=starts_at.isoformat(),
                 answers=len(answered))
    logger.info("Slot at %s removed from %r by %s (%d answers)", starts_at, consultation, actor, len(answered))
    return len(answered)


# -- the grid and the ranking ----------------------------------------------------------------------------------
@dataclass
class SlotScore:
    slot: Slot
    yes: int = 0
    maybe: int = 0
    no: int = 0
    night: int = 0                      # invitees for whom the slot falls outside 07:00–21:00
    night_names: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.yes + 0.5 * self.maybe

    @property
    def everyone_said_no(self) -> bool:
        return self.no > 0 and self.yes == 0 and self.maybe == 0


def rank_slots(consultation: Consultation) -> list[SlotScore]:
    """Slots ranked by yes + ½ if-need-be, then by fewest people at night, then by time."""
    scores = {s.id: SlotScore(s) for s in consultation.slots}
    for invitee in consultation.invitees:
        zone = invitee.zone
        for slot in consultation.slots:
            if times.is_night(slot.starts_at, slot.ends_at, zone):
                scores[slot.id].night += 1
                scores[slot.id].night_names.append(invitee.name)
        for answer in invitee.answers:
            score = scores.get(answer.slot_id)
            if score is not None:
                setattr(score, answer.choice.value, getattr(score, answer.choice.value) + 1)
    return sorted(scores.values(), key=lambda s: (-s.score, s.night, s.slot.starts_at))


@dataclass
class GridCell:
    choice: Choice | None
    local: str        # the slot's start in the invitee's zone
    night: bool


@dataclass
class GridRow:
    invitee: Invitee
    zone: str
    cells: list[GridCell]


def grid(consultation: Consultation) -> list[GridRow]:
    """One row per invitee: their answer to each slot and the slot's local time for them."""
    rows = []
    for invitee in sorted(consultation.invitees, key=lambda i: (i.name.casefold(), i.id)):
        zone = invitee.zone
        answers = {a.slot_id: a.choice for a in invitee.answers}
        rows.append(GridRow(invitee, zone, [
            GridCell(answers.get(s.id), times.show(s.starts_at, zone, named=False, h24=consultation.has_24h_clock),
                     times.is_night(s.starts_at, s.ends_at, zone)) for s in consultation.slots]))
    return rows


# -- the meeting -----------------------------------------------------------------------------------------------
def meeting_url(consultation: Consultation) -> str:
    return external_url("forums.consultation", consultation_id=consultation.id)


def page_url_for(invitee: Invitee) -> str:
    """Where an e-mail sends the invitee to see the meeting: its page, or for a guest (who cannot open it)
    their personal link while it works."""
    if invitee.is_guest:
        return personal_url(invitee) or meeting_url(invitee.consultation)
    return meeting_url(invitee.consultation)


def meeting_ics(consultation: Consultation, method: str, now: datetime) -> bytes:
    from flask import current_app

    convener = consultation.convener
    organizer = ical.Attendee(convener.email, convener.full_name) if convener else None
    attendees = [ical.Attendee(i.email, i.name, i.partstat) for i in consultation.invitees
                 if i.user_id != consultation.convener_id]
    return ical.meeting_to_ical(consultation, meeting_url(consultation), now,
                                ical.uid_domain(current_app.config), method=method, organizer=organizer,
                                attendees=attendees)


def _send_meeting_email(consultation: Consultation, invitee: Invitee, method: str, template: str, subject,
                        ics: bytes | None = None, key: str | None = None, **context) -> None:
    ics = ics if ics is not None else meeting_ics(consultation, method, utcnow())
    queue_email(invitee.recipient, subject, template, zone=invitee_zone(invitee), key=key, guest=invitee.is_guest,
                attachments=[("invite.ics" if method != "CANCEL" else "cancel.ics", ics,
                              f"text/calendar; method={method}; charset=UTF-8")],
                consultation=consultation, page_url=page_url_for(invitee), personal_url=personal_url(invitee),
                **context)


MEETING_MAIL = "forums.meeting_mail"
_MEETING_SUBJECTS = {"invitation": lambda title: _l("Invitation: %(title)s", title=title),
                     "updated": lambda title: _l("Updated: %(title)s", title=title),
                     "cancelled": lambda title: _l("Cancelled: %(title)s", title=title)}


def _send_to_invitees(consultation: Consultation, method: str, template: str, subject: str, now: datetime,
                      **context) -> None:
    """Record in the outbox that every invitee (but the convener) gets the meeting's e-mail with its calendar
    file: the worker writes them (:func:`_deliver_meeting_mail`), so a meeting with 2,000 invitees is
    confirmed as quickly as one with two.

    :param subject: a key of :data:`_MEETING_SUBJECTS`.
    :param context: plain values for the template (``updated``, ``message``).
    """
    events.emit(MEETING_MAIL, {"consultation": consultation.id, "sequence": consultation.sequence, "method": method,
                               "template": template, "subject": subject, "now": now.isoformat(),
                               "context": context},
                key=f"{MEETING_MAIL}:{consultation.id}:{consultation.sequence}:{method}:{now:%Y%m%dT%H%M%S%f}")


@events.handler(MEETING_MAIL)
def _deliver_meeting_mail(payload: dict, event) -> None:
    """Fan a meeting's e-mail out to its invitees, one outbox e-mail each (keyed, so a second delivery of
    this row after a crash records none twice). Nothing is sent when the meeting has moved on since (its
    sequence changed): the e-mail about its newer state follows."""
    consultation = db.session.scalar(sa.select(Consultation).where(Consultation.id == payload["consultation"])
                                     .options(so.selectinload(Consultation.invitees).joinedload(Invitee.user)))
    if consultation is None or consultation.sequence != payload["sequence"]:
        return
    now = datetime.fromisoformat(payload["now"])
    method, template = payload["method"], payload["template"]
    subject = _MEETING_SUBJECTS[payload["subject"]](consultation.title)
    ics = meeting_ics(consultation, method, now)
    for invitee in consultation.invitees:
        if invitee.user_id == consultation.convener_id or not invitee.may_receive:
            continue
        _send_meeting_email(consultation, invitee, method, template, subject, ics=ics, key=f"{event.key}:{invitee.id}",
                            **payload["context"])


def confirm_slot(actor: User, consultation: Consultation, slot: Slot, now: datetime | None = None) -> None:
    """Turn the poll into a scheduled meeting at ``slot`` and send every invitee a calendar invitation.

    :raises DomainError: every answer for that slot is "no" (nobody could come).
    """
    now = now or utcnow()
    _require_manager(actor, consultation)
    if consultation.state not in (ConsultationState.polling, ConsultationState.closed):
        raise InvalidTransitionError(_("This consultation is already scheduled or cancelled."))
    if slot.consultation_id != consultation.id:
        raise DomainError(_("Choose one of the poll's slots."))
    score = next(s for s in rank_slots(consultation) if s.slot.id == slot.id)
    if score.everyone_said_no:
        raise DomainError(_("Everyone who answered said no to this slot: choose another."))
    if slot.starts_at <= now:
        raise DomainError(_("This slot is in the past: choose another, or reschedule."))
    consultation.state = ConsultationState.scheduled
    if consultation.closed_at is None:
        consultation.closed_at, consultation.closed_reason = now, "manual"
    consultation.starts_at, consultation.ends_at = slot.starts_at, slot.ends_at
    consultation.scheduled_at = now
    consultation.sequence = 0
    for invitee in consultation.invitees:
        invitee.response = Response.accepted if invitee.user_id == consultation.convener_id else Response.needs_action
    db.session.flush()
    _send_to_invitees(consultation, "REQUEST", "meeting_invitation", "invitation", now)
    audit.record(actor, "consultation_confirmed", consultation, starts_at=slot.starts_at.isoformat())
    events.reindex_later(consultation)  # a public meeting is found by everyone once scheduled


def reschedule(actor: User, consultation: Consultation, starts_at: datetime, duration_minutes: int | None = None,
               message: str = "", now: datetime | None = None) -> None:
    """Move the meeting: the same calendar UID with SEQUENCE + 1, answers asked again, reminders recomputed
    (they follow the new time, see app/forums/reminders.py)."""
    now = now or utcnow()
    _require_manager(actor, consultation)
    if not consultation.is_scheduled:
        raise InvalidTransitionError(_("Only a scheduled meeting can be rescheduled."))
    if starts_at <= now:
        raise DomainError(_("The new time is in the past."), field="day")
    duration = duration_minutes or consultation.duration_minutes
    if not 5 <= duration <= 24 * 60:
        raise DomainError(_("A meeting lasts from 5 minutes to 24 hours."), field="duration_minutes")
    if starts_at == consultation.starts_at and duration == consultation.duration_minutes:
        raise DomainError(_("That is the time it already has."), field="day")
    consultation.duration_minutes = duration
    consultation.starts_at, consultation.ends_at = starts_at, starts_at + timedelta(minutes=duration)
    consultation.sequence += 1
    consultation.scheduled_at = now
    for invitee in consultation.invitees:
        if invitee.user_id != consultation.convener_id:
            invitee.response, invitee.responded_at = Response.needs_action, None
    db.session.flush()
    _send_to_invitees(consultation, "REQUEST", "meeting_invitation", "updated", now, updated=True,
                      message=(message or "").strip()[:2000])
    audit.record(actor, "consultation_rescheduled", consultation, starts_at=starts_at.isoformat(),
                 sequence=consultation.sequence)
    events.reindex_later(consultation)


def cancel(actor: User, consultation: Consultation, reason: str = "", now: datetime | None = None) -> None:
    """Cancel the consultation; a scheduled meeting is withdrawn from calendars with METHOD:CANCEL."""
    now = now or utcnow()
    _require_manager(actor, consultation)
    if consultation.is_cancelled:
        raise InvalidTransitionError(_("This consultation is already cancelled."))
    was_scheduled = consultation.is_scheduled
    consultation.state = ConsultationState.cancelled
    consultation.cancelled_at = now
    consultation.cancel_reason = (reason or "").strip()[:2000]
    if was_scheduled:
        consultation.sequence += 1
    db.session.flush()
    if was_scheduled:
        _send_to_invitees(consultation, "CANCEL", "meeting_cancelled", "cancelled", now)
    audit.record(actor, "consultation_cancelled", consultation)
    events.reindex_later(consultation)


def respond(invitee: Invitee, response: str, now: datetime | None = None) -> None:
    """An invitee accepts, declines or says tentative (their own answer only)."""
    if not invitee.consultation.is_scheduled:
        raise InvalidTransitionError(_("The meeting is not scheduled."))
    try:
        value = Response(response)
    except ValueError:
        raise DomainError(_("Answer accept, tentative or decline.")) from None
    if value is Response.needs_action:
        raise DomainError(_("Answer accept, tentative or decline."))
    invitee.response, invitee.responded_at = value, now or utcnow()
    db.session.flush()


def set_countries(actor: User, consultation: Consultation, codes: list[str]) -> None:
    """Say which countries the consultation is about (country pages list it); regions stand for their countries."""
    _require_manager(actor, consultation)
    consultation.countries = clean_countries(codes)
    db.session.flush()


def set_reminders(actor: User, consultation: Consultation, first_hours: int | None,
                  second_minutes: int | None) -> None:
    """Which reminders the meeting's invitees get (defaults: 24 hours and 1 hour before)."""
    _require_manager(actor, consultation)
    minutes = sorted({m for m in ((first_hours or 0) * 60, second_minutes or 0) if m > 0}, reverse=True)
    consultation.reminder_minutes = minutes
    db.session.flush()


# -- after the meeting -----------------------------------------------------------------------------------------
def save_minutes(actor: User, consultation: Consultation, text: str, *, send: bool = False,
                 now: datetime | None = None) -> int:
    """Record the minutes (Markdown); optionally e-mail them with the action items. :return: e-mails sent."""
    now = now or utcnow()
    _require_manager(actor, consultation)
    if not consultation.is_scheduled or consultation.starts_at > now:
        raise InvalidTransitionError(_("Minutes can be written once the meeting has started."))
    consultation.minutes = clean_text(text, "minutes")
    consultation.minutes_at = now
    db.session.flush()
    sent = 0
    if send:
        for invitee in consultation.invitees:
            if invitee.may_receive and invitee.response is not Response.declined:
                queue_email(invitee.recipient, _l("Minutes: %(title)s", title=consultation.title), "meeting_minutes",
                            zone=invitee_zone(invitee), consultation=consultation, page_url=page_url_for(invitee),
                            items=consultation.action_items)
                sent += 1
    return sent


def action_item_people(consultation: Consultation) -> list[User]:
    """Who can be given an action: the group's conveners and members for a group's meeting (the work plan's
    rule), else the invitees."""
    if consultation.group is not None:
        from app.actiongroups.workplan.services import responsible_candidates

        return responsible_candidates(consultation.group)
    return sorted((i.user for i in consultation.invitees if not i.is_guest), key=lambda u: u.full_name.casefold())


def add_action_item(actor: User, consultation: Consultation, title: str, responsible_id: int | None,
                    due_date: date | None, now: datetime | None = None) -> ActionItem:
    """Record a follow-up of the meeting. For a group's meeting it also becomes a work item of the group's work
    plan (through the work plan's own service and rules)."""
    now = now or utcnow()
    _require_manager(actor, consultation)
    if not consultation.is_scheduled or consultation.starts_at > now:
        raise InvalidTransitionError(_("Action items are recorded once the meeting has started."))
    title = clean_title(title)
    if responsible_id is not None and responsible_id not in {p.id for p in action_item_people(consultation)}:
        raise DomainError(_("Choose who does it from the list."), field="responsible_id")
    item = ActionItem(consultation_id=consultation.id, title=title, responsible_id=responsible_id, due_date=due_date,
                      created_at=now)
    if consultation.group is not None:
        from app.actiongroups.workplan import services as workplan

        work_item = workplan.create_work_item(actor, consultation.group, workplan.WorkItemData(
            title=title, description=_("Action from the meeting “%(title)s” on %(date)s: %(url)s",
                                       title=consultation.title,
                                       date=times.show_day(consultation.starts_at, consultation.timezone),
                                       url=meeting_url(consultation)),
            due_date=due_date, responsible_id=responsible_id,
            # The meeting's countries stay with its follow-ups on the work plan (and so on the country pages).
            countries=[code for code in expand_regions(consultation.countries or []) if is_country(code)],
            start_date=times.day_in_zone(consultation.starts_at, consultation.timezone)), now=now)
        item.work_item_id = work_item.id
    consultation.action_items.append(item)
    db.session.flush()
    if consultation.group is None and responsible_id is not None:
        person = db.session.get(User, responsible_id)
        notify(person, "action_item_assigned", key=f"action_item:{item.id}:{person.id}",
               url=f"/forums/consultations/{consultation.id}", actor=actor, now=now, item=title,
               consultation=consultation.title)
    return item


def set_action_done(actor: User, item: ActionItem, done: bool = True, now: datetime | None = None) -> None:
    consultation = item.consultation
    _require_manager(actor, consultation)
    if item.work_item is not None:
        from app.actiongroups.workplan import services as workplan
        from app.actiongroups.workplan.models import WorkItemStatus

        workplan.change_status(actor, item.work_item, WorkItemStatus.done if done else WorkItemStatus.in_progress,
                               now=now)
    item.is_done = done
    db.session.flush()


# -- lists -----------------------------------------------------------------------------------------------------
def consultations_of(user: User, limit: int = 50) -> list[Consultation]:
    """Consultations ``user`` convenes or is invited to, newest first (one query)."""
    invited = sa.select(Invitee.consultation_id).where(Invitee.user_id == user.id)
    return list(db.session.scalars(
        sa.select(Consultation).where(sa.or_(Consultation.convener_id == user.id, Consultation.id.in_(invited)))
        .options(so.joinedload(Consultation.group))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc()).limit(limit)))


def visible_to(user) -> sa.ColumnElement[bool] | None:
    """The consultations ``user`` may open, as SQL: :meth:`Consultation.can_view` for many at once (None:
    all of them, for the secretariat). A test checks that both agree for every kind of person."""
    public = sa.and_(Consultation.is_public.is_(True),
                     Consultation.state.in_((ConsultationState.scheduled, ConsultationState.cancelled)))
    if not is_partner(user):
        return public
    if is_secretariat(user):
        return None
    invited = sa.select(Invitee.consultation_id).where(Invitee.user_id == user.id)
    readable = sa.select(ActionGroup.id).where(ActionGroup.workspace_readable_by(user))
    return sa.or_(public, Consultation.convener_id == user.id, Consultation.id.in_(invited),
                  Consultation.audience == Audience.partners, Consultation.group_id.in_(readable))


def _visible(query: sa.Select, user) -> sa.Select:
    condition = visible_to(user)
    return query if condition is None else query.where(condition)


def consultations_to_come(user, now: datetime, limit: int = 50) -> list[Consultation]:
    """What ``user`` may open that is still to come: meetings not over yet (soonest first), then polls not
    yet turned into a meeting (deadline first); at most ``limit`` (one query)."""
    query = sa.select(Consultation).where(sa.or_(
        sa.and_(Consultation.state == ConsultationState.scheduled, Consultation.ends_at > now),
        Consultation.state.in_((ConsultationState.polling, ConsultationState.closed))))
    return list(db.session.scalars(
        _visible(query, user).options(so.joinedload(Consultation.group))
        .order_by(Consultation.state != ConsultationState.scheduled,
                  sa.func.coalesce(Consultation.starts_at, Consultation.deadline_at), Consultation.id)
        .limit(limit)))


def past_consultations(user, now: datetime) -> sa.Select:
    """What ``user`` may open that is over or cancelled, latest first (to paginate)."""
    query = sa.select(Consultation).where(sa.or_(
        sa.and_(Consultation.state == ConsultationState.scheduled, Consultation.ends_at <= now),
        Consultation.state == ConsultationState.cancelled))
    return (_visible(query, user).options(so.joinedload(Consultation.group))
            .order_by(sa.func.coalesce(Consultation.starts_at, Consultation.deadline_at).desc(),
                      Consultation.id.desc()))


def load_consultation(consultation_id: int) -> Consultation | None:
    """A consultation with its slots, invitees (and their people and answers) and group (five queries)."""
    return db.session.get(Consultation, consultation_id, options=[
        so.joinedload(Consultation.group), so.joinedload(Consultation.convener),
        so.selectinload(Consultation.slots),
        so.selectinload(Consultation.invitees).joinedload(Invitee.user),
        so.selectinload(Consultation.invitees).selectinload(Invitee.answers),
        so.selectinload(Consultation.action_items)])


UPCOMING_MAX = 50


def group_consultations_to_come(group: ActionGroup, now: datetime) -> list[Consultation]:
    """The group's meetings still to come (soonest first) and its polls not yet turned into a meeting (deadline
    first), at most UPCOMING_MAX (one query)."""
    return list(db.session.scalars(
        sa.select(Consultation).where(Consultation.group_id == group.id, sa.or_(
            sa.and_(Consultation.state == ConsultationState.scheduled, Consultation.ends_at > now),
            Consultation.state.in_((ConsultationState.polling, ConsultationState.closed))))
        .order_by(Consultation.state != ConsultationState.scheduled,
                  sa.func.coalesce(Consultation.starts_at, Consultation.deadline_at), Consultation.id)
        .limit(UPCOMING_MAX)))


def group_past_consultations(group: ActionGroup, now: datetime) -> sa.Select:
    """The group's meetings that are over and its cancelled consultations, latest first (to paginate)."""
    return (sa.select(Consultation).where(Consultation.group_id == group.id, sa.or_(
        sa.and_(Consultation.state == ConsultationState.scheduled, Consultation.ends_at <= now),
        Consultation.state == ConsultationState.cancelled))
        .order_by(sa.func.coalesce(Consultation.starts_at, Consultation.cancelled_at).desc(), Consultation.id.desc()))


def upcoming_public_meetings(group: ActionGroup, now: datetime, limit: int = 5) -> list[Consultation]:
    """The group's public meetings still to come (its public page)."""
    return list(db.session.scalars(sa.select(Consultation).where(
        Consultation.group_id == group.id, Consultation.is_public.is_(True),
        Consultation.state == ConsultationState.scheduled, Consultation.ends_at > now)
        .order_by(Consultation.starts_at).limit(limit)))
