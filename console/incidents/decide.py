"""The incident decisions (pure): state and arguments in, events out, or a refusal.

Confidential parts (seed §7): informant identity and report content live in sealed events and one
projection table. No live frame, listing or export carries them: clients learn only that a
confidential part exists. A permitted user reveals them through one endpoint, and every reveal is
itself an event (借阅登记) that reviewers can list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from alerts.policy import PinnedBook
from playbooks.model import PlaybookSnapshot

from ..clock import utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, Forbidden, NotFound
from ..events import VISIBILITY_ALL, VISIBILITY_AUDIT, NewEvent
from .commands import (
    AddNote,
    AmendFacts,
    AssignMember,
    CloseIncident,
    RecordConfidential,
    RegisterIncident,
    RevealConfidential,
)
from .events import (
    NAMED_IN_NOTES_FIELD,
    SEALED_NAME_MARK,
    AboutCommissionHeadMarked,
    ConfidentialViewed,
    IncidentClosed,
    IncidentFactsAmended,
    IncidentNoteAdded,
    IncidentRegistered,
    IncidentStatus,
    MemberUnassigned,
    assigned,
    sealed,
    stream_of,
)
from .permissions import CONFIDENTIAL_BY_ROLE, may_hold_matters
from .recusal import VISIBILITY_RECUSAL


@dataclass(frozen=True)
class Numbering:
    """The next free sequence number of the year the incident is registered in."""

    year: int
    next_seq: int
    playbook: PlaybookSnapshot | None = None  # what serves the incident's type, as the library is now
    alert_book: PinnedBook | None = None  # the escalation policies in force now (console.alerts.books)


def unknown_policy(playbook: PlaybookSnapshot | None, book: PinnedBook | None) -> tuple[str, str] | None:
    """A policy the playbook names (a notify step's, an escalation's) that the book does not have:
    (where, policy), where is a step's or report's id, or `defaults`."""
    if playbook is None or book is None:
        return None
    known = {p.id for p in book.book.policies}
    pb = playbook.playbook
    for loc, name in pb.named_policies():
        if name not in known:
            if loc[0] == "steps":
                return pb.steps[int(loc[1])].id, name
            if loc[0] == "reports":
                return pb.reports[int(loc[1])].id, name
            return "defaults", name
    return None


@dataclass(frozen=True)
class IncidentState:
    id: str
    status: IncidentStatus
    type: str
    place: str
    head_count: int
    summary: str
    channel: str
    about_commission_head: bool = False  # 回避 (console.incidents.recusal)


def incident_number(prefix: str, year: int, seq: int) -> str:
    """Human-readable number, e.g. XF-2026-0007 (per year, configurable prefix)."""
    return f"{prefix}-{year}-{seq:04d}"


def local_year(now: datetime, ctx: Context) -> int:
    return now.astimezone(ctx.tz).year


def decide_register(numbering: Numbering, args: RegisterIncident, ctx: Context) -> Decision:
    started = args.started_at or ctx.occurred_at
    if started > ctx.now:
        raise DomainError("occurred_in_future")
    unknown = unknown_policy(numbering.playbook, numbering.alert_book)
    if unknown is not None and numbering.playbook is not None:
        where = f"{numbering.playbook.playbook.id} / {unknown[0]} → {unknown[1]}"
        raise DomainError("playbook_policy_unknown", detail=where)
    number = incident_number(ctx.settings.incident_prefix, numbering.year, numbering.next_seq)
    event = IncidentRegistered(
        incident_id=ctx.new_id,
        number=number,
        incident_type=args.type,
        place=args.place,
        head_count=args.head_count,
        summary=args.summary,
        channel=args.channel,
        drill=args.drill,
        started_at=utc_iso(started),
        facts=args.facts,
        playbook=numbering.playbook,
        about_commission_head=args.about_commission_head,
        alert_book=numbering.alert_book,
    )
    # The registering officer is involved in the matter (incidents.registered_by): no event needed.
    events = [NewEvent(stream=stream_of(ctx.new_id), payload=event)]
    if args.confidential is not None and args.confidential.given():
        events.append(sealed(ctx.new_id, args.confidential.given()))
    if args.about_commission_head:
        # 回避 from the first event on: no general view ever hears of it.
        events = [replace(e, visibility=VISIBILITY_RECUSAL) for e in events]
    return Decision(events=events, result={"incident_id": ctx.new_id, "number": number})


def _open(state: IncidentState | None) -> IncidentState:
    if state is None:
        raise NotFound("incident_not_found")
    if state.status is IncidentStatus.CLOSED:
        raise DomainError("incident_closed")
    return state


def decide_amend(state: IncidentState | None, args: AmendFacts, ctx: Context) -> Decision:
    current = _open(state)
    before = {
        "type": current.type,
        "place": current.place,
        "head_count": current.head_count,
        "summary": current.summary,
        "channel": current.channel,
    }
    changes = {k: v for k, v in args.changes().items() if before[k] != v}
    if args.about_commission_head is False and current.about_commission_head:
        # A recusal is never undone: clearing it would put the matter, and who raised it, in front
        # of the very person it is about, with nothing in the log to say why it had been kept from him.
        raise DomainError("recusal_irrevocable")
    marking = args.about_commission_head is True and not current.about_commission_head
    if not changes and not marking:
        raise DomainError("nothing_to_amend")
    events: list[NewEvent] = []
    if marking:
        mark = AboutCommissionHeadMarked(incident_id=current.id, reason=args.reason)
        # The mark and everything after it reach only the views that may see a recused incident.
        events.append(NewEvent(stream=stream_of(current.id), payload=mark, visibility=VISIBILITY_RECUSAL))
    if changes:
        event = IncidentFactsAmended(incident_id=current.id, changes=changes, reason=args.reason)
        visibility = VISIBILITY_RECUSAL if marking else VISIBILITY_ALL
        events.append(NewEvent(stream=stream_of(current.id), payload=event, visibility=visibility))
    return Decision(events=events)


@dataclass(frozen=True)
class NoteTarget:
    """The incident a note is added to, and the names already sealed in it (representatives, organisers)."""

    incident: IncidentState | None
    sealed_names: frozenset[str] = frozenset()
    named_in_notes: tuple[str, ...] = ()


def seal_names(text: str, names: frozenset[str]) -> tuple[str, int]:
    """`text` with every occurrence of a sealed name replaced by the mark, and how many were replaced.

    Longer names go first, so 张三丰 is not left as 〔…〕丰 by 张三.
    """
    count = 0
    for name in sorted(names, key=lambda n: (-len(n), n)):
        count += text.count(name)
        text = text.replace(name, SEALED_NAME_MARK)
    return text, count


def decide_note(target: NoteTarget | None, args: AddNote, ctx: Context) -> Decision:
    """A timeline note; organisers' names never reach it (seed §7: informants and representatives sealed).

    Names the writer marks are sealed with the incident's confidential part, and any name sealed before
    (the representatives a decision recorded, organisers marked in earlier notes) is replaced in the text,
    whoever writes it: every staff member reads the timeline.
    """
    current = _open(target.incident if target is not None else None)
    assert target is not None
    marked = tuple(dict.fromkeys(n.strip() for n in args.sealed_names if n.strip()))
    text, count = seal_names(args.text, target.sealed_names | frozenset(marked))
    event = IncidentNoteAdded(incident_id=current.id, note_id=ctx.new_id, text=text, names_sealed=count)
    events = [NewEvent(stream=stream_of(current.id), payload=event)]
    new = [n for n in marked if n not in target.named_in_notes]
    if new:
        events.insert(
            0, sealed(current.id, {NAMED_IN_NOTES_FIELD: "、".join((*target.named_in_notes, *new))})
        )
    return Decision(events=events, result={"note_id": ctx.new_id, "names_sealed": event.names_sealed})


def decide_close(state: IncidentState | None, args: CloseIncident, ctx: Context) -> Decision:
    current = _open(state)
    event = IncidentClosed(incident_id=current.id, outcome=args.outcome, summary=args.summary)
    return Decision(events=[NewEvent(stream=stream_of(current.id), payload=event)])


@dataclass(frozen=True)
class Matter:
    """What decisions about an incident's confidential parts need to know."""

    incident_id: str
    status: IncidentStatus
    members: frozenset[str]
    fields: frozenset[str]
    registered_by: str = ""
    user_exists: bool = True
    user_roles: frozenset[str] = frozenset()
    # The recorded values themselves, loaded only for recording (an overwrite keeps the old ones).
    values: Mapping[str, Any] = field(default_factory=dict)


