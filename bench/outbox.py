"""The request that confirms a consultation with 500 invitees (DESIGN.md §6, issue 18: ≤ 300 ms), and the
worker's time to deliver what it recorded.

Before the outbox the request rendered and sent 500 e-mails with their calendar files itself (about 2 s on
this machine, with the file backend); now it records one outbox row, and the worker fans it out into 500
e-mails and sends them. Each timed request confirms a consultation of its own (a confirmed one cannot be
confirmed again), built directly in the database.
"""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

from bench.common import fresh_app, percentile

INVITEES = 500
REQUESTS = 15


def _consultations(app, convener_email: str) -> list[tuple[int, int]]:
    """``REQUESTS`` + 1 polls with ``INVITEES`` approved invitees each; returns (consultation id, slot id) pairs."""
    from app.extensions import db
    from app.forums.consultation_models import Consultation, ConsultationState, Invitee, Slot
    from app.members.models import Organisation, OrganisationStatus, OrgRole, User, UserStatus
    from app.utils import utcnow

    now = utcnow()
    with app.app_context():
        convener = db.session.scalar(db.select(User).where(User.email == convener_email))
        org = db.session.scalar(db.select(Organisation).where(Organisation.status == OrganisationStatus.active))
        people = [User(email=f"invitee{i}@bench.example.org", full_name=f"Invitee {i}", organisation=org,
                       org_role=OrgRole.member, status=UserStatus.active, timezone=("Asia/Bangkok", "UTC")[i % 2])
                  for i in range(INVITEES)]
        db.session.add_all(people)
        db.session.flush()
        made = []
        for n in range(REQUESTS + 1):
            consultation = Consultation(
                title=f"Bench consultation {n}", purpose="Agree the guidance.", convener_id=convener.id,
                timezone="Europe/Zurich", deadline_at=now + timedelta(days=1), state=ConsultationState.polling,
                created_at=now, updated_at=now)
            consultation.slots = [Slot(starts_at=now + timedelta(days=7, hours=h)) for h in (9, 15)]
            consultation.invitees = [Invitee(user_id=convener.id, created_at=now)] + [
                Invitee(user_id=p.id, created_at=now) for p in people]
            db.session.add(consultation)
            db.session.flush()
            made.append((consultation.id, consultation.slots[0].id))
        db.session.commit()
    return made


def run() -> None:
    from app import events
    from app.demo_data import DEMO_PASSWORD
    from app.extensions import db

    app = fresh_app(MAIL_BACKEND="memory")
    convener = "focal@mlswr.example.org"
    made = _consultations(app, convener)
    client = app.test_client()
    assert client.post("/login", data={"email": convener, "password": DEMO_PASSWORD}).status_code == 302
    with app.app_context():  # the demo data's own rows out of the way
        events.deliver_due(limit=100_000)
        db.session.remove()
    # The first consultation warms the request up and measures the worker: one fan-out, 500 e-mails.
    (first_id, first_slot), *timed = made
    assert client.post(f"/forums/consultations/{first_id}/confirm", data={"slot_id": first_slot}).status_code in (
        200, 302)
    with app.app_context():
        started = time.perf_counter()
        delivered = events.deliver_due(limit=100_000)
        worker_s = time.perf_counter() - started
        db.session.remove()
    sent = len(app.extensions.get("mail_outbox", []))
    times = []
    for consultation_id, slot_id in timed:
        started = time.perf_counter()
        response = client.post(f"/forums/consultations/{consultation_id}/confirm", data={"slot_id": slot_id})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302), response.status_code
    with app.app_context():
        due = events.status().due  # what each request recorded; nothing was sent in the request
        db.session.remove()
    assert due % REQUESTS == 0 and len(app.extensions.get("mail_outbox", [])) == sent, due
    print(f"confirm a consultation with {INVITEES} invitees ({REQUESTS} requests): "
          f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms (target <= 300 ms); "
          f"{due // REQUESTS} outbox rows recorded by each")
    print(f"worker: {delivered} outbox rows delivered ({sent} e-mails) for one consultation in {worker_s:.1f} s "
          f"({worker_s / max(sent, 1) * 1000:.0f} ms an e-mail, memory backend)")
