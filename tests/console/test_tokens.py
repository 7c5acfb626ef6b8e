"""API tokens (issue 9): the administrator lists them (name, owner, created, last used) and revokes them;
a revoked token's live connections close at once with 4401, in every process."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import websockets
from support import Deployment, LiveClient, LocalServer, Server, cli, login, start_all


class TokenClient:
    """A live connection signed in with an API token in its hello, as an integration connects."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.ws_url, self.token = ws_url, token
        self.closed_with: int | None = None
        self.ws: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.ws_url)
        await self.ws.send(json.dumps({"type": "hello", "token": self.token}))
        while json.loads(await self.ws.recv())["type"] != "live":
            pass
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                if json.loads(raw)["type"] == "ping":
                    await self.ws.send('{"type":"pong"}')
        except websockets.ConnectionClosed as exc:
            self.closed_with = exc.rcvd.code if exc.rcvd else None

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def issue_token(deployment: Deployment, username: str, name: str) -> str:
    """A token as `create-token` issues it (the command itself is tested in test_cli)."""
    from console.auth import create_token, find_user
    from console.clock import SystemClock
    from console.db import open_database

    async def issue() -> str:
        db = open_database(deployment.settings)
        try:
            async with db.write.begin() as conn:
                user = await find_user(conn, username)
                assert user is not None
                return await create_token(conn, user, name, SystemClock().now())
        finally:
            await db.dispose()

    return asyncio.run(issue())


async def _until(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


def _tokens(server: Server | LocalServer, cookie: str) -> list[dict[str, Any]]:
    r = httpx.get(server.base + "/api/tokens", cookies={"ic_session": cookie})
    assert r.status_code == 200, r.text
    tokens: list[dict[str, Any]] = r.json()["tokens"]
    return tokens


async def test_revoking_a_token_closes_its_sockets_at_once_in_every_process(deployment: Deployment) -> None:
    token = await asyncio.to_thread(issue_token, deployment, "duty", "报警接口")
    other_token = await asyncio.to_thread(issue_token, deployment, "duty", "其他接口")
    # a long heartbeat: on PostgreSQL the other process must be told, not find out on its next check
    one = Server(deployment, CONSOLE_HEARTBEAT_SECONDS="60")
    two = Server(deployment, CONSOLE_HEARTBEAT_SECONDS="60" if "postgresql" in deployment.url else "0.5")
    start_all(one, two)  # side by side: each process's start is a second or two of imports
    try:
        assert (
            httpx.get(one.base + "/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 200
        )
        admin_cookie, admin_csrf = login(one, "admin")
        listed = {t["name"]: t for t in _tokens(one, admin_cookie)}
        mine = listed["报警接口"]
        assert mine["owner"]["username"] == "duty" and mine["created_at"] and mine["last_used_at"]
        assert mine["revoked_at"] is None and listed["其他接口"]["last_used_at"] is None
        assert token not in json.dumps(listed) and "hash" not in json.dumps(listed)

        here, there = TokenClient(one.ws_url, token), TokenClient(two.ws_url, token)
        bystander = TokenClient(one.ws_url, other_token)
        duty_cookie, _ = login(one, "duty")
        session = LiveClient(one.ws_url, duty_cookie)  # the same user, signed in by cookie
        for client in (here, there, bystander, session):
            await client.connect()

        r = httpx.post(
            one.base + f"/api/tokens/{mine['id']}/revoke",
            cookies={"ic_session": admin_cookie},
            headers={"x-csrf-token": admin_csrf},
        )
        assert r.status_code == 200 and r.json()["revoked"] is True
        await _until(lambda: here.closed_with == 4401, "here")
        await _until(lambda: there.closed_with == 4401, "there")
        assert bystander.closed_with is None and session.closed_with is None
        for server in (one, two):
            r = httpx.get(server.base + "/api/me", headers={"authorization": f"Bearer {token}"})
            assert r.status_code == 401
        async with websockets.connect(one.ws_url) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token}))
            assert json.loads(await ws.recv())["error"]["code"] == "unauthenticated"
        assert next(t for t in _tokens(one, admin_cookie) if t["id"] == mine["id"])["revoked_at"]
        # again: nothing changes, and it says so
        r = httpx.post(
            one.base + f"/api/tokens/{mine['id']}/revoke",
            cookies={"ic_session": admin_cookie},
            headers={"x-csrf-token": admin_csrf},
        )
        assert r.status_code == 200 and r.json()["already"] is True
        for client in (here, there, bystander, session):
            await client.close()
    finally:
        one.stop()
        two.stop()


