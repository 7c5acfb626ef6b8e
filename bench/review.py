"""The review (复盘) of an incident with 10,000 events, next to a plain scan of the same rows.

All in one process on one SQLite file, as the review page's requests do it: read the incident's log
(console.review.store.incident_log: its stream, and the responder moves naming it in the people's
streams, found by the review's index of them, review_log_index), then the compliance table, a
replay at the middle instant in both modes, and the timeline SVG. The plain scan reads the same rows
by position and decodes every payload's JSON. Most events are moves (acknowledge, depart) of 200
people, as on a long incident; the registration pins the sit-in playbook, so the table runs the
engine like a real one.

The §25 figures over 1,000,000 events are bench/figures.py (`--only figures`).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select

from .common import fmt, log, run_async, table, temp_dir


@dataclass(frozen=True)
class Options:
    events: int = 10_000
    repeat: int = 5


def _payloads(o: Options, start: datetime) -> list[tuple[str, Any]]:
    from console.incidents.commands import Channel, GradingFacts
    from console.incidents.events import IncidentRegistered, stream_of
    from console.responders.events import ResponderMoved, person_stream
    from playbooks.facts import IncidentType, PlaceType
    from playbooks.loader import load_library
    from responders.status import Move, ResponderStatus

    snapshot = load_library().get("sit_in")
    assert snapshot is not None
    registered = IncidentRegistered(
        incident_id="inc",
        number="XF-2026-0001",
        incident_type=IncidentType.SIT_IN,
        place="机关大门",
        head_count=60,
        summary="群众在机关大门静坐",
        channel=Channel.WALK_IN,
        drill=False,
        started_at=start.isoformat(),
        facts=GradingFacts(place_type=PlaceType.PARTY_GOV_GATE),
        playbook=snapshot,
    )
    out: list[tuple[str, Any]] = [(stream_of("inc"), registered)]
    people = [f"p{i}" for i in range(200)]
    cycle = [
        (Move.ACKNOWLEDGE, ResponderStatus.ACKNOWLEDGED),
        (Move.DEPART, ResponderStatus.EN_ROUTE),
        (Move.ARRIVE, ResponderStatus.ON_SCENE),
    ]
    for i in range(1, o.events):
        person = people[i % 200]
        if (i // 200) % 4 == 0:
            move, status = Move.DISPATCH, ResponderStatus.DISPATCHED
        else:
            move, status = cycle[((i // 200) % 4) - 1]
        role = "field_responder" if move is Move.DISPATCH else None
        payload = ResponderMoved(
            person_id=person, move=move, status=status, incident_id="inc", role=role, place_id="gate"
        )
        out.append((person_stream(person), payload))
    return out


def _seed(url: str, o: Options, start: datetime) -> None:
    from console.events import canonical_json
    from console.incidents.tables import incidents
    from console.review.tables import review_log_index
    from console.tables import events, metadata

    engine = create_engine(url)
    metadata.create_all(engine)
    rows = []
    for n, (stream, p) in enumerate(_payloads(o, start), start=1):
        at = (start + timedelta(seconds=n)).isoformat()
        rows.append(
            {
                "position": n,
                "stream": stream,
                "type": p.event_type,
                "actor_id": "bench",
                "actor_name": "bench",
                "occurred_at": at,
                "recorded_at": at,
                "visibility": "all",
                "command_id": None,
                "payload": canonical_json(p.model_dump(mode="json")),
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
            }
        )
    # what the review domain's projector keeps as the moves arrive (console.review.involvement_store):
    # the moves in the people's streams naming the incident, which incident_log reads by index
    indexed = [
        {"incident_id": "inc", "position": r["position"]} for r in rows if r["type"] == "responder.moved"
    ]
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
        conn.execute(insert(review_log_index), indexed)
        conn.execute(
            insert(incidents).values(
                id="inc", number="XF-2026-0001", year=2026, seq=1, type="sit_in", place="机关大门",
                head_count=60, summary="", channel="walk_in", status="open", drill=False,
                occurred_at=start.isoformat(), opened_at=start.isoformat(), registered_by="bench",
                last_position=1,
            )
        )  # fmt: skip
    engine.dispose()


def run(o: Options) -> list[list[str]]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from console.review.store import incident_log
    from console.tables import events
    from review.compliance import compliance
    from review.log import fold
    from review.replay import Mode, replay
    from review.timeline import lane_entries, render

    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    now = start + timedelta(seconds=o.events + 600)
    middle = start + timedelta(seconds=o.events // 2)
    times: dict[str, list[float]] = {
        k: [] for k in ("plain", "log", "compliance", "replay", "timeline", "page")
    }
    with temp_dir("bench-review-") as tmp:
        path = Path(tmp) / "review.db"
        log(f"review: seeding an incident with {o.events} events")
        _seed(f"sqlite:///{path}", o, start)

        async def measure() -> tuple[int, int]:
            engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
            try:
                async with engine.connect() as conn:
                    for _ in range(o.repeat):
                        t0 = time.perf_counter()
                        rows = (await conn.execute(select(events).order_by(events.c.position))).all()
                        decoded = [json.loads(r.payload) for r in rows]
                        times["plain"].append(time.perf_counter() - t0)
                        t0 = time.perf_counter()
                        got = await incident_log(conn, "inc", "XF-2026-0001")
                        t1 = time.perf_counter()
                        table_rows = compliance("inc", got.events, now)
                        t2 = time.perf_counter()
                        for mode in Mode:
                            replay("inc", got.events, middle, mode)
                        t3 = time.perf_counter()
                        # as the handler draws it: the activity log's entries give the page/report lanes
                        entries = lane_entries("inc", got.events, [])
                        render(fold("inc", got.events), table_rows, now, {}, entries=entries)
                        t4 = time.perf_counter()
                        times["log"].append(t1 - t0)
                        times["compliance"].append(t2 - t1)
                        times["replay"].append(t3 - t2)
                        times["timeline"].append(t4 - t3)
                        times["page"].append(t4 - t0)
                    return len(decoded), len(got.events)
            finally:
                await engine.dispose()

        scanned, read = run_async(measure())
        assert scanned == o.events and read == o.events, (scanned, read)
    base = statistics.median(times["plain"])
    labels = {
        "plain": "plain scan of the same rows (read + JSON)",
        "log": "read the incident's log (incident_log)",
        "compliance": "compliance table",
        "replay": "replay at one instant, both modes",
        "timeline": "timeline SVG",
        "page": "all of the above (the page's requests)",
    }
    out = []
    for key, label in labels.items():
        med = statistics.median(times[key])
        out.append([label, fmt(med * 1000, 1), fmt(max(times[key]) * 1000, 1), fmt(med / base, 2) + "×"])
    return out


def report(rows: list[list[str]], o: Options) -> str:
    head = f"Review: an incident with {o.events} events, SQLite, median of {o.repeat}"
    return head + "\n" + table(["what", "median ms", "max ms", "vs plain scan"], rows)
