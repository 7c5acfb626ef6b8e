"""Alerts through the outbox: N alerts (one sit-in registration each) from commit to delivery at a local
HTTP receiver (the SMS gateway's place), next to apprise called directly in a loop to the same receiver.

`python -m bench.alerts [--alerts 1000]` (SQLite in a temp dir; DATABASE_URL=postgresql://… for PostgreSQL).
What is measured: throughput (alerts delivered per second from the first commit to the last delivery)
and commit→delivery latency (the registration's commit, as its submitter sees it, to the receiver's
arrival time, matched by the dedupe key the message carries). The direct loop is apprise's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .common import fmt, log, percentile, table, temp_dir

REF = re.compile(r"参考码: ([0-9a-f]{24})")


@dataclass(frozen=True)
class Options:
    alerts: int = 1000
    database_url: str = ""


class _Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0"))).decode("utf-8", "replace")
                at = time.perf_counter()
                body = str(json.loads(raw or "{}").get("message", ""))
                with receiver.lock:
                    receiver.count += 1
                    for key in REF.findall(body):
                        receiver.arrivals.setdefault(key, at)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/{path}"


UNITS = "id,name,kind,parent_id\ncounty,县纪委监委,county_commission,\n"
PLACES = "id,name,unit_id,lat,lon\ngate,机关大门,county,30.0010,120.0010\n"
PEOPLE = (
    "id,name,unit_id,post,roles,skills,phone,base_place_id\n"
    "leader,李书记,county,副书记,leader_in_charge,counselling,13800000004,gate\n"
)


def _settings(opts: Options, data_dir: Path) -> Any:
    from console.migrate import migrate
    from console.settings import load_settings

    env = {
        "CONSOLE_DATA_DIR": str(data_dir),
        "CONSOLE_SECRET_KEY": "bench",
        "CONSOLE_ALERT_LOOK_SECONDS": "0.01",
        **({"DATABASE_URL": opts.database_url} if opts.database_url else {}),
    }
    settings = load_settings(env)
    migrate(settings)
    return settings


async def _outbox_run(opts: Options, settings: Any, receiver: _Receiver, *, backlog: bool) -> dict[str, Any]:
    """`backlog`: every alert is committed before the worker starts (the outbox's own throughput);
    otherwise the worker sends while the registrations are still being committed (end to end)."""
    from sqlalchemy import select

    from console.alerts.tables import alert_outbox
    from console.alerts.timer import Worker
    from console.clock import SystemClock
    from console.commands import Actor, CommandEnvelope
    from console.db import open_database
    from console.domains import registry
    from console.service import CommandService

    clock = SystemClock()
    db = open_database(settings)
    service = CommandService(db, settings, clock, lambda _e: None, registry())
    service.start()
    system = Actor(id="system", name="系统", roles=frozenset({"duty_officer"}))

    async def submit(name: str, args: dict[str, Any]) -> Any:
        return await service.submit(CommandEnvelope(id="b-" + uuid.uuid4().hex, name=name, args=args), system)

    now = datetime.now(UTC)
    shifts = (
        "id,unit_id,post,start,end,holder_id\n"
        f"s,county,leader_on_duty,{(now - timedelta(hours=1)).isoformat()},"
        f"{(now + timedelta(hours=9)).isoformat()},leader\n"
    )
    for table_name, text in (("units", UNITS), ("places", PLACES), ("people", PEOPLE), ("shifts", shifts)):
        assert (await submit("org.import", {"table": table_name, "text": text})).ok
    admin = Actor(id="bench-admin", name="admin", roles=frozenset({"admin"}))
    set_channels = CommandEnvelope(
        id="b-" + uuid.uuid4().hex,
        name="alert.set_channels",
        args={"person_id": "leader", "channels": [receiver.url("backlog" if backlog else "outbox")]},
    )
    assert (await service.submit(set_channels, admin)).ok
    worker = Worker(db, service, clock, settings)
    stop = asyncio.Event()

    async def work() -> None:
        while not stop.is_set():
            if not await worker.tick():
                await asyncio.sleep(0.01)

    committed: dict[str, float] = {}

    async def register(i: int) -> None:
        args = {"type": "sit_in", "place": "机关大门", "head_count": 30, "summary": f"bench {i}"}
        result = await submit("incident.register", args)
        assert result.ok
        committed[str(result.result["incident_id"])] = time.perf_counter()

    receiver.arrivals.clear()
    started = time.perf_counter()
    if backlog:
        await asyncio.gather(*(register(i) for i in range(opts.alerts)))
        started = time.perf_counter()
        task = asyncio.create_task(work())
    else:
        task = asyncio.create_task(work())
        await asyncio.gather(*(register(i) for i in range(opts.alerts)))
    deadline = time.perf_counter() + 300
    # The receiver is another thread: poll what it has seen.
    while len(receiver.arrivals) < opts.alerts and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    stop.set()
    await task
    async with db.read.connect() as conn:
        rows = (await conn.execute(select(alert_outbox.c.id, alert_outbox.c.incident_id))).all()
    await service.stop()
    await db.dispose()
    latencies = [
        (receiver.arrivals[r.id] - max(committed[r.incident_id], started)) * 1000
        for r in rows
        if r.id in receiver.arrivals and r.incident_id in committed
    ]
    last = max(receiver.arrivals.values()) if receiver.arrivals else started
    return {
        "delivered": len(latencies),
        "requests": receiver.count,
        "seconds": last - started,
        "per_second": len(latencies) / (last - started) if last > started else float("nan"),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "backend": "postgresql" if settings.database_url.startswith("postgresql") else "sqlite",
    }


def _direct_run(opts: Options, receiver: _Receiver) -> dict[str, Any]:
    from alerts.adapter import send
    from alerts.message import AlertFacts, Ask, compose

    latencies = []
    started = time.perf_counter()
    for i in range(opts.alerts):
        message = compose(AlertFacts(ask=Ask.GO_TO_SCENE, number="XF-2026-0001", dedupe_key=f"{i:024x}"))
        t = time.perf_counter()
        assert send(receiver.url("direct"), message).ok
        latencies.append((time.perf_counter() - t) * 1000)
    seconds = time.perf_counter() - started
    return {
        "delivered": opts.alerts,
        "seconds": seconds,
        "per_second": opts.alerts / seconds,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


def run(opts: Options) -> dict[str, dict[str, Any]]:
    """Both runs against one receiver: the outbox first, then apprise directly."""
    receiver = _Receiver()
    try:
        with temp_dir("bench-alerts-") as data_dir:
            log(f"alerts: {opts.alerts} through the outbox while they are committed")
            outbox = asyncio.run(_outbox_run(opts, _settings(opts, data_dir), receiver, backlog=False))
        with temp_dir("bench-alerts-") as data_dir:
            log(f"alerts: a backlog of {opts.alerts} through the outbox")
            backlog = asyncio.run(_outbox_run(opts, _settings(opts, data_dir), receiver, backlog=True))
        log(f"alerts: {opts.alerts} through apprise directly")
        direct = _direct_run(opts, receiver)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    return {"outbox": outbox, "backlog": backlog, "direct": direct}


def report(results: dict[str, dict[str, Any]], opts: Options) -> str:
    outbox, backlog, direct = results["outbox"], results["backlog"], results["direct"]
    rows = [
        [
            f"outbox ({outbox['backend']}), commit→delivery, sent while committed",
            fmt(outbox["delivered"]),
            fmt(outbox["per_second"]),
            fmt(outbox["p50_ms"]),
            fmt(outbox["p99_ms"]),
        ],
        [
            f"outbox ({backlog['backend']}), a committed backlog, worker start→delivery",
            fmt(backlog["delivered"]),
            fmt(backlog["per_second"]),
            fmt(backlog["p50_ms"]),
            fmt(backlog["p99_ms"]),
        ],
        [
            "apprise directly, one call after another",
            fmt(direct["delivered"]),
            fmt(direct["per_second"]),
            fmt(direct["p50_ms"]),
            fmt(direct["p99_ms"]),
        ],
    ]
    head = f"Alerts: {opts.alerts} alerts to a local HTTP receiver (json://)"
    return head + "\n" + table(["path", "delivered", "per s", "p50 ms", "p99 ms"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__)
    parser.add_argument("--alerts", type=int, default=Options.alerts)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    opts = Options(alerts=args.alerts, database_url=args.database_url)
    print(report(run(opts), opts), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
