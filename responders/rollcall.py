"""Roll call (清点人数): the incident lead asks everyone assigned to confirm within N minutes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from responders.text import Text


class RollCallError(ValueError):
    """A roll call that cannot be started or a confirmation that does not belong to it."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(str(text))


@dataclass(frozen=True, slots=True)
class Confirmation:
    """One person's answer to the roll call, possibly entered by someone else."""

    person_id: str
    confirmed_at: datetime
    actor_id: str
    place_id: str | None = None

    @property
    def on_behalf(self) -> bool:
        """True when someone confirmed for the person."""
        return self.actor_id != self.person_id


@dataclass(frozen=True, slots=True)
class RollCall:
    """A roll call: who must answer, by when, and the answers so far."""

    id: str
    incident_id: str
    started_by: str
    started_at: datetime
    deadline: datetime
    expected: tuple[str, ...]
    confirmations: tuple[Confirmation, ...] = ()

    def confirmation(self, person_id: str) -> Confirmation | None:
        """The person's confirmation, if given."""
        return next((c for c in self.confirmations if c.person_id == person_id), None)


@dataclass(frozen=True, slots=True)
class Unconfirmed:
    """Someone who has not answered; `overdue` once the deadline passed, which is when the lead is told."""

    person_id: str
    waiting: timedelta
    overdue: bool


@dataclass(frozen=True, slots=True)
class RollCallSummary:
    """Counts for the incident lead's banner."""

    expected: int
    confirmed: int
    late: int
    unconfirmed: int
    overdue: bool
    complete: bool


def start_rollcall(
    *,
    rollcall_id: str,
    incident_id: str,
    started_by: str,
    people: Iterable[str],
    now: datetime,
    within_minutes: int,
) -> RollCall:
    """Start a roll call of `people`, who must all confirm within `within_minutes`."""
    expected = tuple(sorted(set(people)))
    if not expected:
        raise RollCallError(Text("没有需要清点的人员", "nobody to call the roll of"))
    if within_minutes <= 0:
        raise RollCallError(Text("清点时限须大于零分钟", "the roll call window must be positive"))
    return RollCall(
        id=rollcall_id,
        incident_id=incident_id,
        started_by=started_by,
        started_at=now,
        deadline=now + timedelta(minutes=within_minutes),
        expected=expected,
    )


def confirm(
    rollcall: RollCall, person_id: str, *, actor_id: str, now: datetime, place_id: str | None = None
) -> RollCall:
    """The roll call with the person's confirmation; a second tap keeps the first answer."""
    if person_id not in rollcall.expected:
        raise RollCallError(
            Text(f"{person_id} 不在本次清点名单中", f"{person_id} is not on roll call {rollcall.id}")
        )
    if rollcall.confirmation(person_id) is not None:
        return rollcall
    answer = Confirmation(person_id=person_id, confirmed_at=now, actor_id=actor_id, place_id=place_id)
    return replace(rollcall, confirmations=(*rollcall.confirmations, answer))


def unconfirmed(rollcall: RollCall, now: datetime) -> list[Unconfirmed]:
    """Everyone who has not confirmed, flagged `overdue` once the deadline has passed."""
    answered = {c.person_id for c in rollcall.confirmations}
    overdue = now >= rollcall.deadline
    return [
        Unconfirmed(person_id=pid, waiting=now - rollcall.started_at, overdue=overdue)
        for pid in rollcall.expected
        if pid not in answered
    ]


def summarise(rollcall: RollCall, now: datetime) -> RollCallSummary:
    """How many were expected, confirmed, confirmed late and still missing."""
    missing = len(unconfirmed(rollcall, now))
    late = sum(1 for c in rollcall.confirmations if c.confirmed_at > rollcall.deadline)
    return RollCallSummary(
        expected=len(rollcall.expected),
        confirmed=len(rollcall.confirmations),
        late=late,
        unconfirmed=missing,
        overdue=missing > 0 and now >= rollcall.deadline,
        complete=missing == 0,
    )
