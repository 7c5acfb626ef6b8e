"""The §25 figures (目标管理) over a log of N events, next to a plain scan of the same rows.

One SQLite file holds a year of incidents written in bulk (not through the command path): each
incident's registration, 4 people's dispatch → acknowledge → depart → arrive, 3 report filings, its
close and notes, 50 events an incident (so 1,000,000 events are 20,000 incidents), and the rows the
figures' projectors would have kept for them (`review_fig_incidents`, `review_fig_responses`, and the
alerts' pages). Each turn measures a plain scan of the log (every row read by position and its payload's
JSON decoded) and what the targets page computes: the year's figures of every unit (a county and 20
townships), the county's trend by month and its eight charts.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, select

from .common import fmt, log, run_async, table, temp_dir

PER_INCIDENT = 50
TOWNSHIPS = 20


@dataclass(frozen=True)
class Options:
    events: int = 100_000
    repeat: int = 3


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seed(path: Path, o: Options) -> int:
    """Write the log and the projections with plain executemany (fast), return the incident count."""
    from console.tables import metadata

    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    rng = random.Random(25)
    start = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    n_incidents = max(o.events // PER_INCIDENT, 1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    units: list[tuple[str, str, str, str | None]] = [("county", "县纪委监委", "county_commission", None)]
    units += [(f"t{i:02d}", f"第{i + 1}镇", "township", "county") for i in range(TOWNSHIPS)]
    db.executemany(
        "INSERT INTO org_units (id, name, kind, parent_id, last_position) VALUES (?,?,?,?,0)", units
    )
    places = [(f"p-{u[0]}", f"{u[1]}政府", u[0]) for u in units]
    db.executemany(
        "INSERT INTO org_places (id, name, unit_id, last_position) VALUES (?,?,?,0)",
        places,
    )
    ev_cols = (
        "position, stream, type, actor_id, actor_name, occurred_at, recorded_at, visibility, command_id,"
        " payload, prev_hash, hash"
    )
    ev_sql = f"INSERT INTO events ({ev_cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    zero = "0" * 64
    position = 0
    batch: list[tuple[Any, ...]] = []
    fig: list[tuple[Any, ...]] = []
    resp: list[tuple[Any, ...]] = []
    alert_rows: list[tuple[Any, ...]] = []
    page_rows: list[tuple[Any, ...]] = []

    def event(stream: str, type_: str, at: datetime, payload: dict[str, Any]) -> None:
        nonlocal position
        position += 1
        iso = _iso(at)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        batch.append((position, stream, type_, "bench", "bench", iso, iso, "all", None, body, zero, zero))

    span = 365 * 24 * 3600
    for k in range(n_incidents):
        iid = f"inc{k:06d}"
        at = start + timedelta(seconds=span * k / n_incidents)
        unit = units[rng.randrange(len(units))]
        place = f"{unit[1]}政府"
        kind = rng.choice(
            ["sit_in", "collective_visit", "cross_level_visit", "repeat_petitioner", "violence"]
        )
        heads = rng.randrange(1, 80)
        drill = rng.random() < 0.04
        stream = f"incident-{iid}"
        event(
            stream,
            "incident.registered",
            at,
            {
                "incident_id": iid,
                "number": f"XF-2026-{k:06d}",
                "incident_type": kind,
                "place": place,
                "head_count": heads,
                "summary": "群众聚集反映诉求",
                "channel": "walk_in",
                "drill": drill,
                "started_at": _iso(at),
            },
        )
        registered = position
        filings = []
        for n, (obligation, due_min) in enumerate((("initial_phone", 15), ("initial", 60), ("final", 1440))):
            filed = at + timedelta(minutes=due_min + rng.randrange(-10, 6))
            event(
                stream,
                "run.report_filed",
                filed,
                {"incident_id": iid, "obligation_id": obligation, "note": f"报送{n}"},
            )
            filings.append([_iso(at + timedelta(minutes=due_min)), _iso(filed)])
        for p in range(4):
            person = f"r{rng.randrange(500)}"
            sent = at + timedelta(minutes=p)
            arrived = sent + timedelta(minutes=rng.randrange(3, 40))
            for move, status, when in (
                ("dispatch", "dispatched", sent),
                ("acknowledge", "acknowledged", sent + timedelta(minutes=1)),
                ("depart", "en_route", sent + timedelta(minutes=2)),
                ("arrive", "on_scene", arrived),
            ):
                event(
                    f"person-{person}",
                    "responder.moved",
                    when,
                    {
                        "person_id": person,
                        "move": move,
                        "status": status,
                        "incident_id": iid,
                        "place_id": f"p-{unit[0]}",
                    },
                )
            resp.append((iid, person, p + 1, _iso(sent), _iso(arrived), position))
        late = rng.random() < 0.03
        closed = at + timedelta(days=70 if late else 0, hours=rng.randrange(1, 8))
        notes = PER_INCIDENT - 1 - 3 - 16 - 1
        for n in range(notes):
            event(
                stream,
                "incident.note_added",
                at + timedelta(minutes=5 + n),
                {
                    "incident_id": iid,
                    "note_id": f"{iid}-n{n}",
                    "text": "现场情况平稳，继续做好疏导工作。",
                    "names_sealed": 0,
                },
            )
        outcome = rng.choice(["resolved", "resolved", "dispersed", "sent_up"])
        event(
            stream, "incident.closed", closed, {"incident_id": iid, "outcome": outcome, "summary": "已处置"}
        )
        fig.append(
            (
                iid,
                f"XF-2026-{k:06d}",
                registered,
                _iso(at),
                place,
                kind,
                heads,
                drill,
                kind == "cross_level_visit",
                kind == "repeat_petitioner",
                rng.choice(["general", "larger", "major"]),
                _iso(closed),
                outcome,
                _iso(at + timedelta(minutes=5)),
                json.dumps(filings),
                "[]",
                position,
            )
        )
        alert = f"al-{iid}"
        alert_rows.append(
            (
                alert,
                iid,
                "go_to_scene",
                place,
                '{"levels":[]}',
                0,
                0,
                "acknowledged",
                None,
                drill,
                _iso(at),
                "leader",
                _iso(at + timedelta(minutes=4)),
                position,
            )
        )
        for lvl in range(2):
            page_rows.append(
                (
                    alert,
                    f"leader{lvl}",
                    lvl,
                    0,
                    _iso(at),
                    "acknowledged",
                    _iso(at),
                    _iso(at + timedelta(minutes=rng.randrange(1, 15))),
                    "link",
                    position,
                )
            )
        if len(batch) >= 50_000:
            db.executemany(ev_sql, batch)
            batch.clear()
    if batch:
        db.executemany(ev_sql, batch)
    db.executemany(f"INSERT INTO review_fig_incidents VALUES ({','.join('?' * 17)})", fig)
    db.executemany("INSERT INTO review_fig_responses VALUES (?,?,?,?,?,?)", resp)
    db.executemany(
        "INSERT INTO alerts (id, incident_id, ask, place, chain, level, round, state, next_at, drill,"
        " created_at, acked_by, acked_at, last_position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        alert_rows,
    )
    db.executemany(
        "INSERT INTO alert_pages (alert_id, person_id, level, round, paged_at, state, delivered_at, acked_at,"
        " ack_route, last_position) VALUES (?,?,?,?,?,?,?,?,?,?)",
        page_rows,
    )
    db.commit()
    db.close()
    return n_incidents


def run(o: Options) -> tuple[list[list[str]], int, float]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from console.review import figures_queries
    from console.tables import events
    from review import figures_chart
    from review.figures import FigureKey, Tree, parse_period, per_unit, trend

    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2027, 1, 10, tzinfo=UTC)
    period = parse_period("2026")
    times: dict[str, list[float]] = {k: [] for k in ("plain", "read", "figures", "trend", "page")}
    with temp_dir("bench-figures-") as tmp:
        path = Path(tmp) / "figures.db"
        log(f"figures: writing a log of {o.events} events")
        t0 = time.perf_counter()
        incidents = _seed(path, o)
        seeded = time.perf_counter() - t0
        log(f"figures: {incidents} incidents written in {seeded:.0f} s")

        async def measure() -> tuple[int, int]:
            engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
            try:
                async with engine.connect() as conn:
                    scanned = counted = 0
                    for _ in range(o.repeat):
                        t0 = time.perf_counter()
                        result = await conn.stream(
                            select(events.c.position, events.c.type, events.c.payload).order_by(
                                events.c.position
                            )
                        )
                        scanned = 0
                        async for part in result.partitions(10_000):
                            for r in part:
                                json.loads(r.payload)
                                scanned += 1
                        times["plain"].append(time.perf_counter() - t0)
                        t0 = time.perf_counter()
                        units = await conn.run_sync(figures_queries.units)
                        found, sent, paged = await conn.run_sync(figures_queries.figure_rows, period)
                        await conn.run_sync(figures_queries.targets, 2026)
                        t1 = time.perf_counter()
                        tree = Tree.of(units)
                        rows = per_unit(found, sent, paged, tree, period, now, tz)
                        t2 = time.perf_counter()
                        months = trend(found, sent, paged, tree.below["county"], 2026, now, tz)
                        for key in FigureKey:
                            points = [
                                figures_chart.Point(str(m.start.month), f[key].value) for m, f in months
                            ]
                            figures_chart.render(key.value, points, rate=False, bars=True)
                        t3 = time.perf_counter()
                        counted = int(rows[0].figures[FigureKey.INCIDENTS].value or 0)
                        times["read"].append(t1 - t0)
                        times["figures"].append(t2 - t1)
                        times["trend"].append(t3 - t2)
                        times["page"].append(t3 - t0)
                    return scanned, counted
            finally:
                await engine.dispose()

        scanned, counted = run_async(measure())
        assert scanned == incidents * PER_INCIDENT, (scanned, incidents)
        assert 0 < counted <= incidents, counted
    base = statistics.median(times["plain"])
    labels = {
        "plain": f"plain scan of the log ({scanned} rows, read + JSON)",
        "read": "read the figures' projections (year)",
        "figures": f"figures of {TOWNSHIPS + 1} units",
        "trend": "county trend by month + 9 charts",
        "page": "all of the above (the targets page)",
    }
    out = []
    for key, label in labels.items():
        med = statistics.median(times[key])
        out.append([label, fmt(med * 1000, 1), fmt(max(times[key]) * 1000, 1), fmt(med / base, 3) + "×"])
    return out, incidents, seeded


def report(result: tuple[list[list[str]], int, float], o: Options) -> str:
    rows, incidents, seeded = result
    head = (
        f"§25 figures: a log of {o.events} events ({incidents} incidents, written in {seeded:.0f} s), "
        f"SQLite, median of {o.repeat}"
    )
    return head + "\n" + table(["what", "median ms", "max ms", "vs plain scan"], rows)
