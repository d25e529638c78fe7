"""Notifying people, their delivery preferences, read marks, and the daily digest (flush, never commit)."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context
from flask_babel import LazyString, lazy_ngettext
from flask_login import current_user

from app import events
from app.extensions import db
from app.mail import queue_email
from app.members.models import User, UserStatus
from app.notifications.kinds import KINDS, subject
from app.notifications.models import Delivery, Notification, NotificationPreference
from app.urls import absolute_url, external_url
from app.utils import is_safe_next, utcnow

logger = logging.getLogger(__name__)

EMAIL = "notifications.email"   # outbox kind: render and queue one notification's e-mail (in the worker)


def notify(recipient: User, kind: str, *, key: str, url: str, actor: User | None = None,
           now: datetime | None = None, reply_to=None, email: bool = True, **params) -> Notification | None:
    """Tell ``recipient`` that something happened, in the Hub and, if they want it now, by e-mail.

    Nothing happens when the recipient is the actor, is not an approved member, already has a
    notification with this ``key``, or turned this kind off.

    :param kind: a name from :data:`app.notifications.kinds.KINDS`.
    :param key: names the event for this recipient, e.g. ``f"reply:{post.id}:user:{user.id}"``.
    :param url: a path inside the Hub where the thing can be seen, e.g. ``/actiongroups/x/workspace``.
    :param reply_to: for a message from one person to another, who a reply to the e-mail reaches (a User
        or an address); the e-mail sent at once carries it.
    :param email: False when the caller e-mails the person itself (a confirmation with a calendar file):
        the notification is then only shown in the Hub.
    :param params: plain strings and integers for the message's placeholders; ``actor`` defaults to
        the actor's name.
    :return: the new notification, or None when nothing was recorded.
    :raises ValueError: for an unknown kind, a URL outside the Hub, or a param that is not plain.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    if not is_safe_next(url):
        raise ValueError(f"A notification links to a path inside the Hub, not {url!r}")
    for name, value in params.items():
        # Plain values only: a lazy string would be stored in the sender's language.
        if type(value) not in (str, int):
            raise ValueError(f"Notification param {name!r} must be a str or an int, not {type(value).__name__}")
    if actor is not None and actor.id == recipient.id:
        return None
    if not recipient.is_approved:
        return None
    if db.session.scalar(sa.select(Notification.id).where(Notification.key == key)) is not None:
        return None
    delivery = delivery_for(recipient, kind)
    if delivery is Delivery.off:
        return None
    now = now or utcnow()
    if actor is not None:
        params.setdefault("actor", actor.full_name)
    notification = Notification(recipient=recipient, actor=actor, kind=kind, params=params, url=url, key=key,
                                created_at=now)
    db.session.add(notification)
    db.session.flush()
    if delivery is Delivery.immediately and email:
        # The worker renders the e-mail (in the recipient's language) and queues it: a notice to every member
        # of a large group renders nothing inside the request. emailed_at is set now so that the digest
        # never takes the notification too.
        events.emit(EMAIL, {"notification": notification.id, **_reply_to_payload(reply_to)},
                    key=f"{EMAIL}:{notification.id}")
        notification.emailed_at = now
    logger.info("Notification %r for %s (%s)", notification, recipient, delivery.value)
    return notification


def _reply_to_payload(reply_to) -> dict:
    if reply_to is None:
        return {}
    if isinstance(reply_to, User):
        return {"reply_to_user": reply_to.id}
    return {"reply_to": str(reply_to)}


@events.handler(EMAIL)
def _email_notification(payload: dict, event) -> None:
    """The worker's side of an immediate notification: render its e-mail and queue it (once: keyed by the
    notification), unless the notification or its recipient's access is gone meanwhile."""
    notification = db.session.get(Notification, payload["notification"])
    if notification is None or not notification.recipient.is_approved:
        return
    reply_to = (db.session.get(User, payload["reply_to_user"]) if payload.get("reply_to_user")
                else payload.get("reply_to"))
    # The subject is rendered lazily, inside queue_email's switch to the recipient's language.
    queue_email(notification.recipient, LazyString(subject, notification), "notification", reply_to=reply_to,
                key=f"notification:{notification.id}", notification=notification,
                link=absolute_url(notification.url), preferences_url=external_url("notifications.preferences"))


