"""An e-mail as text for an outbox row and back (the standard library's generator and parser).

The text is the message as it goes on the wire (``bytes(msg)``: headers encoded, attachments in base64);
the body may be 8-bit UTF-8, so it is decoded as UTF-8 with the undecodable bytes kept as surrogates.
"""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage


def dumps(msg: EmailMessage) -> str:
    return bytes(msg).decode("utf-8", "surrogateescape")


def loads(text: str) -> EmailMessage:
    return message_from_bytes(text.encode("utf-8", "surrogateescape"), policy=policy.default)
