"""The duty roster: who is on duty, the leader on duty, swaps and overrides."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from responders.roster import (
    ChangeKind,
    Post,
    Roster,
    RosterChange,
    RosterError,
    Shift,
    apply_change,
    effective_shifts,
    holders_running,
    leader_on_duty,
    on_duty,
    running,
)

CST = timezone(timedelta(hours=8))


def at(day: int, hh: int) -> datetime:
    return datetime(2024, 5, day, hh, 0, tzinfo=CST)


def shift(shift_id: str, holder: str, post: Post, start: datetime, hours: int, unit: str = "xfs") -> Shift:
    return Shift(
        id=shift_id,
        unit_id=unit,
        post=post,
        start=start,
        end=start + timedelta(hours=hours),
        holder_id=holder,
    )


ROSTER = Roster(
    shifts=(
        shift("lead-mon", "wang", Post.LEADER_ON_DUTY, at(6, 8), 24, unit="cc"),
        shift("lead-tue", "liu", Post.LEADER_ON_DUTY, at(7, 8), 24, unit="cc"),
        shift("duty-mon-day", "zhang", Post.DUTY_OFFICER, at(6, 8), 12),
        shift("duty-mon-night", "li", Post.DUTY_OFFICER, at(6, 20), 12),
        shift("tw1-mon", "zhao", Post.STANDBY, at(6, 8), 12, unit="tw1"),
    )
)


def change(change_id: str, kind: ChangeKind, shift_id: str, made_at: datetime, **kw: str) -> RosterChange:
    return RosterChange(
        id=change_id, kind=kind, shift_id=shift_id, made_by="zhang", made_at=made_at, reason="家中有事", **kw
    )


@pytest.mark.parametrize(
    ("now", "expected", "leader"),
    [
        (at(6, 7), set(), None),
        (at(6, 8), {"wang", "zhang", "zhao"}, "wang"),
        (at(6, 20), {"wang", "li"}, "wang"),
        (at(7, 8), {"liu"}, "liu"),
        (at(8, 8), set(), None),
    ],
)
def test_who_is_on_duty(now: datetime, expected: set[str], leader: str | None) -> None:
    assert on_duty(ROSTER, now) == expected
    assert leader_on_duty(ROSTER, now) == leader


def test_on_duty_by_unit() -> None:
    assert on_duty(ROSTER, at(6, 9), unit_ids=["tw1"]) == {"zhao"}
    assert leader_on_duty(ROSTER, at(6, 9), unit_id="xfs") is None


def test_handover_gives_the_incoming_leader() -> None:
    overlapping = Roster(
        shifts=(
            shift("a", "wang", Post.LEADER_ON_DUTY, at(6, 8), 25),
            shift("b", "liu", Post.LEADER_ON_DUTY, at(7, 8), 24),
        )
    )
    assert leader_on_duty(overlapping, at(7, 8)) == "liu"


def test_swap_and_override_change_who_is_on_duty_and_are_kept() -> None:
    roster = apply_change(
        ROSTER, change("c1", ChangeKind.SWAP, "duty-mon-day", at(5, 9), other_shift_id="duty-mon-night")
    )
    assert "li" in on_duty(roster, at(6, 9)) and "zhang" not in on_duty(roster, at(6, 9))
    roster = apply_change(
        roster, change("c2", ChangeKind.OVERRIDE, "lead-mon", at(6, 10), new_holder_id="liu")
    )
    assert leader_on_duty(roster, at(6, 11)) == "liu"
    assert len(roster.changes) == 2 and roster.shifts == ROSTER.shifts
    touched = {e.shift.id: [c.id for c in e.changes] for e in effective_shifts(roster)}
    assert (
        touched["duty-mon-day"] == ["c1"]
        and touched["duty-mon-night"] == ["c1"]
        and touched["lead-mon"] == ["c2"]
    )
    assert roster.changes[1].made_by == "zhang" and roster.changes[1].reason == "家中有事"


def test_holders_running_are_the_running_shifts_holders_after_changes() -> None:
    roster = apply_change(
        ROSTER, change("c1", ChangeKind.SWAP, "duty-mon-day", at(5, 9), other_shift_id="duty-mon-night")
    )
    roster = apply_change(
        roster, change("c2", ChangeKind.OVERRIDE, "lead-mon", at(6, 10), new_holder_id="liu")
    )
    for now in (at(6, 9), at(6, 21), at(7, 9), at(9, 9)):
        held = holders_running(roster, now)
        assert held == [(e.shift, e.holder_id) for e in running(roster, now)]
    assert [(s.id, holder) for s, holder in holders_running(roster, at(6, 9))] == [
        ("lead-mon", "liu"),
        ("duty-mon-day", "li"),
        ("tw1-mon", "zhao"),
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (change("x", ChangeKind.OVERRIDE, "ghost", at(6, 1), new_holder_id="li"), "no shift"),
        (change("x", ChangeKind.OVERRIDE, "duty-mon-day", at(6, 1), new_holder_id="zhang"), "already holds"),
        (change("x", ChangeKind.SWAP, "duty-mon-day", at(6, 1), other_shift_id="duty-mon-day"), "itself"),
        (change("x", ChangeKind.SWAP, "duty-mon-day", at(6, 1), other_shift_id="lead-mon"), "same post"),
        (change("x", ChangeKind.SWAP, "duty-mon-day", at(6, 1), other_shift_id="ghost"), "no shift"),
    ],
)
def test_bad_changes_are_refused(bad: RosterChange, message: str) -> None:
    with pytest.raises(RosterError, match=message):
        apply_change(ROSTER, bad)


def test_change_ids_are_unique() -> None:
    first = change("c1", ChangeKind.OVERRIDE, "tw1-mon", at(6, 1), new_holder_id="chen")
    with pytest.raises(RosterError, match="duplicate"):
        apply_change(apply_change(ROSTER, first), first)


def test_changes_and_shifts_validate_their_shape() -> None:
    with pytest.raises(ValidationError):
        change("x", ChangeKind.SWAP, "duty-mon-day", at(6, 1), new_holder_id="li")
    with pytest.raises(ValidationError):
        shift("x", "li", Post.STANDBY, at(6, 8), 0)
    with pytest.raises(ValidationError):
        Shift(
            id="x",
            unit_id="u",
            post=Post.STANDBY,
            start=datetime(2024, 5, 6, 8),
            end=datetime(2024, 5, 6, 9),
            holder_id="li",
        )
