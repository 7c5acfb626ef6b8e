"""The timer's selection of runs, without a database: what it evaluates, when, and what it stops watching."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache

from console.runs.cache import Bounded, pinned_snapshot, snapshot_cache
from console.runs.deadlines import RunTimers
from console.runs.decide import Run
from playbooks.facts import GradingThresholds, IncidentFacts, IncidentType, PlaceType
from playbooks.history import ActionFired, HistoryRecord, ReportFiled, RunActivated, RunClosed
from playbooks.loader import load_library
from playbooks.model import PlaybookSnapshot

T0 = datetime(2024, 9, 30, 9, 0, tzinfo=UTC)
GATE = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE)


@cache
def sit_in() -> PlaybookSnapshot:
    snapshot = load_library().get("sit_in")
    assert snapshot is not None
    return snapshot


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def a_run(incident_id: str, records: Sequence[HistoryRecord] = (), *, closed: bool = False) -> Run:
    history = (RunActivated(at=T0), *records)
    return Run(incident_id, sit_in(), GATE, tuple(history), drill=False, closed=closed)


def test_an_unchanged_open_run_is_evaluated_again_only_when_its_deadline_comes() -> None:
    timers = RunTimers()
    timers.seen(a_run("A"), position=1)
    assert timers.due(at(0)) == []
    assert timers.evaluations == 1
    deadline = timers.next_deadline
    assert deadline is not None and deadline > at(0)

    timers.due(deadline - timedelta(seconds=1))
    assert timers.evaluations == 1  # nothing changed and its time has not come

    due = timers.due(at(4))  # start_response was due at 3 minutes
    assert ("A", "remind:step:start_response") in due
    assert timers.evaluations == 2
    timers.due(at(4))
    assert timers.evaluations == 3  # an action not seen fired keeps the run due: it is tried again


def test_a_changed_run_is_evaluated_at_once_and_the_same_position_is_not_news() -> None:
    timers = RunTimers()
    timers.seen(a_run("A"), position=1)
    timers.seen(a_run("B"), position=2)
    timers.due(at(4))
    assert timers.evaluations == 2 and timers.high_water == 2
    fired = a_run("A", [ActionFired(at=at(4), key="remind:step:start_response")])
    timers.seen(fired, position=3)
    timers.seen(a_run("B"), position=2)  # read again at the same position: nothing new
    assert timers.pending
    assert ("A", "remind:step:start_response") not in timers.due(at(4))
    assert timers.high_water == 3
    # B was due too and is still not fired, so it is looked at again; A was re-read, so it is as well.
    assert timers.evaluations == 4


def test_a_closed_run_with_nothing_left_is_no_longer_evaluated() -> None:
    timers = RunTimers()
    closed: list[HistoryRecord] = [RunClosed(at=at(10)), ReportFiled(at=at(11), obligation_id="final")]
    timers.seen(a_run("done", closed, closed=True), position=5)
    timers.seen(a_run("open"), position=6)
    # start_response, notify_leader and local_unit are overdue in the open run
    assert [incident for incident, _ in timers.due(at(12), every=True)] == ["open", "open", "open"]
    assert timers.evaluations == 2
    assert timers.watched() == {"open"}
    for minutes in (60, 600, 6000):  # even a clock that jumps (tests) looks at the open run only
        timers.due(at(minutes), every=True)
    assert timers.evaluations == 2 + 3
    # A new record (a higher position) brings it back.
    timers.seen(a_run("done", [*closed, ReportFiled(at=at(7000), obligation_id="final")], closed=True), 9)
    timers.due(at(7000))
    assert timers.evaluations == 5 + 2  # "done" once, and "open", whose due actions were never fired


def test_a_closed_run_owing_its_final_report_stays_watched_until_that_fires() -> None:
    timers = RunTimers()
    history: list[HistoryRecord] = [RunClosed(at=at(10))]
    timers.seen(a_run("X", history, closed=True), position=5)
    assert timers.due(at(11)) == []
    assert timers.watched() == {"X"}  # 终报 is due 24 hours after the close
    deadline = timers.next_deadline
    assert deadline is not None and at(11) < deadline <= at(10 + 24 * 60)

    after = at(10 + 24 * 60 + 241)  # past the reminder and the escalation of the final report
    keys = [key for _, key in timers.due(after)]
    assert keys and all(key.split(":")[-2] == "final" for key in keys), keys
    history += [ActionFired(at=after, key=key) for key in keys]
    timers.seen(a_run("X", history, closed=True), position=8)
    assert timers.due(after) == []
    assert timers.watched() == frozenset()


def test_the_thresholds_grade_what_the_timer_sees() -> None:
    lower = GradingThresholds(head_count_larger=10, head_count_major=20, head_count_extraordinary=59)
    run = a_run("A")
    assert run.state(at(0)).level.value == "major"
    assert run.state(at(0), lower).level.value == "extraordinary"


def test_a_pinned_playbook_is_parsed_once_per_content_hash() -> None:
    snapshot = sit_in()
    text = snapshot.model_dump_json()
    first = pinned_snapshot(snapshot.content_hash, text)
    hits = snapshot_cache().hits
    assert pinned_snapshot(snapshot.content_hash, text) is first
    assert snapshot_cache().hits == hits + 1


def test_the_caches_are_bounded() -> None:
    lru: Bounded[int, str] = Bounded(3)
    for n in range(5):
        lru.put(n, str(n))
    assert len(lru) == 3 and lru.get(0) is None and lru.get(4) == "4"
    lru.get(2)
    lru.put(5, "5")
    assert lru.get(3) is None and lru.get(2) == "2"
