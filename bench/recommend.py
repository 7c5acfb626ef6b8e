"""Recommending responders among 5,000 people and 200 places, next to one plain read of the same rows.

Both are timed in the same process on the same SQLite file: the plain read fetches every row the
recommendation reads (people, places, shifts, roster changes, statuses, assignments) and does nothing
with them; the recommendation reads them through console.dispatch and ranks with responders.recommend.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from .common import fmt, log, table, temp_dir


@dataclass(frozen=True)
class Options:
    people: int = 5000
    places: int = 200
    repeat: int = 15


def _seed(url: str, o: Options, now: datetime) -> None:
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
    metadata.create_all(engine)
    skills = ["reception", "counselling", "police_liaison", "medical", "legal_policy"]
    with engine.begin() as conn:
        conn.execute(
            insert(org_units),
            [
                {
                    "id": f"u{i}",
                    "name": f"单位{i}",
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
                    "id": f"pl{i}",
                    "name": f"地点{i}",
                    "unit_id": f"u{i % 40}",
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
                    "id": f"p{i}",
                    "name": f"人员{i}",
                    "unit_id": f"u{i % 40}",
                    "post": None,
                    "roles": "petition_staff",
                    "skills": ",".join(rng.sample(skills, 2)),
                    "phone": None,
                    "channels": "console",
                    "base_place_id": f"pl{rng.randrange(o.places)}",
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
                    "id": f"s{i}",
                    "unit_id": f"u{i % 40}",
                    "post": "standby",
                    "start_at": start.isoformat(),
                    "end_at": end.isoformat(),
                    "holder_id": f"p{i}",
                    "last_position": 1,
                }
                for i in range(0, o.people, 2)
            ],
        )
        conn.execute(
            insert(responder_status),
            [
                {
                    "person_id": f"p{i}",
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
                    "incident_id": "other",
                    "person_id": f"p{i}",
                    "status": "on_scene",
                    "role": None,
                    "destination_id": "pl1",
                    "place_id": "pl1",
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
                id="inc",
                number="XF-2026-0001",
                year=2026,
                seq=1,
                type="sit_in",
                place="地点0",
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


def run(o: Options) -> list[list[str]]:
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
        plain, ranked, skilled = [], [], []
        with engine.connect() as conn:
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
                t = time.perf_counter()
                found = queries.recommendations(conn, "inc", now, "zh_CN", limit=8)
                ranked.append(time.perf_counter() - t)
                t = time.perf_counter()
                queries.recommendations(conn, "inc", now, "zh_CN", skill=Skill.MEDICAL, limit=8)
                skilled.append(time.perf_counter() - t)
            assert found and len(found) == 8
        engine.dispose()
    base = statistics.median(plain)
    rows = []
    for label, times in (
        ("plain read of the same rows", plain),
        ("recommend (any skill)", ranked),
        ("recommend (skill: medical)", skilled),
    ):
        med = statistics.median(times)
        rows.append([label, fmt(med * 1000, 1), fmt(max(times) * 1000, 1), fmt(med / base, 2) + "×"])
    return rows


def report(rows: list[list[str]], o: Options) -> str:
    head = f"Recommend responders: {o.people} people, {o.places} places, SQLite, median of {o.repeat}"
    return head + "\n" + table(["what", "median ms", "max ms", "vs plain read"], rows)
