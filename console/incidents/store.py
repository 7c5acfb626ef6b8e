"""The incident domain's I/O: what its decisions load, and the projectors that keep its tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from playbooks.config import library_dir
from playbooks.directory import playbook_for

from ..alerts.books import current_book
from ..commands import CommandArgs, CommandEnvelope, Context
from ..db import of_this_transaction
from ..events import EventPayload, RecordedEvent
from ..registry import Projector
from ..tables import users
from . import recusal
from .decide import IncidentState, Matter, NoteTarget, Numbering, local_year
from .events import (
    NAMED_IN_NOTES_FIELD,
    SEALED_NAME_FIELDS,
    AboutCommissionHeadMarked,
    ConfidentialRecorded,
    IncidentClosed,
    IncidentFactsAmended,
    IncidentNoteAdded,
    IncidentRegistered,
    IncidentStatus,
    MemberAssigned,
    MemberUnassigned,
)
from .tables import incident_confidential, incident_members, incident_notes, incidents


def load_numbering(conn: Connection, args: CommandArgs, ctx: Context) -> Numbering:
    """The next number of the year (safe because the writer holds the log lock) and the playbook to run."""
    year = local_year(ctx.now, ctx)
    top = conn.scalar(_MAX_SEQ, {"year": year})
    kind = getattr(args, "type", None)
    playbook = playbook_for(str(kind), library_dir(ctx.settings)) if kind is not None else None
    # The escalation policies in force now, pinned into the registration (as the playbook is).
    book = current_book(conn, ctx.settings) if kind is not None else None
    return Numbering(year=year, next_seq=(top or 0) + 1, playbook=playbook, alert_book=book)


_LOAD_INCIDENT = select(incidents).where(incidents.c.id == bindparam("id"))


# The write path's statements are built once (building one costs more than running it, measured).
_INSERT_NOTE = insert(incident_notes)
_INSERT_INCIDENT = insert(incidents)
_MOVE_INCIDENT = (
    update(incidents).where(incidents.c.id == bindparam("incident_id")).values(last_position=bindparam("p"))
)
_MAX_SEQ = select(func.max(incidents.c.seq)).where(incidents.c.year == bindparam("year"))
# On PostgreSQL a note and the incident's move are one statement (one round trip, the commonest command).
_NOTE_AND_MOVE = _MOVE_INCIDENT.add_cte(
    insert(incident_notes)
    .values(
        id=bindparam("n_id"),
        incident_id=bindparam("n_incident"),
        position=bindparam("p"),
        author_id=bindparam("n_author_id"),
        author_name=bindparam("n_author_name"),
        text=bindparam("n_text"),
        occurred_at=bindparam("n_occurred_at"),
    )
    .cte("note")
)


def load_incident(conn: Connection, args: Any, _ctx: Context) -> IncidentState | None:
    row = conn.execute(_LOAD_INCIDENT, {"id": args.incident_id}).first()
    return _incident_state(row) if row is not None else None


def _incident_state(row: Any) -> IncidentState:
    return IncidentState(
        id=row.id,
        status=IncidentStatus(row.status),
        type=row.type,
        place=row.place,
        head_count=row.head_count,
        summary=row.summary,
        channel=row.channel,
        about_commission_head=bool(row.about_commission_head),
    )


_MEMBERS_OF = select(incident_members.c.user_id).where(incident_members.c.incident_id == bindparam("id"))


_CONFIDENTIAL_OF = select(incident_confidential.c["values"]).where(
    incident_confidential.c.incident_id == bindparam("id")
)


def _names(values: dict[str, Any], field: str) -> tuple[str, ...]:
    return tuple(n for n in str(values.get(field, "")).split("、") if n)


def _sealed_names(values: dict[str, Any]) -> frozenset[str]:
    return frozenset(n for f in SEALED_NAME_FIELDS for n in _names(values, f))


def sealed_names_of(conn: Connection, incident_id: str) -> frozenset[str]:
    """The people's names sealed in an incident (representatives, organisers named in notes): free text
    that staff read — notes, step notes, reasons — must not carry them."""
    return _sealed_names(confidential_values(conn, incident_id))


# A note is the commonest command: its incident and the incident's confidential values in one statement.
_NOTE_TARGETS = select(incidents, incident_confidential.c["values"].label("confidential_values")).select_from(
    incidents.outerjoin(incident_confidential, incident_confidential.c.incident_id == incidents.c.id)
)
_LOAD_NOTE_TARGET = _NOTE_TARGETS.where(incidents.c.id == bindparam("id"))


_LOAD_NOTE_TARGETS = _NOTE_TARGETS.where(incidents.c.id.in_(bindparam("ids", expanding=True)))


# --- a note in the writer's batch: its incident read, its rows written, once for the batch -----------
#
# A note loads its incident and the incident's confidential values, then adds its row and moves the
# incident's last position: two or three statements per note, the commonest command. The writer tells
# the domain its batch's commands before judging any (console.registry, `batch_commands`), so the
# incidents every note of the batch names are read in one statement and kept for the batch's
# transaction. A row is used only while nothing of the batch has changed what it holds: every projector
# of this domain that writes an incident's row or its confidential values forgets it (a note's own
# projector moves only `last_position`, which a note's load does not read). An incident not read then
# (registered by the batch, or not there) is read as before, by itself.
#
# The batch's notes and moves are written at `batch_sealed`, in two statements for the batch. Nothing of
# the batch reads the notes table or an incident's last position, and a projector that sets the last
# position itself (marking, amending, closing: a later position) drops the move pending for it, which
# it would have overwritten anyway; so the rows the batch commits are the ones written note by note.
# Outside the writer's batch (a rebuild) every note is written at once, as before.


@dataclass
class _Batch:
    transaction: object  # the batch's transaction: what this holds is for it only
    rows: dict[str, Any]  # incident id -> its row as a note loads it
    notes: list[dict[str, Any]] = field(default_factory=list)
    moves: dict[str, int] = field(default_factory=dict)  # incident id -> the last note's position


_BATCH_KEY = "console.incidents.store.batch"


def batch_commands(conn: Connection, envelopes: Sequence[CommandEnvelope]) -> None:
    """Read the incidents this batch's notes are for, in one statement (none if it has no note)."""
    ids = sorted(
        {
            incident_id
            for env in envelopes
            if env.name == "incident.note" and isinstance(incident_id := env.args.get("incident_id"), str)
        }
    )
    rows = {row.id: row for row in conn.execute(_LOAD_NOTE_TARGETS, {"ids": ids})} if ids else {}
    conn.info[_BATCH_KEY] = _Batch(conn.get_transaction(), rows)


