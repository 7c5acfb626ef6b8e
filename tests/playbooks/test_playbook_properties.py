"""Property tests: random runs through the shipped playbooks, with actions fired as a console would."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playbook_support import T0, snapshot

from playbooks.checks import check_record
from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, IncidentFacts, Level, PlaceType, UnitLevel
from playbooks.grading import grade
from playbooks.history import (
    HISTORY,
    ActionFired,
    DecisionRecorded,
    FactsChanged,
    HistoryRecord,
    LevelOverridden,
    ReportFiled,
    RunActivated,
    RunClosed,
    StepCompleted,
    StepSkipped,
)
from playbooks.model import PlaybookSnapshot
from playbooks.state import RunState, StepStatus

SHIPPED = ["collective_visit", "cross_level_visit", "sit_in", "violence", "screening", "repeat_petitioner"]
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def facts_for(incident_type: str) -> st.SearchStrategy[IncidentFacts]:
    return st.builds(
        IncidentFacts,
        incident_type=st.just(incident_type),
        head_count=st.integers(0, 160),
        place_type=st.sampled_from(PlaceType),
        leader_car_involved=st.booleans(),
        dangerous_items=st.booleans(),
        violence_or_self_harm=st.booleans(),
        sensitive_date=st.booleans(),
        requested_by_higher=st.booleans(),
        unit_level=st.sampled_from(UnitLevel),
    )


def operations(incident_type: str) -> st.SearchStrategy[tuple[object, ...]]:
    index = st.integers(0, 40)
    return st.one_of(
        st.tuples(st.just("tick"), st.sampled_from([0, 1, 3, 7, 20, 45, 130, 600, 3000, 12000])),
        st.tuples(st.just("complete"), index),
        st.tuples(st.just("skip"), index),
        st.tuples(st.just("decide"), index, index),
        st.tuples(st.just("facts"), facts_for(incident_type)),
        st.tuples(st.just("override"), st.one_of(st.none(), st.sampled_from(Level))),
        st.tuples(st.just("file"), index),
        st.tuples(st.just("close")),
    )


class Trace:
    """A simulated run: the states seen after each operation, and every action key fired."""

    def __init__(self, snap: PlaybookSnapshot, facts: IncidentFacts, history: list[HistoryRecord]) -> None:
        self.snap, self.facts, self.history = snap, facts, history
        self.points: list[tuple[datetime, list[HistoryRecord], RunState]] = []
        self.fired: list[str] = []

    def __repr__(self) -> str:
        lines = [f"{r.at - T0} {r!r}" for r in self.history]
        return f"Trace({self.snap.ref}, {self.facts!r},\n  " + "\n  ".join(lines) + ")"


@st.composite
def traces(draw: st.DrawFn) -> Trace:
    snap = snapshot(draw(st.sampled_from(SHIPPED)))
    incident_type = snap.playbook.serves[0]
    trace = Trace(snap, draw(facts_for(incident_type)), [RunActivated(at=T0)])
    now = T0
    _fire_due_actions(trace, now)
    for op in draw(st.lists(operations(incident_type), max_size=25)):
        if op[0] == "tick":
            now += timedelta(minutes=int(op[1]))  # type: ignore[call-overload]
        else:
            record = _record(snap, op, now)
            if record is not None and check_record(snap, trace.facts, trace.history, record) is None:
                trace.history.append(record)
        _fire_due_actions(trace, now)
    return trace


def _fire_due_actions(trace: Trace, now: datetime) -> None:
    """Do what the console's timer does: fire what is due, record it, evaluate again."""
    state = evaluate(trace.snap, trace.facts, trace.history, now)
    for action in state.actions:
        trace.fired.append(action.key)
        trace.history.append(ActionFired(at=now, key=action.key))
    if state.actions:
        state = evaluate(trace.snap, trace.facts, trace.history, now)
    trace.points.append((now, list(trace.history), state))


