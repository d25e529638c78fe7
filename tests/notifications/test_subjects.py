"""E-mail subjects are short summaries in the reader's language: free text (messages, contacts, reviewers'
comments) goes in the body, and every subject is cut to one short line in one place."""
from __future__ import annotations

import pytest

from app import feature_gateways
from app.extensions import db
from app.mail import SUBJECT_MAX, subject_line
from app.notifications.kinds import KINDS
from app.notifications.services import notify, set_preferences

# The features register their kinds when an app is made; the parameters are collected before any is.
for _gateway in feature_gateways():
    _gateway.register()

LONG = "Lorem ipsum dolor sit amet, consectetur adipiscing elit " * 10  # 560 characters of free text


def test_a_subject_line_is_one_line_cut_at_a_word():
    assert subject_line("Short\nsubject") == "Short subject"
    long = subject_line("word " * 100)
    assert len(long) <= SUBJECT_MAX and long.endswith("word…")
    assert subject_line("x" * 200) == "x" * (SUBJECT_MAX - 1) + "…"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_notification_email_has_a_short_subject_without_free_text(kind, make_user, outbox):
    """Long titles are cut; a person's message, contact details or a reviewer's note never go in the subject."""
    reader, other_reader, actor = make_user(), make_user(), make_user(full_name="Ana Actora")
    for person in (reader, other_reader):
        set_preferences(person, {kind: "immediately"})
    params = {"group": "Cadenas", "thread": "Hilo", "document": "Informe", "item": "Tarea", "pledge": "Inspección",
              "event": "Foro", "consultation": "Consulta", "mine": "Mío", "other": "Otro", "organisation": "Org",
              "role": "member", "message": "FREE " + LONG, "contact": "contact@example.org " + LONG,
              "note": "NOTE " + LONG}
    notify(reader, kind, key=f"k:{kind}", url="/", actor=actor, **params)
    notify(other_reader, kind, key=f"k2:{kind}", url="/", actor=actor,
           **{**params, **{name: "T" * 300 for name in ("pledge", "thread", "group", "mine", "other")}})
    db.session.commit()
    assert len(outbox) == 2
    for mail in outbox:
        subject = mail["Subject"]
        assert len(subject) <= SUBJECT_MAX
        assert "FREE" not in subject and "contact@example.org" not in subject and "NOTE" not in subject
        assert "\n" not in subject
