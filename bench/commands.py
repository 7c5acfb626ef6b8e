"""Durable commands per second: the console against one raw driver INSERT + COMMIT per command.

Console: C clients on WebSocket, each sending a command and waiting for its result before the next
(closed loop), for a fixed duration. Every 10th command is `incident.register`, the others are
`incident.note` on the client's own incident. A result counts only if it says ok.

Baseline, same C, same duration, one transaction per command with the database driver alone:
- SQLite: aiosqlite, the PRAGMAs of console/db.py (WAL, synchronous=FULL, busy_timeout, foreign_keys),
  one connection, `BEGIN IMMEDIATE; INSERT; COMMIT` per command (SQLite has one writer at a time, so
  the C tasks take turns, as they would on separate connections, without busy-wait back-off);
- PostgreSQL: asyncpg, C connections, `BEGIN; INSERT; COMMIT` per command.
The row is about the size of a console event row (JSON payload of ~300 bytes plus ids and times).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from websockets.asyncio.client import ClientConnection, connect

from .common import (
    ConsoleServer,
    console_server,
    fmt,
    log,
    percentile,
    pg_available,
    pg_scratch_database,
    run_async,
    table,
    temp_dir,
)
from .loadgen import EVENT_PREFIX, HELLO, PING_PREFIX, PONG

REGISTER = {"type": "collective_visit", "place": "接待大厅", "head_count": 12, "summary": "压测登记 bench"}
NOTE_TEXT = "现场情况稳定，已安排人员接待劝返。bench note"


@dataclass(frozen=True)
class Options:
    concurrency: tuple[int, ...] = (1, 16)
    seconds: float = 8.0
    databases: tuple[str, ...] = ("sqlite", "postgresql")


@dataclass
class Run:
    database: str
    c: int
    system: str  # "console" | "baseline"
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms
    error: str | None = None
    server_cpu_s: float = float("nan")  # the console process's CPU time during the run (user + system)

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else float("nan")


# --- the console ---------------------------------------------------------------------------------------


class CommandClient:
    """One WebSocket client that sends a command and waits for its result, in a loop."""

    def __init__(self, url: str, cookie: str, tag: str) -> None:
        self.url = url
        self.cookie = cookie
        self.tag = tag
        self.ws: ClientConnection | None = None
        self.waiting: asyncio.Future[dict[str, Any]] | None = None
        self.reader: asyncio.Task[None] | None = None
        self.count = 0
        self.incident: str | None = None

    async def open(self) -> None:
        self.ws = await connect(
            self.url,
            additional_headers={"Cookie": self.cookie},
            ping_interval=None,
            proxy=None,
            max_size=None,
        )
        await self.ws.send(HELLO)
        async for raw in self.ws:
            if isinstance(raw, str) and json.loads(raw).get("type") == "live":
                break
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            if not isinstance(raw, str) or raw.startswith(EVENT_PREFIX):
                continue  # every client also gets everyone's events: part of what the console does
            if raw.startswith(PING_PREFIX):
                await self.ws.send(PONG)
                continue
            frame = json.loads(raw)
            if frame.get("type") in ("result", "error") and self.waiting and not self.waiting.done():
                self.waiting.set_result(frame)

    async def command(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        assert self.ws is not None
        self.count += 1
        self.waiting = asyncio.get_running_loop().create_future()
        frame = {"type": "command", "id": f"cmd-{self.tag}-{self.count:07d}", "name": name, "args": args}
        await self.ws.send(json.dumps(frame, ensure_ascii=False))
        return await asyncio.wait_for(self.waiting, timeout=60)

    async def next(self) -> dict[str, Any]:
        if self.incident is None or self.count % 10 == 0:
            reply = await self.command("incident.register", REGISTER)
            if reply.get("ok"):
                self.incident = reply["result"]["incident_id"]
            return reply
        return await self.command("incident.note", {"incident_id": self.incident, "text": NOTE_TEXT})

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), timeout=3)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


async def console_run(server: ConsoleServer, cookie: str, database: str, c: int, seconds: float) -> Run:
    run = Run(database, c, "console")
    clients = [CommandClient(server.ws, cookie, f"{secrets.token_hex(3)}-{i}") for i in range(c)]
    try:
        await asyncio.gather(*(cl.open() for cl in clients))
        for cl in clients:  # warm-up: each client registers its incident (not counted)
            await cl.next()

        async def loop(cl: CommandClient, deadline: float) -> None:
            while time.monotonic() < deadline:
                started = time.monotonic()
                reply = await cl.next()
                if reply.get("ok"):
                    run.done += 1
                    run.latencies.append((time.monotonic() - started) * 1000)
                else:
                    run.failed += 1
                    if run.error is None:
                        run.error = json.dumps(reply.get("error"), ensure_ascii=False)[:200]

        begin = time.monotonic()
        await asyncio.gather(*(loop(cl, begin + seconds) for cl in clients))
        run.seconds = time.monotonic() - begin
    finally:
        await asyncio.gather(*(cl.close() for cl in clients))
    return run


# --- the raw-driver baseline -----------------------------------------------------------------------------


def _row(i: int) -> tuple[Any, ...]:
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(
        {"incident_id": uuid.uuid4().hex, "note_id": uuid.uuid4().hex, "text": NOTE_TEXT * 3},
        ensure_ascii=False,
        sort_keys=True,
    )
    return (f"raw-{i:08d}-{secrets.token_hex(4)}", f"incident-{uuid.uuid4().hex}", "incident.note_added",
            uuid.uuid4().hex, now, payload, secrets.token_hex(32))  # fmt: skip


CREATE = (
    "CREATE TABLE IF NOT EXISTS bench_raw (id {serial} PRIMARY KEY, command_id TEXT NOT NULL, "
    "stream TEXT NOT NULL, type TEXT NOT NULL, actor_id TEXT NOT NULL, recorded_at TEXT NOT NULL, "
    "payload TEXT NOT NULL, hash TEXT NOT NULL)"
)
COLUMNS = "(command_id, stream, type, actor_id, recorded_at, payload, hash)"


async def _closed_loop(run: Run, c: int, seconds: float, one: Any) -> None:
    counter = iter(range(10**9))

    async def loop(worker: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            started = time.monotonic()
            await one(worker, _row(next(counter)))
            run.done += 1
            run.latencies.append((time.monotonic() - started) * 1000)

    begin = time.monotonic()
    await asyncio.gather(*(loop(w, begin + seconds) for w in range(c)))
    run.seconds = time.monotonic() - begin


async def sqlite_baseline(path: Path, c: int, seconds: float) -> Run:
    import aiosqlite

    run = Run("sqlite", c, "baseline")
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000", "foreign_keys=ON"):
            await db.execute(f"PRAGMA {pragma}")
        await db.execute(CREATE.format(serial="INTEGER"))
        lock = asyncio.Lock()
        insert = f"INSERT INTO bench_raw {COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)"

        async def one(_worker: int, row: tuple[Any, ...]) -> None:
            async with lock:
                await db.execute("BEGIN IMMEDIATE")
                await db.execute(insert, row)
                await db.execute("COMMIT")

        await _closed_loop(run, c, seconds, one)
    finally:
        await db.close()
    return run


async def pg_baseline(dsn: str, c: int, seconds: float) -> Run:
    import asyncpg

    run = Run("postgresql", c, "baseline")
    conns = [await asyncpg.connect(dsn) for _ in range(c)]
    try:
        await conns[0].execute(CREATE.format(serial="BIGSERIAL"))
        insert = f"INSERT INTO bench_raw {COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7)"

        async def one(worker: int, row: tuple[Any, ...]) -> None:
            conn = conns[worker]
            async with conn.transaction():
                await conn.execute(insert, *row)

        await _closed_loop(run, c, seconds, one)
    finally:
        for conn in conns:
            await conn.close()
    return run


# --- orchestration ---------------------------------------------------------------------------------------


def _one_database(database: str, opts: Options, data: Path, dsn: str | None) -> list[Run]:
    runs: list[Run] = []
    url = f"postgresql+asyncpg://{dsn.split('://', 1)[1]}" if dsn else None
    with console_server(data, url, CONSOLE_HEARTBEAT_SECONDS="60") as server:
        cookie = server.login("duty")
        for c in opts.concurrency:
            log(f"commands: {database} C={c} console …")
            process = psutil.Process(server.child.pid)
            before = process.cpu_times()
            runs.append(run_async(console_run(server, cookie, database, c, opts.seconds)))
            after = process.cpu_times()
            runs[-1].server_cpu_s = (after.user + after.system) - (before.user + before.system)
            log(f"  {fmt(runs[-1].per_second)} commands/s")
    # The baseline runs with the console stopped, so the two never share the machine.
    for c in opts.concurrency:
        log(f"commands: {database} C={c} raw driver …")
        if dsn:
            runs.append(run_async(pg_baseline(dsn, c, opts.seconds)))
        else:
            runs.append(run_async(sqlite_baseline(data / f"baseline-{c}.db", c, opts.seconds)))
        log(f"  {fmt(runs[-1].per_second)} commands/s")
    return runs


def run(opts: Options) -> list[Run]:
    runs: list[Run] = []
    for database in opts.databases:
        try:
            with temp_dir(f"bench-commands-{database}-") as data:
                if database == "sqlite":
                    runs += _one_database(database, opts, data, None)
                else:
                    why = pg_available()
                    if why:
                        log(f"commands: PostgreSQL not reachable, skipped ({why})")
                        runs.append(Run(database, 0, "console", error=f"PostgreSQL not reachable: {why}"))
                        continue
                    with pg_scratch_database() as dsn:
                        runs += _one_database(database, opts, data, dsn)
        except Exception as exc:
            log(f"commands on {database} failed: {type(exc).__name__}: {exc}")
            runs.append(Run(database, 0, "console", error=f"{type(exc).__name__}: {exc}"[:300]))
    return runs


def report(runs: list[Run], opts: Options) -> str:
    rows = []
    for r in runs:
        if r.error and not r.done:
            rows.append([r.database, str(r.c or "-"), "error: " + r.error[:100], *[""] * 7])
    by_key = {(r.database, r.c, r.system): r for r in runs if r.done}
    for database in opts.databases:
        for c in opts.concurrency:
            mine, base = by_key.get((database, c, "console")), by_key.get((database, c, "baseline"))
            if mine is None and base is None:
                continue
            ratio = mine.per_second / base.per_second if mine and base and base.per_second else float("nan")
            rows.append(
                [
                    database,
                    str(c),
                    fmt(mine.per_second, 0) if mine else "-",
                    fmt(base.per_second, 0) if base else "-",
                    fmt(ratio, 2) + "×" if ratio == ratio else "-",
                    fmt(percentile(mine.latencies, 50)) if mine else "-",
                    fmt(percentile(mine.latencies, 99)) if mine else "-",
                    fmt(percentile(base.latencies, 99)) if base else "-",
                    str(mine.failed) if mine else "-",
                    fmt(mine.server_cpu_s / mine.done * 1e6, 0) if mine else "-",
                ]
            )
    head = (
        f"Durable commands — closed loop, {opts.seconds:g} s per run; console = WebSocket command → ok "
        "result (90% incident.note, 10% incident.register); baseline = one raw INSERT + COMMIT per command.\n"
        "srv CPU µs/cmd = the console process's CPU time over the run (connecting the clients included) ÷ "
        "commands: steadier than the rates when the machine is shared.\n"
    )
    return (
        head
        + "\n"
        + table(
            [
                "database",
                "C",
                "console cmd/s",
                "raw cmd/s",
                "console/raw",
                "p50 ms",
                "p99 ms",
                "raw p99 ms",
                "refused",
                "srv CPU µs/cmd",
            ],
            rows,
        )
        + "\n"
    )
