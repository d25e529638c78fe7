"""Journeys across two hosts of one Hub (issue 18), run by scripts/two_hosts.sh against real servers:
two gunicorn instances (A and B), two workers, PostgreSQL, Redis, an S3-compatible store and an SMTP
server on loopback (tests/twohost/smtp_sink.py) the workers send the outbox's e-mails to.

Every wait polls with a bounded deadline; no sleep is an assertion.

The two outbox journeys come last, in this order: the SMTP server that refuses for a while (set
TWO_HOSTS_SMTP_REFUSE_SECONDS=60 for the issue's full minute; the workers retry after 1, 2, 4... s), then
the 50 invitees with one worker SIGKILLed half-way (it is not restarted: the other worker finishes).
Their invitees are made in the database by the test (no e-mail for that), the meeting is confirmed
through a host's page, and the SMTP server counts what it accepted per recipient.
"""
from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.request
import uuid
from collections import Counter
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not os.environ.get("TWO_HOSTS"),
                                reason="needs the servers scripts/two_hosts.sh starts (TWO_HOSTS=1)")

DEMO_PASSWORD = "hub-demo-2026!"
CONVENER = "focal@unodwp.example.org"   # convenes Supply Chains in the demo data
AUTHOR = "focal@ndca.example.org"       # Nordic Development Cooperation Agency (demo)
EXISTING = "Child labour monitoring and remediation for 50,000 cocoa farmers"
CLIENT = "198.51.100.23"                # the client's address, as the load balancer reports it
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def hosts() -> tuple[str, str]:
    return os.environ["HUB_A"], os.environ["HUB_B"]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _session(client: str = CLIENT):
    import requests

    session = requests.Session()
    session.headers["X-Forwarded-For"] = client  # what the load balancer in front of both hosts adds
    return session


def _login(session, base: str, email: str, password: str = DEMO_PASSWORD):
    token = _csrf(session.get(f"{base}/login", timeout=10).text)
    return session.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                        allow_redirects=False, timeout=10)


def _signed_in(base: str, email: str):
    session = _session(f"192.0.2.{uuid.uuid4().int % 200 + 1}")
    response = _login(session, base, email)
    assert response.status_code == 302, f"could not sign in as {email} on {base}"
    return session


