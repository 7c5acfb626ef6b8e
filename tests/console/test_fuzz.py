"""Fuzzing the real server: junk in any field gets a clear, translated error and changes nothing.

Three properties, each against a live server on SQLite and on PostgreSQL:

1. every HTTP route (console.web.app.ROUTE_ACCESS) under random methods, paths, queries, headers, bodies and
   credentials answers below 500, without a traceback, with JSON errors carrying `error.code`/`message`;
2. random command envelopes for every command name, over `POST /api/commands` and over `/ws`, get a
   result or an error (never a 500, never `internal`), and a refused command appends nothing;
3. random WebSocket frames (before and after hello) get an error frame or a documented close code
   (4400, 4401, 1009 for too big; 1007 for a text frame that is not UTF-8), and afterwards /healthz is ok
   and a fresh client still gets its snapshot.

The server's log must stay free of tracebacks and `unhandled_error` lines throughout. Each test also runs
fixed examples first (`@example`): inputs that once crashed the server, so they are always tried.
Text holding a NUL or a lone surrogate may be taken or refused as a whole (`invalid_frame`), not crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote as _quote

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from support import Deployment, LiveClient, Served, login, register_args

from console.domains import registry
from console.incidents.commands import Channel, Outcome
from console.web.app import ROUTE_ACCESS as ROUTES
from playbooks.facts import IncidentType

COMMANDS = registry().commands
MESSAGES = registry().messages

FUZZ: dict[str, Any] = {
    "deadline": None,
    "database": None,  # no example database: failures are reported with their input instead
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}

# Each property's examples are split into SHARDS tests of their own, each against a fresh server, so
# xdist's workers share them out (the longest single test bounds the suite's wall time): each shard runs
# every SHARDS-th fixed example and its part of the generated ones. SQLite gets 150 generated examples
# a property and PostgreSQL, there for what its driver refuses differently (NUL, lone surrogates, 64-bit
# positions: the fixed examples, which run in full on both, hold the ones that once failed), half as many.
SHARDS = 3
EXAMPLES = {"sqlite": 150, "postgres": 75}


def fuzz_settings(backend: str) -> settings:
    """Hypothesis settings for one shard of a property on one backend."""
    return settings(max_examples=EXAMPLES[backend] // SHARDS, **FUZZ)


TRACE_MARKS = ("Traceback", 'File "')
# uvicorn's own reply to a request it cannot parse: not the application's, and not a 500.
UVICORN_BAD_REQUEST = b"Invalid HTTP request received."
MAX_FRAME = 64 * 1024  # console/web/ws.py: larger text frames get invalid_frame
WS_MAX_SIZE = 256 * 1024  # `serve` sets uvicorn's ws_max_size: larger messages end the connection (1009)


# --------------------------------------------------------------------------------------------------
# Shared helpers: sessions and tokens straight from the database, the server's log, raw HTTP.


def _in_db(deployment: Deployment, body: Any) -> Any:
    """Run `body(conn, user_lookup, now)` in one write transaction on the deployment's database."""
    from console.auth import find_user
    from console.clock import SystemClock
    from console.db import open_database

    async def run() -> Any:
        db = open_database(deployment.settings)
        try:
            async with db.write.begin() as conn:

                async def user(name: str) -> Any:
                    found = await find_user(conn, name)
                    assert found is not None, name
                    return found

                return await body(conn, user, SystemClock().now())
        finally:
            await db.dispose()

    return asyncio.run(run())


def open_session(deployment: Deployment, username: str, *, expired: bool = False) -> tuple[str, str]:
    """A session (cookie, CSRF token) made in the database as a login would; or one expired an hour ago."""
    from console.auth import open_session as open_

    async def body(conn: Any, user: Any, now: Any) -> tuple[str, str]:
        start = now - timedelta(hours=13) if expired else now
        session = await open_(conn, await user(username), start, 12.0)
        return session.token, session.csrf

    result: tuple[str, str] = _in_db(deployment, body)
    return result


def api_token(deployment: Deployment, username: str) -> str:
    """A fresh API token for a user, as `incident-console create-token` makes one."""
    from console.auth import create_token

    async def body(conn: Any, user: Any, now: Any) -> str:
        return await create_token(conn, await user(username), "fuzz-" + uuid.uuid4().hex[:8], now)

    token: str = _in_db(deployment, body)
    return token


class LogWatch:
    """Reads what the server logged since the last look; a traceback or unhandled_error is a failure."""

    def __init__(self, server: Served) -> None:
        self.path = server.log
        self.offset = self.path.stat().st_size

    def skip(self) -> None:
        """Forget what was logged so far (a failed example may have left lines behind)."""
        self.offset = self.path.stat().st_size

    def check(self, what: object) -> None:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            raw = f.read()
        self.offset += len(raw)
        new = raw.decode("utf-8", "replace")
        assert not _log_is_dirty(new), f"server log after {what!r}:\n{_log_summary(new)}"


def _log_is_dirty(text: str) -> bool:
    return "Traceback" in text or "unhandled_error" in text


def _log_summary(text: str) -> str:
    """The logged events (and the last line of each traceback), not whole tracebacks."""
    lines = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            lines.append(line[:300])
            continue
        tail = str(entry.get("traceback", "")).strip().splitlines()[-1:] or [""]
        lines.append(f"{entry.get('level')} {entry.get('logger')} {entry.get('event')} {tail[0][:300]}")
    return "\n".join(lines[-20:])


def assert_log_clean(server: Served) -> None:
    text = server.log.read_text(encoding="utf-8", errors="replace")
    assert not _log_is_dirty(text), _log_summary(text)