def batch_sealed(conn: Connection, head_hash: str) -> None:
    """Write the batch's notes and move their incidents, then seal the 回避 marks."""
    batch = _batch(conn)
    if batch is not None:
        conn.info.pop(_BATCH_KEY, None)
        if batch.notes:
            conn.execute(_INSERT_NOTE, batch.notes)
        if batch.moves:
            conn.execute(_MOVE_INCIDENT, [{"incident_id": i, "p": p} for i, p in sorted(batch.moves.items())])
    recusal.batch_sealed(conn, head_hash)


def _batch(conn: Connection) -> _Batch | None:
    return of_this_transaction(conn, _BATCH_KEY, _Batch)


def _changed(conn: Connection, incident_id: str, *, moved: bool = False) -> None:
    """The batch changed this incident's row or confidential values: its preloaded row is stale.
    `moved`: the change sets the incident's last position too (the pending note's move is superseded)."""
    found = _batch(conn)
    if found is not None:
        found.rows.pop(incident_id, None)
        if moved:
            found.moves.pop(incident_id, None)


def load_note_target(conn: Connection, args: Any, _ctx: Context) -> NoteTarget:
    """The incident and the names sealed in it, which a note must not carry."""
    found = _batch(conn)
    row = found.rows.get(args.incident_id) if found is not None else None
    if row is None:
        row = conn.execute(_LOAD_NOTE_TARGET, {"id": args.incident_id}).first()
    raw = row.confidential_values if row is not None else None
    values: dict[str, Any] = json.loads(raw) if raw else {}
    return NoteTarget(
        incident=_incident_state(row) if row is not None else None,
        sealed_names=_sealed_names(values),
        named_in_notes=_names(values, NAMED_IN_NOTES_FIELD),
    )


def load_matter(conn: Connection, args: Any, _ctx: Context) -> Matter | None:
    """The incident's status, members and recorded confidential fields (and whether the user exists)."""
    query = select(incidents.c.status, incidents.c.registered_by).where(incidents.c.id == args.incident_id)
    row = conn.execute(query).first()
    if row is None:
        return None
    # Whoever registered the incident is involved in it, as are the people assigned to it.
    members = frozenset(conn.scalars(_MEMBERS_OF, {"id": args.incident_id})) | {row.registered_by}
    values = conn.scalar(_CONFIDENTIAL_OF, {"id": args.incident_id})
    user_id = getattr(args, "user_id", None)
    user_roles = conn.scalar(select(users.c.roles).where(users.c.id == user_id)) if user_id else None
    return Matter(
        incident_id=args.incident_id,
        status=IncidentStatus(row.status),
        members=members,
        fields=frozenset(json.loads(values)) if values else frozenset(),
        registered_by=row.registered_by,
        user_exists=user_id is None or user_roles is not None,
        user_roles=frozenset(user_roles.split(",")) if user_roles else frozenset(),
    )


