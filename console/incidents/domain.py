"""Incidents (事件): types, facts and the pure decisions on them. No I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from playbooks.model import PlaybookSnapshot

from ..clock import utc_iso
from ..commands import CommandArgs, Context, Decision, Instant
from ..errors import DomainError, NotFound
from ..events import EventPayload, NewEvent, event_type
from .model import Confidential, GradingFacts, IncidentStatus, sealed, stream_of


class IncidentType(StrEnum):
    COLLECTIVE_VISIT = "collective_visit"  # 集体访
    CROSS_LEVEL_VISIT = "cross_level_visit"  # 越级集体访
    SIT_IN = "sit_in"  # 静坐、围堵、冲击机关大门、拦截领导车辆
    VIOLENCE = "violence"  # 行凶、自杀、携带危险品或爆炸物品
    SCREENING = "screening"  # 重要节日、重大活动前排查
    REPEAT_PETITIONER = "repeat_petitioner"  # 信访老户
    OTHER = "other"  # 其他


INCIDENT_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "collective_visit": ("集体访", "Collective visit"),
    "cross_level_visit": ("越级集体访", "Cross-level collective visit"),
    "sit_in": (
        "静坐、围堵、冲击机关大门、拦截领导车辆",
        "Sit-in, blockade, storming a gate or stopping a car",
    ),
    "violence": ("行凶、自杀、携带危险品或爆炸物品", "Violence, suicide threat or dangerous items"),
    "screening": ("节前排查", "Pre-event screening"),
    "repeat_petitioner": ("信访老户", "Repeat petitioner"),
    "other": ("其他", "Other"),
}


class Channel(StrEnum):
    WALK_IN = "walk_in"  # 来访
    PHONE = "phone"  # 来电
    LETTER = "letter"  # 来信
    WEB = "web"  # 网络
    FROM_ABOVE = "assigned_from_above"  # 上级交办
    EARLY_WARNING = "early_warning"  # 预警信息


class Outcome(StrEnum):
    RESOLVED = "resolved"  # 已化解
    DISPERSED = "dispersed"  # 已劝离
    SENT_UP = "sent_up"  # 已上报
    TRANSFERRED = "transferred"  # 已移交
    OTHER = "other"  # 其他


Place = Field(min_length=1, max_length=200)


# --- commands ---


class RegisterIncident(CommandArgs):
    """登记事件: register an incident."""

    type: IncidentType
    place: str = Place
    head_count: int = Field(ge=0, le=100_000)
    summary: str = Field(default="", max_length=4000)
    channel: Channel = Channel.WALK_IN
    drill: bool = False
    started_at: Instant | None = None
    confidential: Confidential | None = None
    facts: GradingFacts | None = None  # 定级要素; the playbook grades the level from them


class AmendFacts(CommandArgs):
    """更正事实: amend the facts of an open incident, with a reason."""

    incident_id: str = Field(min_length=1, max_length=64)
    type: IncidentType | None = None
    place: str | None = Field(default=None, min_length=1, max_length=200)
    head_count: int | None = Field(default=None, ge=0, le=100_000)
    summary: str | None = Field(default=None, max_length=4000)
    channel: Channel | None = None
    reason: str = Field(default="", max_length=500)

    def changes(self) -> dict[str, str | int]:
        fields = ("type", "place", "head_count", "summary", "channel")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not None}


class AddNote(CommandArgs):
    """添加记录: add a note to the incident's timeline."""

    incident_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=4000)


class CloseIncident(CommandArgs):
    """结案: close the incident with an outcome."""

    incident_id: str = Field(min_length=1, max_length=64)
    outcome: Outcome
    summary: str = Field(default="", max_length=4000)


# --- events ---


@event_type("incident.registered")
class IncidentRegistered(EventPayload):
    incident_id: str
    number: str
    incident_type: IncidentType
    place: str
    head_count: int
    summary: str
    channel: Channel
    drill: bool
    started_at: str
    facts: GradingFacts | None = None
    # The playbook this incident's run follows, pinned with its content (console.runs).
    playbook: PlaybookSnapshot | None = None

    @classmethod
    def public_data(cls, data: dict[str, Any]) -> dict[str, Any]:
        # Clients get the playbook's name and pin, not its whole text (they read the run's view).
        pinned = data.get("playbook")
        if not pinned:
            return data
        pb = pinned["playbook"]
        ref = {"id": pb["id"], "version": pb["version"], "content_hash": pinned["content_hash"]}
        return {**data, "playbook": ref}


@event_type("incident.facts_amended")
class IncidentFactsAmended(EventPayload):
    incident_id: str
    changes: dict[str, str | int]
    reason: str


@event_type("incident.note_added")
class IncidentNoteAdded(EventPayload):
    incident_id: str
    note_id: str
    text: str


@event_type("incident.closed")
class IncidentClosed(EventPayload):
    incident_id: str
    outcome: Outcome
    summary: str


# --- state the decisions need ---


@dataclass(frozen=True)
class Numbering:
    """The next free sequence number of the year the incident is registered in."""

    year: int
    next_seq: int
    playbook: PlaybookSnapshot | None = None  # what serves the incident's type, as the library is now


@dataclass(frozen=True)
class IncidentState:
    id: str
    status: IncidentStatus
    type: str
    place: str
    head_count: int
    summary: str
    channel: str


def incident_number(prefix: str, year: int, seq: int) -> str:
    """Human-readable number, e.g. XF-2026-0007 (per year, configurable prefix)."""
    return f"{prefix}-{year}-{seq:04d}"


def local_year(now: datetime, ctx: Context) -> int:
    return now.astimezone(ctx.tz).year


def decide_register(numbering: Numbering, args: RegisterIncident, ctx: Context) -> Decision:
    started = args.started_at or ctx.occurred_at
    if started > ctx.now:
        raise DomainError("occurred_in_future")
    number = incident_number(ctx.incident_prefix, numbering.year, numbering.next_seq)
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
    )
    # The registering officer is involved in the matter (incidents.registered_by): no event needed.
    events = [NewEvent(stream=stream_of(ctx.new_id), payload=event)]
    if args.confidential is not None and args.confidential.given():
        events.append(sealed(ctx.new_id, args.confidential.given()))
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
    if not changes:
        raise DomainError("nothing_to_amend")
    event = IncidentFactsAmended(incident_id=current.id, changes=changes, reason=args.reason)
    return Decision(events=[NewEvent(stream=stream_of(current.id), payload=event)])


def decide_note(state: IncidentState | None, args: AddNote, ctx: Context) -> Decision:
    current = _open(state)
    event = IncidentNoteAdded(incident_id=current.id, note_id=ctx.new_id, text=args.text)
    return Decision(
        events=[NewEvent(stream=stream_of(current.id), payload=event)], result={"note_id": ctx.new_id}
    )


def decide_close(state: IncidentState | None, args: CloseIncident, ctx: Context) -> Decision:
    current = _open(state)
    event = IncidentClosed(incident_id=current.id, outcome=args.outcome, summary=args.summary)
    return Decision(events=[NewEvent(stream=stream_of(current.id), payload=event)])
