"""Recommending responders among 5,000 people and 200 places, next to one plain read of the same rows.

1. In one process on one SQLite file: the plain read fetches every row the recommendation reads (people,
   places, shifts, roster changes, statuses, assignments) and does nothing with them; the recommendation
   reads them (console.responders.queries.recommendation_rows) and builds and ranks (queries.rank). In
   the console both run in a reader process on SQLite; on PostgreSQL the read goes through asyncpg and
   the ranking runs on a worker thread.
2. In a running console with 500 clients: fan-out p99 in turns without and with recommendations being
   asked for over HTTP, to show a recommendation does not hold up the fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select

from . import fanout
from .common import (
    CLIENT_USERS,
    ConsoleServer,
    console_server,
    fmt,
    log,
    percentile,
    run_async,
    table,
    temp_dir,
)


@dataclass(frozen=True)
class Options:
    people: int = 5000
    places: int = 200
    repeat: int = 15
    # Fan-out with recommendations alongside: clients, commands per phase, phases of each kind.
    clients: int = 500
    steady: int = 100
    rate: float = 10.0
    turns: int = 3
    # Recommendations asked for per second while they run alongside (one requester, closed loop).
    asks_per_second: float = 4.0


@dataclass
class Outcome:
    rows: list[list[str]] = field(default_factory=list)
    # (turn, "without" | "with", p99 sent ms) and the recommendations' own latencies (ms).
    turns: list[tuple[int, str, float]] = field(default_factory=list)
    asked: list[float] = field(default_factory=list)
    failed_asks: int = 0
    incomplete: int = 0
    error: str | None = None


def _seed(url: str, o: Options, now: datetime, *, prefix: str = "", create: bool = True) -> None:
    from console.domains import registry
    from console.incidents.tables import incidents
    from console.responders.tables import (
        assignments,
        org_people,
        org_places,
        org_units,
        responder_status,
        roster_shifts,
    )
    from console.tables import metadata

    registry()  # every domain's tables on the metadata

    rng = random.Random(7)
    engine = create_engine(url)
    if create:
        metadata.create_all(engine)
    u, pl, pe, sh = f"{prefix}u", f"{prefix}pl", f"{prefix}p", f"{prefix}s"
    skills = ["reception", "counselling", "police_liaison", "medical", "legal_policy"]
    with engine.begin() as conn:
        conn.execute(
            insert(org_units),
            [
                {
                    "id": f"{u}{i}",
                    "name": f"{prefix}单位{i}",
                    "kind": "township",
                    "parent_id": None,
                    "phone": None,
                    "last_position": 1,
                }
                for i in range(40)
            ],
        )
        conn.execute(
            insert(org_places),
            [
                {
                    "id": f"{pl}{i}",
                    "name": f"{prefix}地点{i}",
                    "unit_id": f"{u}{i % 40}",
                    "lat": 30 + rng.random() / 5,
                    "lon": 120 + rng.random() / 5,
                    "added_by": None,
                    "last_position": 1,
                }
                for i in range(o.places)
            ],
        )
        conn.execute(
            insert(org_people),
            [
                {
                    "id": f"{pe}{i}",
                    "name": f"{prefix}人员{i}",
                    "unit_id": f"{u}{i % 40}",
                    "post": None,
                    "roles": "petition_staff",
                    "skills": ",".join(rng.sample(skills, 2)),
                    "phone": None,
                    "channels": "console",
                    "base_place_id": f"{pl}{rng.randrange(o.places)}",
                    "last_position": 1,
                }
                for i in range(o.people)
            ],
        )
        start, end = now - timedelta(hours=4), now + timedelta(hours=8)
        conn.execute(
            insert(roster_shifts),
            [
                {
                    "id": f"{sh}{i}",
                    "unit_id": f"{u}{i % 40}",
                    "post": "standby",
                    "start_at": start.isoformat(),
                    "end_at": end.isoformat(),
                    "holder_id": f"{pe}{i}",
                    "last_position": 1,
                }
                for i in range(0, o.people, 2)
            ],
        )
        conn.execute(
            insert(responder_status),
            [
                {
                    "person_id": f"{pe}{i}",
                    "base": "available",
                    "unavailable_reason": None,
                    "since": start.isoformat(),
                    "last_position": 1,
                }
                for i in range(0, o.people, 3)
            ],
        )
        conn.execute(
            insert(assignments),
            [
                {
                    "incident_id": f"{prefix}other",
                    "person_id": f"{pe}{i}",
                    "status": "on_scene",
                    "role": None,
                    "destination_id": f"{pl}1",
                    "place_id": f"{pl}1",
                    "dispatched_at": start.isoformat(),
                    "dispatched_by": "x",
                    "since": start.isoformat(),
                    "last_position": 1,
                }
                for i in range(0, o.people, 50)
            ],
        )
        conn.execute(
            insert(incidents).values(
                id=f"{prefix}inc",
                number=f"XF-{prefix}1999-0001",
                year=1999,
                seq=1,
                type="sit_in",
                place=f"{prefix}地点0",
                head_count=30,
                summary="",
                channel="walk_in",
                status="open",
                drill=False,
                occurred_at=start.isoformat(),
                opened_at=start.isoformat(),
                registered_by="x",
                last_position=1,
            )
        )
    engine.dispose()


def _timed(times: list[float], fn: Callable[[], object]) -> object:
    t = time.perf_counter()
    out = fn()
    times.append(time.perf_counter() - t)
    return out


def in_process(o: Options, out: Outcome) -> None:
    """The plain read against the recommendation's read, its ranking and the whole, same file and process."""
    from console.responders import queries
    from console.responders.tables import (
        assignments,
        org_people,
        org_places,
        responder_status,
        roster_changes,
        roster_shifts,
    )
    from responders.organisation import Skill

    now = datetime.now(UTC)
    with temp_dir("bench-recommend") as tmp:
        url = f"sqlite:///{Path(tmp) / 'recommend.db'}"
        log(f"recommend: seeding {o.people} people and {o.places} places")
        _seed(url, o, now)
        engine = create_engine(url)
        plain: list[float] = []
        read: list[float] = []
        ranking: list[float] = []
        whole: list[float] = []
        skilled: list[float] = []
        with engine.connect() as conn:
            # The first recommendation of a process builds every person and shift (later ones reuse them).
            first: list[float] = []
            _timed(first, lambda: queries.recommendations(conn, "inc", now, "zh_CN", limit=8))
            for _ in range(o.repeat):
                t = time.perf_counter()
                for tb in (
                    org_people,
                    org_places,
                    roster_shifts,
                    roster_changes,
                    responder_status,
                    assignments,
                ):
                    conn.execute(select(tb)).all()
                plain.append(time.perf_counter() - t)
                rows = _timed(read, lambda: queries.recommendation_rows(conn, "inc"))
                assert isinstance(rows, queries.RecommendationRows)
                _timed(ranking, partial(queries.rank, rows, now, "zh_CN", limit=8))
                found = _timed(whole, lambda: queries.recommendations(conn, "inc", now, "zh_CN", limit=8))
                _timed(
                    skilled,
                    lambda: queries.recommendations(conn, "inc", now, "zh_CN", skill=Skill.MEDICAL, limit=8),
                )
            assert isinstance(found, list) and len(found) == 8
        engine.dispose()
    base = statistics.median(plain)
    for label, times in (
        ("plain read of the same rows", plain),
        ("recommend: its read", read),
        ("recommend: build + rank", ranking),
        ("recommend (any skill)", whole),
        ("recommend (skill: medical)", skilled),
        ("recommend, first in a process", first),
    ):
        med = statistics.median(times)
        out.rows.append([label, fmt(med * 1000, 1), fmt(max(times) * 1000, 1), fmt(med / base, 2) + "×"])


