"""The duty roster (值班表): shifts, who holds them, and the swaps and overrides made since."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from pydantic import AwareDatetime, model_validator

from responders.organisation import Frozen, Id, Name
from responders.text import LabelledEnum, Text


class Post(LabelledEnum):
    """The post a shift staffs."""

    DUTY_OFFICER = "duty_officer"
    LEADER_ON_DUTY = "leader_on_duty"
    RECEPTION = "reception"
    STANDBY = "standby"

    @classmethod
    def labels(cls) -> dict[Post, Text]:
        """Bilingual label of every post."""
        return _POST_LABELS


_POST_LABELS = {
    Post.DUTY_OFFICER: Text("值班员", "Duty officer"),
    Post.LEADER_ON_DUTY: Text("带班领导", "Leader on duty"),
    Post.RECEPTION: Text("接待值守", "Reception desk"),
    Post.STANDBY: Text("备勤", "Standby"),
}


class Shift(Frozen):
    """One shift (班次) of the roster as drawn up: [start, end) at a unit and post, held by one person."""

    id: Id
    unit_id: Id
    post: Post
    start: AwareDatetime
    end: AwareDatetime
    holder_id: Id

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("a shift must end after it starts")
        return self

    def covers(self, now: datetime) -> bool:
        """True while the shift runs."""
        return self.start <= now < self.end


class ChangeKind(LabelledEnum):
    """How a roster change alters who holds a shift."""

    SWAP = "swap"
    OVERRIDE = "override"

    @classmethod
    def labels(cls) -> dict[ChangeKind, Text]:
        """Bilingual label of every change kind."""
        return _CHANGE_LABELS


_CHANGE_LABELS = {
    ChangeKind.SWAP: Text("换班", "Swap"),
    ChangeKind.OVERRIDE: Text("顶班", "Override"),
}


class RosterChange(Frozen):
    """A swap (two shifts exchange holders) or an override (a shift gets a new holder), with who and why."""

    id: Id
    kind: ChangeKind
    shift_id: Id
    other_shift_id: Id | None = None
    new_holder_id: Id | None = None
    made_by: Id
    made_at: AwareDatetime
    reason: Name

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if self.kind is ChangeKind.SWAP and (self.other_shift_id is None or self.new_holder_id is not None):
            raise ValueError("a swap names other_shift_id and no new_holder_id")
        if self.kind is ChangeKind.OVERRIDE and (
            self.new_holder_id is None or self.other_shift_id is not None
        ):
            raise ValueError("an override names new_holder_id and no other_shift_id")
        return self


class Roster(Frozen):
    """The shifts as drawn up plus every change since; changes are kept, not folded in, for the audit."""

    shifts: tuple[Shift, ...] = ()
    changes: tuple[RosterChange, ...] = ()


@dataclass(frozen=True, slots=True)
class EffectiveShift:
    """A shift with its holder after all changes, and the changes that touched it."""

    shift: Shift
    holder_id: str
    changes: tuple[RosterChange, ...]


class RosterError(ValueError):
    """A roster change that cannot be applied."""

    def __init__(self, change: RosterChange, text: Text) -> None:
        self.change, self.text = change, text
        super().__init__(f"{change.id}: {text}")


def _holders(roster: Roster) -> tuple[dict[str, str], dict[str, list[RosterChange]]]:
    """Each shift's holder once all swaps and overrides are applied in the order made, and the changes
    that touched each shift (shifts no change touched are left out)."""
    holders = {s.id: s.holder_id for s in roster.shifts}
    touched: dict[str, list[RosterChange]] = {}
    for change in sorted(roster.changes, key=lambda c: c.made_at):
        if change.shift_id not in holders:
            continue
        if change.kind is ChangeKind.OVERRIDE and change.new_holder_id is not None:
            holders[change.shift_id] = change.new_holder_id
            touched.setdefault(change.shift_id, []).append(change)
        elif change.other_shift_id in holders:
            a, b = change.shift_id, change.other_shift_id
            holders[a], holders[b] = holders[b], holders[a]
            touched.setdefault(a, []).append(change)
            touched.setdefault(b, []).append(change)
    return holders, touched


def effective_shifts(roster: Roster) -> list[EffectiveShift]:
    """Every shift with the holder it has once all swaps and overrides are applied in the order made."""
    holders, touched = _holders(roster)
    return [EffectiveShift(s, holders[s.id], tuple(touched.get(s.id, ()))) for s in roster.shifts]


def check_change(roster: Roster, change: RosterChange) -> None:
    """Refuse a change to an unknown shift, a swap across posts or with itself, or a no-op override."""
    shifts = {e.shift.id: e for e in effective_shifts(roster)}
    if any(c.id == change.id for c in roster.changes):
        raise RosterError(change, Text("变更编号重复", "duplicate change id"))
    target = shifts.get(change.shift_id)
    if target is None:
        raise RosterError(change, Text(f"班次「{change.shift_id}」不存在", f"no shift {change.shift_id!r}"))
    if change.kind is ChangeKind.OVERRIDE:
        if change.new_holder_id == target.holder_id:
            raise RosterError(change, Text("顶班人就是当前值班人", "the new holder already holds the shift"))
        return
    other = shifts.get(change.other_shift_id or "")
    if other is None:
        raise RosterError(
            change, Text(f"班次「{change.other_shift_id}」不存在", f"no shift {change.other_shift_id!r}")
        )
    if other.shift.id == target.shift.id:
        raise RosterError(change, Text("不能与同一班次换班", "cannot swap a shift with itself"))
    if other.shift.post is not target.shift.post:
        # A duty officer cannot take the leader's shift: the leader on duty (带班领导) is a rank, not a slot.
        raise RosterError(
            change, Text("只能在同一岗位之间换班", "swaps are only between shifts of the same post")
        )


def apply_change(roster: Roster, change: RosterChange) -> Roster:
    """The roster with the change recorded, after `check_change`."""
    check_change(roster, change)
    return roster.model_copy(update={"changes": (*roster.changes, change)})


def running(roster: Roster, now: datetime) -> list[EffectiveShift]:
    """Shifts that run at `now`, with their effective holders."""
    holders, touched = _holders(roster)
    return [
        EffectiveShift(s, holders[s.id], tuple(touched.get(s.id, ()))) for s in roster.shifts if s.covers(now)
    ]


def holders_running(roster: Roster, now: datetime) -> list[tuple[Shift, str]]:
    """Shifts that run at `now`, each with its effective holder: `running` without the changes that
    touched them, for callers that read thousands of shifts and only need who holds them."""
    holders, _ = _holders(roster)
    return [(s, holders[s.id]) for s in roster.shifts if s.covers(now)]


def on_duty(roster: Roster, now: datetime, *, unit_ids: Iterable[str] | None = None) -> set[str]:
    """Ids of people on duty (在岗) at `now`, optionally only at some units."""
    units = None if unit_ids is None else set(unit_ids)
    return {e.holder_id for e in running(roster, now) if units is None or e.shift.unit_id in units}


def leader_on_duty(roster: Roster, now: datetime, *, unit_id: str | None = None) -> str | None:
    """The leader on duty (带班领导) at `now`; at a handover the one whose shift started last."""
    leaders = [
        e
        for e in running(roster, now)
        if e.shift.post is Post.LEADER_ON_DUTY and (unit_id is None or e.shift.unit_id == unit_id)
    ]
    if not leaders:
        return None
    return max(leaders, key=lambda e: (e.shift.start, e.shift.id)).holder_id
