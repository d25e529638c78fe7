"""The daily digest job: one e-mail a person, each notification e-mailed at most once."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.jobs import send_notification_digests
from app.members.models import UserStatus
from app.notifications import services
from app.notifications.models import Notification
from app.utils import utcnow
from tests.conftest import reload


def _thread(recipient, actor, n, *, kind="thread_new", now=None):
    return services.notify(recipient, kind, key=f"{kind}:{n}:user:{recipient.id}", url=f"/actiongroups/g/t/{n}",
                           actor=actor, now=now, thread=f"Thread {n}", group="Alpha Group")


def test_one_digest_per_recipient_and_never_twice(app, make_user, outbox):
    actor = make_user(full_name="Ada Actor")
    ann, bob = make_user("ann@example.org"), make_user("bob@example.org", locale="es")
    now = utcnow()
    earlier = now - timedelta(hours=5)
    for n in (1, 2):
        _thread(ann, actor, n, now=earlier)
    _thread(bob, actor, 3, now=earlier)
    db.session.commit()

    assert send_notification_digests(now=now) == 2
    by_address = {msg["To"]: msg for msg in outbox}
    assert set(by_address) == {"ann@example.org", "bob@example.org"}
    ann_body = by_address["ann@example.org"].get_content()
    assert "Ada Actor started “Thread 1” in Alpha Group" in ann_body and "“Thread 2”" in ann_body
    assert "“Thread 3”" not in ann_body
    assert f"{app.config['BASE_URL'].rstrip('/')}/actiongroups/g/t/1" in ann_body
    assert by_address["bob@example.org"]["Content-Language"] == "es"
    assert all(n.emailed_at == now for n in db.session.query(Notification))

    # A second run (a restart, a second scheduler) sends nothing.
    assert send_notification_digests(now=now) == 0
    assert len(outbox) == 2


def test_a_later_notification_the_same_day_waits_for_tomorrows_digest(app, make_user, outbox):
    actor, ann = make_user(), make_user()
    now = utcnow().replace(hour=6, minute=0)
    _thread(ann, actor, 1, now=now - timedelta(hours=1))
    db.session.commit()
    assert send_notification_digests(now=now) == 1
    late = _thread(ann, actor, 2, now=now + timedelta(hours=2))
    db.session.commit()
    # Same day again: today's digest went out already (its key), so the new one is not marked sent.
    assert send_notification_digests(now=now + timedelta(hours=3)) == 0
    assert reload(late).emailed_at is None
    assert send_notification_digests(now=now + timedelta(days=1)) == 1
    assert "“Thread 2”" in outbox[-1].get_content() and "“Thread 1”" not in outbox[-1].get_content()


def test_the_digest_leaves_out_immediate_off_read_and_future_notifications(app, make_user, outbox):
    actor, ann = make_user(), make_user()
    now = utcnow()
    before = now - timedelta(hours=1)
    services.set_preferences(ann, {"thread_reply": "immediately", "mention": "daily"})
    _thread(ann, actor, 1, kind="thread_reply", now=before)          # already e-mailed at once
    services.notify(ann, "group_invitation", key="inv:1", url="/actiongroups/g", actor=actor,
                    now=before, group="Alpha Group")                      # immediately by default
    turned_off = _thread(ann, actor, 2, now=before)                       # daily, then turned off
    read = _thread(ann, actor, 3, kind="document_new", now=before)        # seen in the Hub already
    _thread(ann, actor, 4, now=now + timedelta(minutes=1))               # after `now`
    services.notify(ann, "mention", key="mention:5", url="/actiongroups/g", actor=actor, now=before,
                    thread="Thread 5")                                    # chosen daily
    services.set_preferences(ann, {"thread_new": "off"})
    services.mark_read(ann, [read.id], now=before)
    db.session.commit()
    outbox.clear()

    assert send_notification_digests(now=now) == 1
    body = outbox[0].get_content()
    assert "“Thread 5”" in body
    for n in (1, 2, 3, 4):
        assert f"“Thread {n}”" not in body
    assert "invited you" not in body
    assert reload(turned_off).emailed_at is None


def test_suspended_people_get_no_digest(app, make_user, outbox):
    actor, ann = make_user(), make_user()
    now = utcnow()
    _thread(ann, actor, 1, now=now - timedelta(hours=1))
    ann.status = UserStatus.suspended
    db.session.commit()
    assert send_notification_digests(now=now) == 0
    assert outbox == []


def test_no_digest_when_nothing_is_waiting(app, make_user, outbox):
    make_user()
    assert send_notification_digests(now=utcnow()) == 0
    assert outbox == []