class Api:
    """The test's own HTTP client: one connection pool, credentials in headers, no cookie jar kept."""

    def __init__(self, server: Served) -> None:
        self.client = httpx.Client(base_url=server.base, timeout=30)

    def __call__(
        self,
        method: str,
        path: str,
        *,
        cookie: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if cookie is not None:
            sent["cookie"] = f"ic_session={cookie}"
        try:
            return self.client.request(method, path, headers=sent, **kw)
        finally:
            self.client.cookies.clear()

    def events(self, cookie: str) -> list[dict[str, Any]]:
        """Every event in the log, as support.server_events reads it."""
        out: list[dict[str, Any]] = []
        while True:
            after = out[-1]["position"] if out else 0
            r = self("GET", f"/api/events?after={after}&limit=1000", cookie=cookie)
            r.raise_for_status()
            out += r.json()["events"]
            if len(r.json()["events"]) < 1000:
                return out

    def state(self, cookie: str) -> dict[str, Any]:
        r = self("GET", "/api/state", cookie=cookie)
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    def head(self) -> int:
        position: int = self("GET", "/healthz").json()["position"]
        return position

    def assert_healthy(self) -> None:
        r = self("GET", "/healthz")
        assert r.status_code == 200 and r.json()["ok"] is True, r.text


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def _dechunk(body: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(body):
        end = body.index(b"\r\n", i)
        size = int(body[i:end].split(b";")[0], 16)
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        i = end + 2 + size + 2
    return bytes(out)


def raw_http(
    port: int,
    method: bytes,
    target: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes | None,
    host: bytes | None = None,
) -> Reply:
    """One request on its own connection, bytes exactly as given (no `..` normalising, any header bytes).

    A server may answer a request with a body it does not read (a GET with junk in it) and close. If our
    body is still arriving then, its kernel answers with a reset, and ours drops what it had received
    and we had not read yet: the answer is cut short by the transport, not by the server. Such a cut
    answer (shorter than its Content-Length, after a reset) is asked for once more."""
    reply, cut = _raw_http_once(port, method, target, headers, body, host)
    if cut:
        reply, _cut = _raw_http_once(port, method, target, headers, body, host)
    return reply


def _raw_http_once(
    port: int,
    method: bytes,
    target: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes | None,
    host: bytes | None,
) -> tuple[Reply, bool]:
    lines = [method + b" " + target + b" HTTP/1.1"]
    if host is not None:
        lines.append(b"Host: " + host)
    lines.append(b"Connection: close")
    if body is not None:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines += [name + b": " + value for name, value in headers]
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    received = bytearray()
    try:
        sock.sendall(head)
        sender = None
        if body:
            # Send the body while reading: a server that answers without reading it must not deadlock us.
            def send_body() -> None:
                with contextlib.suppress(OSError):
                    sock.sendall(body)

            sender = threading.Thread(target=send_body, daemon=True)
            sender.start()
        reset = False
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            reset = True
        if sender is not None:
            sender.join(timeout=30)
    finally:
        sock.close()
    raw = bytes(received)
    assert b"\r\n\r\n" in raw, f"no HTTP response to {method!r} {target[:200]!r}: {raw[:200]!r}"
    head_bytes, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.split(b"\r\n")
    status = int(status_line.split(b" ")[1])
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(b":")
        parsed[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    length = parsed.get("content-length", "")
    cut = reset and length.isdigit() and len(payload) < int(length)
    if "chunked" in parsed.get("transfer-encoding", ""):
        payload = _dechunk(payload)
    return Reply(status, parsed, payload), cut


def odd_text(value: Any) -> bool:
    """Whether JSON holds a NUL or a lone surrogate: text a server may refuse as a whole (not JSON)."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(ch) < 0xE000 for ch in value)
    if isinstance(value, dict):
        return any(odd_text(k) or odd_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(odd_text(v) for v in value)
    return False


def assert_error_body(body: Any, where: object) -> None:
    """`{"error": {"code", "message"}}` with a known code and a non-empty translated message."""
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), (where, body)
    code, message = body["error"].get("code"), body["error"].get("message")
    assert isinstance(code, str) and code in MESSAGES, (where, body)
    assert isinstance(message, str) and message.strip(), (where, body)
    assert not any(mark in message for mark in TRACE_MARKS), (where, body)


@pytest.fixture
def api(server: Served) -> Iterator[Api]:
    client = Api(server)
    try:
        yield client
    finally:
        client.client.close()


# --------------------------------------------------------------------------------------------------
# Strategies shared by the tests.

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "../../etc/passwd",
    "..\\..\\windows",
    "%00",
    "%zz",
    "\ud800",  # a lone surrogate: json.dumps escapes it as \\ud800, which the server parses back
    "\u202e\u200b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "${jndi:ldap://x}",
    "{detail}{name}{0}",
    "事件" * 50,
    "😀" * 20,
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(NASTY_STRINGS),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
nasty_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NASTY_STRINGS),
    st.tuples(st.text(min_size=1, max_size=3), st.integers(100, 5000)).map(lambda t: (t[0] * t[1])[:5000]),
)
ODD_TIMES: list[Any] = [
    None,
    "2026-05-14T10:31:07+08:00",
    "2026-05-14T02:31:07Z",
    "2026-05-14",
    "2026-05-14T10:31:07",  # no zone
    "2026-13-45T25:61:61Z",
    "2026-05-14T10:31:07+25:00",
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    "9999-12-31T23:59:59Z",
    "3000-01-01T00:00:00Z",  # far future
    "2026-05-14T10:31:07.123456789+08:00",
    "1970-01-01T00:00:00+00:00",
    "now",
    "",
    "昨天",
    0,
    -1,
    1715650267,
    10**20,
    1.5e300,
    True,
    [],
    {},
]
odd_times = st.one_of(st.sampled_from(ODD_TIMES), st.datetimes(timezones=st.timezones()).map(str), nasty_text)


# --------------------------------------------------------------------------------------------------
# 1. HTTP: every route, random everything.

EXTRA_ROUTES = [("GET", "/static/{path}"), ("GET", "/ws"), ("GET", "/{path}"), ("POST", "/api/{path}")]
ROUTE_LIST = sorted(ROUTES) + EXTRA_ROUTES
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FUZZ"]
AUTH_MODES = [
    "anonymous",
    "duty",  # session cookie, no CSRF token
    "duty_csrf",
    "duty_bad_csrf",
    "reviewer_csrf",
    "forged_cookie",
    "expired_cookie",
    "bearer",
    "forged_bearer",
]
QUERY_VALUES = [
    "-1",
    "0",
    "abc",
    "",
    "1e3",
    "1.5",
    "0x10",
    " 7 ",
    "٣",  # int() reads Arabic-Indic digits
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "9" * 5000,
    "open",
    "closed",
    "null",
    "\x00",
]
CONTENT_TYPES = [
    None,
    b"application/json",
    b"application/json; charset=latin-1",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data",
    b"multipart/form-data; boundary=xyz",
    b"multipart/form-data; boundary=",
    b"\xff/\xfe",
    b"*/*",
]
HEADER_NAMES = [
    b"accept",
    b"accept-language",
    b"origin",
    b"referer",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-csrf-token",
    b"user-agent",
    b"range",
    b"if-none-match",
    b"if-modified-since",
    b"accept-encoding",
]
HEADER_VALUES = [
    b"application/json",
    b"text/html",
    b"*/*",
    b"en",
    b"en-US,en;q=0.9",
    b"zh-CN",
    b"fr;q=abc",
    b",,,;;;",
    b"https",
    b"javascript",
    b"http://evil.example",
    b"bytes=0-5",
    b"bytes=5-1",
    b"bytes=99999999999999999999-",
    b"bytes=0-1,2-3,4-5",
    b"gzip, br",
    b"\xff\xfe\xfd",
    b"\xe4\xba\x8b\xe4\xbb\xb6",
]
# Routes that read a path parameter, the query or the body: drawn more often.
BUSY_ROUTES = [r for r in ROUTE_LIST if "{" in r[1] or r[0] == "POST" or r[1] == "/api/events"]
HOSTS = [b"[", b"evil.example", b"127.0.0.1:99999", b"", b"a b", b"\xff", b"::1", None]


def quote(text: str, safe: str = "") -> str:
    """Percent-encoding that also takes lone surrogates (as the invalid UTF-8 they would be)."""
    return _quote(text, safe=safe, errors="surrogatepass")


def chance(n: int) -> st.SearchStrategy[bool]:
    """True about once in n draws (st.integers leans on its bounds, so it makes a poor coin)."""
    return st.sampled_from([True] + [False] * (n - 1))


def _header_bytes(raw: bytes) -> bytes:
    """Header bytes uvicorn lets through to the application: no control characters, anything else."""
    return bytes(b for b in raw if b >= 0x20 and b != 0x7F).strip()


header_values = st.one_of(st.sampled_from(HEADER_VALUES), st.binary(max_size=40).map(_header_bytes))


def _huge(kind: str) -> bytes:
    if kind == "json":
        return b'{"username":"' + b"a" * 300_000 + b'","password":"x"}'
    if kind == "form":
        return b"username=" + b"a" * 300_000 + b"&password=x"
    return bytes(range(256)) * 1200


def _form(pairs: dict[str, str]) -> bytes:
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs.items()).encode()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.none(),
    json_values.map(_json_bytes),
    st.fixed_dictionaries(
        {},
        optional={
            k: json_values | nasty_text
            for k in ("username", "password", "id", "name", "args", "occurred_at", "csrf", "type")
        },
    ).map(_json_bytes),
    st.binary(max_size=64),
    st.binary(max_size=16).map(lambda b: b"\xff\xfe" + b),
    st.sampled_from(
        [
            b'{"username":"\\ud800","password":"x"}',
            b'{"username":"duty","password":"\\ud800"}',
            b'{"username":"\\u0000","password":"x"}',
            b"[",
            b"{",
            b"NaN",
            b"1e999",
            b'"\\u0000"',
            b'--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\nduty\r\n--xyz--\r\n',
            b'--xyz\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nx\r\n',
        ]
    ),
    st.sampled_from(["json", "form", "junk"]).map(_huge),
    st.dictionaries(st.sampled_from(["username", "password", "csrf", "x"]), nasty_text, max_size=4).map(
        _form
    ),
)


def _encode_path(value: str, how: str) -> str:
    if how == "quote":
        return quote(value, safe="")
    if how == "raw_dots":  # dots, slashes and percent signs as they are: traversal and broken escapes
        return quote(value, safe="/.%~")
    # raw UTF-8 bytes in the request line (decoded as latin-1 so the target stays a str here)
    return (
        "".join(
            ch if ord(ch) > 127 and not 0xD800 <= ord(ch) < 0xE000 else quote(ch, safe="/.%~") for ch in value
        )
        .encode("utf-8", "surrogatepass")
        .decode("latin-1")
    )


path_values = st.one_of(
    nasty_text,
    st.sampled_from(NASTY_STRINGS),
    st.lists(
        st.sampled_from(["..", ".", "%2e%2e", "%2f", "etc", "passwd", "\\", "%00", "%", "~", "console.css"]),
        max_size=8,
    ).map("/".join),
    st.uuids().map(lambda u: u.hex),
    st.just("@incident"),  # replaced by a real incident's id
)
queries = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(["after", "limit", "status"]),
            st.sampled_from(["after", "limit"]),
            st.text(max_size=8),
        ),
        st.one_of(st.sampled_from(QUERY_VALUES), st.sampled_from(QUERY_VALUES), st.text(max_size=20)),
    ),
    max_size=4,
)


@dataclass(frozen=True)
class Probe:
    """One HTTP request: what to send, as whom."""

    method: str
    target: str  # request target (path and query); latin-1 text standing for the bytes on the wire
    auth: str = "anonymous"
    body: bytes | None = None
    content_type: bytes | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    host: str = "normal"  # or an index into HOSTS


@st.composite
def probes(draw: st.DrawFn) -> Probe:
    method, template = draw(st.one_of(st.sampled_from(ROUTE_LIST), st.sampled_from(BUSY_ROUTES)))
    if draw(chance(3)):
        method = draw(st.sampled_from(METHODS))
    how = draw(st.sampled_from(["quote", "quote", "raw_dots", "raw_utf8"]))

    def param(_match: re.Match[str]) -> str:
        value = draw(path_values)
        return value if value == "@incident" else _encode_path(value, how)

    target = re.sub(r"\{[^}]+\}", param, template)
    pairs = draw(queries)
    if pairs:
        if draw(st.booleans()):
            target += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
        else:  # broken escapes, bare separators
            target += "?" + "&".join(f"{quote(k, safe='%=&')}={quote(v, safe='%=&')}" for k, v in pairs)
    body = draw(bodies) if method not in ("GET", "HEAD") or draw(chance(10)) else None
    cookies = draw(
        st.lists(
            st.tuples(st.sampled_from(["ic_locale", "ic_login_csrf", "other"]), st.text(max_size=20)),
            max_size=2,
        )
    )
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values), max_size=4))
    if draw(st.booleans()):  # another client address each time: the login throttle counts per address
        headers.append(
            (b"x-forwarded-for", f"10.{draw(st.integers(0, 255))}.{draw(st.integers(0, 255))}.1".encode())
        )
    host = draw(st.sampled_from(["normal"] * 20 + [str(i) for i in range(len(HOSTS))]))
    return Probe(
        method=method,
        target=target,
        auth=draw(st.sampled_from([*AUTH_MODES, "duty_csrf", "duty_csrf", "bearer", "bearer"])),
        body=body,
        content_type=draw(st.sampled_from(CONTENT_TYPES)) if body is not None else None,
        headers=tuple(headers),
        cookies=tuple(cookies),
        host=host,
    )


@dataclass
class HttpWorld:
    """The credentials the HTTP fuzzer signs in with, refreshed when a probe logs a session out."""

    server: Served
    api: Api
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    token: str = ""
    expired: str = ""
    incident_id: str = ""

    def refresh(self, who: str) -> None:
        self.sessions[who] = open_session(self.server.deployment, who)

    def alive(self, who: str) -> bool:
        return self.api("GET", "/api/me", cookie=self.sessions[who][0]).status_code == 200


def _cookie_text(value: str) -> str:
    return "".join(ch for ch in value if ch not in ";" and ord(ch) >= 0x20 and ord(ch) != 0x7F)


def send_probe(world: HttpWorld, probe: Probe) -> Reply:
    headers: list[tuple[bytes, bytes]] = list(probe.headers)
    cookies = [f"{_cookie_text(k)}={_cookie_text(v)}" for k, v in probe.cookies]
    user = {"duty": "duty", "duty_csrf": "duty", "duty_bad_csrf": "duty", "reviewer_csrf": "reviewer"}
    who = user.get(probe.auth)
    if who is not None:
        token, csrf = world.sessions[who]
        cookies.append(f"ic_session={token}")
        if probe.auth.endswith("_csrf"):
            headers.append(
                (b"x-csrf-token", b"forged-" + csrf.encode() if "bad" in probe.auth else csrf.encode())
            )
    elif probe.auth == "forged_cookie":
        cookies.append("ic_session=" + uuid.uuid4().hex)
    elif probe.auth == "expired_cookie":
        cookies.append("ic_session=" + world.expired)
    elif probe.auth == "bearer":
        headers.append((b"authorization", b"Bearer " + world.token.encode()))
    elif probe.auth == "forged_bearer":
        headers.append((b"authorization", b"Bearer ict_" + uuid.uuid4().hex.encode()))
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode("utf-8", "surrogatepass")))
    if probe.content_type is not None:
        headers.append((b"content-type", probe.content_type))
    host = f"127.0.0.1:{world.server.port}".encode() if probe.host == "normal" else HOSTS[int(probe.host)]
    target = probe.target.replace("@incident", world.incident_id).encode("latin-1")
    return raw_http(world.server.port, probe.method.encode(), target, headers, probe.body, host)


def check_reply(probe: Probe, reply: Reply) -> None:
    where = (probe, reply.status, reply.body[:300])
    assert reply.status < 500, where
    assert not any(mark.encode() in reply.body for mark in TRACE_MARKS), where
    if reply.body == UVICORN_BAD_REQUEST:
        assert reply.status == 400, where
        return
    kind = reply.headers.get("content-type", "")
    path = probe.target.split("?")[0]
    if path.startswith("/api/") and reply.status >= 400 and probe.method != "HEAD":
        assert kind.startswith("application/json"), where
    if kind.startswith("application/json") and reply.body:
        body = json.loads(reply.body)
        if reply.status >= 400:
            assert_error_body(body, where)
            assert body["error"]["code"] != "internal", where


FORM = b"application/x-www-form-urlencoded"
JSON = b"application/json"


def _from(n: int) -> tuple[tuple[bytes, bytes], ...]:
    """Another client address, so the login throttle of one example does not hide the next."""
    return ((b"x-forwarded-for", f"10.99.0.{n}".encode()),)


HTTP_EXAMPLES = [
    Probe("GET", "/api/events?after=99999999999999999999", "duty"),
    Probe("GET", "/api/events?after=9223372036854775808&limit=abc", "bearer"),
    Probe("GET", "/api/incidents/a%00b", "duty"),
    Probe("GET", "/incidents/a%00b", "duty"),
    Probe("GET", "/api/incidents/a%00b/confidential", "duty"),
    Probe("POST", "/api/commands", "duty", b"{}", JSON, ((b"x-csrf-token", b"\xc3\xa9"),)),
    Probe("POST", "/api/logout", "duty", b"", None, ((b"x-csrf-token", b"\xff"),)),
    Probe("POST", "/logout", "duty", b"csrf=%C3%A9", FORM),
    Probe(
        "POST",
        "/login",
        body=b"csrf=x&username=a&password=b",
        content_type=FORM,
        cookies=(("ic_login_csrf", "é"),),
    ),
    Probe(
        "POST",
        "/login",
        "anonymous",
        b"csrf=abc&username=a%00b&password=x",
        FORM,
        _from(1),
        (("ic_login_csrf", "abc"),),
    ),
    Probe("POST", "/api/login", "anonymous", b'{"username":"\\ud800","password":"x"}', JSON, _from(2)),
    Probe("POST", "/api/login", "anonymous", b'{"username":"a\\u0000b","password":"x"}', JSON, _from(3)),
    Probe("POST", "/login", body=b"x" * 10, content_type=b"multipart/form-data"),
    Probe("GET", "/static/../../../etc/passwd"),
    Probe("GET", "/locale/en", headers=((b"referer", b"\xff\xfe"),), host="0"),
    Probe("POST", "/api/login", body=_huge("json"), content_type=JSON),
]


_Test = TypeVar("_Test", bound=Callable[..., None])


def with_examples(name: str, values: list[Any]) -> Callable[[_Test], _Test]:
    """Hypothesis `@example`s for one argument: inputs that must always be tried, not only by chance."""

    def apply(test: _Test) -> _Test:
        for value in values:
            test = example(**{name: value})(test)
        return test

    return apply


def http_world(server: Served, api: Api) -> HttpWorld:
    world = HttpWorld(server, api)
    for who in ("duty", "reviewer"):
        world.refresh(who)
    world.token = api_token(server.deployment, "duty")
    world.expired, _ = open_session(server.deployment, "duty", expired=True)
    cookie, csrf = world.sessions["duty"]
    r = api(
        "POST",
        "/api/commands",
        json={"id": "fz-" + uuid.uuid4().hex, "name": "incident.register", "args": register_args()},
        cookie=cookie,
        headers={"x-csrf-token": csrf},
    )
    world.incident_id = r.json()["result"]["incident_id"]
    return world


@pytest.mark.parametrize("shard", range(SHARDS))
def test_http_routes_answer_junk_with_translated_errors(
    backend: str, shard: int, server: Served, api: Api
) -> None:
    world = http_world(server, api)
    head = [api.head()]
    logs = LogWatch(server)

    @fuzz_settings(backend)
    @with_examples("probe", HTTP_EXAMPLES[shard::SHARDS])
    @given(probe=probes())
    def run(probe: Probe) -> None:
        logs.skip()
        reply = send_probe(world, probe)
        check_reply(probe, reply)
        path = probe.target.split("?")[0]
        if path in ("/api/logout", "/logout"):
            for who in ("duty", "reviewer"):
                if not world.alive(who):
                    world.refresh(who)
        now = api.head()
        if now != head[0]:
            # The only change an HTTP request may make here: a permitted reveal logs itself (借阅登记).
            allowed = path.endswith("/confidential") or path == "/api/commands"
            assert allowed and reply.status == 200, ("the log changed", probe)
            head[0] = now
        logs.check(probe)

    run()
    api.assert_healthy()
    assert_log_clean(server)


# --------------------------------------------------------------------------------------------------
# 2. Commands: random envelopes for every command name, over HTTP and over /ws.

COMMAND_NAMES = sorted(COMMANDS)


@dataclass(frozen=True)
class Ref:
    """A value only known at run time: a real incident or user id, a fresh or an accepted command id."""

    kind: str
    index: int = 0


def enum_or_junk(values: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(values),
        st.sampled_from(values),
        st.sampled_from([v.upper() for v in values] + [v + " " for v in values]),
        nasty_text,
        json_scalars,
    )


texts = st.one_of(
    st.text(max_size=40),
    st.text(max_size=40),
    nasty_text,
    st.sampled_from([3999, 4000, 4001, 200, 201, 500, 501]).map(lambda n: "记" * n),
    json_scalars,
)
incident_refs = st.one_of(
    st.builds(Ref, st.just("open"), st.integers(0, 2)),
    st.builds(Ref, st.just("open"), st.integers(0, 2)),
    st.just(Ref("closed")),
    st.just(Ref("latest")),
    st.uuids().map(lambda u: u.hex),
    nasty_text,
    json_scalars,
)
ARG_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "incident_id": incident_refs,
    "user_id": st.one_of(st.builds(Ref, st.just("user"), st.integers(0, 5)), nasty_text, json_scalars),
    "type": enum_or_junk([t.value for t in IncidentType]),
    "channel": enum_or_junk([c.value for c in Channel]),
    "outcome": enum_or_junk([o.value for o in Outcome]),
    "place": texts,
    "summary": texts,
    "text": texts,
    "reason": texts,
    "head_count": st.one_of(
        st.integers(0, 100_000),
        st.sampled_from([-1, 100_001, 10**20, "12", " 12 ", 12.0, 12.5, True, None, "", "十二"]),
        json_scalars,
    ),
    "drill": st.one_of(st.booleans(), st.sampled_from(["yes", "true", 1, 0, 2, "否"]), json_scalars),
    "about_commission_head": st.one_of(
        st.booleans(), st.none(), st.sampled_from(["yes", 1, "是"]), json_scalars
    ),
    "started_at": odd_times,
    # playbook runs (console.runs): known names, unknown ones and junk
    **{
        k: st.one_of(st.sampled_from(v), texts, json_scalars)
        for k, v in {
            "step_id": ["start_response", "jurisdiction", "no_such_step"],
            "option": ["handle_here", "transfer", "nope"],
            "level": ["general", "major", "loud"],
            "obligation_id": ["initial", "gossip"],
            "key": ["remind:step:start_response"],
            "proposal_id": ["p-0123456789abcdef", "gossip"],
        }.items()
    },
    "note": texts,
    "representatives": st.one_of(st.lists(texts, max_size=8), texts, json_scalars),
    "deadlines": st.one_of(
        st.dictionaries(texts, st.one_of(odd_times, json_scalars), max_size=3), json_scalars
    ),
    "facts": st.one_of(
        st.fixed_dictionaries(
            {}, optional={"place_type": texts, "unit_level": texts, "dangerous_items": json_scalars}
        ),
        json_scalars,
    ),
    "confidential": st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                **{
                    k: texts
                    for k in (
                        "informant_name",
                        "informant_id_number",
                        "informant_phone",
                        "informant_address",
                        "report_content",
                    )
                },
                "real_name": st.one_of(st.booleans(), json_scalars),
                "extra": json_values,
            },
        ),
        json_values,
    ),
    # responders and dispatch (console.dispatch)
    "table": enum_or_junk(["units", "people", "places", "shifts", "policies"]),
    "format": enum_or_junk(["csv", "yaml", "pdf", "docx", "preview"]),
    "name": texts,
    "unit_id": st.one_of(st.sampled_from(["county", "office"]), nasty_text, json_scalars),
    "lat": st.one_of(st.floats(allow_nan=False), json_scalars),
    "lon": st.one_of(st.floats(allow_nan=False), json_scalars),
    "kind": enum_or_junk(["swap", "override"]),
    "shift_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "other_shift_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "new_holder_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "person_ids": st.one_of(st.lists(st.text(max_size=70), max_size=60), json_values),
    "role": texts,
    "destination_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "move": enum_or_junk(["acknowledge", "depart", "arrive", "move_to", "clear", "release", "sign_on"]),
    "person_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "place_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "within_minutes": st.one_of(st.integers(-5, 300), json_scalars),
    "rollcall_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "report_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "stage": enum_or_junk(["initial", "followup", "final", "daily"]),
    "period": st.one_of(
        st.sampled_from(["2026-11", "2026-Q4", "2026-13", "2099-01", "Q4"]), texts, json_scalars
    ),
    "texts": st.one_of(st.dictionaries(st.sampled_from(["demands", "trend", "nope"]), texts), json_values),
    "corrects": texts,
    "version": st.one_of(st.integers(-5, 20_000), json_scalars),
    "fields": st.one_of(
        st.lists(st.sampled_from(["informant_name", "report_content", "nope"]), max_size=8), json_values
    ),
    # alerts (console.alerts)
    "channels": st.one_of(st.lists(st.one_of(st.text(max_size=300), nasty_text), max_size=12), json_values),
    "locale": st.one_of(st.text(max_size=10), json_scalars),
    "alert_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "outbox_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    # alert.record_attempts (internal: refused as unknown from outside, whatever it carries)
    "attempts": st.one_of(st.lists(json_values, max_size=3), json_values),
    "quiet_hours": st.one_of(
        st.sampled_from(["22:00-07:00", "25:00-07:00", "22:00", ""]), nasty_text, json_scalars
    ),
    # a named place's type (place.add), a note's sealed names (incident.note), an inspector's units (review)
    "place_type": st.one_of(st.sampled_from(["party_gov_gate", "other", "palace"]), json_scalars),
    "sealed_names": st.one_of(
        st.lists(st.one_of(st.text(max_size=60), nasty_text), max_size=25), json_values
    ),
    "username": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "unit_ids": st.one_of(st.lists(st.one_of(st.text(max_size=70), nasty_text), max_size=12), json_values),
    # report delivery (console.reports.delivering)
    "delivery_id": st.one_of(st.text(max_size=40), nasty_text, json_scalars),
    "recipient": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "confirmed_by": st.one_of(st.text(max_size=120), nasty_text, json_scalars),
    "confirmed_at": st.one_of(odd_times, json_scalars),
    "ok": json_scalars,
    "status": texts,
    "latency_ms": st.one_of(st.integers(-5, 10**12), json_scalars),
    "round": st.one_of(st.integers(-5, 100), json_scalars),
    "via": texts,
    "finding_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "action_id": st.one_of(st.text(max_size=70), nasty_text, json_scalars),
    "owner": texts,
    "due_at": st.one_of(st.text(max_size=40), json_scalars, st.just("2026-02-30T25:00:00Z")),
    # the year's targets (§25 目标管理)
    "year": st.one_of(st.integers(-5, 10_000), st.sampled_from(["2026", 2026.5]), json_scalars),
    "targets": st.one_of(
        st.dictionaries(
            st.sampled_from(["on_time_closure", "collective", "incidents", "nope"]),
            st.one_of(st.floats(), st.integers(-5, 10**12), json_scalars),
            max_size=4,
        ),
        json_values,
    ),
}
extra_args = st.dictionaries(
    st.sampled_from(["extra", "id", "__proto__", "Type", "incident", "constructor", ""])
    | st.text(max_size=8),
    json_values,
    max_size=2,
)


EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "3000-01-01T00:00:00Z"]
edge_or_odd_times = st.one_of(st.sampled_from(EDGE_TIMES), odd_times, st.just(None))
valid_texts = st.one_of(
    st.text(min_size=1, max_size=60), st.sampled_from(["现场人数增至20人", "a\x00b", "\u202e"])
)
VALID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "incident_id": st.one_of(
        st.builds(Ref, st.just("open"), st.integers(0, 2)), st.just(Ref("latest")), st.just(Ref("closed"))
    ),
    "user_id": st.builds(Ref, st.just("user"), st.integers(0, 5)),
    "type": st.sampled_from([t.value for t in IncidentType]),
    "channel": st.sampled_from([c.value for c in Channel]),
    "outcome": st.sampled_from([o.value for o in Outcome]),
    "place": valid_texts,
    "summary": valid_texts,
    "text": valid_texts,
    "reason": valid_texts,
    "head_count": st.integers(0, 100_000),
    "drill": st.booleans(),
    # 回避: rarely, so most incidents stay in every view (a marked one is refused to the others, 404)
    "about_commission_head": st.sampled_from([False, False, False, False, True]),
    "started_at": edge_or_odd_times,
    # playbook runs (console.runs)
    "step_id": st.sampled_from(
        ["start_response", "notify_leader", "jurisdiction", "persuade", "no_such_step"]
    ),
    "note": valid_texts,
    "option": st.sampled_from(["handle_here", "send_up", "transfer", "requested", "chosen", "nope"]),
    "representatives": st.lists(valid_texts, max_size=7),
    "deadlines": st.fixed_dictionaries(
        {}, optional={"arrive_on_site": edge_or_odd_times, "persuade": edge_or_odd_times}
    ),
    "level": st.sampled_from(["general", "larger", "major", "extraordinary", None]),
    "obligation_id": st.sampled_from(["initial", "followup", "final", "gossip"]),
    "key": st.sampled_from(["remind:step:start_response", "escalate:step:notify_leader"]),
    "proposal_id": st.sampled_from(["p-0123456789abcdef", "gossip"]),
    "facts": st.fixed_dictionaries(
        {},
        optional={
            "place_type": st.sampled_from(["party_gov_gate", "other", "moon"]),
            "leader_car_involved": st.booleans(),
            "unit_level": st.sampled_from(["county", "township"]),
        },
    ),
    "confidential": st.fixed_dictionaries(
        {},
        optional={
            "informant_name": valid_texts,
            "informant_phone": valid_texts,
            "report_content": valid_texts,
            "real_name": st.booleans(),
        },
    ),
    # responders and dispatch (console.dispatch)
    "table": st.sampled_from(["units", "people", "places", "shifts", "policies"]),
    "format": st.sampled_from(["csv", "yaml", "pdf", "docx", "preview"]),
    "name": valid_texts,
    "unit_id": st.sampled_from(["county", "office", "x"]),
    "lat": st.floats(-90, 90),
    "lon": st.floats(-180, 180),
    "kind": st.sampled_from(["swap", "override"]),
    "shift_id": st.sampled_from(["s-1", "s-2"]),
    "other_shift_id": st.sampled_from(["s-1", "s-2"]),
    "new_holder_id": st.sampled_from(["p-1", "p-2"]),
    "person_ids": st.lists(st.sampled_from(["duty", "responder", "p-1"]), min_size=1, max_size=3),
    "role": valid_texts,
    "destination_id": st.sampled_from(["hall", "gate"]),
    "move": st.sampled_from(["acknowledge", "depart", "arrive", "move_to", "clear", "sign_on", "sign_off"]),
    "person_id": st.sampled_from(["duty", "responder", "p-1"]),
    "place_id": st.sampled_from(["hall", "gate"]),
    "within_minutes": st.integers(1, 240),
    "rollcall_id": st.sampled_from(["r-1"]),
    "report_id": st.sampled_from(["rep-1"]),
    "stage": st.sampled_from(["initial", "followup", "final", "daily"]),
    "period": st.sampled_from(["2026-10", "2026-Q3", "2099-12"]),
    "texts": st.dictionaries(st.sampled_from(["demands", "trend"]), valid_texts, min_size=1, max_size=2),
    "corrects": valid_texts,
    "fields": st.lists(st.sampled_from(["informant_name", "report_content"]), min_size=1, max_size=2),
    "version": st.integers(1, 3),
    # alerts (console.alerts): channel URLs are only parsed here (the tests' deployments send nothing)
    "channels": st.lists(
        st.sampled_from(["console://", "json://127.0.0.1:9/x", "nonsense://", "mailto://", ""]), max_size=3
    ),
    "locale": st.sampled_from(["zh_CN", "en", "fr"]),
    "alert_id": st.sampled_from(["a1", "a-x"]),
    "outbox_id": st.sampled_from(["o1"]),
    "attempts": st.lists(
        st.fixed_dictionaries({"outbox_id": st.sampled_from(["o1"]), "ok": st.booleans()}), max_size=2
    ),
    "quiet_hours": st.sampled_from(["22:00-07:00", "23:30-06:00", ""]),
    "place_type": st.sampled_from(["party_gov_gate", "reception_hall", "other"]),
    "sealed_names": st.lists(st.sampled_from(["周八", "王五"]), max_size=2),
    "delivery_id": st.sampled_from(["d1"]),
    "recipient": st.sampled_from(["县委办公室", "某某办"]),
    "confirmed_by": valid_texts,
    "confirmed_at": st.sampled_from(["2026-12-02T08:00:00+08:00", "2030-01-01T00:00:00Z"]),
    "ok": st.booleans(),
    "status": st.sampled_from(["SUCCESS", "FAILURE"]),
    "latency_ms": st.integers(0, 10_000),
    "round": st.integers(0, 3),
    "via": st.sampled_from(["email", ""]),
    # the review (console.review)
    "finding_id": st.sampled_from(["f-1", "0123456789abcdef"]),
    "action_id": st.sampled_from(["a-1", "0123456789abcdef"]),
    "owner": valid_texts,
    "due_at": st.sampled_from(["2030-01-01T00:00:00Z", "2026-12-02T08:00:00+08:00"]),
    "username": st.sampled_from(["inspector", "duty", "nobody"]),
    "unit_ids": st.lists(st.sampled_from(["county", "office", "mars"]), max_size=3),
    "year": st.sampled_from([2026, 2027, 1999]),
    "targets": st.dictionaries(
        st.sampled_from(["on_time_closure", "first_visit", "collective", "arrival"]),
        st.one_of(st.sampled_from([0, 1, 95, 100, 150, 2.5]), st.none()),
        max_size=4,
    ),
}


def test_every_command_field_has_a_valid_and_a_junk_strategy() -> None:
    """A new command's field the fuzzer does not know would fail it only when hypothesis happens to draw
    that command; this says so at once, naming the command and the field."""
    unknown = sorted(
        (name, field)
        for name, spec in COMMANDS.items()
        for field in spec.args.model_fields
        if field not in VALID_FIELDS or field not in ARG_FIELDS
    )
    assert not unknown, f"add these fields to VALID_FIELDS and ARG_FIELDS: {unknown}"


@st.composite
def command_args(draw: st.DrawFn, name: Any) -> Any:
    """Mostly well-formed arguments with a field or two broken, missing or added; sometimes any JSON."""
    spec = COMMANDS.get(name) if isinstance(name, str) else None
    if spec is None or draw(chance(10)):
        return draw(json_values)  # any shape at all, a list or a number included
    fields = spec.args.model_fields
    required = {k: VALID_FIELDS[k] for k, f in fields.items() if f.is_required()}
    optional = {k: VALID_FIELDS[k] for k, f in fields.items() if not f.is_required()}
    args = draw(st.fixed_dictionaries(required, optional=optional))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        key = draw(st.sampled_from(sorted(fields)))
        if draw(chance(5)):
            args.pop(key, None)
        else:
            args[key] = draw(ARG_FIELDS[key])
    if draw(chance(8)):
        args.update(draw(extra_args))
    return args


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of several strategies, picked in these proportions (st.one_of leans on its first branches)."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(lambda s: s)


BAD_IDS = [
    "short",
    "x" * 65,
    "has space-aaaa",
    "中文中文中文中文",
    "a/b/c/d/e/f",
    "abc\x00defgh",
    "ａｂｃｄｅｆｇｈ",
]
command_ids = weighted(
    (10, st.just(Ref("fresh"))),
    (2, st.builds(Ref, st.just("accepted"), st.integers(0, 1000))),
    (1, st.from_regex(r"[A-Za-z0-9_.:-]{8,64}", fullmatch=True)),
    (1, st.sampled_from(BAD_IDS)),
    (1, nasty_text),
    (1, json_scalars),
)
BAD_NAMES = ["", "x" * 101, "incident.", "INCIDENT.REGISTER", "incident.register ", "confidential.reveal"]
command_names = weighted(
    (12, st.sampled_from(COMMAND_NAMES)),
    (1, st.sampled_from(BAD_NAMES)),
    (1, nasty_text),
    (1, json_scalars),
)


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(command_names)
    envelope: dict[str, Any] = {"id": draw(command_ids), "name": name, "args": draw(command_args(name))}
    for key in ("id", "name", "args"):
        if draw(chance(20)):
            del envelope[key]
    if draw(chance(4)):
        envelope["occurred_at"] = draw(edge_or_odd_times)
    if draw(chance(10)):
        envelope.update(draw(st.dictionaries(st.sampled_from(["type", "extra", "ID", "token"]), json_values)))
    return envelope


WHO = ["duty"] * 6 + ["duty_token", "duty_token", "leader", "responder", "reviewer"]


@dataclass(frozen=True)
class Shot:
    """One command sent by one user over one transport."""

    via: str  # "http" | "ws"
    who: str
    envelope: dict[str, Any]


shots = st.builds(Shot, st.sampled_from(["http", "ws"]), st.sampled_from(WHO), envelopes())


@dataclass
class Verdict:
    """What became of one shot."""

    shot: Shot
    envelope: dict[str, Any]
    ok: bool | None  # None: the envelope itself was refused
    duplicate: bool = False
    position: int | None = None
    code: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class CommandWorld:
    server: Served
    api: Api
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    token: str = ""
    open_ids: list[str] = field(default_factory=list)
    closed_id: str = ""
    latest: str = ""
    user_ids: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, Ref):
            return value
        if value.kind == "open":
            return self.open_ids[value.index % len(self.open_ids)]
        if value.kind == "closed":
            return self.closed_id
        if value.kind == "latest":
            return self.latest
        if value.kind == "user":
            return self.user_ids[value.index % len(self.user_ids)]
        if value.kind == "accepted" and self.accepted:
            return self.accepted[value.index % len(self.accepted)]
        return "fz-" + uuid.uuid4().hex

    def headers(self, who: str) -> dict[str, str]:
        """A user's credentials: a session cookie with its CSRF token, or duty's API token."""
        if who == "duty_token":
            return {"authorization": f"Bearer {self.token}"}
        cookie, csrf = self.sessions[who]
        return {"cookie": f"ic_session={cookie}", "x-csrf-token": csrf}


def command_world(server: Served, api: Api) -> CommandWorld:
    world = CommandWorld(server, api)
    for who in ("duty", "leader", "responder", "reviewer"):
        world.sessions[who] = login(server, who)
    world.token = api_token(server.deployment, "duty")
    headers = world.headers("duty")

    def run(name: str, args: dict[str, Any]) -> dict[str, Any]:
        cid = "fz-" + uuid.uuid4().hex
        r = api("POST", "/api/commands", json={"id": cid, "name": name, "args": args}, headers=headers)
        assert r.status_code == 200, r.text
        world.accepted.append(cid)
        return dict(r.json()["result"])

    for i in range(4):
        world.open_ids.append(run("incident.register", register_args(i))["incident_id"])
    world.closed_id = world.open_ids.pop()
    run("incident.close", {"incident_id": world.closed_id, "outcome": "resolved"})
    world.latest = world.open_ids[-1]
    users = api("GET", "/api/users", headers=headers).json()["users"]
    world.user_ids = [u["id"] for u in users]
    return world


async def _ws_open(url: str, headers: dict[str, str]) -> Any:
    ws = await websockets.connect(url, additional_headers=headers, max_size=2**24, ping_interval=None)
    await ws.send(json.dumps({"type": "hello"}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame["type"] == "live":
            return ws


async def _ws_reply(ws: Any, what: object) -> dict[str, Any]:
    """The next result or error frame (events and pings may come between); anything else fails."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert isinstance(frame, dict), (what, frame)
        if frame.get("type") in ("event", "ping"):
            continue
        assert frame.get("type") in ("result", "error"), (what, frame)
        return frame


def _verdict(shot: Shot, envelope: dict[str, Any], body: Any, status: int | None) -> Verdict:
    """A command's reply (HTTP body, or a WS result frame when `status` is None), its shape checked."""
    what = (shot, envelope, status, body)
    assert isinstance(body, dict), what
    if body.get("ok") is True:
        assert status in (None, 200), what
        # a reviewer writes only the review's findings and actions (console.review)
        reviewing = str(envelope.get("name", "")).startswith("review.")
        assert shot.who != "reviewer" or reviewing, ("a reviewer's command was accepted", what)
        assert body["id"] == envelope["id"], what
        assert isinstance(body["result"], dict) and isinstance(body["duplicate"], bool), what
        assert body["position"] is None or isinstance(body["position"], int), what
        return Verdict(shot, envelope, True, body["duplicate"], body["position"], result=body["result"])
    assert body.get("ok") is False, what
    assert_error_body(body, what)
    code = body["error"]["code"]
    assert code != "internal", ("a command failed inside the server", what)
    assert status is None or 400 <= status < 500, what
    if "id" not in body:  # the envelope itself was refused (a NUL or lone surrogate may make it "not JSON")
        assert code == "invalid_command" or (code == "invalid_frame" and odd_text(envelope)), what
        return Verdict(shot, envelope, None, code=code)
    assert body["id"] == envelope.get("id"), what
    name = envelope.get("name")
    if name not in COMMANDS or COMMANDS[name].internal:
        assert code == "unknown_command", what
    elif shot.who == "reviewer" and not name.startswith("review."):
        # Reviewers may set their own alert channels and acknowledge their own pages: those commands pass the
        # permission gate, so their arguments are checked and their decision refuses (forbidden, not_found…).
        assert code == "forbidden" or name.startswith("alert."), what
    return Verdict(shot, envelope, False, code=code)


async def fire(world: CommandWorld, shot_list: list[Shot]) -> list[Verdict]:
    server = world.server
    sockets: dict[str, Any] = {}
    outcomes = []
    try:
        for shot in shot_list:
            envelope = world.resolve(shot.envelope)
            if shot.via == "http":
                r = world.api(
                    "POST",
                    "/api/commands",
                    content=json.dumps(envelope).encode(),
                    headers={**world.headers(shot.who), "content-type": "application/json"},
                )
                assert r.status_code < 500, (shot, envelope, r.status_code, r.text)
                outcome = _verdict(shot, envelope, r.json(), r.status_code)
            else:
                if shot.who not in sockets:
                    sockets[shot.who] = await _ws_open(server.ws_url, world.headers(shot.who))
                ws = sockets[shot.who]
                envelope.pop("type", None)  # over /ws, `type` is the frame's own (§5.2)
                await ws.send(json.dumps({"type": "command", **envelope}))
                frame = await _ws_reply(ws, (shot, envelope))
                if frame["type"] == "error":  # a bad envelope: the connection stays open
                    assert_error_body(frame, (shot, envelope))
                    code = frame["error"]["code"]
                    ref = envelope.get("id") if isinstance(envelope.get("id"), str) else None
                    if code == "invalid_frame":  # only a frame holding a NUL or lone surrogate
                        assert odd_text(envelope) and frame["id"] is None, (shot, envelope, frame)
                    else:
                        assert code == "invalid_command" and frame["id"] == ref, (shot, envelope, frame)
                    outcome = Verdict(shot, envelope, None, code=code)
                else:
                    outcome = _verdict(shot, envelope, frame, None)
            if outcome.ok and not outcome.duplicate:
                world.accepted.append(envelope["id"])
                if envelope.get("name") == "incident.register":
                    world.latest = outcome.result["incident_id"]
            outcomes.append(outcome)
    finally:
        for ws in sockets.values():
            await ws.close()
    return outcomes


def check_appended(outcomes: list[Verdict], before: list[Any], after: list[Any]) -> dict[str, Verdict]:
    """Only accepted commands appended: each at least one event (a register with confidential parts two),
    every one carrying its command id, the last at the result's position. Returns the accepted ones."""
    assert after[: len(before)] == before, "the log before these commands changed"
    new = after[len(before) :]
    accepted = {o.envelope["id"]: o for o in outcomes if o.ok and not o.duplicate}
    appended: dict[str, list[int]] = {}
    for event in new:
        appended.setdefault(event["command_id"], []).append(event["position"])
    assert set(appended) == set(accepted), ("refused or repeated commands appended", outcomes, new)
    for cid, positions in appended.items():
        assert max(positions) == accepted[cid].position, (accepted[cid], new)
    return accepted


def _shot(via: str, who: str, name: str, args: dict[str, Any], **extra: Any) -> list[Shot]:
    return [Shot(via, who, {"id": extra.pop("id", Ref("fresh")), "name": name, "args": args, **extra})]


COMMAND_EXAMPLES = [
    *(_shot("http", "duty", "incident.register", register_args(), occurred_at=t) for t in EDGE_TIMES),
    *(_shot("ws", "duty", "incident.register", {**register_args(), "started_at": t}) for t in EDGE_TIMES[:2]),
    _shot("http", "duty", "incident.note", {"incident_id": Ref("open"), "text": "现场\x00人数"}),
    _shot("ws", "duty", "incident.note", {"incident_id": Ref("open"), "text": "现场\x00人数"}),
    _shot("ws", "duty", "incident.amend", {"incident_id": "a\x00b", "place": "x"}),
    _shot("http", "leader", "incident.note", {}, id=Ref("accepted")),  # another user's id: a conflict
    _shot("ws", "duty", "incident.note", {}, id=Ref("accepted")),  # a repeat: the first result again
    _shot("http", "reviewer", "incident.register", register_args()),  # forbidden
    _shot("ws", "duty", "confidential.reveal", {"incident_id": Ref("open")}),  # internal: unknown
]


@pytest.mark.parametrize("shard", range(SHARDS))
def test_random_commands_get_a_result_and_refusals_change_nothing(
    backend: str, shard: int, server: Served, api: Api
) -> None:
    world = command_world(server, api)
    duty_cookie = world.sessions["duty"][0]
    logs = LogWatch(server)
    # The log and the state as the last example read them after its commands: nothing else writes
    # between examples (the deployment runs no workers), so they are the next example's "before" and
    # are not fetched again. An example that fails leaves nothing here: the next one reads afresh.
    last: dict[str, Any] = {}

    @fuzz_settings(backend)
    @with_examples("shot_list", COMMAND_EXAMPLES[shard::SHARDS])
    @given(shot_list=st.lists(shots, min_size=1, max_size=4))
    def run(shot_list: list[Shot]) -> None:
        logs.skip()
        before = last.pop("events", None) or api.events(duty_cookie)
        state_before = last.pop("state", None) or api.state(duty_cookie)
        outcomes = asyncio.run(fire(world, shot_list))
        after = api.events(duty_cookie)
        accepted = check_appended(outcomes, before, after)
        if not accepted:
            state_after = api.state(duty_cookie)
            assert state_after == state_before, outcomes
            last["state"] = state_after
        logs.check(shot_list)
        last["events"] = after

    run()
    api.assert_healthy()
    assert_log_clean(server)


# --------------------------------------------------------------------------------------------------
# 3. WebSocket frames: before hello, as hello, and after it.


@dataclass(frozen=True)
class WsFrame:
    kind: str  # "text", "binary", or "bad_utf8" (a text frame whose bytes are not UTF-8)
    data: str | bytes

    def wire(self) -> tuple[str | bytes, bool]:
        """(payload, as a text frame?) for websockets' send."""
        if self.kind == "text":
            return self.data, True
        raw = self.data if isinstance(self.data, bytes) else self.data.encode()
        return raw, self.kind == "bad_utf8"

    def size(self) -> int:
        return len(self.data.encode() if isinstance(self.data, str) else self.data)


def predict(frame: WsFrame) -> tuple[Any, ...]:
    """What the server does with a frame after `live` (docs/protocol.md §5): the same parsing, client-side."""
    if frame.kind == "bad_utf8":
        return ("close", 1007)
    if frame.size() > WS_MAX_SIZE:
        return ("close", 1009)
    text = frame.data if isinstance(frame.data, str) else frame.data.decode("utf-8", "replace")
    if len(text) > MAX_FRAME:
        return ("error", "invalid_frame", None)
    try:
        value = json.loads(text)
    except ValueError:
        return ("error", "invalid_frame", None)
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return ("error", "invalid_frame", None)
    ref = value["id"] if isinstance(value.get("id"), str) else None
    if odd_text(value):
        # The server may refuse a frame holding a NUL or lone surrogate as a whole, or take it.
        return ("maybe_refused", *_predict_dict(value, ref))
    return _predict_dict(value, ref)


def _predict_dict(value: dict[str, Any], ref: str | None) -> tuple[Any, ...]:
    kind = value["type"]
    if kind == "pong":
        return ("none",)
    if kind == "ping":
        return ("pong",)
    if kind != "command":
        return ("error", "invalid_frame", ref)
    return ("command", ref)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not _has_surrogate(value) else json.dumps(value)


def _has_surrogate(value: Any) -> bool:
    return any(0xD800 <= ord(ch) < 0xE000 for ch in json.dumps(value, ensure_ascii=False))


def _padded(args: tuple[str, str, int]) -> str:
    """A JSON object of exactly `size` characters: near and past the 64 KiB and 256 KiB limits."""
    kind, ch, size = args
    empty = json.dumps({"type": kind, "pad": ""})
    return json.dumps({"type": kind, "pad": ch * max(0, size - len(empty))}, ensure_ascii=False)


SIZES = [65534, 65535, 65536, 65537, 65538, 100_000, 87_381, 87_382, 262_143, 262_144, 262_145, 300_000]
padded_texts = st.tuples(
    st.sampled_from(["ping", "pong", "command", "nope"]),
    st.sampled_from(["x", "中", "😀"]),
    st.sampled_from(SIZES),
).map(_padded)
typed_frames = st.fixed_dictionaries(
    {
        "type": st.one_of(
            st.sampled_from(
                ["hello", "HELLO", "command", "ping", "pong", "event", "welcome", "result", "error"]
            ),
            st.text(max_size=10),
            json_scalars,
        )
    },
    optional={
        "id": st.one_of(json_scalars, st.text(max_size=70), st.from_regex(r"[a-z0-9]{8,20}", fullmatch=True)),
        "name": command_names,
        "args": json_values,
        "occurred_at": odd_times,
        "epoch": json_scalars,
        "position": json_scalars,
    },
)
frame_texts = st.one_of(
    st.text(max_size=40),
    json_values.map(_dumps),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4).map(_dumps),
    typed_frames.map(_dumps),
    typed_frames.map(_dumps),
    st.sampled_from(
        ['{"type":"hello"}', '{"type":"ping"}', '{"type":"pong"}', "[]", "1", "null", '""', "{}"]
    ),
    padded_texts,
)
ws_frames = st.one_of(
    frame_texts.map(lambda t: WsFrame("text", t)),
    frame_texts.map(lambda t: WsFrame("text", t)),
    frame_texts.map(lambda t: WsFrame("text", t)),
    frame_texts.map(lambda t: WsFrame("binary", t.encode("utf-8", "surrogatepass"))),
    st.binary(max_size=64).map(lambda b: WsFrame("binary", b)),
    st.binary(max_size=16).map(lambda b: WsFrame("bad_utf8", b"\xff" + b)),
)

HELLO_KEYS = {"type", "epoch", "position", "locale", "token", "protocol"}
# Text a hello may certainly carry: no NUL (a server may refuse that as a whole), no lone surrogates
# (which Hypothesis draws unless their category is excluded: excluding a character alone keeps them).
hello_text = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
valid_hellos = st.fixed_dictionaries(
    {"type": st.just("hello")},
    optional={
        "epoch": st.one_of(st.none(), st.just("@epoch"), st.text(hello_text, max_size=64)),
        "position": st.one_of(st.none(), st.integers(0, 30), st.sampled_from([2**63, 10**30])),
        "locale": st.one_of(
            st.none(), st.sampled_from(["en", "zh_CN", "en-US", "fr", ""]), st.text(hello_text, max_size=16)
        ),
        "protocol": st.one_of(st.integers(-5, 5), st.sampled_from([10**30, -(10**30)])),
    },
)
# Mutations that make a hello invalid whatever else it holds (protocol.Hello: extra="forbid").
BREAKS: dict[str, st.SearchStrategy[Any]] = {
    "type": st.one_of(
        st.text(max_size=10).filter(lambda t: t != "hello"), st.sampled_from([None, 1, [], {}])
    ),
    "epoch": st.one_of(st.text(min_size=65, max_size=80), st.sampled_from([1, [], {}, True])),
    "position": st.one_of(st.integers(max_value=-1), st.sampled_from(["abc", [], {}, 1.5, ""])),
    "locale": st.one_of(st.text(min_size=17, max_size=30), st.sampled_from([1, [], {}])),
    "token": st.one_of(st.text(min_size=201, max_size=220), st.sampled_from([1, [], {}])),
    "protocol": st.sampled_from(["abc", None, [], {}, 1.5, ""]),
}


@st.composite
def invalid_hellos(draw: st.DrawFn) -> WsFrame:
    how = draw(st.sampled_from(["field", "field", "extra", "no_type", "junk", "binary", "bad_utf8", "huge"]))
    hello: dict[str, Any] = draw(valid_hellos)
    if how == "field":
        key = draw(st.sampled_from(sorted(BREAKS)))
        hello[key] = draw(BREAKS[key])
    elif how == "extra":
        hello[draw(st.text(max_size=10).filter(lambda k: k not in HELLO_KEYS))] = draw(json_values)
    elif how == "no_type":
        del hello["type"]
    elif how == "junk":
        text = draw(st.one_of(st.text(max_size=40), json_values.map(_dumps)))
        with contextlib.suppress(ValueError):
            if isinstance(json.loads(text), dict):
                text = "[" + text + "]"
        return WsFrame("text", text)
    elif how == "binary":
        return WsFrame("binary", _dumps(hello).encode("utf-8", "surrogatepass"))
    elif how == "bad_utf8":
        return WsFrame("bad_utf8", b'{"type":"hello","locale":"\xff"}')
    else:
        return WsFrame("text", _padded(("hello", draw(st.sampled_from(["x", "中"])), 300_000)))
    return WsFrame("text", _dumps(hello))


WS_AUTH = ["cookie", "cookie_same_origin", "cookie_cross_origin", "bearer", "forged_bearer", "none"]
WS_AUTH += ["forged_cookie", "expired_cookie"]


@dataclass(frozen=True)
class WsScript:
    auth: str
    hello: dict[str, Any] | None  # a valid hello (its token set from `token`), or
    bad_hello: WsFrame | None  # an invalid first frame
    token: str = "absent"  # absent | none | junk | valid
    frames: tuple[WsFrame, ...] = ()


ws_scripts = st.one_of(
    st.builds(
        WsScript,
        auth=st.sampled_from(WS_AUTH),
        hello=valid_hellos,
        bad_hello=st.none(),
        token=st.sampled_from(["absent", "none", "junk", "valid"]),
        frames=st.lists(ws_frames, max_size=6).map(tuple),
    ),
    st.builds(WsScript, auth=st.sampled_from(WS_AUTH), hello=st.none(), bad_hello=invalid_hellos()),
)


@dataclass
class WsWorld:
    server: Served
    cookie: str = ""
    expired: str = ""
    token: str = ""
    epoch: str = ""


def _ws_auth(world: WsWorld, auth: str) -> dict[str, str]:
    origin = {"cookie_same_origin": f"127.0.0.1:{world.server.port}", "cookie_cross_origin": "evil.example"}
    headers = {}
    if auth.startswith("cookie"):
        headers["Cookie"] = f"ic_session={world.cookie}"
        if auth in origin:
            headers["Origin"] = "http://" + origin[auth]
    elif auth == "forged_cookie":
        headers["Cookie"] = "ic_session=" + uuid.uuid4().hex
    elif auth == "expired_cookie":
        headers["Cookie"] = "ic_session=" + world.expired
    elif auth == "bearer":
        headers["Authorization"] = "Bearer " + world.token
    elif auth == "forged_bearer":
        headers["Authorization"] = "Bearer ict_" + uuid.uuid4().hex
    return headers


def _close_codes(expected: int) -> tuple[int | None, ...]:
    """The close codes a client can see when the server closes with `expected`.

    A frame over the size limit is refused while the client may still be writing it: the server's
    kernel answers the unread rest with a TCP reset, and a reset can discard the 1009 close frame in the
    client's receive buffer before the client reads it. The client then sees the connection end with no
    close frame. Every other close comes after the whole frame was read, so its code always arrives.
    """
    return (1009, None) if expected == 1009 else (expected,)


async def _until_closed(ws: Any, what: object) -> tuple[list[dict[str, Any]], int | None]:
    """Every frame until the server closes, and its close code (None: no close frame)."""
    frames = []
    try:
        while True:
            raw = await asyncio.wait_for(ws.recv(), 15)
            frame = json.loads(raw)
            assert isinstance(frame, dict) and isinstance(frame.get("type"), str), (what, raw[:300])
            frames.append(frame)
    except websockets.ConnectionClosed as exc:
        return frames, exc.rcvd.code if exc.rcvd else None


async def _send(ws: Any, frame: WsFrame) -> None:
    payload, text = frame.wire()
    with contextlib.suppress(websockets.ConnectionClosed):
        await ws.send(payload, text=text)


def _sync_frames(frames: list[dict[str, Any]], what: object) -> list[dict[str, Any]]:
    """The frames answering frames in order (errors, pongs); results and server traffic left out."""
    out = []
    for frame in frames:
        assert frame.get("type") in ("error", "pong", "result", "event", "ping"), (what, frame)
        if frame["type"] == "error":
            assert_error_body(frame, what)
        if frame["type"] == "result" and frame.get("ok") is False:
            assert_error_body(frame, what)
            assert frame["error"]["code"] != "internal", (what, frame)
        if frame["type"] in ("error", "pong"):
            out.append(frame)
    return out


def _is_error(code: str, ref: str | None) -> Any:
    return lambda f: f["type"] == "error" and f["error"]["code"] == code and f["id"] == ref


def _ways(p: tuple[Any, ...]) -> list[tuple[Any, int]]:
    """The ways a prediction may come true: (a test for the next in-order reply or None, results owed)."""
    if p[0] == "none":
        return [(None, 0)]
    if p[0] == "pong":
        return [(lambda f: f["type"] == "pong", 0)]
    if p[0] == "error":
        return [(_is_error(p[1], p[2]), 0)]
    if p[0] == "command":  # a bad envelope gets an error at once, a good one a result later
        return [(_is_error("invalid_command", p[1]), 0), (None, 1)]
    assert p[0] == "maybe_refused", p
    return [(_is_error("invalid_frame", None), 0), *_ways(p[1:])]


def _match(predictions: list[tuple[Any, ...]], replies: list[dict[str, Any]], what: object) -> int:
    """Match the in-order replies (errors, pongs) to the frames sent; returns how many results are owed."""

    def solve(i: int, j: int) -> int | None:
        if i == len(predictions):
            return 0 if j == len(replies) else None
        for test, owed in _ways(predictions[i]):
            if test is not None and not (j < len(replies) and test(replies[j])):
                continue
            rest = solve(i + 1, j + (test is not None))
            if rest is not None:
                return owed + rest
        return None

    results = solve(0, 0)
    assert results is not None, ("replies do not match the frames sent", predictions, replies, what)
    return results


async def play(world: WsWorld, script: WsScript) -> None:
    what = script
    hello = script.hello
    authed = script.auth in ("cookie", "cookie_same_origin", "bearer")
    async with websockets.connect(
        world.server.ws_url,
        additional_headers=_ws_auth(world, script.auth),
        max_size=2**24,
        ping_interval=None,
        close_timeout=5,
    ) as ws:
        if hello is None:
            assert script.bad_hello is not None
            await _send(ws, script.bad_hello)
            frames, code = await _until_closed(ws, what)
            expected = {"bad_utf8": 1007}.get(script.bad_hello.kind, 4400)
            expected = 1009 if script.bad_hello.size() > WS_MAX_SIZE else expected
            assert code in _close_codes(expected), (what, code, frames)
            if code == 4400:
                assert [(f["type"], f["error"]["code"], f["id"]) for f in frames] == [
                    ("error", "hello_expected", None)
                ], (what, frames)
            for f in frames:
                assert_error_body(f, what)
            return
        hello = {k: (world.epoch if v == "@epoch" and k == "epoch" else v) for k, v in hello.items()}
        if script.token != "absent":
            hello["token"] = {"none": None, "junk": "ict_" + uuid.uuid4().hex, "valid": world.token}[
                script.token
            ]
        authed = authed or script.token == "valid"
        await ws.send(_dumps(hello))
        if not authed:
            frames, code = await _until_closed(ws, what)
            # Unauthenticated either way: a hello whose fields are junk (a negative protocol, an epoch that
            # is no epoch) is refused as no hello at all before the credentials are looked at.
            refusal = {4401: "unauthenticated", 4400: "hello_expected"}
            assert code in refusal, (what, code, frames)
            assert [(f["type"], f["error"]["code"]) for f in frames] == [("error", refusal[code])], frames
            assert_error_body(frames[0], what)
            return
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert welcome["type"] == "welcome" and welcome["mode"] in ("snapshot", "replay"), (what, welcome)
        while (frame := json.loads(await asyncio.wait_for(ws.recv(), 15)))["type"] != "live":
            assert frame["type"] in ("snapshot", "event", "ping"), (what, frame)
        predictions = []
        for frame in script.frames:
            predictions.append(predict(frame))
            await _send(ws, frame)
            if predictions[-1][0] == "close":
                break
        if predictions and predictions[-1][0] == "close":
            frames, code = await _until_closed(ws, what)
            assert code in _close_codes(predictions[-1][1]), (what, code, frames)
            # Replies to the frames before it may or may not have left before the close.
            replies = _sync_frames(frames, what)
            for got in replies:
                assert got["type"] == "pong" or got["error"]["code"] in (
                    "invalid_frame",
                    "invalid_command",
                ), got
            return
        await ws.send('{"type":"ping"}')  # a marker: its pong follows every reply to the frames before it
        predictions.append(("pong",))
        wanted_pongs = sum(1 for p in predictions if p[0] == "pong")
        frames = []
        while sum(1 for f in frames if f.get("type") == "pong") < wanted_pongs:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 15)))
        pending = _match(predictions, _sync_frames(frames, what), what)
        results = [f for f in frames if f.get("type") == "result"]
        while len(results) < pending:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
            _sync_frames([frame], what)
            assert frame["type"] in ("result", "event", "ping"), (what, frame)
            if frame["type"] == "result":
                results.append(frame)
        assert len(results) == pending, (what, results)


