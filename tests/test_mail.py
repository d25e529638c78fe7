"""E-mail: sent only after commit, in the recipient's language, through the configured backend."""
from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.mail import deliver, queue_email


def test_mail_waits_for_commit_and_is_dropped_on_rollback(app, make_user, outbox):
    user = make_user()
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    assert outbox == []
    db.session.rollback()
    db.session.commit()
    assert outbox == []
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    db.session.commit()
    assert len(outbox) == 1 and outbox[0]["To"] == user.email


def test_every_email_has_a_plain_text_body(app, make_user, outbox):
    user = make_user()
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/r")
    db.session.commit()
    msg = outbox[0]
    assert msg.get_content_type() == "text/plain"
    assert "http://x/r" in msg.get_content()
    assert msg["Message-ID"] and msg["Date"] and msg["From"]


def test_file_backend_writes_eml_files(make_app, tmp_path, make_user):
    app = make_app(MAIL_BACKEND="file", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    user = make_user()
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    db.session.commit()
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == user.email and parsed["Subject"] == "Your password was changed"


def test_smtp_backend_sends_through_the_server(make_app, monkeypatch, make_user):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, msg):
            sent.append(("send", msg["To"]))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    make_app(MAIL_BACKEND="smtp", MAIL_SERVER="smtp.example.org", MAIL_PORT=587, MAIL_USE_TLS=True,
             MAIL_USERNAME="hub", MAIL_PASSWORD="pw")
    user = make_user()
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    db.session.commit()
    assert sent == [("connect", "smtp.example.org", 587), ("starttls",), ("login", "hub"), ("send", user.email)]


def test_unknown_backend_is_an_error(make_app):
    from email.message import EmailMessage

    make_app(MAIL_BACKEND="pigeon")
    with pytest.raises(RuntimeError, match="pigeon"):
        deliver(EmailMessage())