async def _alongside(o: Options, out: Outcome, server: ConsoleServer, cookies: list[str], duty: str) -> None:
    """Steady-phase fan-out, turns without and with recommendations being asked for, on one server."""
    import httpx

    driver = fanout.Driver(server.ws, duty, secrets.token_hex(4))
    await driver.open()
    gens: fanout.LoadGenerators | None = None
    phases: list[tuple[int, str, list[fanout.Sample]]] = []
    try:
        await driver.phase("warm", 5, None, 60)
        gens = fanout.LoadGenerators(o.clients, 2, server.ws, cookies, True)
        ready = await gens.gather(180)
        connected = sum(r["connected"] for r in ready)
        async with httpx.AsyncClient(base_url=server.http, headers={"Cookie": duty}, trust_env=False) as web:

            async def ask(stop: asyncio.Event) -> None:
                while not stop.is_set():
                    t = time.perf_counter()
                    r = await web.get("/api/incidents/binc/recommend", params={"limit": "8"}, timeout=30)
                    took = time.perf_counter() - t
                    if r.status_code == 200 and len(r.json()["recommendations"]) == 8:
                        out.asked.append(took * 1000)
                    else:
                        out.failed_asks += 1
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), max(0.0, 1 / o.asks_per_second - took))

            await ask_once(web)
            for turn in range(1, o.turns + 1):
                for kind in ("without", "with"):
                    stop = asyncio.Event()
                    asker = asyncio.create_task(ask(stop)) if kind == "with" else None
                    samples = await driver.phase(f"{kind}{turn}", o.steady, o.rate, o.steady / o.rate + 120)
                    stop.set()
                    if asker is not None:
                        await asker
                    phases.append((turn, kind, samples))
                    await asyncio.sleep(0.5)
        final = max((s.position for _, _, p in phases for s in p if s.position), default=0)
        gens.send(("finish", final, 90.0))
        done = await gens.gather(150)
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
    for turn, kind, samples in phases:
        sent = []
        for sample in samples:
            if sample.position is None or copies.get(sample.position, 0) < connected:
                out.incomplete += 1
                continue
            sent.append((last[sample.position] - sample.sent) * 1000)
        out.turns.append((turn, kind, percentile(sent, 99)))


