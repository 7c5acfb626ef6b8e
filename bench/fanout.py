"""Fan-out: N connected clients, a driver sending commands, and when the last client has each event.

For each N, the console (SQLite in a temp dir) and the bare `websockets` broadcast server (bench/bare.py)
get the same load generators (separate processes, one loop each) and the same driver:

1. the driver connects and sends a few warm-up commands; server RSS is read (0 clients);
2. the load generators connect N clients and wait for "live"; server RSS is read again (N idle clients);
3. steady phase: K commands at a fixed rate, open loop (the driver does not wait for results to send);
4. burst phase: K commands written back to back;
5. every client must end with every position, consecutive, none twice.

Latency of an event = (latest arrival over all clients) - (driver got the ok result), and - (driver sent it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import psutil
from websockets.asyncio.client import ClientConnection, connect

from . import loadgen
from .common import (
    CLIENT_USERS,
    bare_server,
    console_server,
    fmt,
    log,
    percentile,
    run_async,
    table,
    temp_dir,
)
from .loadgen import EVENT_PREFIX, HELLO, PING_PREFIX, PONG

ARGS = {"type": "sit_in", "place": "机关大门", "head_count": 60}


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...] = (100, 1000)
    procs: int = 2
    warmup: int = 10
    steady: int = 100
    rate: float = 10.0
    burst: int = 100
    deflate: bool = True
    queue_limit: int = 100_000
    # Each size runs this many times, console and bare taking turns: single runs swing 0.5×–5× here.
    repeat: int = 3
    # The console's outbox worker (CONSOLE_ALERT_WORKER): each registration pages people in-app, and the
    # attempts are events every client gets too.
    alert_worker: bool = True


@dataclass
class Sample:
    sent: float
    accepted: float
    position: int | None
    ok: bool


@dataclass
class Result:
    n: int
    server: str
    run: int = 1
    connected: int = 0
    connect_s: float = 0.0
    rss0: int = 0
    rss_n: int = 0
    steady_acc: list[float] = field(default_factory=list)
    steady_sent: list[float] = field(default_factory=list)
    # From sending a command until its `result` (the commit), ms: the part of `steady_sent` that is the
    # writer's, not fan-out's.
    steady_commit: list[float] = field(default_factory=list)
    burst_acc: list[float] = field(default_factory=list)
    burst_sent: list[float] = field(default_factory=list)
    events_per_s: float = float("nan")
    gaps: int = 0
    dups: int = 0
    incomplete: int = 0
    refused: int = 0
    closed: int = 0
    close_codes: list[Any] = field(default_factory=list)
    frame_bytes: float = float("nan")
    server_cpu_s: float = float("nan")
    error: str | None = None

    @property
    def kib_per_conn(self) -> float:
        return (self.rss_n - self.rss0) / max(1, self.connected) / 1024


class Driver:
    """The one client that sends commands and timestamps their results."""

    def __init__(self, url: str, cookie: str | None, tag: str) -> None:
        self.url = url
        self.cookie = cookie
        self.tag = tag
        self.ws: ClientConnection | None = None
        self.pending: dict[str, asyncio.Future[tuple[float, dict[str, Any]]]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.count = 0

    async def open(self) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await connect(
            self.url, additional_headers=headers, ping_interval=None, proxy=None, max_size=None
        )
        await self.ws.send(HELLO)
        async for raw in self.ws:
            if isinstance(raw, str) and json.loads(raw).get("type") == "live":
                break
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            now = time.monotonic()
            if not isinstance(raw, str) or raw.startswith(EVENT_PREFIX):
                continue
            if raw.startswith(PING_PREFIX):
                await self.ws.send(PONG)
                continue
            frame = json.loads(raw)
            if frame.get("type") in ("result", "error"):
                future = self.pending.pop(str(frame.get("id")), None)
                if future is not None and not future.done():
                    future.set_result((now, frame))

    async def send(self, phase: str) -> tuple[float, asyncio.Future[tuple[float, dict[str, Any]]]]:
        assert self.ws is not None
        self.count += 1
        command_id = f"fo-{self.tag}-{phase}-{self.count:06d}"
        future = asyncio.get_running_loop().create_future()
        self.pending[command_id] = future
        frame = json.dumps({"type": "command", "id": command_id, "name": "incident.register", "args": ARGS})
        sent = time.monotonic()
        await self.ws.send(frame)
        return sent, future

    async def phase(self, phase: str, count: int, rate: float | None, limit_s: float) -> list[Sample]:
        """`count` commands, at `rate` per second (open loop) or back to back (rate None)."""
        start = time.monotonic() + 0.02
        sent: list[tuple[float, asyncio.Future[tuple[float, dict[str, Any]]]]] = []
        for i in range(count):
            if rate:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent.append(await self.send(phase))
        replies = await asyncio.wait_for(asyncio.gather(*(f for _, f in sent)), limit_s)
        samples = []
        for (t_sent, _), (t_acc, frame) in zip(sent, replies, strict=True):
            ok = bool(frame.get("ok"))
            samples.append(Sample(t_sent, t_acc, frame.get("position") if ok else None, ok))
        return samples

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), timeout=3)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


class LoadGenerators:
    """`procs` processes sharing `n` clients; stopped (joined, then terminated) on close."""

    def __init__(self, n: int, procs: int, url: str, cookies: list[str], deflate: bool) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.items: list[tuple[Any, Connection]] = []
        procs = max(1, min(procs, n))
        first = 0
        for i in range(procs):
            count = n // procs + (1 if i < n % procs else 0)
            cfg = loadgen.Config(
                url=url,
                cookies=cookies,
                count=count,
                first_index=first,
                compression="deflate" if deflate else None,
            )
            first += count
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=loadgen.worker, args=(child, cfg), daemon=True, name=f"loadgen-{i}")
            proc.start()
            child.close()
            self.items.append((proc, parent))

    async def gather(self, limit_s: float) -> list[dict[str, Any]]:
        async def one(pipe: Connection) -> dict[str, Any]:
            message = await loadgen.receive(pipe, limit_s)
            if message[0] == "error":
                raise RuntimeError(f"load generator failed: {message[1]}")
            return dict(message[1])

        return list(await asyncio.gather(*(one(pipe) for _, pipe in self.items)))

    def send(self, message: tuple[Any, ...]) -> None:
        for _, pipe in self.items:
            pipe.send(message)

    def close(self) -> None:
        for _, pipe in self.items:
            with contextlib.suppress(Exception):
                pipe.send(("quit",))
        for proc, pipe in self.items:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
            pipe.close()


async def measure(
    kind: str,
    n: int,
    opts: Options,
    url: str,
    cookies: list[str],
    driver_cookie: str | None,
    pid: int,
    before_steady: Callable[[], Awaitable[None]] | None = None,
) -> Result:
    result = Result(n, kind)
    server = psutil.Process(pid)
    driver = Driver(url, driver_cookie, secrets.token_hex(4))
    await driver.open()
    gens: LoadGenerators | None = None
    try:
        warm = await driver.phase("warm", opts.warmup, None, 60)
        result.refused += sum(1 for s in warm if not s.ok)
        await asyncio.sleep(0.5)
        result.rss0 = server.memory_info().rss

        gens = LoadGenerators(n, opts.procs, url, cookies, opts.deflate)
        ready = await gens.gather(180)
        result.connected = sum(r["connected"] for r in ready)
        result.connect_s = max(r["seconds"] for r in ready)
        failures = [r["failure"] for r in ready if r["failed"]]
        if failures:
            failed = sum(r["failed"] for r in ready)
            log(f"{kind} N={n}: {failed} clients failed to connect, e.g. {failures[0]}")
        await asyncio.sleep(1.0)
        result.rss_n = server.memory_info().rss
        cpu0 = server.cpu_times()
        if before_steady is not None:
            await before_steady()

        steady = await driver.phase("steady", opts.steady, opts.rate, opts.steady / opts.rate + 120)
        await asyncio.sleep(1.0)
        burst = await driver.phase("burst", opts.burst, None, 180)
        samples = warm + steady + burst
        result.refused += sum(1 for s in steady + burst if not s.ok)
        final = max((s.position for s in samples if s.position), default=0)
        gens.send(("finish", final, 90.0))
        done = await gens.gather(150)
        cpu1 = server.cpu_times()
        result.server_cpu_s = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    finally:
        await driver.close()
        if gens is not None:
            gens.close()

    last: dict[int, float] = {}
    copies: dict[int, int] = {}
    for d in done:
        for pos, t in d["last_time"].items():
            last[pos] = max(t, last.get(pos, 0.0))
        for pos, c in d["copies"].items():
            copies[pos] = copies.get(pos, 0) + c
    result.gaps = sum(d["gaps"] for d in done)
    result.dups = sum(d["dups"] for d in done)
    result.closed = sum(d["closed"] for d in done)
    result.close_codes = sorted({c for d in done for c in d["close_codes"]}, key=str)
    frames = sum(d["event_frames"] for d in done)
    result.frame_bytes = sum(d["event_bytes"] for d in done) / frames if frames else float("nan")

    def latencies(phase: list[Sample], acc: list[float], sent: list[float]) -> float:
        """Fill the latency lists (ms) for events every client got; returns the time the last arrived."""
        end = 0.0
        for s in phase:
            if s.position is None:
                continue
            if copies.get(s.position, 0) < result.connected or s.position not in last:
                result.incomplete += 1
                continue
            t_last = last[s.position]
            acc.append((t_last - s.accepted) * 1000)
            sent.append((t_last - s.sent) * 1000)
            end = max(end, t_last)
        return end

    latencies(steady, result.steady_acc, result.steady_sent)
    result.steady_commit = [(s.accepted - s.sent) * 1000 for s in steady if s.ok]
    end = latencies(burst, result.burst_acc, result.burst_sent)
    if burst and end:
        result.events_per_s = sum(1 for s in burst if s.ok) / (end - burst[0].sent)
    return result


def run_console(n: int, opts: Options) -> Result:
    with temp_dir("bench-fanout-") as data:
        settings = {
            "CONSOLE_QUEUE_LIMIT": str(opts.queue_limit),
            "CONSOLE_HEARTBEAT_SECONDS": "60",
            "CONSOLE_REPLAY_LIMIT": "100000",
            # N clients sign in as five users: far more connections each than a person holds.
            "CONSOLE_WS_PER_USER": "100000",
            "CONSOLE_ALERT_WORKER": "on" if opts.alert_worker else "off",
        }
        with console_server(data, None, **settings) as server:
            cookies = [server.login(user) for user in CLIENT_USERS]
            driver_cookie = server.login("duty")
            return run_async(measure("console", n, opts, server.ws, cookies, driver_cookie, server.child.pid))


def run_bare(n: int, opts: Options) -> Result:
    with temp_dir("bench-bare-") as logs, bare_server(logs) as (child, url):
        return run_async(measure("bare", n, opts, url, [], None, child.pid))


def run(opts: Options) -> list[Result]:
    results: list[Result] = []
    for n in opts.sizes:
        for rep in range(1, opts.repeat + 1):
            for kind, fn in (("console", run_console), ("bare", run_bare)):
                log(f"fan-out: {kind} with N={n} clients, run {rep} of {opts.repeat} …")
                started = time.monotonic()
                try:
                    r = fn(n, opts)
                except Exception as exc:
                    log(f"fan-out {kind} N={n} failed: {type(exc).__name__}: {exc}")
                    r = Result(n, kind, error=f"{type(exc).__name__}: {exc}"[:300])
                r.run = rep
                results.append(r)
                log(
                    f"  done in {time.monotonic() - started:.0f}s: p99 from sent "
                    f"{fmt(percentile(r.steady_sent, 99))} ms, {fmt(r.events_per_s)} events/s, "
                    f"{fmt(r.kib_per_conn)} KiB/conn, gaps {r.gaps}, dups {r.dups}"
                )
    return results


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summary(results: list[Result]) -> list[dict[str, Any]]:
    """Per size: the median p99 of each server, the median and spread of the per-run ratios, memory."""
    out = []
    for n in sorted({r.n for r in results}):
        pairs = []
        for rep in sorted({r.run for r in results if r.n == n}):
            mine = [r for r in results if (r.n, r.run, r.server) == (n, rep, "console") and not r.error]
            base = [r for r in results if (r.n, r.run, r.server) == (n, rep, "bare") and not r.error]
            if mine and base:
                pairs.append((mine[0], base[0]))
        ratios = [
            percentile(m.steady_sent, 99) / percentile(b.steady_sent, 99)
            for m, b in pairs
            if percentile(b.steady_sent, 99) > 0
        ]
        out.append(
            {
                "n": n,
                "runs": len(pairs),
                "console_p99": _median([percentile(m.steady_sent, 99) for m, _ in pairs]),
                "bare_p99": _median([percentile(b.steady_sent, 99) for _, b in pairs]),
                "ratio": _median(ratios),
                "ratio_min": min(ratios, default=float("nan")),
                "ratio_max": max(ratios, default=float("nan")),
                "console_kib": _median([m.kib_per_conn for m, _ in pairs]),
                "bare_kib": _median([b.kib_per_conn for _, b in pairs]),
                "console_events_s": _median([m.events_per_s for m, _ in pairs]),
                "bare_events_s": _median([b.events_per_s for _, b in pairs]),
            }
        )
    return out


def report(results: list[Result], opts: Options) -> str:
    bare = {(r.n, r.run): r for r in results if r.server == "bare" and not r.error}

    def ratio(r: Result) -> str:
        base = bare.get((r.n, r.run))
        if r.server != "console" or base is None:
            return "-"
        mine, theirs = percentile(r.steady_sent, 99), percentile(base.steady_sent, 99)
        return f"{mine / theirs:.2f}×" if theirs > 0 else "-"

    rows, details = [], []
    for r in results:
        if r.error:
            rows.append([str(r.n), str(r.run), r.server, "error: " + r.error[:100]] + [""] * 10)
            continue
        rows.append(
            [
                str(r.n),
                str(r.run),
                r.server,
                str(r.connected),
                fmt(percentile(r.steady_acc, 50)),
                fmt(percentile(r.steady_acc, 99)),
                fmt(percentile(r.steady_sent, 50)),
                fmt(percentile(r.steady_sent, 99)),
                fmt(percentile(r.burst_sent, 99)),
                fmt(r.events_per_s, 0),
                fmt(r.kib_per_conn),
                str(r.gaps),
                str(r.dups),
                ratio(r),
            ]
        )
        details.append(
            [
                str(r.n),
                str(r.run),
                r.server,
                fmt(r.connect_s),
                fmt(r.rss0 / 2**20),
                fmt(r.rss_n / 2**20),
                fmt(r.frame_bytes, 0),
                fmt(r.server_cpu_s),
                fmt(r.events_per_s * r.connected, 0),
                fmt(percentile(r.burst_sent, 50)),
                str(r.incomplete),
                str(r.refused),
                f"{r.closed}" + (f" {r.close_codes}" if r.closed else ""),
            ]
        )
    head = (
        f"Fan-out — steady: {opts.steady} commands at {opts.rate:g}/s; burst: {opts.burst} back to back; "
        f"{opts.procs} load-generator processes; permessage-deflate {'on' if opts.deflate else 'off'}; "
        f"console alert worker {'on' if opts.alert_worker else 'off'}.\n"
        "Latency in ms until the LAST client has the event (steady phase): acc = from the driver's ok result "
        "(≈0 by construction: both servers fan out before replying), sent = from sending the command.\n"
    )
    main = table(
        [
            "N",
            "run",
            "server",
            "clients",
            "p50 acc",
            "p99 acc",
            "p50 sent",
            "p99 sent",
            "burst p99",
            "events/s",
            "KiB/conn",
            "gaps",
            "dups",
            "p99 sent ×bare",
        ],
        rows,
    )
    more = table(
        [
            "N",
            "run",
            "server",
            "connect s",
            "RSS 0 MiB",
            "RSS N MiB",
            "frame B",
            "srv CPU s",
            "deliveries/s",
            "burst p50",
            "incomplete",
            "refused",
            "closed",
        ],
        details,
    )
    totals = table(
        [
            "N",
            "runs",
            "console p99 sent",
            "bare p99 sent",
            "median ×bare",
            "spread ×bare",
            "console KiB/conn",
            "bare KiB/conn",
            "console events/s",
            "bare events/s",
        ],
        [
            [
                str(t["n"]),
                str(t["runs"]),
                fmt(t["console_p99"]),
                fmt(t["bare_p99"]),
                fmt(t["ratio"], 2) + "×",
                f"{fmt(t['ratio_min'], 2)}–{fmt(t['ratio_max'], 2)}×",
                fmt(t["console_kib"]),
                fmt(t["bare_kib"]),
                fmt(t["console_events_s"], 0),
                fmt(t["bare_events_s"], 0),
            ]
            for t in summary(results)
        ],
    )
    medians = (
        "Medians over the runs of each size (console and bare alternating; ratio = console p99 sent ÷ bare "
        "p99 sent of the same turn; aims: ≤ 1.2× and ≤ 30 KiB per connection at N=1,000):\n"
    )
    return head + "\n" + main + "\n\n" + more + "\n\n" + medians + "\n" + totals + "\n"
