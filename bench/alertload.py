"""Fan-out while the alert worker delivers a backlog, next to fan-out while it has nothing to send (issue 13:
sending must not slow the live screens).

Each turn starts a console (SQLite, or with `--alert-postgres` a scratch PostgreSQL database; seed-demo) whose
log already holds `backlog` sit-in registrations, all
paging people whose channel is a local HTTP receiver (apprise `json://`) in the bench process:

The steady phase's own registrations page the same people in-app, as in the plain fan-out bench.

- **idle**: the backlog is due at once, so it goes out while the clients connect; the bench waits until
  the receiver has had nothing for two seconds (delivered and recorded) before the steady phase;
- **busy**: the backlog's attempts are put off (their `due_at` moved a day ahead in the database before
  the server starts) and fall due when the steady phase starts (the bench moves them back to now), so the
  worker claims, sends and records the backlog (one `alert.attempt_recorded` event per attempt, fanned
  out to every client) while the steady phase's registrations are fanned out.

The busy turn runs two ways (`sender`): **serve** sends (CONSOLE_ALERT_WORKER=on, one process, as `make
run`), or **process**: serve runs with CONSOLE_ALERT_WORKER=process beside `python -m console
alert-worker`, which sends and records in a process of its own, and serve's screens get the records
through the log (on SQLite by its poll, CONSOLE_POLL_SECONDS). `both` (the default) runs idle, busy (serve)
and busy (process) in each turn.

Same data, same clients, same load (bench/fanout.py `measure`); turns alternate idle and busy. The figure
is the steady phase's p99 from sending a command until the last client has its event, busy ÷ idle of
the same turn, for each way of sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from console.clock import utc_iso

from .alerts import _Receiver
from .common import (
    CLIENT_USERS,
    PYTHON,
    Child,
    console_env,
    fmt,
    log,
    percentile,
    pg_scratch_database,
    prepared_console_server,
    run_async,
    spawn,
    table,
    temp_dir,
    wait_until,
)
from .fanout import ARGS, Options, Result, measure

SENDERS = ("both", "serve", "process")
# What the alert-worker process prints once it runs (console/alerts/cli.py).
SENDER_READY = "alert worker: sending"


@dataclass(frozen=True)
class LoadOptions:
    clients: int = 1000
    backlog: int = 500
    repeat: int = 3
    fanout: Options = field(default_factory=Options)
    # Who sends in the busy turn: serve itself, an alert-worker process of its own, or both in turn.
    sender: str = "both"
    # PostgreSQL instead of SQLite (a scratch database per turn).
    postgres: bool = False
    # CONSOLE_POLL_SECONDS of the turn's server (None: its default, 5 s): how often serve reads the log
    # for what another process committed, i.e. a sender process's records on SQLite.
    poll_seconds: float | None = None

    def turns(self) -> tuple[tuple[bool, str], ...]:
        """(busy, who sends) of one turn: idle first, then each busy way."""
        ways = ("serve", "process") if self.sender == "both" else (self.sender,)
        idle = "process" if self.sender == "process" else "serve"
        return ((False, idle), *((True, way) for way in ways))


def _label(busy: bool, sender: str) -> str:
    if not busy:
        return "idle"
    return "busy, serve sends" if sender == "serve" else "busy, own process"


@contextlib.contextmanager
def _sender_process(data: Path, database_url: str | None, settings: dict[str, str]) -> Iterator[Child]:
    """`python -m console alert-worker` on the turn's database, with the server's settings."""
    env = console_env(data, database_url, **settings)
    child = spawn("alert-worker", [PYTHON, "-m", "console", "alert-worker"], env, data / "sender.log")
    try:
        wait_until(lambda: SENDER_READY in child.tail(), child, 60, "the sender to start")
        yield child
    finally:
        child.stop()


def _seed_backlog(env: dict[str, str], count: int, channel: str) -> int:
    """Register `count` incidents (no worker runs yet) paging people whose only channel is `channel`;
    returns how many attempts wait in the outbox."""
    from sqlalchemy import func, select

    from alerts.channels import IN_APP
    from console.alerts.tables import alert_outbox
    from console.clock import SystemClock
    from console.commands import Actor, CommandEnvelope
    from console.db import open_database
    from console.domains import registry
    from console.service import CommandService
    from console.settings import load_settings

    async def seed() -> int:
        settings = load_settings(env)
        db = open_database(settings)
        service = CommandService(db, settings, SystemClock(), lambda _e: None, registry())
        service.start()
        duty = Actor(id="duty", name="bench", roles=frozenset({"duty_officer"}))
        admin = Actor(id="bench-admin", name="bench", roles=frozenset({"admin"}))

        async def submit(actor: Actor, name: str, args: dict[str, Any]) -> None:
            result = await service.submit(CommandEnvelope(id=uuid.uuid4().hex, name=name, args=args), actor)
            assert result.ok, result.error

        try:
            # Who a sit-in pages: learnt from one registration, then their channel is the receiver.
            await submit(duty, "incident.register", ARGS)
            async with db.read.connect() as conn:
                people = sorted(set((await conn.execute(select(alert_outbox.c.person_id))).scalars()))
            for person in people:
                await submit(admin, "alert.set_channels", {"person_id": person, "channels": [channel]})
            await asyncio.gather(*(submit(duty, "incident.register", ARGS) for _ in range(count - 1)))
            # New pages go in-app first again (as in the plain fan-out bench): only the backlog waits on
            # the receiver, whose channel stays second so the backlog's rows still find their URL.
            for person in people:
                channels = [IN_APP, channel]
                await submit(admin, "alert.set_channels", {"person_id": person, "channels": channels})
            async with db.read.connect() as conn:
                waiting = await conn.scalar(
                    select(func.count()).select_from(alert_outbox).where(alert_outbox.c.state == "pending")
                )
            return int(waiting or 0)
        finally:
            await service.stop()
            await db.dispose()

    return asyncio.run(seed())


async def _due(data: Path, database_url: str | None, at: str) -> None:
    """Make every pending attempt due at `at`: straight in the SQLite file (under its busy timeout), or
    on the PostgreSQL database."""
    if database_url is None:
        with contextlib.closing(sqlite3.connect(data / "console.db", timeout=30)) as db, db:
            db.execute("UPDATE alert_outbox SET due_at = ? WHERE state = 'pending'", (at,))
        return
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("UPDATE alert_outbox SET due_at = $1 WHERE state = 'pending'", at)
    finally:
        await conn.close()


def _turn(opts: LoadOptions, busy: bool, sender: str, receiver: _Receiver) -> tuple[Result, dict[str, Any]]:
    facts: dict[str, Any] = {}
    receiver.count = 0

    def prepare(env: dict[str, str]) -> None:
        facts["waiting"] = _seed_backlog(env, opts.backlog, receiver.url(f"load-{uuid.uuid4().hex[:8]}"))
        if busy:
            asyncio.run(_due(data, database_url, utc_iso(datetime.now(UTC) + timedelta(days=1))))

    async def before_steady() -> None:
        if busy:
            await _due(data, database_url, utc_iso(datetime.now(UTC)))
        else:
            # Idle: let the backlog go out and be recorded, then wait for two quiet seconds.
            seen, quiet_since = -1, time.monotonic()
            deadline = time.monotonic() + 120
            while time.monotonic() - quiet_since < 2.0 and time.monotonic() < deadline:
                if receiver.count != seen:
                    seen, quiet_since = receiver.count, time.monotonic()
                await asyncio.sleep(0.2)
        facts["before"] = receiver.count
        facts["t0"] = time.monotonic()
        facts["cpu0"] = {name: _cpu(pid) for name, pid in pids.items()}

    settings = {
        "CONSOLE_QUEUE_LIMIT": str(opts.fanout.queue_limit),
        "CONSOLE_HEARTBEAT_SECONDS": "60",
        "CONSOLE_REPLAY_LIMIT": "100000",
        "CONSOLE_WS_PER_USER": "100000",
        "CONSOLE_ALERT_WORKER": "process" if sender == "process" else "on",
    }
    if opts.poll_seconds is not None:
        settings["CONSOLE_POLL_SECONDS"] = f"{opts.poll_seconds:g}"
    pids: dict[str, int] = {}
    database_url: str | None = None
    with contextlib.ExitStack() as stack:
        data = stack.enter_context(temp_dir("bench-alertload-"))
        if opts.postgres:
            dsn = stack.enter_context(pg_scratch_database())
            database_url = f"postgresql+asyncpg://{dsn.split('://', 1)[1]}"
        server = stack.enter_context(prepared_console_server(data, database_url, prepare, settings))
        own = (
            stack.enter_context(_sender_process(data, database_url, settings))
            if sender == "process"
            else None
        )
        pids["serve"] = server.child.pid
        if own is not None:
            pids["sender"] = own.pid
        cookies = [server.login(user) for user in CLIENT_USERS]
        driver_cookie = server.login("duty")
        # The steady phase only: the burst adds nothing to this comparison.
        fo = Options(**{**opts.fanout.__dict__, "burst": 0})
        result = run_async(
            measure(
                _label(busy, sender),
                opts.clients,
                fo,
                server.ws,
                cookies,
                driver_cookie,
                server.child.pid,
                before_steady,
            )
        )
        # Deliveries that reached the receiver during the steady phase (and until every client had it).
        facts["during"] = receiver.count - facts.get("before", 0)
        facts["steady_s"] = time.monotonic() - facts.get("t0", time.monotonic())
        # CPU of each process from the start of the steady phase until every client had every event.
        for name, pid in pids.items():
            if name in facts.get("cpu0", {}):
                facts[f"cpu_{name}"] = _cpu(pid) - facts["cpu0"][name]
    return result, facts


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def run(opts: LoadOptions) -> list[tuple[int, str, Result, dict[str, Any]]]:
    receiver = _Receiver()
    out = []
    try:
        for rep in range(1, opts.repeat + 1):
            for busy, sender in opts.turns():
                kind = _label(busy, sender)
                log(f"alert load: {kind}, {opts.clients} clients, backlog of {opts.backlog}, turn {rep} …")
                try:
                    result, facts = _turn(opts, busy, sender, receiver)
                except Exception as exc:
                    log(f"alert load {kind} failed: {type(exc).__name__}: {exc}")
                    result, facts = Result(opts.clients, kind, error=str(exc)[:300]), {}
                log(
                    f"  p99 sent {fmt(percentile(result.steady_sent, 99))} ms, "
                    f"{facts.get('during', '-')} deliveries during the steady phase"
                )
                out.append((rep, kind, result, facts))
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    return out


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(results: list[tuple[int, str, Result, dict[str, Any]]], opts: LoadOptions) -> str:
    rows = []
    p99: dict[tuple[int, str], float] = {}
    for rep, kind, r, facts in results:
        if r.error:
            rows.append([str(rep), kind, "error: " + r.error[:80], "", "", "", "", "", "", "", "", ""])
            continue
        p99[(rep, kind)] = percentile(r.steady_sent, 99)
        rows.append(
            [
                str(rep),
                kind,
                str(r.connected),
                str(facts.get("waiting", "-")),
                str(facts.get("during", "-")),
                fmt(percentile(r.steady_sent, 50)),
                fmt(p99[(rep, kind)]),
                fmt(percentile(r.steady_commit, 99)),
                fmt(percentile(r.steady_acc, 99)),
                _secs(facts.get("cpu_serve")),
                _secs(facts.get("cpu_sender")),
                str(r.incomplete + r.gaps + r.dups),
            ]
        )
    reps = sorted({k[0] for k in p99})
    ratios = {
        kind: [
            p99[(rep, kind)] / p99[(rep, "idle")]
            for rep in reps
            if (rep, kind) in p99 and (rep, "idle") in p99 and p99[(rep, "idle")] > 0
        ]
        for kind in dict.fromkeys(_label(busy, sender) for busy, sender in opts.turns() if busy)
    }
    head = (
        f"Fan-out with the alert worker busy vs idle ({'PostgreSQL' if opts.postgres else 'SQLite'}): "
        f"{opts.clients} clients, "
        f"{opts.fanout.steady} commands at {opts.fanout.rate:g}/s; a backlog from {opts.backlog} "
        "registrations to a local json:// receiver, delivered during the steady phase (busy) "
        "or before it (idle). Latency in ms from sending a command until the last client has its event "
        "(sent), until its result (commit), and from its result until the last client has the event "
        "(fan-out); "
        "CPU s of the serve and the alert-worker process from the start of the steady phase until every "
        "client had every event.\n"
    )
    body = table(
        [
            "turn",
            "alert worker",
            "clients",
            "attempts waiting",
            "sent to receiver",
            "p50 sent",
            "p99 sent",
            "p99 commit",
            "p99 fan-out",
            "serve CPU s",
            "sender CPU s",
            "lost",
        ],
        rows,
    )
    cpu: dict[str, list[float]] = {}
    for _rep, kind, r, facts in results:
        if not r.error and "cpu_serve" in facts:
            cpu.setdefault(kind, []).append(facts["cpu_serve"])
    tails = []
    for kind, found in ratios.items():
        if found:
            tails.append(
                f"{kind} ÷ idle p99: median {statistics.median(found):.2f}× "
                f"(spread {min(found):.2f}–{max(found):.2f}×, {len(found)} pairs)"
            )
        else:
            tails.append(f"{kind} ÷ idle p99: no complete pair")
    tails += [f"{kind}: serve CPU s median {statistics.median(v):.2f}" for kind, v in cpu.items()]
    return head + "\n" + body + "\n" + "\n".join(tails) + "\n"
