"""Bad input from anyone, signed in or not (issue 9): refused with a translated error, never a 500 or a
traceback, and the server's own limits hold without a proxy in front of it."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from support import PASSWORD, Deployment, LiveClient, LocalServer, command_id, login, register_args

from console.errors import MAX_JSON_DEPTH, InvalidInput, parse_json
from console.settings import SettingsError, load_settings
from responders.io import Format, export_places, import_places
from responders.organisation import Place

NESTED = "[" * 600 + "]" * 600  # 1.2 KB that used to exhaust the stack of the NUL check
VERY_NESTED = "[" * 100_000 + "]" * 100_000


@contextlib.contextmanager
def serving(deployment: Deployment, **env: str) -> Iterator[LocalServer]:
    srv = LocalServer(deployment, **env).start()
    try:
        yield srv
    finally:
        srv.stop()


def _no_tracebacks(server: LocalServer) -> None:
    log = server.log.read_text()
    assert "Traceback" not in log and "unhandled_error" not in log and "ws_failed" not in log, log[-3000:]


# --- nesting depth ---


@pytest.mark.parametrize("depth", [1, MAX_JSON_DEPTH])
def test_json_as_deep_as_the_limit_is_read(depth: int) -> None:
    assert parse_json("[" * depth + "]" * depth) is not None


JUST_TOO_DEEP = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)


@pytest.mark.parametrize("text", [JUST_TOO_DEEP, NESTED, VERY_NESTED, '{"a":' * 600 + "1" + "}" * 600])
def test_json_nested_deeper_than_the_limit_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_json(text)
    assert raised.value.code == "invalid_frame"


async def test_deeply_nested_json_is_refused_everywhere_without_a_traceback(server: LocalServer) -> None:
    for body in (NESTED, VERY_NESTED):
        r = httpx.post(server.base + "/api/login", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame", r.text
    cookie, csrf = login(server, "duty")
    for body in (NESTED, '{"id":"t-00000001","name":"incident.register","args":' + NESTED + "}"):
        r = httpx.post(
            server.base + "/api/commands",
            content=body,
            cookies={"ic_session": cookie},
            headers={"x-csrf-token": csrf, "content-type": "application/json"},
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame", r.text

    # a nested hello is a bad hello (4400, with its error frame), not a dropped connection (1006)
    async with websockets.connect(server.ws_url, additional_headers={"Cookie": f"ic_session={cookie}"}) as ws:
        await ws.send(NESTED)
        frame = json.loads(await ws.recv())
        assert frame["type"] == "error" and frame["error"]["code"] == "hello_expected"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400

    # a nested command frame gets an error frame, and the connection goes on
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    await client.ws.send(NESTED)
    await client.ws.send('{"type":"command","id":"t-00000002","name":"incident.note","args":' + NESTED + "}")
    cid = await client.send("incident.register", register_args())
    assert (await client.wait_result(cid))["ok"]
    assert [e["error"]["code"] for e in client.errors] == ["invalid_frame", "invalid_frame"]
    await client.close()
    _no_tracebacks(server)


# --- the login body ---


def _raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send a request by hand and read the status line and what follows until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while True:  # every request here says Connection: close
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def test_login_refuses_a_body_declared_too_large_without_waiting_for_it(server: LocalServer) -> None:
    # 64 MiB announced, nothing sent: the answer must come before the body (else this would time out)
    head = (
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {64 * 1024 * 1024}\r\nConnection: close\r\n"
    )
    status, data = _raw_request(server.port, head)
    assert status == 413 and b'"too_large"' in data


def test_login_stops_reading_a_streamed_body_at_the_limit(server: LocalServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"username":"duty","password":"'
        for _ in range(64):  # 4 MiB, chunked: no length to check up front
            yield b"x" * 65536
        yield b'"}'

    try:
        r = httpx.post(
            server.base + "/api/login", content=chunks(), headers={"content-type": "application/json"}
        )
    except httpx.TransportError:
        pytest.fail("the server closed the connection instead of answering 413")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert "ic_session" not in r.cookies


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]
)
def test_login_refuses_a_body_not_declared_json(server: LocalServer, content_type: str) -> None:
    # a cross-site form can send these (not application/json): it must not sign the browser in
    body = json.dumps({"username": "duty", "password": PASSWORD})
    r = httpx.post(server.base + "/api/login", content=body, headers={"content-type": content_type})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    assert "set-cookie" not in r.headers
    zh = httpx.post(server.base + "/api/login", content=body, headers={"content-type": content_type})
    assert "JSON" in zh.json()["error"]["message"]


# --- logout ---


def test_logout_with_a_wrong_csrf_token_changes_nothing(server: LocalServer) -> None:
    cookie, csrf = login(server, "duty")
    r = httpx.post(server.base + "/logout", data={"csrf": "not-the-token"}, cookies={"ic_session": cookie})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert httpx.get(server.base + "/api/me", cookies={"ic_session": cookie}).status_code == 200
    r = httpx.post(server.base + "/api/logout", cookies={"ic_session": cookie}, headers={"x-csrf-token": "x"})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert httpx.get(server.base + "/api/me", cookies={"ic_session": cookie}).status_code == 200
    # with the right token it signs out
    r = httpx.post(server.base + "/logout", data={"csrf": csrf}, cookies={"ic_session": cookie})
    assert r.status_code == 303 and 'ic_session=""' in r.headers["set-cookie"]
    assert httpx.get(server.base + "/api/me", cookies={"ic_session": cookie}).status_code == 401


# --- the server's own limits ---


def _closed_by_server(sock: socket.socket, deadline: float, trickle: bool) -> bool:
    """Wait (until the deadline) for the server to close; a trickling client sends a byte meanwhile."""
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.1)
        if readable:
            try:
                if sock.recv(4096) == b"":
                    return True
            except ConnectionResetError:
                return True
        if trickle:
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                return True
    return False


def test_sockets_that_never_finish_their_headers_are_cut(deployment: Deployment) -> None:
    with serving(deployment, CONSOLE_HEADER_TIMEOUT_SECONDS="0.5") as server:
        sockets = []
        for n in range(10):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " if n % 2 else b"")
            sockets.append(sock)
        deadline = time.monotonic() + 30
        try:
            for n, sock in enumerate(sockets):
                assert _closed_by_server(sock, deadline, trickle=bool(n % 2)), f"socket {n} still open"
        finally:
            for sock in sockets:
                sock.close()
        # an ordinary request, and a second one on the same keep-alive connection, are served as before
        with httpx.Client() as client:
            assert client.get(server.base + "/healthz").status_code == 200
            assert client.get(server.base + "/healthz").status_code == 200


def test_connections_past_the_limit_get_503(deployment: Deployment) -> None:
    with serving(deployment, CONSOLE_MAX_CONNECTIONS="3") as server:
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(3)]
        try:
            status, _ = _raw_request(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")
            assert status == 503
        finally:
            for sock in held:
                sock.close()


async def test_live_connections_per_user_are_limited_with_a_translated_refusal(
    deployment: Deployment,
) -> None:
    with serving(deployment, CONSOLE_WS_PER_USER="2") as server:
        cookie, _ = login(server, "duty")
        held = [LiveClient(server.ws_url, cookie) for _ in range(2)]
        for client in held:
            await client.connect()
        headers = {"Cookie": f"ic_session={cookie}", "Accept-Language": "en"}
        async with websockets.connect(server.ws_url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"type": "hello"}))
            frame = json.loads(await ws.recv())
            assert frame["type"] == "error" and frame["error"]["code"] == "too_many_connections"
            assert "Too many live connections" in frame["error"]["message"]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
        # another user is not counted against this one, and a freed place can be taken again
        other = LiveClient(server.ws_url, login(server, "leader")[0])
        await other.connect()
        await held.pop().close()
        again = LiveClient(server.ws_url, cookie)
        for _ in range(100):  # the server notices the close on its own time
            try:
                await again.connect()
                break
            except (TimeoutError, websockets.ConnectionClosed):
                await asyncio.sleep(0.05)
        assert again.closed_with is None and again.epoch is not None
        for client in (*held, other, again):
            await client.close()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONSOLE_HEADER_TIMEOUT_SECONDS", "0"),
        ("CONSOLE_HEADER_TIMEOUT_SECONDS", "soon"),
        ("CONSOLE_KEEP_ALIVE_SECONDS", "0"),
        ("CONSOLE_MAX_CONNECTIONS", "many"),
        ("CONSOLE_WS_PER_USER", "0"),
    ],
)
def test_limits_the_console_cannot_use_are_refused_with_their_name(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SECRET_KEY": "k", name: value})


# --- the hello ---


@pytest.mark.parametrize("position", ["5", True, 5.0, -1, [5], {"p": 5}])
async def test_hello_position_is_an_integer_or_null_only(server: LocalServer, position: object) -> None:
    cookie, _ = login(server, "duty")
    async with websockets.connect(server.ws_url, additional_headers={"Cookie": f"ic_session={cookie}"}) as ws:
        await ws.send(json.dumps({"type": "hello", "epoch": "x", "position": position}))
        frame = json.loads(await ws.recv())
        assert frame["type"] == "error" and frame["error"]["code"] == "hello_expected"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


async def test_a_client_dropping_during_resume_is_logged_as_information(deployment: Deployment) -> None:
    with serving(deployment, CONSOLE_LOG_LEVEL="INFO") as server:
        cookie, csrf = login(server, "duty")
        for n in range(20):
            r = httpx.post(
                server.base + "/api/commands",
                json={"id": command_id(), "name": "incident.register", "args": register_args(n)},
                cookies={"ic_session": cookie},
                headers={"x-csrf-token": csrf},
            )
            assert r.status_code == 200
        for _ in range(5):
            ws = await websockets.connect(
                server.ws_url, additional_headers={"Cookie": f"ic_session={cookie}"}
            )
            await ws.send(json.dumps({"type": "hello", "epoch": None, "position": None}))
            # drop at once, without a close frame, as a phone losing its network does
            ws.transport.abort()
        deadline = time.monotonic() + 30
        while "ws_client_gone" not in server.log.read_text():
            assert time.monotonic() < deadline, server.log.read_text()[-3000:]
            await asyncio.sleep(0.05)
        _no_tracebacks(server)


# --- CSV exports ---


def test_the_org_export_defuses_formula_cells_and_reads_them_back() -> None:
    places = [
        Place(id="p1", name='=HYPERLINK("http://evil","点我")'),
        Place(id="p2", name="+1+cmd"),
        Place(id="p3", name="@SUM(A1)"),
        Place(id="p4", name="-2"),
        Place(id="p5", name="信访局东侧门", lat=-30.5, lon=-120.25),
    ]
    text = export_places(places, Format.CSV)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["p1"]["name"] == "'" + places[0].name
    assert (
        rows["p2"]["name"] == "'+1+cmd" and rows["p3"]["name"] == "'@SUM(A1)" and rows["p4"]["name"] == "'-2"
    )
    assert rows["p5"]["name"] == "信访局东侧门" and rows["p5"]["lat"] == "-30.5"  # numbers stay numbers
    back = import_places(text, Format.CSV)
    assert back.ok and [p.name for p in back.items] == [p.name for p in places]


def test_the_org_export_of_a_place_added_from_a_tablet_is_defused(server: LocalServer) -> None:
    cookie, csrf = login(server, "duty")
    name = '=HYPERLINK("http://evil.example/x","点我")'
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": "place.add", "args": {"name": name}},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 200, r.text
    r = httpx.get(server.base + "/api/org/export?table=places&format=csv", cookies={"ic_session": cookie})
    assert r.status_code == 200
    names = [row["name"] for row in csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))]
    assert "'" + name in names and name not in names
