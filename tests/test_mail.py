"""E-mail: recorded in the outbox with the change, sent by the worker in the recipient's language, through the
configured backend."""
from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from flask_babel import lazy_gettext as _l

from app import events
from app.extensions import db
from app.mail import deliver, queue_email
from tests.conftest import run_outbox


def test_mail_is_recorded_with_the_transaction_and_sent_by_the_worker(app, make_user):
    sent = app.extensions.setdefault("mail_outbox", [])
    user = make_user()
    run_outbox(app)  # what the fixture left (its organisation's search document)
    before = db.session.scalar(db.select(db.func.count()).select_from(events.OutboxEvent))
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    assert sent == []  # nothing is sent inside the request
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(events.OutboxEvent)) == before
    assert run_outbox(app) == 0 and sent == []
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    db.session.commit()
    assert sent == []
    assert run_outbox(app) == 1
    assert len(sent) == 1 and sent[0]["To"] == user.email
    assert run_outbox(app) == 0 and len(sent) == 1


def test_a_keyed_email_is_recorded_once(app, make_user, outbox):
    user = make_user()
    assert queue_email(user, _l("Your password was changed"), "password_changed", key="once:1", user=user,
                       reset_url="http://x/") is not None
    assert queue_email(user, _l("Your password was changed"), "password_changed", key="once:1", user=user,
                       reset_url="http://x/") is None
    db.session.commit()
    assert len(outbox) == 1


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
    run_outbox(app)
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
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="smtp.example.org", MAIL_PORT=587, MAIL_USE_TLS=True,
                   MAIL_USERNAME="hub", MAIL_PASSWORD="pw")
    user = make_user()
    queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/")
    db.session.commit()
    assert sent == []  # not inside the request
    run_outbox(app)
    assert sent == [("connect", "smtp.example.org", 587), ("starttls",), ("login", "hub"), ("send", user.email)]


def test_unknown_backend_is_an_error(make_app):
    from email.message import EmailMessage

    make_app(MAIL_BACKEND="pigeon")
    with pytest.raises(RuntimeError, match="pigeon"):
        deliver(EmailMessage())


def test_subjects_arrive_with_every_space():
    """Python 3.11's header folding lost the space between two encoded words it folded apart (in about 1 of 20
    generated subjects mixing accents and quotes): the subject is written to the outbox row, read back and sent
    as is."""
    import random
    from email.message import EmailMessage

    from app import mailcodec

    words = ["Due", "diligence", "“Due", "diligence…", "Pérez", "à", "l’école", "consultation", "«", "»", "niños",
             "Überprüfung", "x" * 30, "—", "dans", "les", "chaînes", "trabajo", "infantil"]
    rng = random.Random(20261206)
    subjects = ["Cleo Convener removed a slot you had answered from the poll “Due diligence…"]
    subjects += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 16))) for _ in range(500)]
    for subject in subjects:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, "hub@example.org", "ana@example.org"
        msg.set_content("Body")
        sent = bytes(mailcodec.loads(mailcodec.dumps(msg)))  # what the SMTP and file backends send
        assert message_from_bytes(sent, policy=policy.default)["Subject"] == subject
