"""Who and what an incident's events name: review_involvement (who) and review_log_index (which
events of other streams belong with its log), their projectors, and what a person's activity reads.

Every event of the domains a 工作记录 draws on (incidents, runs, responders, alerts, reports) that
belongs to an incident adds its recorder (`user:ID`) and the people it concerns (`person:ID`: a move,
a roll call, a page, its acknowledgement) to the incident's row set, once. A report's events carry
no incident but their report's, which the reports' projection (applied before this one: that domain
comes first in console.domains) maps to it. The rows say only who, never what: a person's activity is
still the pure `review.activity` over those incidents' logs, so it is the same as over every log.

review_log_index keeps by position the moves and roll calls naming an incident (they live in the
people's streams) and the organisation's events, so `console.review.store.incident_log` reads an
incident's log by index instead of matching every payload of the log against the incident's id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from .. import eventlog
from ..alerts.events import EVENTS as ALERT_EVENTS
from ..alerts.tables import alert_pages, alerts
from ..clock import utc_iso
from ..db import of_this_transaction
from ..events import EventPayload, RecordedEvent
from ..incidents.events import EVENTS as INCIDENT_EVENTS
from ..incidents.tables import incidents
from ..registry import Projector
from ..reports.events import EVENTS as REPORT_EVENTS
from ..reports.tables import report_items
from ..responders.events import EVENTS as RESPONDER_EVENTS
from ..responders.events import (
    OrganisationImported,
    PlaceAdded,
    ResponderMoved,
    RollcallConfirmed,
    RollcallOverdue,
    RollcallStarted,
    RosterChanged,
)
from ..runs.events import RUN_EVENTS
from .tables import ORGANISATION, review_involvement, review_log_index

SYSTEM = "system"  # the console's own timers and workers name nobody


def _incident_of(conn: Connection, event: RecordedEvent) -> str | None:
    payload = event.payload
    incident_id = getattr(payload, "incident_id", None)
    if isinstance(incident_id, str) and incident_id:
        return incident_id
    report_id = getattr(payload, "report_id", None)
    if isinstance(report_id, str) and report_id:
        found = conn.execute(
            select(report_items.c.incident_id).where(report_items.c.report_id == report_id)
        ).first()
        return str(found.incident_id) if found is not None and found.incident_id else None
    return None


def named(event: RecordedEvent) -> set[str]:
    """Who an event names: its recorder, and the people it concerns."""
    payload = event.payload
    who = {f"user:{event.actor_id}"} if event.actor_id and event.actor_id != SYSTEM else set()
    person = getattr(payload, "person_id", None)
    if isinstance(person, str) and person:
        who.add(f"person:{person}")
    for p in getattr(payload, "people", None) or ():
        if isinstance(p, str):
            who.add(f"person:{p}")
    return who


# Built once: _involved runs for nearly every event, and building the statement each time cost about as
# much as running it (statement, comparisons, cache key).
_KNOWN = select(review_involvement.c.who).where(
    (review_involvement.c.incident_id == bindparam("incident_id"))
    & review_involvement.c.who.in_(bindparam("who", expanding=True))
)
_INSERT_INVOLVED = insert(review_involvement)


_KNOWN_OF_BATCH = select(review_involvement.c.incident_id, review_involvement.c.who).where(
    review_involvement.c.incident_id.in_(bindparam("incidents", expanding=True))
    & review_involvement.c.who.in_(bindparam("who", expanding=True))
)


# --- who the writer's batch names, written once for the batch -----------------------------------------
#
# Nearly every event adds its recorder to its incident's rows, and nearly always they are there already:
# a statement per event to find that out. In the command writer's batch (console.registry,
# `batch_started` … `batch_sealed`, inside its transaction) the (incident, who) pairs its events name are
# gathered instead, each with the first position naming it, and at `batch_sealed` the ones already
# known are read in one statement and the rest inserted in one. Nothing of the batch reads these rows
# (what reads them, a person's activity and the review, reads committed state), so the rows the batch
# commits are the ones a statement per event would have written. Outside a batch (a rebuild, the
# backfill) each event is written at once, as before.


@dataclass
class _Named:
    transaction: object  # the batch's transaction
    first: dict[tuple[str, str], int] = field(default_factory=dict)  # (incident, who) -> position


_NAMED_KEY = "console.review.involvement.batch"


def batch_started(conn: Connection, _head_hash: str) -> None:
    conn.info[_NAMED_KEY] = _Named(conn.get_transaction())


def batch_sealed(conn: Connection, _head_hash: str) -> None:
    """Write the batch's new (incident, who) rows: the known ones read in one statement, the rest
    inserted in one."""
    named_ = _batch(conn)
    if named_ is None:
        return
    conn.info.pop(_NAMED_KEY, None)
    if not named_.first:
        return
    incidents_ = sorted({incident for incident, _who in named_.first})
    who = sorted({w for _incident, w in named_.first})
    rows = conn.execute(_KNOWN_OF_BATCH, {"incidents": incidents_, "who": who})
    known = {(r.incident_id, r.who) for r in rows}
    new = [
        {"who": w, "incident_id": incident, "position": position}
        for (incident, w), position in sorted(named_.first.items())
        if (incident, w) not in known
    ]
    if new:
        conn.execute(_INSERT_INVOLVED, new)


def _batch(conn: Connection) -> _Named | None:
    return of_this_transaction(conn, _NAMED_KEY, _Named)


def _involved(conn: Connection, event: RecordedEvent) -> None:
    incident_id = _incident_of(conn, event)
    if incident_id is None:
        return
    who = named(event)
    if not who:
        return
    batch = _batch(conn)
    if batch is not None:
        for w in who:
            batch.first.setdefault((incident_id, w), event.position)
        return
    known = conn.execute(_KNOWN, {"incident_id": incident_id, "who": sorted(who)})
    new = who - {r.who for r in known}
    if new:
        conn.execute(
            _INSERT_INVOLVED,
            [{"who": w, "incident_id": incident_id, "position": event.position} for w in sorted(new)],
        )


def _classes() -> Iterable[type[EventPayload]]:
    return (*INCIDENT_EVENTS, *RUN_EVENTS, *RESPONDER_EVENTS, *ALERT_EVENTS, *REPORT_EVENTS)


def _naming(conn: Connection, event: RecordedEvent) -> None:
    """A move or roll call naming an incident, from outside its stream: indexed under the incident."""
    incident_id = getattr(event.payload, "incident_id", None)
    if isinstance(incident_id, str) and incident_id:
        conn.execute(insert(review_log_index).values(incident_id=incident_id, position=event.position))


def _organisation(conn: Connection, event: RecordedEvent) -> None:
    conn.execute(insert(review_log_index).values(incident_id=ORGANISATION, position=event.position))


NAMING_EVENTS = (ResponderMoved, RollcallStarted, RollcallConfirmed, RollcallOverdue)
ORGANISATION_EVENTS = (OrganisationImported, PlaceAdded, RosterChanged)
PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    cls: (
        _involved,
        *((_naming,) if cls in NAMING_EVENTS else ()),
        *((_organisation,) if cls in ORGANISATION_EVENTS else ()),
    )
    for cls in _classes()
}


def incidents_of_person(
    conn: Connection, person_id: str, user_ids: Iterable[str], start: datetime, end: datetime
) -> list[tuple[str, str, str]]:
    """(id, number, opened_at) of the real incidents registered in [start, end) whose events name the
    person, as themselves or as one of their console users, or that paged them (the alerts' pages)."""
    who = [f"person:{person_id}", *(f"user:{u}" for u in user_ids)]
    named_ids = select(review_involvement.c.incident_id).where(review_involvement.c.who.in_(who))
    paged_ids = (
        select(alerts.c.incident_id)
        .join(alert_pages, alert_pages.c.alert_id == alerts.c.id)
        .where(alert_pages.c.person_id == person_id)
    )
    rows = conn.execute(
        select(incidents.c.id, incidents.c.number, incidents.c.opened_at)
        .where(
            (incidents.c.drill.is_(False))
            & (incidents.c.opened_at >= utc_iso(start))
            & (incidents.c.opened_at < utc_iso(end))
            & (incidents.c.id.in_(named_ids) | incidents.c.id.in_(paged_ids))
        )
        .order_by(incidents.c.opened_at, incidents.c.id)
    ).all()
    return [(r.id, r.number, r.opened_at) for r in rows]


def backfill(conn: Connection, decode: Callable[[RecordedEvent], RecordedEvent]) -> int:
    """Fill review_involvement and review_log_index from the log already written (migration 0020, on
    a database with events from before these projections): each event through these projectors only,
    as `rebuild` would. Returns how many events it indexed."""
    by_type = {cls.event_type: fns for cls, fns in PROJECTORS.items()}
    count = 0
    for event in eventlog.iterate_sync(conn):
        fns = by_type.get(event.type)
        if not fns:
            continue
        decode(event)
        for fn in fns:
            fn(conn, event)
        count += 1
    return count
