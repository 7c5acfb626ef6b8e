"""The §25 figures' projectors: each incident's row, each dispatch until on scene, and the targets.

An incident's row is refreshed from the incident's and the run's projections (updated before it in
the same transaction: those domains come first in console.domains) whenever an event may change what
it counts for. Levels and report deadlines are the engine's with the default grading thresholds
(projectors are given no settings); the collective head count is judged when read, with the office's.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from playbooks.facts import DEFAULT_THRESHOLDS
from responders.status import Move, ResponderStatus
from review.figures import UNGRADED
from review.figures_reports import report_record_and_standing

from ..clock import parse_iso, utc_iso
from ..commands import Context
from ..events import EventPayload, RecordedEvent
from ..incidents.events import IncidentClosed, IncidentFactsAmended, IncidentRegistered
from ..incidents.tables import incidents
from ..registry import Projector
from ..responders.events import ResponderMoved
from ..responders.tables import org_units
from ..runs.events import (
    RunDecisionRecorded,
    RunFactsChanged,
    RunLevelOverridden,
    RunReportFiled,
    RunStepCompleted,
    RunStepSkipped,
)
from ..runs.store import run_of
from ..runs.tables import playbook_runs
from .figures_decide import TargetsState
from .figures_events import TargetsSet
from .figures_tables import review_fig_incidents, review_fig_responses, review_targets

# Built once: an incident's registration refreshes its row, and building these cost more than running them.
_INCIDENT = select(incidents).where(incidents.c.id == bindparam("id"))
_RUN = select(playbook_runs).where(playbook_runs.c.incident_id == bindparam("id"))
_OLD = select(review_fig_incidents.c.position, review_fig_incidents.c.first_arrival_at).where(
    review_fig_incidents.c.incident_id == bindparam("id")
)
_DROP = delete(review_fig_incidents).where(review_fig_incidents.c.incident_id == bindparam("id"))
_INSERT = insert(review_fig_incidents)


def _refresh(conn: Connection, event: RecordedEvent) -> None:
    incident_id = getattr(event.payload, "incident_id")  # noqa: B009 - every followed payload names it
    row = conn.execute(_INCIDENT, {"id": incident_id}).first()
    if row is None:
        return
    at = parse_iso(event.recorded_at)
    cross, repeat = row.type == "cross_level_visit", row.type == "repeat_petitioner"
    level, filings, open_reports, first = UNGRADED, [], [], None
    run_row = conn.execute(_RUN, {"id": incident_id}).first()
    if run_row is not None:
        run = run_of(run_row)
        done, pending, standing = report_record_and_standing(
            run.snapshot, run.facts, run.history, at, DEFAULT_THRESHOLDS
        )
        level = standing.grading.level.value
        cross = cross or standing.facts.cross_level
        repeat = repeat or standing.facts.repeat_petitioner
        filings = [[utc_iso(f.due_at), utc_iso(f.filed_at)] for f in done]
        open_reports = [utc_iso(d) for d in pending]
    # A registration's incident has no row here yet: its own row was inserted just before, under an id
    # no incident had (rows of both tables go only with a rebuild, which empties both), and rows are
    # inserted here only by this projector, each for an incident row it read.
    registered = isinstance(event.payload, IncidentRegistered)
    old = None if registered else conn.execute(_OLD, {"id": incident_id}).first()
    if old is not None:
        first = old.first_arrival_at
        conn.execute(_DROP, {"id": incident_id})
    conn.execute(
        _INSERT,
        dict(
            incident_id=incident_id,
            number=row.number,
            position=old.position if old is not None else event.position,
            opened_at=row.opened_at,
            place=row.place,
            type=row.type,
            head_count=row.head_count,
            drill=bool(row.drill),
            cross_level=cross,
            repeat=repeat,
            level=level,
            closed_at=row.closed_at,
            outcome=row.outcome,
            first_arrival_at=first,
            filings=json.dumps(filings),
            open_reports=json.dumps(open_reports),
            last_position=event.position,
        ),
    )


def _moved(conn: Connection, event: RecordedEvent) -> None:
    """A dispatch opens a response; the person's first arrival on scene after it closes it."""
    p = event.payload
    assert isinstance(p, ResponderMoved)
    if p.incident_id is None:
        return
    pair = and_(
        review_fig_responses.c.incident_id == p.incident_id, review_fig_responses.c.person_id == p.person_id
    )
    if p.move is Move.DISPATCH:
        n = conn.scalar(select(func.count()).select_from(review_fig_responses).where(pair)) or 0
        conn.execute(
            insert(review_fig_responses).values(
                incident_id=p.incident_id,
                person_id=p.person_id,
                number=int(n) + 1,
                dispatched_at=event.occurred_at,
                arrived_at=None,
                position=event.position,
            )
        )
    elif p.status is ResponderStatus.ON_SCENE:
        latest = conn.scalar(select(func.max(review_fig_responses.c.number)).where(pair))
        if latest is not None:
            conn.execute(
                update(review_fig_responses)
                .where(
                    pair
                    & (review_fig_responses.c.number == latest)
                    & review_fig_responses.c.arrived_at.is_(None)
                )
                .values(arrived_at=event.occurred_at)
            )
        conn.execute(
            update(review_fig_incidents)
            .where(
                (review_fig_incidents.c.incident_id == p.incident_id)
                & (
                    review_fig_incidents.c.first_arrival_at.is_(None)
                    | (review_fig_incidents.c.first_arrival_at > event.occurred_at)
                )
            )
            .values(first_arrival_at=event.occurred_at)
        )


def _targets(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, TargetsSet)
    conn.execute(
        delete(review_targets).where(
            (review_targets.c.year == p.year) & review_targets.c.unit_id.in_(p.unit_ids)
        )
    )
    for t in p.targets:
        conn.execute(
            insert(review_targets).values(
                year=p.year,
                unit_id=t.unit_id,
                figure=t.figure.value,
                value=t.value,
                set_by_name=event.actor_name,
                set_at=event.recorded_at,
                position=event.position,
            )
        )


def load_targets(conn: Connection, _args: Any, _ctx: Context) -> TargetsState:
    """The organisation's units by id and by name."""
    units: dict[str, str] = {}
    for r in conn.execute(select(org_units.c.id, org_units.c.name).order_by(org_units.c.id)):
        units.setdefault(r.name, r.id)
        units[r.id] = r.id
    return TargetsState(units)


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    IncidentRegistered: (_refresh,),
    IncidentFactsAmended: (_refresh,),
    IncidentClosed: (_refresh,),
    RunStepCompleted: (_refresh,),
    RunStepSkipped: (_refresh,),
    RunDecisionRecorded: (_refresh,),
    RunLevelOverridden: (_refresh,),
    RunFactsChanged: (_refresh,),
    RunReportFiled: (_refresh,),
    ResponderMoved: (_moved,),
    TargetsSet: (_targets,),
}
