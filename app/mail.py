"""Outgoing e-mail: rendered in the recipient's language, sent only once the transaction commits.

Backends (``MAIL_BACKEND``): ``file`` writes each message as an ``.eml`` file in ``MAIL_OUTBOX_DIR``
(the ``make run`` default, readable by the secretariat at /admin/outbox); ``smtp`` sends through
``MAIL_SERVER``; ``memory`` keeps messages in ``app.extensions["mail_outbox"]`` for tests.
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.i18n import all_timezones, force_timezone
from app.types import UTCDateTime
from app.utils import utcnow

logger = logging.getLogger(__name__)

_PENDING = "pending_mail"


class SentEmailKey(db.Model):
    """One row per e-mail that must never go out twice (reminders, digests)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SentEmailKey {self.key}>"


# A subject is a short summary: mail programs show about this much in a list, and the body says the rest.
SUBJECT_MAX = 90


def subject_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """``text`` as one line of at most ``limit`` characters, cut at a word with "…" if it is longer (a newline
    from user text would break the header; a long title would push the point out of sight)."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def queue_email(recipient, subject, template: str, attachments: Iterable[tuple[str, bytes, str]] = (), *,
                zone: str | None = None, reply_to=None, **context) -> EmailMessage:
    """Render an e-mail for ``recipient`` in their language and time zone; send it when the session commits.

    The subject and the body are rendered inside the recipient's language and zone, so anything the template
    formats (dates with the ``date``/``datetime``/``clock`` filters, lazy strings) is in their terms: pass
    dates and objects, never text formatted beforehand.

    :param recipient: a User (its ``locale`` picks the language, its ``timezone`` the zone) or an address.
    :param subject: a lazy string (``lazy_gettext``), translated in the recipient's language; cut to
        :data:`SUBJECT_MAX` characters.
    :param template: name under ``templates/email/`` without ``.txt``.
    :param attachments: ``(filename, content, content type)`` triples; the content type may carry
        parameters, e.g. ``text/calendar; method=REQUEST`` for a calendar invitation.
    :param zone: the zone for a recipient who has none (e.g. the meeting's), else the default zone.
    :param reply_to: a User or an address string: who a reply reaches (person-to-person messages).
    """
    address = getattr(recipient, "email", recipient)
    locale = getattr(recipient, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    own_zone = getattr(recipient, "timezone", None)
    with force_locale(locale), force_timezone(own_zone if _is_zone(own_zone) else zone):
        body = render_template(f"email/{template}.txt", recipient=recipient, **context)
        subject_text = subject_line(str(subject))
    msg = EmailMessage()
    msg["Subject"] = subject_text
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = address
    if reply_to is not None:
        msg["Reply-To"] = _address(reply_to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="hub.example.org")
    msg.set_content(body)
    for filename, content, content_type in attachments:
        kind, *params = (part.strip() for part in content_type.split(";"))
        maintype, subtype = kind.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename,
                           params=dict(p.split("=", 1) for p in params if "=" in p))
    msg["Content-Language"] = locale  # after set_content and attachments, which move Content-* headers
    db.session.info.setdefault(_PENDING, []).append(msg)
    return msg


def _is_zone(name: str | None) -> bool:
    return bool(name) and name in all_timezones()


def _address(person) -> Address | str:
    """A header address for a User (with their name) or an address string."""
    email = getattr(person, "email", None)
    if email is None:
        return str(person)
    username, _, domain = email.partition("@")
    return Address(display_name=" ".join((person.full_name or "").split()), username=username, domain=domain)


def queue_email_once(key: str, recipient, subject, template: str, **context) -> bool:
    """Queue an e-mail unless one with ``key`` was already sent; return whether it was queued."""
    if sent_keys([key]):
        return False
    mark_sent([key])
    queue_email(recipient, subject, template, **context)
    return True


# Keys per query: far under the bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
_KEYS_PER_QUERY = 1000


def sent_keys(keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` were already recorded (one query per thousand keys).

    With :func:`mark_sent`, a job that sends one e-mail standing for several keys (a pledge's reminders
    due the same day) checks them all at once and records them all.
    """
    wanted = sorted(set(keys))
    found: set[str] = set()
    for i in range(0, len(wanted), _KEYS_PER_QUERY):
        chunk = wanted[i:i + _KEYS_PER_QUERY]
        found.update(db.session.scalars(sa.select(SentEmailKey.key).where(SentEmailKey.key.in_(chunk))))
    return found


def mark_sent(keys: Iterable[str]) -> None:
    """Record ``keys`` so the e-mails they stand for never go out again (the UNIQUE key stops a second
    scheduler running at the same time: its commit fails and its e-mails are dropped)."""
    db.session.add_all(SentEmailKey(key=key) for key in dict.fromkeys(keys))


def discard_queued_emails() -> int:
    """Drop the e-mails queued in this transaction (demo data loads use it); return how many."""
    return len(db.session.info.pop(_PENDING, []))


def deliver(msg: EmailMessage) -> None:
    """Hand one message to the configured backend."""
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(msg)
    elif backend == "file":
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"  # sorts by time
        (outbox / name).write_bytes(bytes(msg))
    elif backend == "smtp":
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(msg)
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}")
    logger.info("E-mail %r sent to %s", msg["Subject"], msg["To"])


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    for msg in session.info.pop(_PENDING, []):
        try:
            deliver(msg)
        except Exception:  # a mail server outage must not undo a committed change
            logger.exception("Could not send e-mail %r to %s", msg["Subject"], msg["To"])


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def outbox_messages() -> list[EmailMessage]:
    """Messages captured by the memory backend (tests)."""
    return current_app.extensions.setdefault("mail_outbox", [])
