"""Runs at the edge: loading a run for a decision, and projecting events onto it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from playbooks.facts import IncidentFacts, Level
from playbooks.facts import IncidentType as PlaybookType
from playbooks.history import FactsChanged, HistoryRecord, RunActivated, RunClosed

from ..clock import parse_iso
from ..commands import Context
from ..events import EventPayload, RecordedEvent
from ..incidents.events import (
    AboutCommissionHeadMarked,
    IncidentClosed,
    IncidentFactsAmended,
    IncidentRegistered,
)
from ..incidents.store import sealed_names_of
from ..registry import Projector
from ..responders.events import ResponderMoved
from .cache import pinned_snapshot, snapshot_text
from .decide import Proposal, RecordedBy, Run
from .events import (
    RECORD_EVENTS,
    RunFactsChanged,
    RunFactsDeclined,
    RunFactsProposed,
    RunStepCompleted,
)
from .follow import FieldLog, FieldMove
from .tables import playbook_runs, run_fact_proposals

HISTORY_LIST: TypeAdapter[list[HistoryRecord]] = TypeAdapter(list[HistoryRecord])
_LOAD = select(playbook_runs).where(playbook_runs.c.incident_id == bindparam("id"))


def _history_json(history: list[HistoryRecord]) -> str:
    return HISTORY_LIST.dump_json(history).decode()


def run_of(row: Any) -> Run:
    """The run of a projection row (the pinned playbook is parsed once per content hash)."""
    return Run(
        incident_id=row.incident_id,
        snapshot=pinned_snapshot(row.content_hash, row.snapshot),
        facts=IncidentFacts.model_validate_json(row.facts),
        history=tuple(HISTORY_LIST.validate_json(row.history)),
        drill=bool(row.drill),
        closed=bool(row.closed),
        recorded_by=tuple(RecordedBy(**a) if a else None for a in json.loads(row.actors or "[]")),
        field_log=FieldLog.model_validate_json(row.field or "{}"),
    )


def load_run(conn: Connection, args: Any, _ctx: Context) -> Run | None:
    """The run of the incident a command names, or None."""
    row = conn.execute(_LOAD, {"id": args.incident_id}).first()
    return run_of(row) if row is not None else None


def load_run_for_text(conn: Connection, args: Any, ctx: Context) -> Run | None:
    """The run with the names sealed in its incident: a step note or a reason must not carry them."""
    run = load_run(conn, args, ctx)
    return replace(run, sealed_names=sealed_names_of(conn, args.incident_id)) if run is not None else None


_PENDING = select(run_fact_proposals).where(
    run_fact_proposals.c.incident_id == bindparam("id"), run_fact_proposals.c.status == "pending"
)


def proposal_of(row: Any) -> Proposal:
    return Proposal(
        proposal_id=row.proposal_id,
        facts=IncidentFacts.model_validate_json(row.facts),
        based_on=IncidentFacts.model_validate_json(row.based_on),
        note=row.note,
        proposed_by=row.proposed_by,
        proposed_by_name=row.proposed_by_name,
        level_from=Level(row.level_from),
        level_to=Level(row.level_to),
        proposed_at=row.proposed_at,
    )


def with_proposals(conn: Connection, run: Run) -> Run:
    """The run with its pending proposals, oldest first."""
    rows = conn.execute(_PENDING.order_by(run_fact_proposals.c.position), {"id": run.incident_id})
    return replace(run, proposals={r.proposal_id: proposal_of(r) for r in rows})


def load_run_with_proposals(conn: Connection, args: Any, ctx: Context) -> Run | None:
    """The run with its pending proposals (confirming or declining one)."""
    run = load_run(conn, args, ctx)
    return with_proposals(conn, run) if run is not None else None


def load_runs(conn: Connection) -> list[Run]:
    """Every run (the board's view)."""
    rows = conn.execute(select(playbook_runs).order_by(playbook_runs.c.incident_id))
    return [run_of(r) for r in rows]


def load_runs_since(conn: Connection, position: int) -> list[tuple[Run, int]]:
    """The runs whose rows changed after `position`, each with the position it was read at.

    Positions are assigned in commit order, so every change up to the highest position read is
    visible: the timer reads from there next time and never misses or re-reads a change.
    """
    query = (
        select(playbook_runs)
        .where(playbook_runs.c.last_position > position)
        .order_by(playbook_runs.c.last_position)
    )
    return [(run_of(r), int(r.last_position)) for r in conn.execute(query)]


def _actor(event: RecordedEvent) -> dict[str, str | None]:
    """Who recorded an event's record (and who proposed it, for a confirmed proposal)."""
    p = event.payload
    confirmed = p if isinstance(p, RunFactsChanged) and p.proposed_by is not None else None
    return {
        "id": event.actor_id,
        "name": event.actor_name,
        "proposed_by": confirmed.proposed_by if confirmed else None,
        "proposed_by_name": confirmed.proposed_by_name if confirmed else None,
    }


def _append(
    conn: Connection, event: RecordedEvent, incident_id: str, record: HistoryRecord, **values: Any
) -> None:
    row = conn.execute(_LOAD, {"id": incident_id}).first()
    if row is None:
        return
    history = [*HISTORY_LIST.validate_json(row.history), record]
    # Rows written before the actors were kept have fewer of them: the missing ones are unknown.
    actors = json.loads(row.actors or "[]")
    actors = [*actors, *([None] * (len(history) - 1 - len(actors))), _actor(event)]
    conn.execute(
        update(playbook_runs)
        .where(playbook_runs.c.incident_id == incident_id)
        .values(
            history=_history_json(history),
            actors=json.dumps(actors, ensure_ascii=False),
            last_position=event.position,
            **values,
        )
    )


def _when(event: RecordedEvent) -> datetime:
    return parse_iso(event.recorded_at)


_INSERT_RUN = insert(playbook_runs)


def _started(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentRegistered)
    if p.playbook is None:
        return
    grading = p.facts.model_dump() if p.facts is not None else {}
    kind = p.incident_type.value
    served = p.playbook.playbook.serves
    facts = IncidentFacts(
        incident_type=PlaybookType(kind) if kind in PlaybookType.__members__.values() else served[0],
        head_count=p.head_count,
        about_commission_head=p.about_commission_head,
        **grading,
    )
    # Deadlines count from when the console learned of the incident: the playbook starts then.
    history: list[HistoryRecord] = [RunActivated(at=_when(event))]
    conn.execute(
        _INSERT_RUN,
        {
            "incident_id": p.incident_id,
            "playbook_id": p.playbook.playbook.id,
            "playbook_version": p.playbook.playbook.version,
            "content_hash": p.playbook.content_hash,
            "snapshot": snapshot_text(p.playbook),
            "facts": facts.model_dump_json(),
            "history": _history_json(history),
            "drill": p.drill,
            "closed": False,
            "last_position": event.position,
            "actors": json.dumps([_actor(event)], ensure_ascii=False),
        },
    )


def _amended(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentFactsAmended)
    if "head_count" not in p.changes:
        return  # a new type does not switch the playbook of a live run
    row = conn.execute(_LOAD, {"id": p.incident_id}).first()
    if row is None:
        return
    run = run_of(row)
    current = run.state(_when(event)).facts
    facts = current.model_copy(update={"head_count": int(p.changes["head_count"])})
    _append(conn, event, p.incident_id, FactsChanged(at=_when(event), facts=facts, note=p.reason))


def _marked(conn: Connection, event: RecordedEvent) -> None:
    """回避: a report found to be about the commission's head; the head's steps stand aside from now."""
    p = event.payload
    assert isinstance(p, AboutCommissionHeadMarked)
    row = conn.execute(_LOAD, {"id": p.incident_id}).first()
    if row is None:
        return
    current = run_of(row).state(_when(event)).facts
    facts = current.model_copy(update={"about_commission_head": True})
    _append(conn, event, p.incident_id, FactsChanged(at=_when(event), facts=facts, note=p.reason))


def _closed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentClosed)
    _append(conn, event, p.incident_id, RunClosed(at=_when(event), note=p.summary), closed=True)


