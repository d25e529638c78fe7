"""Browser end-to-end fixtures: a live gunicorn server on a throwaway database, and Debian's Chromium.

Every test under tests/e2e is marked ``browser``. Without Chromium they are skipped, unless
REQUIRE_BROWSER=1 (CI), which turns the missing browser into a failure.
"""
from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
VENV_BIN = Path(sys.executable).parent

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # No DNS at all except loopback: Chromium would otherwise look up Google's hosts.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
# Ports Chromium refuses to open (ERR_UNSAFE_PORT), from its net/base/port_util.cc.
CHROMIUM_UNSAFE_PORTS = frozenset({
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103,
    104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513,
    514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719,
    1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679,
    6697, 10080,
})
# Upper bounds, not waits (each polls until it is done): generous, so that a machine busy with other work
# (a test worker on each core, other processes) slows the browser tests down without failing them.
SERVER_START_TIMEOUT = 120.0
MAIL_WAIT_TIMEOUT = 30.0
PAGE_TIMEOUT_MS = 30_000


# -- marker -------------------------------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            # Under `pytest -n N --dist loadgroup` (make test) one worker runs every browser test: one
            # server to migrate and seed, one Chromium, while the other workers run the rest.
            item.add_marker(pytest.mark.xdist_group("browser"))


# -- live server ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LiveServer:
    url: str
    outbox: Path


def _free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in CHROMIUM_UNSAFE_PORTS:
            return port


def _server_env(tmp: Path) -> dict[str, str]:
    env = os.environ.copy()
    env.pop("TEST_DATABASE_URL", None)
    env.update({
        "HUB_ENV": "development",
        "SECRET_KEY": "e2e-secret",
        "DATABASE_URL": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        "MAIL_BACKEND": "file",
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "DEDUP_INDEX_DIR": str(tmp / "dedup"),  # the workers share this overlap index, not the repository's
        "RATELIMIT_ENABLED": "0",
        "FLASK_APP": "wsgi",
    })
    return env


def _run_flask(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([str(VENV_BIN / "flask"), *args], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _wait_until_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    _stop(proc)
    pytest.fail(f"gunicorn did not answer {url}/healthz within {SERVER_START_TIMEOUT:.0f} s:\n"
                f"{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Migrate and seed a fresh SQLite database, then serve the app with gunicorn on a free port."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = _server_env(tmp)
    _run_flask(["db", "upgrade"], env)
    _run_flask(["seed-demo"], env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env["BASE_URL"] = url  # links in e-mails lead to this server, as `make run PORT=...` does
    log = tmp / "gunicorn.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            # No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is one for every server.
            [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--pid", str(tmp / "gunicorn.pid"),
             "--no-control-socket", "wsgi:app"],
            cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    # The worker delivers the outbox (the e-mails latest_email waits for), as `make run` starts it; without
    # the scheduled jobs, whose e-mails no journey expects.
    with (tmp / "worker.log").open("wb") as worker_log:
        worker = subprocess.Popen([str(VENV_BIN / "flask"), "run-worker", "--poll", "100", "--no-jobs"],
                                  cwd=REPO_ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(proc, url, log)
        yield LiveServer(url=url, outbox=tmp / "outbox")
    finally:
        _stop(proc)
        _stop(worker)


# -- browser --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).is_file():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but Chromium was not found at {CHROMIUM}: install Debian's chromium "
                        "package (apt-get install chromium) or set CHROMIUM=path.")
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                    "(apt-get install chromium) to run browser tests, or set CHROMIUM=path")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 700},
                                  locale="en-GB")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# -- e-mail captured by MAIL_BACKEND=file -----------------------------------------------------------------
def _read_eml(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def latest_email(outbox: Path, to: str, subject: str | None = None) -> EmailMessage:
    """The newest e-mail addressed to ``to`` (and whose subject contains ``subject``, if given).

    Polls the outbox for up to MAIL_WAIT_TIMEOUT seconds, since the server writes it on commit.
    """
    deadline = time.monotonic() + MAIL_WAIT_TIMEOUT
    while True:
        paths = sorted(outbox.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
        for path in paths:
            msg = _read_eml(path)
            if msg["To"] == to and (subject is None or subject in msg["Subject"]):
                return msg
        if time.monotonic() >= deadline:
            seen = [(str(m["To"]), str(m["Subject"])) for m in map(_read_eml, paths)]
            raise AssertionError(f"No e-mail to {to!r}{f' about {subject!r}' if subject else ''} "
                                 f"within {MAIL_WAIT_TIMEOUT:.0f} s; the outbox holds: {seen}")
        time.sleep(0.1)


def email_text(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def first_url(msg: EmailMessage) -> str:
    """The first http(s) address in the e-mail's plain-text body."""
    match = re.search(r"https?://\S+", email_text(msg))
    assert match, f"No link in the e-mail {msg['Subject']!r}:\n{email_text(msg)}"
    return match.group(0)


# -- the live "possible overlaps" panel --------------------------------------------------------------------
def panel_answered(page) -> None:
    """Wait until the overlaps panel of a pledge or work item form has answered for what is typed now (its
    ``data-state``, set by its script: an explicit state, never a delay), so that saving shows no compare
    step for the matches it shows."""
    from playwright.sync_api import expect

    expect(page.locator("#overlaps-panel")).to_have_attribute("data-state", "answered")


def complete_cocoa_pledge(page, start) -> None:
    """Fill the SMART fields of the cocoa remediation pledge that the overlap journeys type (its title, text,
    countries and area are typed by each test first): contribution, type, group, dates from ``start``, a
    deliverable, an indicator and the money."""
    page.get_by_label("How it contributes to target 8.7").fill(
        "Remediation keeps children out of hazardous farm work and in school.")
    page.get_by_label("Type of action").select_option("programme_services")
    page.get_by_label("Children aged 5–17").check()
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + timedelta(days=700)).isoformat())
    page.locator("#deliverables-0-title").fill("Facilitators trained")
    page.locator("#deliverables-0-due_date").fill((start + timedelta(days=200)).isoformat())
    page.locator("#indicators-0-name").fill("Children receiving remediation")
    page.locator("#indicators-0-unit").fill("children")
    page.locator("#indicators-0-baseline").fill("0")
    page.locator("#indicators-0-target").fill("800")
    page.get_by_label("Amount committed").fill("300000")
    page.get_by_label("Currency").select_option("EUR")