def _record(snap: PlaybookSnapshot, op: tuple[object, ...], now: datetime) -> HistoryRecord | None:
    steps, reports = snap.playbook.steps, snap.playbook.reports
    kind = op[0]
    if kind in ("complete", "skip", "decide"):
        step = steps[int(op[1]) % len(steps)]  # type: ignore[call-overload]
        if kind == "complete":
            return StepCompleted(at=now, step_id=step.id, note="完成")
        if kind == "skip":
            return StepSkipped(at=now, step_id=step.id, reason="现场已无必要")
        if step.decision is None:
            return None
        options = step.decision.all_options()
        option = options[int(op[2]) % len(options)].id  # type: ignore[call-overload]
        reps = ("甲", "乙") if option == "chosen" else ()
        return DecisionRecorded(at=now, step_id=step.id, option=option, reason="依规定", representatives=reps)
    if kind == "facts":
        assert isinstance(op[1], IncidentFacts)
        return FactsChanged(at=now, facts=op[1])
    if kind == "override":
        return LevelOverridden(at=now, level=op[1], reason="领导研判")  # type: ignore[arg-type]
    if kind == "file" and reports:
        return ReportFiled(at=now, obligation_id=reports[int(op[1]) % len(reports)].id)  # type: ignore[call-overload]
    if kind == "close":
        return RunClosed(at=now)
    return None


@PROPERTY_SETTINGS
@given(traces())
def test_nothing_fires_twice(trace: Trace) -> None:
    assert len(trace.fired) == len(set(trace.fired))
    for now, _, state in trace.points:
        assert state.actions == (), f"actions left after firing at {now}"


@PROPERTY_SETTINGS
@given(traces(), st.sampled_from([1, 60, 600, 6000, 60000]))
def test_after_a_restart_everything_overdue_fires_once(trace: Trace, downtime: int) -> None:
    now, history, _ = trace.points[-1]
    later = now + timedelta(minutes=downtime)
    state = evaluate(trace.snap, trace.facts, history, later)
    keys = [a.key for a in state.actions]
    assert len(keys) == len(set(keys)) and not set(keys) & set(trace.fired)
    fired = [ActionFired(at=later, key=k) for k in keys]
    assert evaluate(trace.snap, trace.facts, [*history, *fired], later).actions == ()


@PROPERTY_SETTINGS
@given(traces())
def test_done_stays_done(trace: Trace) -> None:
    done: set[str] = set()
    for _, _, state in trace.points:
        now_done = {s.step_id for s in state.steps if s.status is StepStatus.DONE}
        assert done <= now_done
        done = now_done


@PROPERTY_SETTINGS
@given(traces())
def test_evaluate_is_deterministic_and_survives_encoding(trace: Trace) -> None:
    for now, history, state in trace.points[-3:]:
        decoded = [HISTORY.validate_json(HISTORY.dump_json(r)) for r in history]
        assert evaluate(trace.snap, trace.facts, history, now) == state
        assert evaluate(trace.snap, trace.facts, decoded, now) == state


@PROPERTY_SETTINGS
@given(traces())
def test_level_follows_the_latest_facts_and_override(trace: Trace) -> None:
    for now, history, state in trace.points:
        changes = [r for r in history if isinstance(r, FactsChanged)]
        overrides = [r for r in history if isinstance(r, LevelOverridden)]
        facts = changes[-1].facts if changes else trace.facts
        expected = grade(
            trace.snap.playbook.grading, facts, DEFAULT_THRESHOLDS, overrides[-1] if overrides else None
        )
        assert state.facts == facts and state.grading == expected, now


@PROPERTY_SETTINGS
@given(traces(), st.floats(0.01, 0.99))
def test_nothing_changes_before_the_next_deadline(trace: Trace, fraction: float) -> None:
    now, history, state = trace.points[-1]
    horizon = state.next_deadline or now + timedelta(days=60)
    assert horizon > now
    between = now + (horizon - now) * fraction
    later = evaluate(trace.snap, trace.facts, history, between)
    assert later.steps == state.steps and later.reports == state.reports and later.actions == ()


@PROPERTY_SETTINGS
@given(st.sampled_from(SHIPPED), st.data())
def test_more_people_never_lower_the_level(playbook_id: str, data: st.DataObject) -> None:
    pb = snapshot(playbook_id).playbook
    facts = data.draw(facts_for(pb.serves[0]))
    more = facts.model_copy(update={"head_count": facts.head_count + data.draw(st.integers(1, 100))})
    low = grade(pb.grading, facts, DEFAULT_THRESHOLDS).level
    high = grade(pb.grading, more, DEFAULT_THRESHOLDS).level
    assert low.rank <= high.rank
