"""The pure rule of which steps the responders' moves complete (console.runs.follow), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from console.runs.deadlines import RunTimers
from console.runs.decide import Run
from console.runs.follow import FieldCause, FieldLog, FieldMove, follow_ticks, leader_steps, team_steps
from playbooks.facts import IncidentFacts, IncidentType, PlaceType
from playbooks.history import HistoryRecord, RunActivated, RunClosed, StepCompleted
from playbooks.loader import load_library
from playbooks.model import PlaybookSnapshot

T0 = datetime(2024, 9, 30, 9, 0, tzinfo=UTC)
GATE = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE)


@cache
def playbook(name: str) -> PlaybookSnapshot:
    snapshot = load_library().get(name)
    assert snapshot is not None
    return snapshot


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def done(*steps: str) -> list[HistoryRecord]:
    return [StepCompleted(at=at(1), step_id=s) for s in steps]


def sent(*people: str, minute: float = 2) -> tuple[FieldMove, ...]:
    return tuple(FieldMove(person_id=p, at=at(minute)) for p in people)


def arrived(person: str, minute: float, *, leader: bool = False) -> FieldMove:
    return FieldMove(person_id=person, at=at(minute), leader=leader)


def ticks(records: list[HistoryRecord], log: FieldLog, name: str = "sit_in") -> dict[str, tuple[str, int]]:
    snapshot = playbook(name)
    run = Run("A", snapshot, GATE, (RunActivated(at=T0), *records), drill=False, closed=False)
    found = follow_ticks(snapshot, run.state(at(5)), log)
    return {t.step_id: (t.by.cause.value, t.by.people) for t in found}


CASES = [
    ("nobody moved", [], FieldLog(), {}),
    ("sent while the team's step waits for start_response", [], FieldLog(dispatched=sent("r1")), {}),
    ("sent once it is open", done("start_response"), FieldLog(dispatched=sent("r1", "r2")),
     {"dispatch_team": ("dispatch", 2)}),
    ("an arrival says more than a dispatch", done("start_response"),
     FieldLog(dispatched=sent("r1", "r2"), arrived=(arrived("r1", 4),)), {"dispatch_team": ("arrival", 1)}),
    ("a step already done is not ticked", done("start_response", "dispatch_team"),
     FieldLog(dispatched=sent("r1")), {}),
    ("a leader's arrival ticks the leader's step once notify_leader is done",
     done("start_response", "notify_leader"),
     FieldLog(dispatched=sent("boss"), arrived=(arrived("boss", 4, leader=True),)),
     {"dispatch_team": ("arrival", 1), "leader_on_site": ("leader_arrival", 1)}),
    ("someone else's arrival does not tick the leader's step", done("notify_leader", "dispatch_team"),
     FieldLog(arrived=(arrived("r1", 4),)), {}),
]  # fmt: skip


@pytest.mark.parametrize(("records", "log", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_which_steps_the_moves_complete(
    records: list[HistoryRecord], log: FieldLog, expected: dict[str, tuple[str, int]]
) -> None:
    assert ticks(records, log) == expected


def test_a_closed_run_is_never_ticked() -> None:
    log = FieldLog(dispatched=sent("r1"))
    assert ticks([*done("start_response"), RunClosed(at=at(3))], log) == {}


def test_the_steps_each_playbook_lets_the_moves_complete() -> None:
    assert team_steps(playbook("sit_in")) == {"dispatch_team"}
    assert team_steps(playbook("collective_visit")) == {"dispatch_staff"}
    assert team_steps(playbook("violence")) == {"commander_on_site"}  # police and medical are not ours
    assert leader_steps(playbook("sit_in")) == leader_steps(playbook("violence")) == {"leader_on_site"}


def test_the_log_keeps_each_persons_first_dispatch_and_arrival() -> None:
    log = FieldLog().with_dispatch(sent("r1")[0]).with_dispatch(sent("r1", minute=9)[0])
    log = log.with_arrival(arrived("r1", 4)).with_arrival(arrived("r1", 8))
    assert [m.at for m in log.dispatched] == [at(2)] and [m.at for m in log.arrived] == [at(4)]


def test_the_timer_offers_a_tick_under_its_follow_key() -> None:
    snapshot = playbook("sit_in")
    history = (RunActivated(at=T0), *done("start_response"))
    log = FieldLog(dispatched=sent("r1"))
    run = Run("A", snapshot, GATE, history, drill=False, closed=False, field_log=log)
    timers = RunTimers()
    timers.seen(run, position=1)
    assert ("A", "follow:dispatch_team") in timers.due(at(2))
    assert timers.next_deadline == at(2)  # kept due until the tick is seen done
    assert [t.by.cause for t in follow_ticks(snapshot, run.state(at(2)), log)] == [FieldCause.DISPATCH]
