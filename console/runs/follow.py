"""What the run learns from the responders' moves, and which steps those moves tick (pure, no I/O).

The runs domain follows `responder.moved` (console.responders.events): its projection keeps, per run,
who was sent to the incident and who arrived (`FieldLog`). Two kinds of step are done by those moves
rather than by a tap:

- the field team's dispatch step (kind `dispatch`, owned by the field commander: 现场处置组赶赴现场),
  done once someone is sent or arrives;
- the leader's step on site (分管领导到场指挥, `leader_on_site`), done once a leader arrives.

`follow_ticks` says which of them are open and have their evidence; the timer sends one internal
`run.follow` per tick with an id derived from the run and the step (`follow_key`), and `decide_follow`
asks this module again, so a step is ticked once however many processes race for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from playbooks.model import PlaybookSnapshot, ResponseRole, StepKind
from playbooks.state import OPEN_STEP, RunState

FOLLOW_PREFIX = "follow:"
# The playbooks' step of the leader in charge on the scene (sit_in, violence).
LEADER_STEP_IDS = frozenset({"leader_on_site"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldCause(StrEnum):
    """What ticked a step."""

    DISPATCH = "dispatch"  # 派遣N人
    ARRIVAL = "arrival"  # 到达现场
    LEADER_ARRIVAL = "leader_arrival"  # 领导到达现场


class FieldMove(_Frozen):
    """One person's first dispatch to, or first arrival at, the incident."""

    person_id: str
    at: AwareDatetime
    leader: bool = False


class FollowedBy(_Frozen):
    """Why a step was ticked without a tap: so many people sent, or someone arrived at `at`."""

    cause: FieldCause
    at: AwareDatetime
    people: int = Field(ge=0)
    person_id: str | None = None  # the leader who arrived


class FieldLog(_Frozen):
    """Who was sent to the incident and who arrived there, first time each (the run's projection)."""

    dispatched: tuple[FieldMove, ...] = ()
    arrived: tuple[FieldMove, ...] = ()
    # The steps the moves ticked, and why (kept from the run.step_completed events that ticked them).
    ticked: dict[str, FollowedBy] = Field(default_factory=dict)

    def with_dispatch(self, move: FieldMove) -> FieldLog:
        """The log with this dispatch (a person sent again keeps their first dispatch)."""
        if any(m.person_id == move.person_id for m in self.dispatched):
            return self
        return self.model_copy(update={"dispatched": (*self.dispatched, move)})

    def with_arrival(self, move: FieldMove) -> FieldLog:
        """The log with this arrival (a later arrival or a move on the scene is not a new one)."""
        if any(m.person_id == move.person_id for m in self.arrived):
            return self
        return self.model_copy(update={"arrived": (*self.arrived, move)})

    @property
    def leaders_arrived(self) -> tuple[FieldMove, ...]:
        return tuple(m for m in self.arrived if m.leader)


class FieldTick(_Frozen):
    """A step the field log completes now."""

    step_id: str
    by: FollowedBy

    @property
    def key(self) -> str:
        return follow_key(self.step_id)


def follow_key(step_id: str) -> str:
    """The timer's key of a tick: one per step, so a step is ticked once."""
    return FOLLOW_PREFIX + step_id


def is_follow_key(key: str) -> bool:
    return key.startswith(FOLLOW_PREFIX)


def team_steps(snapshot: PlaybookSnapshot) -> frozenset[str]:
    """The field team's dispatch steps (现场处置组赶赴现场, 组织有关人员迅速赶赴现场 …)."""
    return frozenset(
        s.id
        for s in snapshot.playbook.steps
        if s.kind is StepKind.DISPATCH and s.role is ResponseRole.FIELD_COMMANDER
    )


def leader_steps(snapshot: PlaybookSnapshot) -> frozenset[str]:
    """The steps a leader's arrival completes (分管领导到场指挥)."""
    return frozenset(s.id for s in snapshot.playbook.steps if s.id in LEADER_STEP_IDS)


def _latest(moves: Iterable[FieldMove]) -> datetime:
    return max(m.at for m in moves)


def follow_ticks(snapshot: PlaybookSnapshot, state: RunState, field: FieldLog) -> list[FieldTick]:
    """The open steps the field log completes, with why (none once the run is closed)."""
    if state.closed_at is not None:
        return []
    open_steps = {s.step_id for s in state.steps if s.status in OPEN_STEP}
    ticks: list[FieldTick] = []
    for step_id in sorted(team_steps(snapshot) & open_steps):
        if field.arrived:
            first = min(field.arrived, key=lambda m: m.at)
            by = FollowedBy(cause=FieldCause.ARRIVAL, at=first.at, people=len(field.arrived))
        elif field.dispatched:
            by = FollowedBy(
                cause=FieldCause.DISPATCH, at=_latest(field.dispatched), people=len(field.dispatched)
            )
        else:
            continue
        ticks.append(FieldTick(step_id=step_id, by=by))
    leaders = field.leaders_arrived
    for step_id in sorted(leader_steps(snapshot) & open_steps):
        if not leaders:
            continue
        first = min(leaders, key=lambda m: m.at)
        by = FollowedBy(
            cause=FieldCause.LEADER_ARRIVAL, at=first.at, people=len(leaders), person_id=first.person_id
        )
        ticks.append(FieldTick(step_id=step_id, by=by))
    return ticks
