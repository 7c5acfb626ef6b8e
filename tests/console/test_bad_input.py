"""Inputs that once reached the server's insides (found by fuzzing): each now gets a translated refusal."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
from support import LiveClient, Served, command_id, login, register_args, server_events


def _post(server: Served, cookie: str, csrf: str, body: bytes | Mapping[str, object]) -> httpx.Response:
    kwargs: dict[str, object] = {"content": body} if isinstance(body, bytes) else {"json": body}
    return httpx.post(
        server.base + "/api/commands",
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf, "content-type": "application/json"},
        **kwargs,  # type: ignore[arg-type]
    )


async def test_refusals_for_input_no_database_or_socket_can_carry(server: Served) -> None:
    cookie, csrf = login(server, "duty")
    # a lone surrogate (valid JSON escape, not valid Unicode text)
    r = _post(
        server, cookie, csrf, b'{"id":"t-00000001","name":"incident.register","args":{"place":"\\ud800"}}'
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame"
    # a NUL character (PostgreSQL cannot store one)
    args = {**register_args(), "place": "a\x00b"}
    r = _post(server, cookie, csrf, {"id": command_id(), "name": "incident.register", "args": args})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame"
    # times nobody could mean, which used to overflow when converted to UTC
    for when in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"):
        body = {
            "id": command_id(),
            "name": "incident.register",
            "args": {**register_args(), "started_at": when},
        }
        r = _post(server, cookie, csrf, body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_command", when
        r = _post(server, cookie, csrf, {**body, "id": command_id(), "occurred_at": when})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_command", when
    # a non-ASCII CSRF token is simply wrong, not a crash
    r = httpx.post(
        server.base + "/api/commands",
        cookies={"ic_session": cookie},
        headers={b"x-csrf-token": "令牌é".encode()},
        json={"id": command_id(), "name": "incident.register", "args": register_args()},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    form = httpx.post(server.base + "/login", data={"username": "duty", "password": "x", "csrf": "令牌"})
    assert form.status_code == 400 and "页面已过期" in form.text
    # NUL in a path (no such record: 404) or a query (malformed: 422), and in a login
    assert httpx.get(server.base + "/api/incidents/a%00b", cookies={"ic_session": cookie}).status_code == 404
    assert httpx.get(server.base + "/api/events?after=%00", cookies={"ic_session": cookie}).status_code == 422
    r = httpx.post(server.base + "/api/login", json={"username": "a\x00b", "password": "x"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame"
    form = httpx.post(server.base + "/login", data={"username": "a\x00b", "password": "x", "csrf": "t"})
    assert form.status_code == 400 and "Traceback" not in form.text
    # a position past 64 bits is just past the end of the log
    r = httpx.get(server.base + "/api/events?after=99999999999999999999", cookies={"ic_session": cookie})
    assert r.status_code == 200 and r.json()["events"] == []

    # over the WebSocket: an error frame, and the connection goes on
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    await client.ws.send('{"type":"command","id":"\\ud800"}')
    await client.ws.send(json.dumps({"type": "command", "id": command_id(), "name": "incident.note",
                                     "args": {"incident_id": "a\x00b", "text": "x"}}))  # fmt: skip
    cid = await client.send("incident.register", register_args())
    assert (await client.wait_result(cid))["ok"]
    assert [e["error"]["code"] for e in client.errors] == ["invalid_frame", "invalid_frame"]
    await client.close()

    assert len(server_events(server, cookie)) == 1
    log = server.log.read_text()
    assert "Traceback" not in log and "unhandled_error" not in log and "a\\u0000b" not in log