async def test_revoke_token_from_the_command_line_closes_a_running_servers_sockets(
    deployment: Deployment,
) -> None:
    token = await asyncio.to_thread(issue_token, deployment, "duty", "cli")
    spare = await asyncio.to_thread(issue_token, deployment, "duty", "spare")
    server = LocalServer(deployment, CONSOLE_HEARTBEAT_SECONDS="0.3").start()
    try:
        client = TokenClient(server.ws_url, token)
        await client.connect()
        # by the value create-token printed; the client keeps answering the heartbeat meanwhile
        done = await asyncio.to_thread(cli, deployment.env, "revoke-token", token)
        assert done.returncode == 0 and "revoked" in done.stdout
        await _until(lambda: client.closed_with is not None, "the CLI's revocation reached the server")
        assert client.closed_with == 4401
        await client.close()
        listed = cli(deployment.env, "list-tokens").stdout
        assert "cli" in listed and "spare" in listed and token not in listed and spare not in listed
        spare_id = next(line.split()[0] for line in listed.splitlines() if " spare " in line)
        # by id; and an id no token has, in a process of its own beside it
        by_id, missing = await asyncio.gather(
            asyncio.to_thread(cli, deployment.env, "revoke-token", spare_id),
            asyncio.to_thread(cli, deployment.env, "revoke-token", "0" * 32, check=False),
        )
        assert by_id.returncode == 0 and missing.returncode == 1
        r = httpx.get(server.base + "/api/me", headers={"authorization": f"Bearer {spare}"})
        assert r.status_code == 401
    finally:
        server.stop()


def test_only_the_administrator_sees_and_revokes_tokens(server: LocalServer) -> None:
    token = issue_token(server.deployment, "duty", "监控")
    admin_cookie, admin_csrf = login(server, "admin")
    token_id = _tokens(server, admin_cookie)[0]["id"]
    for name in ("duty", "leader", "responder", "reviewer", "inspector"):
        cookie, csrf = login(server, name)
        assert httpx.get(server.base + "/api/tokens", cookies={"ic_session": cookie}).status_code == 403
        r = httpx.post(
            server.base + f"/api/tokens/{token_id}/revoke",
            cookies={"ic_session": cookie},
            headers={"x-csrf-token": csrf},
        )
        assert r.status_code == 403, name
        page = httpx.get(server.base + "/admin/tokens", cookies={"ic_session": cookie})
        assert page.status_code == 403 and "监控" not in page.text
    # a token cannot list or revoke tokens unless its owner is an administrator
    r = httpx.get(server.base + "/api/tokens", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 403
    # the administrator: a wrong CSRF token or an unknown id changes nothing
    for bad in ("x", ""):
        r = httpx.post(
            server.base + f"/api/tokens/{token_id}/revoke",
            cookies={"ic_session": admin_cookie},
            headers={"x-csrf-token": bad},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    for unknown in ("0" * 32, "not-a-token-id", "%00"):
        r = httpx.post(
            server.base + f"/api/tokens/{unknown}/revoke",
            cookies={"ic_session": admin_cookie},
            headers={"x-csrf-token": admin_csrf, "accept-language": "en"},
        )
        assert r.status_code == 404, unknown
        if unknown != "%00":
            assert r.json()["error"] == {"code": "token_not_found", "message": "No such API token"}
    assert _tokens(server, admin_cookie)[0]["revoked_at"] is None
    assert httpx.get(server.base + "/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 200
    # the page lists it, with its revoke button, in the user's language
    page = httpx.get(server.base + "/admin/tokens", cookies={"ic_session": admin_cookie})
    assert page.status_code == 200 and "监控" in page.text and "接口令牌" in page.text
    assert f'data-revoke="{token_id}"' in page.text and token not in page.text