def load_matter_values(conn: Connection, args: Any, ctx: Context) -> Matter | None:
    """The matter with its recorded values: recording compares against them and keeps the replaced ones."""
    matter = load_matter(conn, args, ctx)
    if matter is None:
        return None
    return replace(matter, values=confidential_values(conn, args.incident_id))


def confidential_values(conn: Connection, incident_id: str) -> dict[str, Any]:
    """The confidential values of an incident (callers have logged the reveal first)."""
    values = conn.scalar(_CONFIDENTIAL_OF, {"id": incident_id})
    loaded: dict[str, Any] = json.loads(values) if values else {}
    return loaded


def _registered(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentRegistered)
    _changed(conn, p.incident_id)
    _prefix, year, seq = p.number.rsplit("-", 2)
    conn.execute(
        _INSERT_INCIDENT,
        {
            "id": p.incident_id,
            "number": p.number,
            "year": int(year),
            "seq": int(seq),
            "type": p.incident_type.value,
            "place": p.place,
            "head_count": p.head_count,
            "summary": p.summary,
            "channel": p.channel.value,
            "status": IncidentStatus.OPEN.value,
            "drill": p.drill,
            "occurred_at": event.occurred_at,
            "opened_at": event.recorded_at,
            "registered_by": event.actor_id,
            "last_position": event.position,
            "about_commission_head": p.about_commission_head,
        },
    )
    if p.about_commission_head:
        recusal.marked(conn, p.incident_id)


def _marked(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, AboutCommissionHeadMarked)
    _changed(conn, p.incident_id, moved=True)
    conn.execute(
        update(incidents)
        .where(incidents.c.id == p.incident_id)
        .values(about_commission_head=True, last_position=event.position)
    )
    recusal.marked(conn, p.incident_id)


def _amended(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentFactsAmended)
    _changed(conn, p.incident_id, moved=True)
    conn.execute(
        update(incidents)
        .where(incidents.c.id == p.incident_id)
        .values(**p.changes, last_position=event.position)
    )


def _note(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentNoteAdded)
    row = {
        "id": p.note_id,
        "incident_id": p.incident_id,
        "position": event.position,
        "author_id": event.actor_id,
        "author_name": event.actor_name,
        "text": p.text,
        "occurred_at": event.occurred_at,
    }
    batch = _batch(conn)
    if batch is not None:
        batch.notes.append(row)
        batch.moves[p.incident_id] = event.position
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _NOTE_AND_MOVE,
            {f"n_{key}": value for key, value in row.items() if key not in ("incident_id", "position")}
            | {"n_incident": p.incident_id, "incident_id": p.incident_id, "p": event.position},
        )
        return
    conn.execute(_INSERT_NOTE, row)
    conn.execute(_MOVE_INCIDENT, {"incident_id": p.incident_id, "p": event.position})


def _closed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentClosed)
    _changed(conn, p.incident_id, moved=True)
    conn.execute(
        update(incidents)
        .where(incidents.c.id == p.incident_id)
        .values(
            status=IncidentStatus.CLOSED.value,
            outcome=p.outcome.value,
            outcome_summary=p.summary,
            closed_at=event.recorded_at,
            last_position=event.position,
        )
    )


def _confidential(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ConfidentialRecorded)
    _changed(conn, p.incident_id)
    merged = {**confidential_values(conn, p.incident_id), **p.values}
    values = json.dumps(merged, ensure_ascii=False, sort_keys=True)
    updated = conn.execute(
        update(incident_confidential)
        .where(incident_confidential.c.incident_id == p.incident_id)
        .values(values=values, last_position=event.position)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(incident_confidential).values(
                incident_id=p.incident_id, values=values, last_position=event.position
            )
        )


def _assigned(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, MemberAssigned)
    conn.execute(
        insert(incident_members).values(incident_id=p.incident_id, user_id=p.user_id, position=event.position)
    )


def _unassigned(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, MemberUnassigned)
    conn.execute(
        delete(incident_members).where(
            incident_members.c.incident_id == p.incident_id, incident_members.c.user_id == p.user_id
        )
    )


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    IncidentRegistered: (_registered,),
    IncidentFactsAmended: (_amended,),
    AboutCommissionHeadMarked: (_marked,),
    IncidentNoteAdded: (_note,),
    IncidentClosed: (_closed,),
    ConfidentialRecorded: (_confidential,),
    MemberAssigned: (_assigned,),
    MemberUnassigned: (_unassigned,),
}
