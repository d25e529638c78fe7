"""Journeys across two hosts of one Hub (issue 18), run by scripts/two_hosts.sh against real servers:
two gunicorn instances (A and B), two workers, PostgreSQL, Redis and an S3-compatible store.

Every wait polls with a bounded deadline; no sleep is an assertion.

Not yet written, for after the outbox (issue 18's other half, `flask run-worker`) is merged: the two
outbox journeys, to be added here as real tests (not skipped placeholders):
- SLOT outbox-50-invitees-one-worker-killed: a consultation confirmed on host A with 50 invitees sends
  exactly 50 e-mails, once, with both workers draining and one of them SIGKILLed half-way;
- SLOT outbox-smtp-refuses-then-accepts: an SMTP server on loopback that refuses for a minute, then
  accepts, loses nothing and sends nothing twice.
scripts/two_hosts.sh would then start a local SMTP sink and pass its port (MAIL_BACKEND=smtp).
"""
from __future__ import annotations

import os
import re
import time
import uuid
from datetime import date, timedelta
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