def _poll(what: str, seconds: float, probe):
    """Call ``probe`` until it returns something true, for at most ``seconds``; return that."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.05)


def test_a_file_uploaded_on_host_a_downloads_from_host_b(hosts):
    a, b = hosts
    session = _signed_in(a, CONVENER)  # signed cookies: the same session is valid on both hosts
    form = session.get(f"{a}/actiongroups/supply-chains/documents/new", timeout=10).text
    name = f"two-hosts-{uuid.uuid4().hex[:8]}.pdf"
    response = session.post(f"{a}/actiongroups/supply-chains/documents/new", allow_redirects=False, timeout=30,
                            data={"csrf_token": _csrf(form), "title": f"Two hosts {name}", "description": "",
                                  "language": "en"},
                            files={"file": (name, PDF, "application/pdf")})
    assert response.status_code == 302, response.text[:500]
    page = session.get(f"{b}{response.headers['Location']}", timeout=10)  # the document's page, on host B
    assert page.status_code == 200 and name in page.text
    link = re.search(r'href="(/actiongroups/supply-chains/documents/\d+/versions/\d+/download)"', page.text)
    assert link, "no download link on the document page"
    download = session.get(f"{b}{link.group(1)}", timeout=10)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    # the bytes live in the object store: neither host's own folder holds a file
    for folder in (os.environ["HUB_A_UPLOAD_DIR"], os.environ["HUB_B_UPLOAD_DIR"]):
        assert [p for p in Path(folder).rglob("*") if p.is_file()] == []
    # and someone not signed in gets no bytes from either host
    stranger = _session()
    for base in (a, b):
        refused = stranger.get(f"{base}{link.group(1)}", allow_redirects=False, timeout=10)
        assert refused.status_code == 302 and refused.content != PDF


def test_failed_sign_ins_over_both_hosts_count_once(hosts):
    """LOGIN_RATE_LIMIT is 5 per 15 minutes per account and address: alternating hosts (and each host's
    gunicorn workers) must not multiply it."""
    a, b = hosts
    email = f"guessed-{uuid.uuid4().hex[:8]}@example.org"
    codes = []
    for attempt in range(8):
        base = (a, b)[attempt % 2]
        session = _session()
        token = _csrf(session.get(f"{base}/login", timeout=10).text)
        response = session.post(f"{base}/login", allow_redirects=False, timeout=10,
                                data={"email": email, "password": f"guess {attempt}", "csrf_token": token})
        if response.status_code == 200:
            assert "password is wrong" in response.text  # a refused password, not a refused form
        codes.append(response.status_code)
    assert codes == [200] * 5 + [429] * 3
    # another client behind the same load balancer is not limited by these failures
    assert _login(_session("203.0.113.99"), b, email, "yet another guess").status_code == 200


def _pledge_form(session, base: str, title: str) -> dict:
    html = session.get(f"{base}/pledges/new", timeout=10).text
    start = date.today() - timedelta(days=30)
    return {
        "csrf_token": _csrf(html), "intent": "submit", "overlaps_compared": "1",
        "title": title,
        "description": "Community facilitators visit cocoa farmers' households, find children in hazardous work "
                       "and give each child remediation support: a child labour monitoring and remediation system.",
        "contribution": "Remediation keeps children out of hazardous farm work and in school.",
        "countries": ["CIV", "GHA"], "areas": ["child_labour"], "action_type": "programme_services",
        "target_groups": ["children"], "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=700)).isoformat(),
        "deliverables-0-title": "Facilitators trained",
        "deliverables-0-due_date": (start + timedelta(days=200)).isoformat(),
        "indicators-0-name": "Children receiving remediation", "indicators-0-unit": "children",
        "indicators-0-baseline": "0", "indicators-0-target": "800",
        "resources_amount": "300000", "resources_currency": "EUR", "report_every_months": "6",
    }


def _check(session, base: str, form: dict) -> dict:
    """What the live panel of the pledge form on ``base`` answers for ``form`` (with this session's token)."""
    if not hasattr(session, "csrf_token"):
        session.csrf_token = _csrf(session.get(f"{base}/pledges/new", timeout=10).text)
    data = {key: value for key, value in form.items() if key not in ("intent", "overlaps_compared")}
    data["csrf_token"] = session.csrf_token
    response = session.post(f"{base}/overlaps/check?kind=pledge", data=data, timeout=10)
    assert response.status_code == 200
    return response.json()


def test_a_pledge_saved_on_host_a_shows_its_overlaps_on_host_b_within_a_second(hosts):
    a, b = hosts
    on_a, on_b = _signed_in(a, AUTHOR), _signed_in(b, AUTHOR)
    title = f"Child labour monitoring for cocoa farming households {uuid.uuid4().hex[:6]}"
    form = _pledge_form(on_a, a, title)
    # Host B answers from the generation the workers published (at their start): wait for it once (this
    # also warms host B's web worker: its first query loads the sentence model).
    _poll("host B's overlap index (published by a worker)", 180, lambda: _check(on_b, b, form)["status"] == "ok")
    # host B's copy came from the object store (host A's folder is not B's)
    assert list(Path(os.environ["HUB_B_INDEX_DIR"]).glob("*/gen-*/manifest.json"))

    saved = on_a.post(f"{a}/pledges/new", data=form, allow_redirects=False, timeout=30)
    assert saved.status_code == 302, saved.text[:500]
    pledge_id = re.search(r"/pledges/(\d+)$", saved.headers["Location"]).group(1)
    saved_at = time.monotonic()

    # Host B sees the new pledge at its next query, from the change log: no new generation needed.
    def b_sees_it():
        return f"pledge:{pledge_id}" in [m["id"] for m in _check(on_b, b, form)["matches"]]
    _poll("the new pledge among host B's overlaps", 1.0, b_sees_it)
    took = time.monotonic() - saved_at
    assert took <= 1.0, f"host B saw the pledge after {took:.2f} s"
    # and the pledge's page on host B shows what it overlaps
    page = on_b.get(f"{b}/pledges/{pledge_id}", timeout=10)
    assert page.status_code == 200 and title in page.text and EXISTING in page.text


# -- the outbox: e-mails by SMTP, with a refusing server and a killed worker -------------------------------------
def _sink(path: str, order: dict | None = None) -> dict:
    """Ask the SMTP server's control port (GET ``path``, or POST ``order`` to it)."""
    data = None if order is None else json.dumps(order).encode()
    request = urllib.request.Request(os.environ["SMTP_SINK"] + path, data=data,
                                     method="GET" if data is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _received(domain: str) -> dict:
    return _sink(f"/messages?domain={domain}")


@pytest.fixture(scope="module")
def hub_app():
    """The Hub's app in this process, on the run's database (the script exported its variables): to make
    invitees without e-mailing them, and to read the outbox's rows."""
    from app import create_app
    from app.extensions import db

    app = create_app()
    yield app
    with app.app_context():
        db.engine.dispose()  # close its pooled connections (an open one left at exit is an error here)


def _consultation_with(app, count: int, domain: str) -> tuple[int, int, dict[str, str]]:
    """A poll by CONVENER with ``count`` new invitees at ``@domain`` (languages en, fr, es in turn), its
    poll invitations left out; return its id, its first slot's id and each invitee's language by address."""
    import sqlalchemy as sa

    from app.events import OutboxEvent
    from app.extensions import db
    from app.forums import consultations
    from app.members.models import OrgRole, User, UserStatus

    with app.app_context():
        convener = db.session.scalar(sa.select(User).where(User.email == CONVENER))
        languages = {f"invitee{n:02d}@{domain}": ("en", "fr", "es")[n % 3] for n in range(count)}
        for email, locale in languages.items():
            db.session.add(User(email=email, full_name=f"Invitee {email[7:9]}", organisation=convener.organisation,
                                org_role=OrgRole.member, status=UserStatus.active, locale=locale, password_hash=None))
        db.session.flush()
        day = date.today() + timedelta(days=20)
        consultation = consultations.create_consultation(convener, consultations.ConsultationData(
            title=f"Two hosts, {count} invitees ({domain.split('.')[0]})", deadline_on=day - timedelta(days=5),
            deadline_time=clock(12, 0), slots=[(day, clock(10, 0)), (day, clock(14, 0))],
            emails="\n".join(languages)))
        db.session.execute(sa.delete(OutboxEvent).where(  # no poll invitations: only the meeting's are counted
            OutboxEvent.key == f"{consultations.POLL_MAIL}:{consultation.id}"))
        db.session.commit()
        ids = consultation.id, consultation.slots[0].id
        db.session.remove()
    return *ids, languages


def _confirm(base: str, consultation_id: int, slot_id: int) -> None:
    """The convener confirms the meeting on its page on ``base``: one outbox row, fanned out by a worker."""
    session = _signed_in(base, CONVENER)
    page = session.get(f"{base}/forums/consultations/{consultation_id}", timeout=10)
    assert page.status_code == 200
    response = session.post(f"{base}/forums/consultations/{consultation_id}/confirm", allow_redirects=False, timeout=30,
                            data={"slot_id": slot_id, "csrf_token": _csrf(page.text)})
    assert response.status_code == 302, response.text[:500]


def _invitation_rows(app, consultation_id: int) -> list[tuple[str, int]]:
    """(state, attempts) of the meeting's e-mails in the outbox (empty until a worker fanned it out)."""
    import sqlalchemy as sa

    from app.events import OutboxEvent
    from app.extensions import db
    from app.forums import consultations

    with app.app_context():
        rows = db.session.execute(sa.select(OutboxEvent.state, OutboxEvent.attempts).where(
            OutboxEvent.kind == "email",
            OutboxEvent.key.like(f"{consultations.MEETING_MAIL}:{consultation_id}:%"))).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _all_done(app, consultation_id: int, count: int) -> bool:
    rows = _invitation_rows(app, consultation_id)
    return len(rows) == count and all(state == "done" for state, _ in rows)


def _check_invitations(report: dict, languages: dict[str, str]) -> None:
    """Each invitee got the calendar invitation exactly once, in their language, each with its own Message-ID."""
    accepted = report["accepted"]
    assert Counter(r for m in accepted for r in m["rcpt"]) == Counter(list(languages))
    assert len({m["message_id"] for m in accepted}) == len(languages)
    for message in accepted:
        assert message["calendar_method"] == "REQUEST"
        assert message["content_language"] == languages[message["rcpt"][0]]


def test_an_smtp_server_that_refuses_for_a_while_then_accepts_loses_nothing(hosts, hub_app):
    """The server answers 451 (try again later) to every recipient for TWO_HOSTS_SMTP_REFUSE_SECONDS and
    until each invitation was refused three times (tried again after 1 s and 2 s); then it accepts."""
    _, b = hosts
    window = float(os.environ.get("TWO_HOSTS_SMTP_REFUSE_SECONDS", "5"))
    domain = f"refused-{uuid.uuid4().hex[:8]}.example.org"
    consultation_id, slot_id, languages = _consultation_with(hub_app, 5, domain)
    _sink("/refuse", {"on": True})
    try:
        since = time.monotonic()
        _confirm(b, consultation_id, slot_id)

        def refused_enough():  # (a worker records the attempt just after the server refused it)
            refused = Counter(r["rcpt"] for r in _received(domain)["refused"])
            rows = _invitation_rows(hub_app, consultation_id)
            return (time.monotonic() - since >= window and all(refused[email] >= 3 for email in languages)
                    and len(rows) == 5 and all(attempts >= 3 for _, attempts in rows))
        _poll("every invitation refused three times", window + 60, refused_enough)
        assert _received(domain)["accepted"] == []
        assert {state for state, _ in _invitation_rows(hub_app, consultation_id)} == {"pending"}  # none given up
    finally:
        _sink("/refuse", {"on": False})
    # The next attempt comes at most one backoff later (as long as the refusal lasted, doubled at most).
    _poll("every invitation delivered once the server accepts", 2 * window + 60,
          lambda: _all_done(hub_app, consultation_id, 5))
    report = _received(domain)
    _check_invitations(report, languages)  # none lost, none twice
    assert report["aborted"] == []


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a killed child its parent has not reaped yet is a zombie: not running)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _owner_of_local_port(pids: list[int], port: int) -> int:
    """Which of ``pids`` holds the loopback TCP connection whose local port is ``port`` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    owners = []
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                owners.append(pid)
                break
    assert len(owners) == 1, f"the connection from port {port} belongs to {owners} of the workers {pids}"
    return owners[0]


def test_fifty_invitees_get_their_invitation_once_with_a_worker_killed_half_way(hosts, hub_app):
    """Both workers deliver the 50 invitations; the SMTP server leaves the 26th unanswered, the test
    SIGKILLs the worker sending it (it holds that row's lock in an open transaction), and the other worker
    finishes: the row comes free with the dead worker's connection, with no attempt counted."""
    a, _ = hosts
    pids = [int(pid) for pid in os.environ["HUB_WORKER_PIDS"].split()]
    assert len(pids) == 2 and all(_alive(pid) for pid in pids), "this journey needs both workers running"
    domain = f"fifty-{uuid.uuid4().hex[:8]}.example.org"
    consultation_id, slot_id, languages = _consultation_with(hub_app, 50, domain)
    _sink("/hold", {"domain": domain, "after": 25})
    _confirm(a, consultation_id, slot_id)

    held = _poll("a worker handing over the 26th invitation", 120, lambda: _received(domain)["held"])
    assert len(_received(domain)["accepted"]) >= 25  # half-way
    victim = _owner_of_local_port(pids, held["peer_port"])
    os.kill(victim, signal.SIGKILL)
    _poll("the killed worker gone", 10, lambda: not _alive(victim))
    [aborted] = _poll("the unanswered invitation dropped with the killed worker", 10,
                      lambda: _received(domain)["aborted"])
    assert aborted["message_id"] == held["message_id"]

    _poll("all 50 invitations delivered by the other worker", 120, lambda: _all_done(hub_app, consultation_id, 50))
    report = _received(domain)
    _check_invitations(report, languages)  # exactly 50 e-mails, one per invitee
    # the invitation the killed worker was sending went later, as the same message, from the other worker
    again = [m for m in report["accepted"] if m["message_id"] == held["message_id"]]
    assert len(again) == 1 and again[0]["rcpt"] == held["rcpt"] and again[0]["at"] > aborted["at"]
    # the dead worker's claim counted no attempt: its transaction rolled back, no lease ran out
    assert sorted(attempts for _, attempts in _invitation_rows(hub_app, consultation_id)) == [1] * 50
    survivor = next(pid for pid in pids if pid != victim)
    assert _alive(survivor)
