"""Real places for apprise to deliver to, started by the tests on free ports: an HTTP receiver (what an
SMS gateway or webhook would be, for `json://` and `form://`) and an SMTP server (aiosmtpd, `mailto://`)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    path: str
    title: str
    body: str
    raw: str


@dataclass
class HttpReceiver:
    """Records every POST; paths under /fail/ answer 500; paths under /slow/ are recorded at once and
    answered only when `gate` is set (a send in flight, for the tests that kill a sender mid-send)."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    gate: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, scheme: str, path: str = "hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def bodies(self, path: str | None = None) -> list[str]:
        with self.lock:
            return [r.body for r in self.received if path is None or r.path == "/" + path]

    def all_text(self) -> str:
        with self.lock:
            return "\n".join(r.raw for r in self.received)


def start_http_receiver(port: int = 0) -> HttpReceiver:
    """On `port` (a free one when 0): a test brings a receiver up where a channel was down."""
    holder: dict[str, HttpReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length).decode("utf-8", "replace")
            title, body = "", ""
            if "json" in self.headers.get("content-type", ""):
                data: Any = json.loads(raw or "{}")
                title, body = str(data.get("title", "")), str(data.get("message", ""))
            else:
                form = urllib.parse.parse_qs(raw)
                title = form.get("title", [""])[0]
                body = form.get("message", [""])[0]
            rec = holder["r"]
            with rec.lock:
                rec.received.append(Received(self.path.split("?")[0], title, body, raw))
            if self.path.startswith("/slow"):
                rec.gate.wait(30)
            status = 500 if self.path.startswith("/fail") else 200
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    rec = HttpReceiver(server)
    holder["r"] = rec
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return rec


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=default_policy)
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        self.messages.append((str(msg["subject"]), str(body)))
        return "250 OK"


@dataclass
class SmtpServer:
    controller: Controller
    mailbox: _Mailbox

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def url(self, to: str = "leader@example.org") -> str:
        domain = to.partition("@")[2]
        return f"mailto://127.0.0.1:{self.port}?from=console@{domain}&to={to}&mode=insecure"

    def bodies(self) -> list[str]:
        return [body for _subject, body in self.mailbox.messages]


def start_smtp() -> SmtpServer:
    from support import free_port

    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), auth_require_tls=False)
    controller.start()
    return SmtpServer(controller, mailbox)
