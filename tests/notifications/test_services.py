"""notify(), preferences, read marks and the unread count, through the services."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.members.models import UserStatus
from app.notifications import services
from app.notifications.models import Delivery, Notification, NotificationPreference
from app.utils import utcnow


def _notify(recipient, actor, kind="group_join_request", key="k:1", **params):
    params.setdefault("group", "Alpha Group")
    return services.notify(recipient, kind, key=key, url="/actiongroups/alpha", actor=actor, **params)


def test_notify_records_a_notification_with_the_actors_name(app, make_user):
    actor, person = make_user(full_name="Ada Actor"), make_user()
    notification = _notify(person, actor)
    db.session.commit()
    assert notification.recipient == person and notification.actor == actor
    assert notification.params == {"group": "Alpha Group", "actor": "Ada Actor"}
    assert notification.read_at is None and notification.created_at is not None
    assert repr(notification).startswith(f"<Notification {notification.id} group_join_request")


def test_notify_skips_the_actor_themself(app, make_user):
    person = make_user()
    assert _notify(person, person) is None
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_notify_skips_people_who_are_not_approved(app, make_user):
    actor, applicant = make_user(), make_user(status=UserStatus.pending)
    assert _notify(applicant, actor) is None


def test_the_same_key_never_notifies_twice(app, make_user, outbox):
    actor, person = make_user(), make_user()
    assert _notify(person, actor, key="reply:1:user:2") is not None
    assert _notify(person, actor, key="reply:1:user:2") is None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1
    assert len(outbox) == 1


def test_notify_skips_kinds_the_person_turned_off(app, make_user, outbox):
    actor, person = make_user(), make_user()
    services.set_preferences(person, {"group_join_request": "off"})
    assert _notify(person, actor) is None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    assert outbox == []


def test_an_immediate_notification_is_emailed_in_the_recipients_language(app, make_user, outbox):
    actor = make_user(full_name="Ada Actor")
    person = make_user("marie@example.org", locale="fr", full_name="Marie Curie")
    notification = _notify(person, actor)
    assert notification.emailed_at is not None
    assert outbox.sent == []  # recorded in the outbox, sent by the worker once the transaction commits
    db.session.commit()
    [msg] = outbox
    assert msg["To"] == "marie@example.org"
    assert msg["Content-Language"] == "fr"
    assert "Ada Actor" in msg["Subject"] and "Alpha Group" in msg["Subject"]
    body = msg.get_content()
    assert "Bonjour Marie Curie," in body
    assert f"{app.config['BASE_URL'].rstrip('/')}/actiongroups/alpha" in body
    assert "/notifications/preferences" in body


def test_the_request_renders_no_email_the_worker_does(app, make_user, outbox, monkeypatch):
    """notify() records the in-app notification at once and one outbox row; the e-mail is rendered by the
    worker (a notice to a large group renders nothing inside the request)."""
    from app import events, mail

    actor = make_user(full_name="Ada Actor")
    people = [make_user(f"member{n}@example.org", locale=locale) for n, locale in enumerate(["fr", "es", "en"])]
    rendered = []
    monkeypatch.setattr(mail, "render_template", lambda *a, **kw: rendered.append(a) or "body")
    for n, person in enumerate(people):
        assert _notify(person, actor, key=f"k:{n}") is not None
    db.session.commit()
    assert rendered == []                                   # nothing rendered in the "request"
    rows = db.session.execute(sa.select(events.OutboxEvent.kind, sa.func.count()).where(
        events.OutboxEvent.kind.in_((mail.KIND, services.EMAIL))).group_by(events.OutboxEvent.kind)).all()
    assert dict(rows) == {services.EMAIL: 3}                # no e-mail yet: three rows for the worker
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 3  # in-app: at once
    monkeypatch.undo()
    assert sorted(msg["To"] for msg in outbox) == [p.email for p in people]
    assert len(outbox) == 3                                 # a second drain sends nothing twice


def test_a_notification_whose_recipient_lost_access_is_not_emailed(app, make_user, outbox):
    actor = make_user(full_name="Ada Actor")
    person = make_user("gone@example.org")
    assert _notify(person, actor) is not None
    db.session.commit()
    person.status = UserStatus.suspended
    db.session.commit()
    assert outbox == []


def test_a_daily_notification_waits_for_the_digest(app, make_user, outbox):
    actor, person = make_user(), make_user()
    notification = _notify(person, actor, kind="thread_new", thread="Budget", key="thread:1")
    db.session.commit()
    assert notification.emailed_at is None and outbox == []


def test_no_email_is_sent_if_the_transaction_is_rolled_back(app, make_user, outbox):
    actor, person = make_user(), make_user()
    _notify(person, actor)
    db.session.rollback()
    assert outbox == []


@pytest.mark.parametrize("kind, url, params", [
    ("no_such_kind", "/x", {}),
    ("mention", "https://evil.example.com/", {}),
    ("mention", "//evil.example.com/", {}),
    ("mention", "/x", {"thread": _l("Lazy")}),    # would be stored in the sender's language
    ("mention", "/x", {"thread": object()}),
])
def test_notify_refuses_programming_errors(app, make_user, kind, url, params):
    actor, person = make_user(), make_user()
    with pytest.raises(ValueError):
        services.notify(person, kind, key="k", url=url, actor=actor, **params)


def test_preferences_default_per_kind_and_store_only_changes(app, make_user):
    person = make_user()
    assert services.delivery_for(person, "mention") is Delivery.immediately
    assert services.delivery_for(person, "thread_reply") is Delivery.daily
    services.set_preferences(person, {"mention": "daily", "thread_reply": "daily", "document_new": Delivery.off})
    assert services.delivery_for(person, "mention") is Delivery.daily
    assert services.delivery_for(person, "document_new") is Delivery.off
    stored = db.session.scalars(sa.select(NotificationPreference.kind)).all()
    assert sorted(stored) == ["document_new", "mention"]  # thread_reply is daily by default
    services.set_preferences(person, {"mention": "immediately"})  # back to the default: no row
    assert services.preferences_of(person)["mention"] is Delivery.immediately
    assert sorted(db.session.scalars(sa.select(NotificationPreference.kind)).all()) == ["document_new"]


def test_set_preferences_refuses_unknown_kinds_and_deliveries(app, make_user):
    person = make_user()
    with pytest.raises(ValueError):
        services.set_preferences(person, {"no_such_kind": "off"})
    with pytest.raises(ValueError):
        services.set_preferences(person, {"mention": "weekly"})


def test_mark_read_some_or_all_and_only_ones_own(app, make_user):
    actor, person, other = make_user(), make_user(), make_user()
    mine = [_notify(person, actor, key=f"mine:{i}") for i in range(3)]
    theirs = _notify(other, actor, key="theirs")
    assert services.unread_count(person) == 3
    assert services.mark_read(person, [mine[0].id, theirs.id], now=utcnow()) == 1
    assert services.unread_count(person) == 2 and services.unread_count(other) == 1
    assert services.mark_read(person) == 2
    db.session.commit()
    assert services.unread_count(person) == 0 and services.unread_count(other) == 1
    assert all(db.session.get(Notification, n.id).read_at is not None for n in mine)