def may_reveal(roles: frozenset[str], user_id: str, members: frozenset[str]) -> bool:
    """Leaders by role; anyone else only when assigned to the incident."""
    return bool(roles & CONFIDENTIAL_BY_ROLE) or user_id in members


def may_assign(roles: frozenset[str], user_id: str, matter: Matter) -> bool:
    """Who is involved in a matter is a leader's decision, or the registering officer's for their own."""
    return bool(roles & CONFIDENTIAL_BY_ROLE) or user_id == matter.registered_by


def _found(matter: Matter | None) -> Matter:
    if matter is None:
        raise NotFound("incident_not_found")
    return matter


def decide_record(matter: Matter | None, args: RecordConfidential, ctx: Context) -> Decision:
    current = _found(matter)
    if current.status is IncidentStatus.CLOSED:
        raise DomainError("incident_closed")
    values = {k: v for k, v in args.confidential.given().items() if current.values.get(k) != v}
    if not values:
        raise DomainError("nothing_to_amend")
    replaced = {k: current.values[k] for k in values if k in current.values}
    # Overwriting a value needs the right to read it; adding a missing one does not.
    if replaced and not may_reveal(ctx.actor.roles, ctx.actor.id, current.members):
        raise Forbidden("confidential_overwrite_forbidden")
    return Decision(events=[sealed(current.incident_id, values, replaced)])


