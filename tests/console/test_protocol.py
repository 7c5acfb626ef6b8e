"""The live protocol through a real server and real WebSocket clients (docs/protocol.md)."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets
from support import (
    LiveClient,
    LocalServer,
    Served,
    Server,
    StalledPeer,
    command_id,
    eventually,
    fold,
    login,
    register_args,
    server_events,
    server_state,
)


async def test_snapshot_then_live_events_reach_every_client(server: Served) -> None:
    cookie, _ = login(server, "duty")
    leader_cookie, _ = login(server, "leader")
    duty, leader = LiveClient(server.ws_url, cookie), LiveClient(server.ws_url, leader_cookie)
    await duty.connect()
    await leader.connect()
    assert duty.snapshots[0]["position"] == 0 and duty.snapshots[0]["state"]["incidents"] == []
    cid = await duty.send("incident.register", register_args())
    result = await duty.wait_result(cid)
    assert result["ok"] is True and result["result"]["number"].startswith("XF-")
    await leader.wait_position(result["position"])
    assert [e["event"] for e in leader.events] == ["incident.registered"]
    assert leader.events[0]["data"]["place"] == "机关大门"
    assert leader.events[0]["actor"]["name"] == "duty"
    await duty.close()
    await leader.close()


async def test_repeated_command_id_returns_first_result_and_appends_nothing(server: Served) -> None:
    cookie, csrf = login(server, "duty")
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    cid = command_id()
    first = await client.wait_result(await client.send("incident.register", register_args(), cid))
    client.results.clear()
    again = await client.wait_result(await client.send("incident.register", register_args(), cid))
    assert again["result"] == first["result"] and again["duplicate"] is True
    # the same id over HTTP is the same command
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": cid, "name": "incident.register", "args": register_args()},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 200 and r.json()["result"] == first["result"]
    assert len(server_events(server, cookie)) == 1
    await client.close()


async def test_malformed_frames_get_translated_errors_and_server_stays_healthy(server: Served) -> None:
    cookie, _ = login(server, "duty")
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    for bad in [
        "not json{",
        "[1,2]",
        '{"type":"nonsense"}',
        '{"type":"command","id":"x"}',
        json.dumps(
            {
                "type": "command",
                "id": command_id(),
                "name": "incident.register",
                "args": {"type": "sit_in", "place": "", "head_count": -1},
            }
        ),
    ]:
        await client.ws.send(bad)
    await eventually(
        lambda: len(client.errors) + sum(not r["ok"] for r in client.results.values()) >= 5, what="5 replies"
    )
    codes = [e["error"]["code"] for e in client.errors] + [
        r["error"]["code"] for r in client.results.values() if not r["ok"]
    ]
    assert codes.count("invalid_frame") == 3
    assert codes.count("invalid_command") == 2
    assert all("：" in e["error"]["message"] for e in client.errors)  # zh-CN by default
    assert server_events(server, cookie) == []
    # still serving
    cid = await client.send("incident.register", register_args())
    assert (await client.wait_result(cid))["ok"]
    assert httpx.get(server.base + "/healthz").json()["ok"] is True
    await client.close()


async def test_anonymous_and_bad_hello_are_refused_with_documented_close_codes(server: Served) -> None:
    async with websockets.connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "hello", "epoch": None, "position": None}))
        error = json.loads(await ws.recv())
        assert error["error"]["code"] == "unauthenticated"
        try:
            await ws.recv()
        except websockets.ConnectionClosed as exc:
            assert exc.rcvd is not None and exc.rcvd.code == 4401
    cookie, _ = login(server, "duty")
    async with websockets.connect(server.ws_url, additional_headers={"Cookie": f"ic_session={cookie}"}) as ws:
        await ws.send('{"type":"command"}')
        await ws.recv()
        try:
            await ws.recv()
        except websockets.ConnectionClosed as exc:
            assert exc.rcvd is not None and exc.rcvd.code == 4400


async def test_api_token_authenticates_header_or_hello(server: Served) -> None:
    from support import cli

    token = cli(server.deployment.env, "create-token", "duty", "--name", "test").stdout.strip()
    assert token.startswith("ict_")
    async with websockets.connect(
        server.ws_url, additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        assert json.loads(await ws.recv())["type"] == "welcome"
    async with websockets.connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "hello", "token": token}))
        assert json.loads(await ws.recv())["type"] == "welcome"
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": "incident.register", "args": register_args()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.json()["ok"]


async def test_resume_replays_exactly_what_was_missed(server: Served) -> None:
    cookie, _ = login(server, "duty")
    writer, reader = LiveClient(server.ws_url, cookie), LiveClient(server.ws_url, cookie)
    await writer.connect()
    await reader.connect()
    first = await writer.wait_result(await writer.send("incident.register", register_args(1)))
    await reader.wait_position(first["position"])
    await reader.close()
    incident = first["result"]["incident_id"]
    for i in range(5):
        await writer.wait_result(
            await writer.send("incident.note", {"incident_id": incident, "text": f"记录{i}"})
        )
    await reader.connect()  # same epoch and position: replay
    await reader.wait_position(first["position"] + 5)
    positions = [e["position"] for e in reader.events]
    assert positions == list(range(1, first["position"] + 6))
    assert len(reader.snapshots) == 1
    # A stale epoch gets a snapshot taken at a position, then live events after it.
    reader.epoch = "another-database"
    await reader.close()
    await reader.connect()
    assert len(reader.snapshots) == 2 and reader.snapshots[-1]["position"] == positions[-1]
    assert fold([], reader.snapshots[-1]) == fold(server_events(server, cookie))
    await writer.close()
    await reader.close()


async def test_a_gap_wider_than_the_replay_window_gets_a_snapshot(deployment) -> None:  # type: ignore[no-untyped-def]
    server = LocalServer(deployment, CONSOLE_REPLAY_LIMIT="3").start()
    try:
        cookie, _ = login(server, "duty")
        writer, reader = LiveClient(server.ws_url, cookie), LiveClient(server.ws_url, cookie)
        await writer.connect()
        await reader.connect()
        await reader.close()
        for i in range(3):  # within the window: replay
            await writer.wait_result(await writer.send("incident.register", register_args(i)))
        await reader.connect()
        assert len(reader.snapshots) == 1 and [e["position"] for e in reader.events] == [1, 2, 3]
        await reader.close()
        for i in range(4):  # beyond it: snapshot at the head, then live
            await writer.wait_result(await writer.send("incident.register", register_args(i)))
        await reader.connect()
        assert len(reader.snapshots) == 2 and reader.snapshots[-1]["position"] == 7
        assert len(reader.snapshots[-1]["state"]["incidents"]) == 7
        await writer.wait_result(await writer.send("incident.register", register_args(9)))
        await reader.wait_position(8)
        assert reader.events[-1]["position"] == 8
        await writer.close()
        await reader.close()
    finally:
        server.stop()


async def test_overflowing_client_is_closed_and_resumes(deployment) -> None:  # type: ignore[no-untyped-def]
    # Every missed event is replayed however much they weigh (no CONSOLE_REPLAY_MAX_CHARS): this
    # checks the replay after an overflow, not the snapshot a phone gets after a long absence.
    server = Server(
        deployment,
        CONSOLE_QUEUE_LIMIT="64",
        CONSOLE_HEARTBEAT_SECONDS="120",
        CONSOLE_REPLAY_MAX_CHARS="0",
    ).start()
    try:
        cookie, _ = login(server, "duty")
        writer = LiveClient(server.ws_url, cookie)
        await writer.connect()
        # A peer that stops reading: the server's socket buffers fill, its writer blocks, and its
        # queue overflows while the other client is unaffected.
        slow = StalledPeer(server.port, cookie)
        big = "长" * 4000
        first = await writer.wait_result(await writer.send("incident.register", register_args()))
        incident = first["result"]["incident_id"]
        sent = 0
        while (
            sent < 1500
            and "console_overflow_closes_total 1.0" not in httpx.get(server.base + "/metrics").text
        ):
            cids = [
                await writer.send("incident.note", {"incident_id": incident, "text": big}) for _ in range(10)
            ]
            for cid in cids:
                assert (await writer.wait_result(cid))["ok"]
            sent += 10
        last = 1 + sent
        await writer.wait_position(last)
        assert writer.closed_with is None
        assert [e["position"] for e in writer.events] == list(range(1, last + 1))
        # The server dropped it: with a close frame (4409) if the frame could still be written,
        # otherwise by aborting the socket it could no longer write to.
        ended, code = await asyncio.to_thread(slow.drain_until_close)
        slow.close()
        assert ended and code in (None, 4409)
        assert "console_overflow_closes_total 1.0" in httpx.get(server.base + "/metrics").text
        # it resumes from where it was (position 0: it read nothing) and gets every event once
        again = LiveClient(server.ws_url, cookie)
        again.epoch, again.position = writer.epoch, 0
        await again.connect()
        await again.wait_position(last)
        assert again.snapshots == []
        assert [e["position"] for e in again.events] == list(range(1, last + 1))
        await writer.close()
        await again.close()
    finally:
        server.stop()


async def test_dead_peer_is_closed_by_heartbeat(deployment) -> None:  # type: ignore[no-untyped-def]
    server = LocalServer(deployment, CONSOLE_HEARTBEAT_SECONDS="0.3").start()
    try:
        cookie, _ = login(server, "duty")
        ws = await websockets.connect(server.ws_url, additional_headers={"Cookie": f"ic_session={cookie}"})
        await ws.send(json.dumps({"type": "hello"}))
        # never answer pings: the server closes us with CLOSE_DEAD_PEER
        code = None
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
        assert code == 4408
        # a client that answers stays
        live = LiveClient(server.ws_url, cookie)
        await live.connect()
        await eventually(lambda: live.pings >= 5 or live.closed_with is not None)  # past the 0.9 s limit
        assert live.closed_with is None
        await live.close()
    finally:
        server.stop()


async def test_http_commands_need_csrf_with_cookie_and_errors_are_translated(server: Served) -> None:
    cookie, csrf = login(server, "duty")
    body = {"id": command_id(), "name": "incident.register", "args": register_args()}
    r = httpx.post(server.base + "/api/commands", json=body, cookies={"ic_session": cookie})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = httpx.post(
        server.base + "/api/commands",
        json={**body, "name": "incident.close", "args": {"incident_id": "missing", "outcome": "resolved"}},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf, "accept-language": "en-US"},
    )
    assert r.status_code == 404 and r.json()["error"] == {
        "code": "incident_not_found",
        "message": "Incident not found",
    }
    r = httpx.post(
        server.base + "/api/commands",
        content=b"{oops",
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame"
    r = httpx.get(server.base + "/api/incidents")
    assert r.status_code == 401 and r.json()["error"]["message"] == "请先登录"
    r = httpx.get(server.base + "/api/incidents", cookies={"ic_session": "expired-or-forged"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired"
    assert server_events(server, cookie) == []


async def test_roles_that_may_not_write_are_refused(server: Served) -> None:
    for name in ("responder", "reviewer", "inspector"):
        cookie, csrf = login(server, name)
        r = httpx.post(
            server.base + "/api/commands",
            json={"id": command_id(), "name": "incident.register", "args": register_args()},
            cookies={"ic_session": cookie},
            headers={"x-csrf-token": csrf},
        )
        assert r.status_code == 403, name
    cookie, _ = login(server, "duty")
    assert server_events(server, cookie) == []


async def test_openapi_health_and_metrics(process_server: Server) -> None:
    server = process_server  # the metrics are the process's own: counted from zero in a process of its own
    doc = httpx.get(server.base + "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/commands" in doc["paths"]
    assert {"Args_incident_register", "Args_incident_close"} <= set(doc["components"]["schemas"])
    health = httpx.get(server.base + "/healthz").json()
    assert health["database"] == "ok" and health["listener"] == "ok"
    cookie, _ = login(server, "duty")
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    await client.wait_result(await client.send("incident.register", register_args()))
    text = httpx.get(server.base + "/metrics").text
    assert "console_connected_clients 1.0" in text
    assert "console_events_appended_total 1.0" in text
    assert "console_command_seconds_count 1.0" in text
    assert "console_outbound_queue_depth" in text
    # the event went straight onto the live client's socket (the fan-out's fast path is in use)
    assert "console_frames_direct_total 1.0" in text
    await client.close()
    state = server_state(server, cookie)
    assert len(state["state"]["incidents"]) == 1 and state["position"] == 1
