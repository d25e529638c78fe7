"""An e-mail as text for an outbox row and back (the standard library's generator and parser).

The text is the message as it goes on the wire (``bytes(msg)``: headers encoded, attachments in base64);
the body may be 8-bit UTF-8, so it is decoded as UTF-8 with the undecodable bytes kept as surrogates.

Headers are not folded below 998 characters (RFC 5322's limit) when written, nor refolded when the loaded
message is sent: Python 3.11's folding at 78 drops the space between two encoded words it splits a line
between (CPython gh-144156): 167 of 3,000 generated subjects mixing accented and quoted words lost a space,
and so did a real one ("from the poll  “Due diligence…" arrived as "from the poll  “Duediligence…").
"""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

POLICY = policy.default.clone(max_line_length=998)


def dumps(msg: EmailMessage) -> str:
    return msg.as_bytes(policy=POLICY).decode("utf-8", "surrogateescape")


def loads(text: str) -> EmailMessage:
    return message_from_bytes(text.encode("utf-8", "surrogateescape"), policy=POLICY)
