"""回避: incidents about this commission's own head, and who may see them (2020 rules art. 15).

A report about the commission's head goes straight to the higher commission and does not circulate in
the office. Marked at registration or by amendment (never cleared), such an incident is kept out of
every general view. Its events carry the visibility class `recusal`, which only views of people who may
see it receive (`recusal.view`: the duty officers handling it, the leaders who approve its reports and
the higher level's inspectors) and never a view of the commission head (the `commission_head` login
role), whatever else they hold. Lists,
snapshots and reports leave it out for everyone else, and a read or command naming it answers
`incident_not_found`, as for an incident that does not exist: its existence is not revealed either.

The spine knows none of this: it asks the `Domain` hooks (`visibility_classes`, `classify`, `guard`,
`withheld`) that the incidents domain fills from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from ..commands import Actor
from ..errors import NotFound
from ..events import NewEvent, RecordedEvent
from ..roles import Role
from ..tables import events, users
from .events import AboutCommissionHeadMarked
from .permissions import GRANTS, Permission
from .tables import incidents

VISIBILITY_RECUSAL = "recusal"
_STREAM_PREFIX = "incident-"


def may_see_recused(roles: Iterable[str]) -> bool:
    """Whether people with these roles may see an incident about the commission's head."""
    held = frozenset(roles)
    return bool(held & GRANTS[Permission.RECUSAL_VIEW]) and Role.COMMISSION_HEAD not in held


def sees_recused(view: str) -> bool:
    """Whether a visibility view (console.registry.Registry.view_of) holds the recusal class."""
    return VISIBILITY_RECUSAL in view.split("+")


_RECUSED = select(incidents.c.id).where(incidents.c.about_commission_head.is_(True))
_IS_RECUSED = select(incidents.c.about_commission_head).where(incidents.c.id == bindparam("id"))


def recused_ids(conn: Connection) -> frozenset[str]:
    """Every incident marked as a report about the commission's head."""
    return frozenset(conn.scalars(_RECUSED))


def is_recused(conn: Connection, incident_id: str) -> bool:
    marked = _batch_marks(conn)
    if marked is not None:
        return incident_id in marked.ids or incident_id in marked.added
    return bool(conn.scalar(_IS_RECUSED, {"id": incident_id}))


# --- the marked incidents, kept on the command writer's connection -------------------------------------
#
# Every command is guarded, and every event it makes classified, against the marked incidents: two
# reads of the incidents table per command. A mark is never cleared and is made only by an event, so the
# marked set is a function of the log, and the log is named by its head's hash (the chain). The writer
# tells the domain that hash under the head's lock at the start of every batch (console.registry,
# `batch_started`): while it is the hash the set was read or last extended at, the set is exact and
# nothing is read; when anything else moved the log (another process, a restore) it is read again.
# The set lives in the DBAPI connection's `info`, so each database, and each pooled connection, has its
# own, used by one transaction at a time; and a batch's own marks count for the batch's later commands
# at once but for later batches only if the head is then the one the batch sealed (it committed).


@dataclass
class _Marks:
    head_hash: str | None = None  # the log head `ids` is exact for
    ids: set[str] = field(default_factory=set)
    # The batch in progress: its transaction, the incidents it marked, the head it sealed.
    transaction: object = None
    added: set[str] = field(default_factory=set)
    sealed_hash: str | None = None


_MARKS_KEY = "console.incidents.recusal.marks"


def _marks(conn: Connection) -> _Marks:
    marks = conn.info.get(_MARKS_KEY)
    if not isinstance(marks, _Marks):
        marks = conn.info[_MARKS_KEY] = _Marks()
    return marks


def _batch_marks(conn: Connection) -> _Marks | None:
    """The connection's marks if a batch of this very transaction was started on them, else None."""
    marks = conn.info.get(_MARKS_KEY)
    transaction = conn.get_transaction()
    if isinstance(marks, _Marks) and transaction is not None and marks.transaction is transaction:
        return marks
    return None


def batch_started(conn: Connection, head_hash: str) -> None:
    """Make the connection's marks exact for the log with this head (read them only if it moved)."""
    marks = _marks(conn)
    if marks.head_hash == head_hash:
        pass  # the log is where the set was exact (the last batch, if any, did not commit)
    elif marks.sealed_hash == head_hash and marks.head_hash is not None:
        marks.ids |= marks.added  # the last batch committed, and nothing since: its marks are the log's
    else:
        marks.ids = set(recused_ids(conn))
    marks.head_hash = head_hash
    marks.transaction = conn.get_transaction()
    marks.added, marks.sealed_hash = set(), None


def batch_sealed(conn: Connection, head_hash: str) -> None:
    marks = _batch_marks(conn)
    if marks is not None:
        marks.sealed_hash = head_hash
        marks.transaction = None  # nothing after the batch reads these as its own


def marked(conn: Connection, incident_id: str) -> None:
    """An incident was marked in this transaction (its projector): the batch's later commands see it."""
    marks = _batch_marks(conn)
    if marks is not None:
        marks.added.add(incident_id)


def hidden_from(conn: Connection, view: str) -> frozenset[str]:
    """The incidents a view must not be shown (none for a view that holds the recusal class)."""
    return frozenset() if sees_recused(view) else recused_ids(conn)


def commission_heads(conn: Connection) -> frozenset[str]:
    """The people whose login holds the commission head's role (a person's id is their user name):
    an incident about the head neither pages nor proposes them."""
    rows = conn.execute(select(users.c.username, users.c.roles))
    return frozenset(r.username for r in rows if Role.COMMISSION_HEAD.value in r.roles.split(","))


def hidden_for(conn: Connection, roles: Iterable[str]) -> frozenset[str]:
    """The incidents people with these roles must not be shown."""
    return frozenset() if may_see_recused(roles) else recused_ids(conn)


_MARKED_AFTER = (
    select(events.c.position)
    .where(events.c.type == AboutCommissionHeadMarked.event_type, events.c.position > bindparam("p"))
    .limit(1)
)


def resync_after(conn: Connection, view: str, position: int) -> bool:
    """A view that may not see recused incidents resumes with a snapshot once one was marked since:
    the client may hold it from before the marking."""
    return not sees_recused(view) and conn.scalar(_MARKED_AFTER, {"p": position}) is not None


def withdraws(event: RecordedEvent) -> bool:
    """Marking an incident takes it away from the views that may not see it."""
    return event.type == AboutCommissionHeadMarked.event_type


def incident_of(event: NewEvent) -> str | None:
    """The incident an event is about: its payload's `incident_id`, else its incident stream."""
    named = getattr(event.payload, "incident_id", None)
    if isinstance(named, str):
        return named
    if event.stream.startswith(_STREAM_PREFIX):
        return event.stream.removeprefix(_STREAM_PREFIX)
    return None


def classify(conn: Connection, event: NewEvent) -> str | None:
    """The class an event of any domain must carry: `recusal` when it is about a marked incident."""
    incident_id = incident_of(event)
    return VISIBILITY_RECUSAL if incident_id is not None and is_recused(conn, incident_id) else None


def guard(conn: Connection, args: Any, actor: Actor) -> None:
    """A command naming a marked incident, from someone who may not see it, finds no such incident."""
    incident_id = getattr(args, "incident_id", None)
    if isinstance(incident_id, str) and not may_see_recused(actor.roles) and is_recused(conn, incident_id):
        raise NotFound("incident_not_found")
