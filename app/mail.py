"""Outgoing e-mail: rendered in the recipient's language, recorded in the outbox, sent by the worker.

:func:`queue_email` renders the message inside the request (or job) and records it as an outbox row in
the same transaction as the change it tells about (:mod:`app.events`): nothing is sent if the
transaction rolls back, and nothing is sent inside a request. The worker (``flask run-worker``) hands
each row to the configured backend with retries and backoff, and marks it sent only after the backend
took it. Delivery is at least once: a worker killed between handing a message over and recording it
sends it again, with the same Message-ID (derived from the row's key), so the copy can be recognised.

Backends (``MAIL_BACKEND``): ``file`` writes each message as an ``.eml`` file in ``MAIL_OUTBOX_DIR``
(the ``make run`` default, readable by the secretariat at /admin/outbox); ``smtp`` sends through
``MAIL_SERVER``; ``memory`` keeps messages in ``app.extensions["mail_outbox"]`` for tests.
"""
from __future__ import annotations

import hashlib
import logging
import smtplib
import uuid
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import formatdate
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from app import events, mailcodec
from app.i18n import all_timezones, force_timezone
from app.utils import utcnow

logger = logging.getLogger(__name__)

KIND = "email"
MESSAGE_ID_DOMAIN = "hub.example.org"


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
                zone: str | None = None, reply_to=None, key: str | None = None, headers: Mapping[str, str] | None = None,
                **context) -> EmailMessage | None:
    """Render an e-mail for ``recipient`` in their language and time zone and record it in the outbox: the
    worker sends it once the transaction has committed.

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
    :param key: names the e-mail (e.g. ``f"digest:{user.id}:{day}"``) so that it is recorded once: when the
        key is recorded already, nothing is rendered or recorded.
    :param headers: more header fields, e.g. ``List-Unsubscribe`` (a newsletter); values on one line.
    :return: the message recorded, or None when ``key`` was recorded already.
    """
    if key is not None and events.recorded([key]):
        return None
    key = key or f"{KIND}:{uuid.uuid4().hex}"
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
    msg["Message-ID"] = message_id(key)
    for name, value in (headers or {}).items():
        if name in msg:
            raise ValueError(f"The header {name} is set by queue_email")
        msg[name] = " ".join(str(value).split())
    msg.set_content(body)
    for filename, content, content_type in attachments:
        kind, *params = (part.strip() for part in content_type.split(";"))
        maintype, subtype = kind.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename,
                           params=dict(p.split("=", 1) for p in params if "=" in p))
    msg["Content-Language"] = locale  # after set_content and attachments, which move Content-* headers
    # A second worker recording the same key at the same moment: the key's UNIQUE index lets one through.
    return msg if events.emit(KIND, {"message": mailcodec.dumps(msg)}, key=key) else None


def message_id(key: str) -> str:
    """The Message-ID of the e-mail recorded under ``key``: the same for every attempt to deliver it."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{MESSAGE_ID_DOMAIN}>"


def discard_queued_emails() -> int:
    """Drop the e-mails (and fan-outs to e-mails) this session recorded that are not sent yet (demo data
    loads); return how many rows."""
    return events.discard_emitted()


def _is_zone(name: str | None) -> bool:
    return bool(name) and name in all_timezones()


def _address(person) -> Address | str:
    """A header address for a User (with their name) or an address string."""
    email = getattr(person, "email", None)
    if email is None:
        return str(person)
    username, _, domain = email.partition("@")
    return Address(display_name=" ".join((person.full_name or "").split()), username=username, domain=domain)


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


@events.handler(KIND)
def _deliver_recorded(payload: dict, event) -> None:
    deliver(mailcodec.loads(payload["message"]))


def outbox_messages() -> list[EmailMessage]:
    """Messages captured by the memory backend (tests)."""
    return current_app.extensions.setdefault("mail_outbox", [])