WS_EXAMPLES = [
    WsScript(
        "cookie", {"type": "hello"}, None, frames=(WsFrame("text", '{"type":"command","id":"\\ud800"}'),)
    ),
    WsScript("bearer", {"type": "hello"}, None, frames=(WsFrame("text", '{"type":"\\ud800"}'),)),
    WsScript("cookie", None, WsFrame("binary", b'{"type":"hello"}')),
    WsScript("cookie", None, WsFrame("bad_utf8", b'{"type":"hello","locale":"\xff"}')),
    WsScript("cookie", None, WsFrame("text", _padded(("hello", "x", 300_000)))),
    WsScript("none", None, WsFrame("text", "[1,2]")),
    WsScript("cookie", {"type": "hello"}, None, frames=(WsFrame("bad_utf8", b"\xff\xfe"),)),
    WsScript("bearer", {"type": "hello"}, None, frames=(WsFrame("text", _padded(("ping", "x", 300_000))),)),
    WsScript(
        "cookie",
        {"type": "hello", "epoch": "@epoch", "position": 2**63},
        None,
        frames=tuple(WsFrame("text", _padded(("ping", ch, n))) for ch in "x中😀" for n in (65536, 65537)),
    ),
    WsScript(
        "cookie_cross_origin",
        {"type": "hello"},
        None,
        token="valid",
        frames=(WsFrame("text", '{"type":"hello"}'),),
    ),
]


@pytest.mark.parametrize("shard", range(SHARDS))
def test_websocket_junk_gets_error_frames_or_documented_close_codes(
    backend: str, shard: int, server: Served, api: Api
) -> None:
    world = WsWorld(server)
    world.cookie, _ = login(server, "duty")
    world.expired, _ = open_session(server.deployment, "duty", expired=True)
    world.token = api_token(server.deployment, "duty")
    world.epoch = api.state(world.cookie)["epoch"]
    logs = LogWatch(server)

    @fuzz_settings(backend)
    @with_examples("script", WS_EXAMPLES[shard::SHARDS])
    @given(script=ws_scripts)
    def run(script: WsScript) -> None:
        logs.skip()
        asyncio.run(asyncio.wait_for(play(world, script), 60))
        api.assert_healthy()

        async def fresh_client() -> None:
            client = LiveClient(server.ws_url, world.cookie)
            await client.connect()
            await client.close()

        asyncio.run(fresh_client())
        logs.check(script)

    run()
    api.assert_healthy()
    assert_log_clean(server)