def _recorded(conn: Connection, event: RecordedEvent) -> None:
    p: Any = event.payload
    _append(conn, event, p.incident_id, p.record)


def _step_completed(conn: Connection, event: RecordedEvent) -> None:
    """A completed step; one the responders' moves ticked keeps why in the field log (the room says so)."""
    p = event.payload
    assert isinstance(p, RunStepCompleted)
    if p.followed is None:
        _append(conn, event, p.incident_id, p.record)
        return
    row = conn.execute(select(playbook_runs.c.field).where(playbook_runs.c.incident_id == p.incident_id))
    current = row.scalar()
    if current is None:
        return
    log = FieldLog.model_validate_json(current or "{}")
    ticked = log.model_copy(update={"ticked": {**log.ticked, p.record.step_id: p.followed}})
    _append(conn, event, p.incident_id, p.record, field=ticked.model_dump_json())


# The moves the run follows: a dispatch to the incident, and an arrival (or a move on the scene).
_DISPATCH_MOVES = frozenset({"dispatch"})
_ARRIVAL_MOVES = frozenset({"arrive", "move_to"})


def _responder_moved(conn: Connection, event: RecordedEvent) -> None:
    """Keep who was sent and who arrived; the row's position rises so the timer looks at the run."""
    p = event.payload
    assert isinstance(p, ResponderMoved)
    move = p.move.value
    if p.incident_id is None or move not in _DISPATCH_MOVES | _ARRIVAL_MOVES:
        return
    row = conn.execute(
        select(playbook_runs.c.field, playbook_runs.c.closed).where(
            playbook_runs.c.incident_id == p.incident_id
        )
    ).first()
    if row is None or row.closed:
        return
    before = FieldLog.model_validate_json(row.field or "{}")
    seen = FieldMove(person_id=p.person_id, at=parse_iso(event.occurred_at), leader=p.leader)
    after = before.with_dispatch(seen) if move in _DISPATCH_MOVES else before.with_arrival(seen)
    if after == before:
        return
    conn.execute(
        update(playbook_runs)
        .where(playbook_runs.c.incident_id == p.incident_id)
        .values(field=after.model_dump_json(), last_position=event.position)
    )