async def ask_once(web: Any) -> None:
    """One recommendation before measuring: the first in a process builds the people it then reuses."""
    r = await web.get("/api/incidents/binc/recommend", params={"limit": "8"}, timeout=60)
    r.raise_for_status()


def alongside(o: Options, out: Outcome) -> None:
    """A console on SQLite with the bench's organisation (prefixed `b`) added to the demo's."""
    with temp_dir("bench-recommend-fanout-") as data:
        settings = {
            "CONSOLE_QUEUE_LIMIT": "100000",
            "CONSOLE_HEARTBEAT_SECONDS": "60",
            "CONSOLE_WS_PER_USER": "100000",  # 500 clients as five users
        }
        with console_server(data, None, **settings) as server:
            log(f"recommend alongside fan-out: {o.clients} clients, adding {o.people} people")
            _seed(f"sqlite:///{data / 'console.db'}", o, datetime.now(UTC), prefix="b", create=False)
            cookies = [server.login(user) for user in CLIENT_USERS]
            duty = server.login("duty")
            run_async(_alongside(o, out, server, cookies, duty))


def run(o: Options) -> Outcome:
    out = Outcome()
    in_process(o, out)
    try:
        alongside(o, out)
    except Exception as exc:
        log(f"recommend alongside fan-out failed: {type(exc).__name__}: {exc}")
        out.error = f"{type(exc).__name__}: {exc}"[:300]
    return out


def report(out: Outcome, o: Options) -> str:
    head = f"Recommend responders: {o.people} people, {o.places} places, SQLite, median of {o.repeat}"
    text = head + "\n" + table(["what", "median ms", "max ms", "vs plain read"], out.rows) + "\n"
    if out.error:
        return text + f"\nFan-out with recommendations alongside: error: {out.error}\n"
    without = [p for _, kind, p in out.turns if kind == "without"]
    with_ = [p for _, kind, p in out.turns if kind == "with"]
    ratios = [w / q for (_, _, q), (_, _, w) in zip(out.turns[::2], out.turns[1::2], strict=False) if q > 0]
    rows = [[str(t), kind, fmt(p)] for t, kind, p in out.turns]
    text += (
        f"\nFan-out p99 (ms from sending a command until the last of {o.clients} clients has it; "
        f"{o.steady} commands at {o.rate:g}/s per phase), without and with recommendations asked for "
        f"alongside ({o.asks_per_second:g}/s, one at a time), turns alternating on one server:\n"
        + table(["turn", "recommendations", "p99 sent"], rows)
        + "\n"
    )
    spread = f"{fmt(min(ratios, default=float('nan')), 2)}–{fmt(max(ratios, default=float('nan')), 2)}×"
    text += (
        f"median p99 without {fmt(statistics.median(without) if without else float('nan'))} ms, "
        f"with {fmt(statistics.median(with_) if with_ else float('nan'))} ms; "
        f"with ÷ without: median {fmt(statistics.median(ratios) if ratios else float('nan'), 2)}× "
        f"(spread {spread}); recommendations answered: {len(out.asked)}, median "
        f"{fmt(statistics.median(out.asked) if out.asked else float('nan'))} ms, p99 "
        f"{fmt(percentile(out.asked, 99))} ms, failed {out.failed_asks}; incomplete events {out.incomplete}\n"
    )
    return text
