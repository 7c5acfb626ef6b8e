"""Several console processes on one database: gap-free positions; every client sees every event in order."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from support import (
    Deployment,
    LiveClient,
    Server,
    cli,
    command_id,
    login,
    register_args,
    server_events,
    start_all,
)


async def _write(client: LiveClient, n: int) -> list[str]:
    cids = [await client.send("incident.register", register_args(i), command_id()) for i in range(n)]
    for cid in cids:
        assert (await client.wait_result(cid))["ok"]
    return cids


async def test_concurrent_writers_in_two_processes_get_gap_free_positions(deployment: Deployment) -> None:
    # On SQLite the second process learns of the first's commits by the poll; on PostgreSQL by NOTIFY.
    one, two = start_all(
        Server(deployment, CONSOLE_POLL_SECONDS="0.2"), Server(deployment, CONSOLE_POLL_SECONDS="0.2")
    )
    try:
        cookie, _ = login(one, "duty")
        clients = [LiveClient(s.ws_url, cookie) for s in (one, two, one, two)]
        for c in clients:
            await c.connect()
        await asyncio.gather(_write(clients[0], 60), _write(clients[1], 60))
        log = server_events(one, cookie)
        assert [e["position"] for e in log] == list(range(1, 121))
        numbers = sorted(e["data"]["number"] for e in log)
        assert len(set(numbers)) == 120, "incident numbers are unique across processes"
        for c in clients:
            await c.wait_position(120)
            assert c.events == log, "every client, on either process, sees the same events in the same order"
            await c.close()
        assert cli(deployment.env, "verify-log").returncode == 0
    finally:
        one.stop()
        two.stop()


async def _kill_listeners(url: str) -> int:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'incident-console-listener' AND datname = current_database()"
        )
        return len(rows)
    finally:
        await conn.close()


async def test_client_on_one_process_sees_commands_sent_to_another_through_listener_loss(
    deployment: Deployment, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("LISTEN/NOTIFY is the PostgreSQL bus between processes")
    # A long poll, so only the listener (and its reconnect catch-up) can deliver in time.
    first, second = start_all(
        Server(deployment, CONSOLE_POLL_SECONDS="120"), Server(deployment, CONSOLE_POLL_SECONDS="120")
    )
    try:
        cookie, _ = login(first, "duty")
        watcher = LiveClient(first.ws_url, cookie)
        sender = LiveClient(second.ws_url, cookie)
        await watcher.connect()
        await sender.connect()
        await _write(sender, 30)
        await watcher.wait_position(30, timeout=20)

        assert await _kill_listeners(deployment.url) == 2
        await _write(sender, 30)  # some of these commit while no listener is connected
        await watcher.wait_position(60, timeout=20)
        assert await _kill_listeners(deployment.url) == 2
        await _write(sender, 30)
        await watcher.wait_position(90, timeout=20)

        log = server_events(second, cookie)
        assert [e["position"] for e in log] == list(range(1, 91))
        assert watcher.events == log
        health = httpx.get(first.base + "/healthz").json()
        assert health["listener"] == "ok" and health["listener_reconnects"] >= 2
        await watcher.close()
        await sender.close()
    finally:
        first.stop()
        second.stop()
