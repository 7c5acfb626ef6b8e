"""Drafting a report for an incident with 10,000 events, and rendering its PDF, next to a plain read.

All in one process on one SQLite file: the plain read fetches the incident's stream and decodes every
payload's JSON; drafting reads the same stream through console.reports.store.load_facts (events,
people, places) and builds the 首报 with reports.draft; rendering lays the document out with WeasyPrint.
Most events are moves that do not feed the report (acknowledge, depart), as on a long incident.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from .common import fmt, log, table, temp_dir


@dataclass(frozen=True)
class Options:
    events: int = 10_000
    repeat: int = 5


def _seed(url: str, o: Options, start: datetime) -> None:
    from console.events import canonical_json
    from console.incidents.commands import Channel
    from console.incidents.events import IncidentFactsAmended, IncidentRegistered, stream_of
    from console.responders.events import ResponderMoved
    from console.responders.tables import org_people, org_places
    from console.tables import events, metadata
    from playbooks.facts import IncidentType
    from responders.status import Move, ResponderStatus

    engine = create_engine(url)
    metadata.create_all(engine)
    stream = stream_of("inc")
    people = [f"p{i}" for i in range(200)]
    payloads: list[object] = [
        IncidentRegistered(
            incident_id="inc",
            number="XF-2026-0001",
            incident_type=IncidentType.SIT_IN,
            place="县委机关大门",
            head_count=30,
            summary="群众静坐",
            channel=Channel.PHONE,
            drill=False,
            started_at=start.isoformat(),
        )
    ]
    moves = [(Move.ACKNOWLEDGE, ResponderStatus.ACKNOWLEDGED), (Move.DEPART, ResponderStatus.EN_ROUTE)]
    for i in range(1, o.events):
        if i % 100 == 0:
            payloads.append(
                IncidentFactsAmended(incident_id="inc", changes={"head_count": 30 + i // 100}, reason="")
            )
        elif i % 50 == 0:
            payloads.append(
                ResponderMoved(
                    person_id=people[i % 200],
                    move=Move.DISPATCH,
                    status=ResponderStatus.DISPATCHED,
                    incident_id="inc",
                )
            )
        else:
            move, status = moves[i % 2]
            payloads.append(
                ResponderMoved(person_id=people[i % 200], move=move, status=status, incident_id="inc")
            )
    rows = []
    for n, p in enumerate(payloads, start=1):
        at = (start + timedelta(seconds=n)).isoformat()
        rows.append(
            {
                "position": n,
                "stream": stream,
                "type": p.event_type,  # type: ignore[attr-defined]
                "actor_id": "bench",
                "actor_name": "bench",
                "occurred_at": at,
                "recorded_at": at,
                "visibility": "all",
                "command_id": None,
                "payload": canonical_json(p.model_dump(mode="json")),  # type: ignore[attr-defined]
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
            }
        )
    people_rows = [
        {
            "id": p,
            "name": f"人员{i}",
            "unit_id": "u",
            "post": "干部",
            "roles": "petition_staff",
            "skills": "",
            "phone": None,
            "channels": "",
            "base_place_id": None,
            "last_position": 0,
        }
        for i, p in enumerate(people)
    ]
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
        conn.execute(insert(org_people), people_rows)
        conn.execute(insert(org_places), [{"id": "gate", "name": "机关大门", "last_position": 0}])
    engine.dispose()


def run(o: Options) -> list[list[str]]:
    from zoneinfo import ZoneInfo

    from console.incidents.events import stream_of
    from console.reports.store import load_facts
    from console.tables import events
    from reports.demo import DEMO_HEADER
    from reports.document import document_of
    from reports.draft import build_draft
    from reports.model import Stage
    from reports.pdf import render_pdf
    from reports.preview import page_count

    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    now = start + timedelta(hours=4)
    plain, drafting = [], []
    with temp_dir("bench-reports-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'reports.db'}"
        log(f"reports: seeding an incident with {o.events} events")
        _seed(url, o, start)
        engine = create_engine(url)
        with engine.connect() as conn:
            for _ in range(o.repeat):
                t = time.perf_counter()
                stream = conn.execute(select(events).where(events.c.stream == stream_of("inc"))).all()
                decoded = [json.loads(r.payload) for r in stream]
                plain.append(time.perf_counter() - t)
                t = time.perf_counter()
                facts, _run = load_facts(conn, "inc")
                draft = build_draft(Stage.INITIAL, facts, now, tz)
                drafting.append(time.perf_counter() - t)
            assert len(decoded) == o.events and draft.field is not None
        engine.dispose()
    document = document_of(draft, DEMO_HEADER, serial=1, at=now, tz=tz)
    t = time.perf_counter()
    pdf = render_pdf(document)
    rendering = time.perf_counter() - t
    base = statistics.median(plain)
    rows = []
    for label, times in (("plain read of the stream", plain), ("draft the 首报 from it", drafting)):
        med = statistics.median(times)
        rows.append([label, fmt(med * 1000, 1), fmt(max(times) * 1000, 1), fmt(med / base, 2) + "×"])
    pages = page_count(pdf)
    label = f"render its PDF (once, {len(pdf) // 1024} KiB, {pages} pages)"
    rows.append([label, fmt(rendering * 1000, 0), "-", fmt(rendering / base, 1) + "×"])
    return rows


def report(rows: list[list[str]], o: Options) -> str:
    head = f"Reports: an incident with {o.events} events, SQLite, median of {o.repeat}"
    return head + "\n" + table(["what", "median ms", "max ms", "vs plain read"], rows)