def _proposed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RunFactsProposed)
    conn.execute(
        insert(run_fact_proposals).values(
            proposal_id=p.proposal_id,
            incident_id=p.incident_id,
            facts=p.facts.model_dump_json(),
            based_on=p.based_on.model_dump_json(),
            note=p.note,
            level_from=p.level_from.value,
            level_to=p.level_to.value,
            proposed_by=event.actor_id,
            proposed_by_name=event.actor_name,
            proposed_at=event.recorded_at,
            status="pending",
            position=event.position,
        )
    )


def _decided(status: str) -> Projector:
    def project(conn: Connection, event: RecordedEvent) -> None:
        proposal_id = getattr(event.payload, "proposal_id", None)
        if proposal_id is None:
            return
        conn.execute(
            update(run_fact_proposals)
            .where(run_fact_proposals.c.proposal_id == proposal_id)
            .values(status=status, decided_by=event.actor_id, decided_by_name=event.actor_name)
        )

    return project


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    IncidentRegistered: (_started,),
    IncidentFactsAmended: (_amended,),
    AboutCommissionHeadMarked: (_marked,),
    IncidentClosed: (_closed,),
    **{cls: (_recorded,) for cls in RECORD_EVENTS},
    RunStepCompleted: (_step_completed,),
    RunFactsChanged: (_recorded, _decided("confirmed")),
    RunFactsProposed: (_proposed,),
    RunFactsDeclined: (_decided("declined"),),
    ResponderMoved: (_responder_moved,),
}
