"""When the database drops the console's connections (a restart, a failover), a read that finds its
connection dead answers 503 `server_busy` with Retry-After, translated, and the WebSocket handshake
is accepted and closed with 1013 (try again later) after the same error frame, never an HTTP 500; the
next request and the next connection work. Real PostgreSQL, whose backends are terminated under the
running console."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from support import Deployment, LocalServer, _pg_admin, login, pg_available

from console.protocol import CLOSE_TRY_AGAIN

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_server(tmp_path: Path, templates: Any) -> Iterator[LocalServer]:
    if not pg_available():
        if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
        pytest.skip("PostgreSQL not reachable")
    with templates.get("postgres").copy(tmp_path) as url:
        server = LocalServer(Deployment(url=url, data_dir=tmp_path)).start()
        try:
            yield server
        finally:
            server.stop()


def _drop_connections(server: LocalServer) -> None:
    name = server.deployment.url.rsplit("/", 1)[1]
    _pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


async def _handshake(server: LocalServer, cookie: str) -> tuple[list[dict[str, Any]], int | None]:
    """The frames a hello gets, and the close code if the server closed."""
    frames: list[dict[str, Any]] = []
    try:
        async with websockets.connect(
            server.ws_url, additional_headers={"Cookie": f"ic_session={cookie}"}, open_timeout=30
        ) as ws:
            # A refused handshake may be closed before the hello is sent: what came first is still read.
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(json.dumps({"type": "hello", "locale": "zh-CN"}))
            while True:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
                if frames[-1]["type"] == "live":
                    return frames, None
    except websockets.ConnectionClosed as exc:
        return frames, exc.rcvd.code if exc.rcvd else None


def test_dropped_database_connections_give_503_and_1013_then_work_again(pg_server: LocalServer) -> None:
    # The console's own loops (timers, the follower) read too: when one of them meets a dropped
    # connection first, the pool reconnects and the request that follows succeeds. Either is right, a
    # 500 never is; each round drops the connections again until the request was the one to meet it.
    cookie, _csrf = login(pg_server, "duty")
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=pg_server.base, cookies={"ic_session": cookie}, trust_env=False) as http:
        while True:
            assert http.get("/api/state").status_code == 200  # the read pool holds live connections
            _drop_connections(pg_server)
            answer = http.get("/api/state", headers={"accept-language": "zh-CN"})
            assert answer.status_code in (200, 503), answer.text
            if answer.status_code == 503:
                break
            assert time.monotonic() < deadline, "no request met a dropped connection"
        assert answer.headers["retry-after"] == "2"
        error = answer.json()["error"]
        assert error["code"] == "server_busy" and "数据库" in error["message"]
        assert "Traceback" not in answer.text
        assert http.get("/api/state").status_code == 200  # the pool connects again
        assert http.get("/", headers={"accept": "text/html"}).status_code == 200

    while True:
        _drop_connections(pg_server)
        frames, code = asyncio.run(_handshake(pg_server, cookie))
        assert code in (None, CLOSE_TRY_AGAIN), (code, frames)
        if code == CLOSE_TRY_AGAIN:
            break
        assert frames[-1]["type"] == "live", frames
        assert time.monotonic() < deadline, "no handshake met a dropped connection"
    assert [f["error"]["code"] for f in frames if f["type"] == "error"] == ["server_busy"]
    frames, code = asyncio.run(_handshake(pg_server, cookie))
    assert code is None and frames[-1]["type"] == "live", frames
