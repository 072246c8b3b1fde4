"""A loopback fake of Twilio's Messages REST API for tests and benchmarks (never used in production).

It records every message it accepts, can fail a share of sends (429, 5xx, 63016 outside the window,
21610 unsubscribed), can follow a script of outcomes, can delay answers, and can "time out after
sending" (store the message, then answer late) so clients must look a message up before resending.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlparse

# Outcome names usable in `fail_codes` and `script`: HTTP-level and Twilio error codes.
ERRORS: dict[str, tuple[int, int, str]] = {
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "503": (503, 20503, "Service Unavailable"),
    "63016": (400, 63016, "Failed to send freeform message because you are outside the allowed window."),
    "21610": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "21617": (400, 21617, "The concatenated message body exceeds the 1600 character limit."),
}


@dataclass
class FakeMessage:
    """One message the fake accepted."""

    sid: str
    to: str
    from_: str
    body: str | None
    content_sid: str | None
    content_variables: str | None
    status_callback: str | None
    params: dict[str, str]
    created: float = field(default_factory=time.time)
    status: str = "queued"

    def as_json(self, account_sid: str) -> dict[str, Any]:
        """The resource as Twilio's API returns it (the fields clients read)."""
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "to": self.to,
            "from": self.from_,
            # Twilio lists a template message with its rendered body: here, the variables' text.
            "body": self.body if self.body is not None else _rendered(self.content_variables),
            "status": self.status,
            "error_code": None,
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(self.created)),
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{self.sid}.json",
        }


def _rendered(variables: str | None) -> str | None:
    """A stand-in for a rendered template body: the variable values, in order."""
    try:
        values = json.loads(variables) if variables else None
    except ValueError:
        return variables
    return " ".join(str(v) for v in values.values()) if isinstance(values, dict) else variables


class FakeTwilio:
    """The server and its knobs; use as a context manager: `with FakeTwilio() as tw: tw.url`."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "test-token",
        *,
        fail_rate: float = 0.0,
        fail_codes: tuple[str, ...] = ("429", "500"),
        delay_s: float = 0.0,
        seed: int = 7,
    ) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.fail_rate, self.fail_codes, self.delay_s = fail_rate, fail_codes, delay_s
        self.messages: list[FakeMessage] = []  # accepted messages, in order
        self.requests: list[dict[str, str]] = []  # every POST's form, accepted or not
        self.window_closed: set[str] = set()  # recipients (E.164) for whom a free-form Body gets 63016
        self.unsubscribed: set[str] = set()  # recipients who sent STOP: every send gets 21610
        # Scripted outcomes consumed one per POST before the random ones: an ERRORS key, "ok", or
        # "timeout" (accept and store, then answer after `timeout_delay_s` so the client gives up).
        self.script: deque[str] = deque()
        # The same, per recipient (E.164): consumed before `script` for POSTs to that number.
        self.script_for: dict[str, deque[str]] = {}
        self.timeout_delay_s = 2.0
        self.media: dict[str, tuple[bytes, str]] = {}  # path -> (bytes, content type) of inbound media
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._seq = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakeTwilio:
        """Listen on a free loopback port in a background thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to configure as TWILIO_API_BASE_URL."""
        assert self._server is not None, "start() the fake first"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def add_media(self, data: bytes, content_type: str) -> str:
        """Store an inbound photo the way Twilio keeps one; returns its MediaUrl0."""
        with self._lock:
            self._seq += 1
            message, media = f"MM{self._seq:032x}", f"ME{self._seq:032x}"
            path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message}/Media/{media}"
            self.media[path] = (data, content_type)
        return self.url + path

    # -- inspection ------------------------------------------------------------------------------------
    def sent_to(self, phone: str) -> list[FakeMessage]:
        """Accepted messages for one recipient (E.164, with or without the whatsapp: prefix)."""
        want = phone.removeprefix("whatsapp:")
        with self._lock:
            return [m for m in self.messages if m.to.removeprefix("whatsapp:") == want]

    def reset(self) -> None:
        """Forget recorded messages and requests."""
        with self._lock:
            self.messages.clear()
            self.requests.clear()

    # -- behaviour -------------------------------------------------------------------------------------
    def _outcome(self, form: dict[str, str]) -> str:
        """What this POST gets: a scripted outcome, a rule (unsubscribed, window), a random failure or ok."""
        with self._lock:
            to = form.get("To", "").removeprefix("whatsapp:")
            if self.script_for.get(to):
                return self.script_for[to].popleft()
            if self.script:
                return self.script.popleft()
            if to in self.unsubscribed:
                return "21610"
            if to in self.window_closed and not form.get("ContentSid"):
                return "63016"
            if len(form.get("Body", "")) > 1600:
                return "21617"
            if self.fail_rate and self._rng.random() < self.fail_rate:
                return self._rng.choice(self.fail_codes)
            return "ok"

    def _accept(self, form: dict[str, str]) -> FakeMessage:
        with self._lock:
            self._seq += 1
            msg = FakeMessage(
                sid=f"SM{self._seq:032x}",
                to=form.get("To", ""),
                from_=form.get("From", ""),
                body=form.get("Body"),
                content_sid=form.get("ContentSid"),
                content_variables=form.get("ContentVariables"),
                status_callback=form.get("StatusCallback"),
                params=dict(form),
            )
            self.messages.append(msg)
            return msg

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """GET Messages.json filtered by To and From, newest first, as Twilio lists them."""
        with self._lock:
            rows = [
                m
                for m in self.messages
                if (not query.get("To") or m.to == query["To"])
                and (not query.get("From") or m.from_ == query["From"])
            ]
        return [m.as_json(self.account_sid) for m in reversed(rows)]

    def _authorized(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            self.wfile.write(data)

    def _send_bytes(self, data: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def _error(self, key: str) -> None:
        status, code, message = ERRORS[key]
        self._send(status, {"code": code, "message": message, "status": status, "more_info": ""})

    def _base(self) -> str:
        return f"/2010-04-01/Accounts/{self.fake.account_sid}/Messages"

    def do_POST(self) -> None:
        """Create a message."""
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        form = {k: v[-1] for k, v in raw.items()}
        if urlparse(self.path).path != self._base() + ".json":
            self._send(404, {"code": 20404, "message": "not found", "status": 404})
            return
        if not fake._authorized(self.headers.get("Authorization")):
            self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        with fake._lock:
            fake.requests.append(form)
        if fake.delay_s:
            time.sleep(fake.delay_s)
        outcome = fake._outcome(form)
        if outcome == "timeout":
            msg = fake._accept(form)
            time.sleep(fake.timeout_delay_s)
            self._send(201, msg.as_json(fake.account_sid))
        elif outcome == "ok":
            self._send(201, fake._accept(form).as_json(fake.account_sid))
        else:
            self._error(outcome)

    def do_GET(self) -> None:
        """List messages (filtered by To/From) or fetch one by SID."""
        fake = self.fake
        parsed = urlparse(self.path)
        if not fake._authorized(self.headers.get("Authorization")):
            self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        if parsed.path in fake.media:
            self._send_bytes(*fake.media[parsed.path])
            return
        if parsed.path == self._base() + ".json":
            self._send(200, {"messages": fake._list(query), "next_page_uri": None})
            return
        sid = parsed.path.removeprefix(self._base() + "/").removesuffix(".json")
        found = [m for m in fake.messages if m.sid == sid]
        if found:
            self._send(200, found[0].as_json(fake.account_sid))
        else:
            self._send(404, {"code": 20404, "message": "not found", "status": 404})