def decide_assign(matter: Matter | None, args: AssignMember, ctx: Context) -> Decision:
    current = _found(matter)
    # Being assigned opens the informant's identity, so nobody assigns themselves or others at will
    # (seed §7); the event's actor records who decided.
    if not may_assign(ctx.actor.roles, ctx.actor.id, current):
        raise Forbidden("assign_forbidden")
    if not current.user_exists:
        raise NotFound("user_not_found")
    if not may_hold_matters(current.user_roles):
        # Reviewers, inspectors and administrators read the record; they do not hold matters.
        raise DomainError("cannot_be_assigned")
    if args.user_id in current.members:
        raise DomainError("already_assigned")
    return Decision(events=[assigned(current.incident_id, args.user_id)])


def decide_unassign(matter: Matter | None, args: AssignMember, ctx: Context) -> Decision:
    current = _found(matter)
    # Anyone may step back from a matter; removing someone else is the same decision as assigning.
    if args.user_id != ctx.actor.id and not may_assign(ctx.actor.roles, ctx.actor.id, current):
        raise Forbidden("assign_forbidden")
    if args.user_id not in current.members:
        raise DomainError("not_assigned")
    event = MemberUnassigned(incident_id=current.incident_id, user_id=args.user_id)
    return Decision(events=[NewEvent(stream=stream_of(current.incident_id), payload=event)])


def decide_reveal(matter: Matter | None, args: RevealConfidential, ctx: Context) -> Decision:
    current = _found(matter)
    if not may_reveal(ctx.actor.roles, ctx.actor.id, current.members):
        raise Forbidden("confidential_forbidden")
    event = ConfidentialViewed(incident_id=current.incident_id, fields=sorted(current.fields))
    return Decision(
        events=[NewEvent(stream=stream_of(current.incident_id), payload=event, visibility=VISIBILITY_AUDIT)]
    )