# -- preferences -----------------------------------------------------------------------------------
def preferences_of(user: User) -> dict[str, Delivery]:
    """Every kind's delivery for ``user``: their choice, or else the kind's default."""
    chosen = dict(db.session.execute(
        sa.select(NotificationPreference.kind, NotificationPreference.delivery)
        .where(NotificationPreference.user_id == user.id)).tuples().all())
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


def delivery_for(user: User, kind: str) -> Delivery:
    """How ``user`` wants to hear about ``kind``: their choice, or else the kind's default."""
    chosen = db.session.scalar(sa.select(NotificationPreference.delivery).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return chosen or KINDS[kind].default


def set_preferences(user: User, choices: Mapping[str, Delivery | str]) -> None:
    """Record ``user``'s delivery per kind. A choice equal to the default is stored as no row, so
    people who never changed a kind follow its default if it changes.

    :raises ValueError: for an unknown kind or delivery.
    """
    choices = {kind: Delivery(delivery) for kind, delivery in choices.items()}
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown notification kinds {sorted(unknown)}")
    existing = {p.kind: p for p in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind, delivery in choices.items():
        row = existing.get(kind)
        if delivery is KINDS[kind].default:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
        else:
            row.delivery = delivery
    db.session.flush()
    logger.info("Notification preferences of %s set: %s", user, {k: v.value for k, v in choices.items()})


# -- reading ---------------------------------------------------------------------------------------
def notifications_of(user: User) -> sa.Select:
    """A query for ``user``'s notifications, unread first, then newest first."""
    return (sa.select(Notification).where(Notification.recipient_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()))


def get_notification(user: User, notification_id: int) -> Notification | None:
    """``user``'s notification with this id; None if there is none or it is someone else's."""
    return db.session.scalar(sa.select(Notification).where(
        Notification.id == notification_id, Notification.recipient_id == user.id))


def mark_read(user: User, ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Mark ``user``'s notifications read: those with ``ids``, or all of them when ``ids`` is None.

    Ids of other people's notifications are ignored. :return: how many changed.
    """
    query = sa.update(Notification).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    result = db.session.execute(query.values(read_at=now or utcnow()).execution_options(synchronize_session="fetch"))
    return result.rowcount


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread (one COUNT query)."""
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None))) or 0


def current_unread_count() -> int:
    """The signed-in person's unread count for the navbar bell, queried at most once a request."""
    if not (has_request_context() and current_user.is_authenticated):
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications


# -- daily digest ----------------------------------------------------------------------------------
def queue_daily_digests(now: datetime) -> int:
    """Queue one e-mail per person listing their unread notifications not yet e-mailed whose kind they
    get as a daily digest, and mark those e-mailed. Run twice, it sends nothing new: the notifications
    are marked, and the e-mail's key (one a person a day) is recorded.

    :return: the number of e-mails queued.
    """
    daily_by_default = [name for name, kind in KINDS.items() if kind.default is Delivery.daily]
    pref = NotificationPreference
    # The person chose "daily" for the kind, or made no choice and the kind is daily by default.
    gets_daily = sa.or_(pref.delivery == Delivery.daily,
                        sa.and_(pref.id.is_(None), Notification.kind.in_(daily_by_default)))
    pending = db.session.scalars(
        sa.select(Notification)
        .join(Notification.recipient)
        .outerjoin(pref, sa.and_(pref.user_id == Notification.recipient_id, pref.kind == Notification.kind))
        .where(Notification.emailed_at.is_(None), Notification.read_at.is_(None), Notification.created_at <= now,
               User.status == UserStatus.active, gets_daily)
        .options(so.contains_eager(Notification.recipient))
        .order_by(Notification.recipient_id, Notification.created_at, Notification.id)).all()
    by_recipient: dict[User, list[Notification]] = {}
    for notification in pending:
        by_recipient.setdefault(notification.recipient, []).append(notification)
    sent = 0
    home = absolute_url("")
    for user, items in by_recipient.items():
        subject = lazy_ngettext("%(num)d new notification on the Alliance 8.7 Hub",
                                "%(num)d new notifications on the Alliance 8.7 Hub", len(items))
        if not queue_email(user, subject, "notification_digest", key=f"digest:{user.id}:{now.date()}",
                           notifications=items, home=home, notifications_url=external_url("notifications.index"),
                           preferences_url=external_url("notifications.preferences")):
            continue  # today's digest already went out: these wait for tomorrow's
        for notification in items:
            notification.emailed_at = now
        sent += 1
    db.session.flush()
    logger.info("Notification digests queued: %d", sent)
    return sent
