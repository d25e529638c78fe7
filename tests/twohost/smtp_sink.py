"""A real SMTP server on loopback for the two-host run (aiosmtpd): it records what it accepts, and the tests
tell it, over a small JSON control port, to refuse for a while or to hold one message unanswered.

    python -m tests.twohost.smtp_sink --port 2525 --control-port 2526

Control (HTTP on the control port, JSON):
- ``GET /messages?domain=D``: what it accepted, refused and saw aborted for recipients at ``@D``, and the
  message it holds, if any;
- ``POST /refuse {"on": true}``: answer every RCPT with ``451`` (a temporary refusal: the sender must try
  again later) until ``{"on": false}``;
- ``POST /hold {"domain": D, "after": N}``: once N messages to ``@D`` were accepted, do not answer the DATA
  of the next one: the sender waits for the reply. If its connection drops (the sender was killed), the
  message is *aborted*, not accepted: an SMTP server takes a message only when it answers 250 to its
  DATA. After HOLD_SECONDS without a drop it answers 451.

Nothing here sleeps to make a point: the tests poll ``/messages`` with bounded deadlines.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from email import message_from_bytes
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

HOLD_SECONDS = 60


class Sink:
    """The server's record and its orders, shared by the SMTP loop's thread and the control thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[dict] = []
        self.refused: list[dict] = []
        self.aborted: list[dict] = []
        self.refusing = False
        self.hold: dict | None = None       # {"domain": ..., "after": n}
        self.held: dict | None = None       # the message being held, while it is

    # -- aiosmtpd's handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refusing:
                self.refused.append({"rcpt": address.lower(), "at": time.time()})
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        record = _describe(envelope, session.peer)
        if self._to_hold(record):
            try:
                deadline = time.monotonic() + HOLD_SECONDS
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:  # the sender's connection dropped: the message was not taken
                with self.lock:
                    self.held = None
                    self.aborted.append(record)
                raise
            with self.lock:
                self.held = None
            return "451 4.3.0 Held too long, try again"
        with self.lock:
            self.accepted.append(record)
        return "250 OK"

    def _to_hold(self, record: dict) -> bool:
        with self.lock:
            hold = self.hold
            if hold is None or self.held is not None:
                return False
            suffix = "@" + hold["domain"]
            if not any(r.endswith(suffix) for r in record["rcpt"]):
                return False
            if sum(any(r.endswith(suffix) for r in m["rcpt"]) for m in self.accepted) < hold["after"]:
                return False
            self.hold, self.held = None, record
            return True

    # -- the control port
    def report(self, domain: str) -> dict:
        suffix = "@" + domain

        def ours(rcpts):
            return any(r.endswith(suffix) for r in rcpts)

        with self.lock:
            return {"accepted": [m for m in self.accepted if ours(m["rcpt"])],
                    "refused": [r for r in self.refused if r["rcpt"].endswith(suffix)],
                    "aborted": [m for m in self.aborted if ours(m["rcpt"])],
                    "held": self.held if self.held and ours(self.held["rcpt"]) else None}

    def order(self, path: str, body: dict) -> dict:
        with self.lock:
            if path == "/refuse":
                self.refusing = bool(body["on"])
                return {"refusing": self.refusing}
            if path == "/hold":
                self.hold = {"domain": str(body["domain"]).lower(), "after": int(body["after"])}
                return {"hold": self.hold}
        raise KeyError(path)


def _describe(envelope, peer) -> dict:
    message = message_from_bytes(envelope.content, policy=policy.default)
    methods = [part.get_param("method") for part in message.walk() if part.get_content_type() == "text/calendar"]
    return {"rcpt": [r.lower() for r in envelope.rcpt_tos], "mail_from": envelope.mail_from,
            "message_id": str(message["Message-ID"]), "subject": str(message["Subject"]),
            "content_language": str(message["Content-Language"]), "calendar_method": methods[0] if methods else None,
            "peer_port": peer[1], "at": time.time()}


def _control_handler(sink: Sink):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, data) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            if url.path != "/messages":
                return self._answer(404, {"error": "not found"})
            domain = parse_qs(url.query).get("domain", [""])[0].lower()
            return self._answer(200, sink.report(domain))

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return self._answer(200, sink.order(self.path, json.loads(self.rfile.read(length) or b"{}")))
            except (KeyError, ValueError, TypeError) as error:
                return self._answer(400, {"error": repr(error)})

        def log_message(self, *args):  # the tests poll often: keep the log for SMTP
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.port)
    controller.start()
    control = ThreadingHTTPServer(("127.0.0.1", args.control_port), _control_handler(sink))
    print(f"SMTP sink on 127.0.0.1:{args.port}, control on 127.0.0.1:{args.control_port}", flush=True)
    try:
        control.serve_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
