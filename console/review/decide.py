"""The pure decisions of the review: an incident's findings and actions, checked, then their events."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clock import utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, NotFound
from ..events import NewEvent
from .commands import AddAction, AddFinding, CompleteAction, SetInspectorUnits
from .events import (
    INSPECTORS_STREAM,
    ActionAdded,
    ActionCompleted,
    FindingAdded,
    InspectorUnitsSet,
    review_stream,
)


@dataclass(frozen=True)
class ReviewState:
    """What a review command needs: the incident exists, its findings, and its actions (id -> done)."""

    incident_id: str
    findings: frozenset[str] = frozenset()
    actions: dict[str, bool] = field(default_factory=dict)


def _incident(state: ReviewState | None) -> ReviewState:
    if state is None:
        raise NotFound("incident_not_found")
    return state


def decide_add_finding(state: ReviewState | None, args: AddFinding, ctx: Context) -> Decision:
    current = _incident(state)
    payload = FindingAdded(incident_id=current.incident_id, finding_id=ctx.new_id, text=args.text)
    return Decision(
        events=[NewEvent(stream=review_stream(current.incident_id), payload=payload)],
        result={"finding_id": ctx.new_id},
    )


def decide_add_action(state: ReviewState | None, args: AddAction, ctx: Context) -> Decision:
    current = _incident(state)
    if args.finding_id not in current.findings:
        raise NotFound("finding_not_found")
    payload = ActionAdded(
        incident_id=current.incident_id,
        action_id=ctx.new_id,
        finding_id=args.finding_id,
        text=args.text,
        owner=args.owner,
        due_at=utc_iso(args.due_at),
    )
    return Decision(
        events=[NewEvent(stream=review_stream(current.incident_id), payload=payload)],
        result={"action_id": ctx.new_id},
    )


def decide_complete_action(state: ReviewState | None, args: CompleteAction, ctx: Context) -> Decision:
    current = _incident(state)
    done = current.actions.get(args.action_id)
    if done is None:
        raise NotFound("action_not_found")
    if done:
        raise DomainError("action_already_done")
    payload = ActionCompleted(incident_id=current.incident_id, action_id=args.action_id, note=args.note)
    return Decision(events=[NewEvent(stream=review_stream(current.incident_id), payload=payload)])


@dataclass(frozen=True)
class InspectorState:
    """What setting an inspector's units needs: whether the user is an inspector, and the units known."""

    is_inspector: bool | None  # None: no such user
    units: frozenset[str]


def decide_set_inspector_units(state: InspectorState, args: SetInspectorUnits, _ctx: Context) -> Decision:
    if state.is_inspector is None:
        raise NotFound("user_not_found")
    if not state.is_inspector:
        raise DomainError("not_an_inspector")
    unknown = sorted(set(args.unit_ids) - state.units)
    if unknown:
        raise NotFound("unit_not_found")
    payload = InspectorUnitsSet(username=args.username, unit_ids=sorted(set(args.unit_ids)))
    return Decision(events=[NewEvent(stream=INSPECTORS_STREAM, payload=payload)])
