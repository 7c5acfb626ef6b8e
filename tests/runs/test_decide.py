"""The playbook run decisions, table-driven, without a database: a sit-in at the main gate over the
shipped sit_in playbook, checked as of a fixed now."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "playbooks"))

import pytest
from decision_table import Emits, Event, Refusal, case, check, emits
from playbook_support import at, snapshot

from console.commands import SYSTEM_ACTOR, Actor, Context
from console.errors import DomainError, NotFound
from console.incidents.commands import GradingFacts
from console.incidents.events import ConfidentialRecorded
from console.runs.commands import (
    CompleteStep,
    FileReport,
    FireAction,
    OverrideLevel,
    RecordDecision,
    SkipStep,
    UpdateFacts,
)
from console.runs.decide import (
    Run,
    decide_complete,
    decide_decision,
    decide_facts,
    decide_file,
    decide_fire,
    decide_override,
    decide_skip,
    timer_command_id,
)
from console.runs.events import (
    RunActionFired,
    RunDecisionRecorded,
    RunFactsChanged,
    RunLevelOverridden,
    RunReportFiled,
    RunStepCompleted,
    RunStepSkipped,
)
from console.settings import Settings
from playbooks.facts import IncidentFacts, IncidentType, Level, PlaceType, UnitLevel
from playbooks.history import (
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
from playbooks.state import ActionKind

NOW = at(20)
OCCURRED = at(19)  # the command's occurred_at: a record counts from then
CTX = Context(
    now=NOW,
    occurred_at=OCCURRED,
    actor=Actor("u-leader", "李书记", frozenset({"leader"})),
    new_id="0123456789abcdef0123456789abcdef",
    settings=Settings(data_dir=Path("var"), database_url="sqlite://", secret_key="k"),
)
TIMER = replace(CTX, actor=SYSTEM_ACTOR, occurred_at=NOW)
STREAM = "incident-i1"

# 60 people at the main gate: major (gate_involved); medical and logistics apply, the leader's car does not.
GATE = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE)


def a_run(
    *records: HistoryRecord, facts: IncidentFacts = GATE, activated: float = 0, drill: bool = False
) -> Run:
    """Incident i1's run of sit_in, activated `activated` minutes after T0, with these records."""
    history = (RunActivated(at=at(activated)), *records)
    closed = any(isinstance(r, RunClosed) for r in records)
    return Run("i1", snapshot("sit_in"), facts, history, drill=drill, closed=closed)


def done(step_id: str, minutes: float) -> StepCompleted:
    return StepCompleted(at=at(minutes), step_id=step_id)


STARTED = (done("start_response", 2), done("notify_leader", 4))
# The team is on the scene and has persuaded: the decisions are open.
PERSUADED = (*STARTED, done("dispatch_team", 10), done("persuade", 15))
CLOSED = RunClosed(at=at(18))
UNACTIVATED = Run("i1", snapshot("sit_in"), GATE, (), drill=False, closed=False)


def record(payload: type[Any], rec: HistoryRecord, **fields: Any) -> Emits:
    """The run's event carrying `rec`, and nothing in the result."""
    return emits(Event(STREAM, payload, {"incident_id": "i1", "record": rec, **fields}))


# --- run.complete_step ---


def complete(step_id: str, note: str = "") -> CompleteStep:
    return CompleteStep(incident_id="i1", step_id=step_id, note=note)


def completed(step_id: str, note: str = "") -> Emits:
    return record(RunStepCompleted, StepCompleted(at=OCCURRED, step_id=step_id, note=note))


COMPLETIONS = [
    case(
        "an overdue step, with a note, counts from occurred_at",
        a_run(),
        complete("start_response", "已接报"),
        completed("start_response", "已接报"),
    ),
    case(
        "a step its dependency opened", a_run(*STARTED), complete("dispatch_team"), completed("dispatch_team")
    ),
    case(
        "a step the facts opened (the gate)",
        a_run(*STARTED, done("dispatch_team", 10)),
        complete("keep_gate_open"),
        completed("keep_gate_open"),
    ),
    case("no run", None, complete("start_response"), Refusal(NotFound, "no_playbook_run")),
    case("a step the playbook lacks", a_run(), complete("nope"), Refusal(DomainError, "unknown_step")),
    case(
        "a decision step",
        a_run(*PERSUADED),
        complete("police_assistance"),
        Refusal(DomainError, "decision_needs_option"),
    ),
    case("a blocked step", a_run(), complete("dispatch_team"), Refusal(DomainError, "step_not_open")),
    case(
        "a step done already",
        a_run(*STARTED),
        complete("start_response"),
        Refusal(DomainError, "step_not_open"),
    ),
    case(
        "a skipped step",
        a_run(StepSkipped(at=at(1), step_id="medical_standby", reason="现场已有医护")),
        complete("medical_standby"),
        Refusal(DomainError, "step_not_open"),
    ),
    case(
        "a step that does not apply (no leader's car)",
        a_run(*STARTED, done("dispatch_team", 10)),
        complete("clear_leader_car"),
        Refusal(DomainError, "step_not_open"),
    ),
    case(
        "a deadline for a step that takes none from this one",
        a_run(),
        CompleteStep(incident_id="i1", step_id="start_response", deadlines={"persuade": at(60)}),
        Refusal(DomainError, "deadline_not_settable"),
    ),
    case(
        "a deadline for something that is no step id",
        a_run(),
        CompleteStep(incident_id="i1", step_id="start_response", deadlines={"No Such Step!": at(60)}),
        Refusal(DomainError, "deadline_not_settable"),
    ),
    case("a closed run", a_run(CLOSED), complete("start_response"), Refusal(DomainError, "run_closed")),
    case(
        "a run never activated",
        UNACTIVATED,
        complete("start_response"),
        Refusal(DomainError, "not_activated"),
    ),
]


@pytest.mark.parametrize(("run", "args", "expected"), COMPLETIONS)
def test_complete_step(run: Run | None, args: CompleteStep, expected: Emits | Refusal) -> None:
    check(decide_complete, run, args, CTX, expected)


def test_a_record_is_checked_against_records_dated_after_it_and_keeps_its_own_time() -> None:
    """An offline tablet's start_response is dated 25 minutes in; dispatch_team completed at 19 is checked
    with it (so dispatch_team is open), and still counts from 19."""
    run = a_run(done("start_response", 25))
    decision = decide_complete(run, complete("dispatch_team"), CTX)
    payload = decision.events[0].payload
    assert isinstance(payload, RunStepCompleted) and payload.record.at == OCCURRED


# --- run.skip_step ---


def skip(step_id: str, reason: str = "不适用") -> SkipStep:
    return SkipStep(incident_id="i1", step_id=step_id, reason=reason)


def skipped(step_id: str, reason: str = "不适用") -> Emits:
    return record(RunStepSkipped, StepSkipped(at=OCCURRED, step_id=step_id, reason=reason))


SKIPS = [
    case(
        "an open step, with the reason",
        a_run(),
        skip("medical_standby", "现场已有医护"),
        skipped("medical_standby", "现场已有医护"),
    ),
    case("a blocked step", a_run(), skip("dispatch_team"), skipped("dispatch_team")),
    case("a decision step", a_run(*PERSUADED), skip("police_assistance"), skipped("police_assistance")),
    case("no run", None, skip("medical_standby"), Refusal(NotFound, "no_playbook_run")),
    case("a step the playbook lacks", a_run(), skip("nope"), Refusal(DomainError, "unknown_step")),
    case(
        "a step done already", a_run(*STARTED), skip("start_response"), Refusal(DomainError, "step_not_open")
    ),
    case(
        "a step skipped already",
        a_run(StepSkipped(at=at(1), step_id="medical_standby", reason="现场已有医护")),
        skip("medical_standby"),
        Refusal(DomainError, "step_not_open"),
    ),
    case(
        "a step that does not apply",
        a_run(*STARTED, done("dispatch_team", 10)),
        skip("clear_leader_car"),
        Refusal(DomainError, "step_not_open"),
    ),
    case("a closed run", a_run(CLOSED), skip("medical_standby"), Refusal(DomainError, "run_closed")),
]


@pytest.mark.parametrize(("run", "args", "expected"), SKIPS)
def test_skip_step(run: Run | None, args: SkipStep, expected: Emits | Refusal) -> None:
    check(decide_skip, run, args, CTX, expected)


# --- run.decide ---


def answer(step_id: str, option: str, reason: str = "", *names: str) -> RecordDecision:
    return RecordDecision(
        incident_id="i1", step_id=step_id, option=option, reason=reason, representatives=names
    )


def answered(step_id: str, option: str, reason: str = "", *names: str) -> Emits:
    """The decision's event; representatives' names go first into the sealed part, never into the event."""
    rec = DecisionRecorded(at=OCCURRED, step_id=step_id, option=option, reason=reason)
    decided = Event(
        STREAM,
        RunDecisionRecorded,
        {"incident_id": "i1", "record": rec, "representatives_sealed": len(names)},
    )
    if not names:
        return emits(decided)
    seal = Event(STREAM, ConfidentialRecorded, {"values": {"representatives": "、".join(names)}})
    return emits(seal, decided)


FIVE = ("甲", "乙", "丙", "丁", "戊")
TOWNSHIP = GATE.model_copy(update={"unit_level": UnitLevel.TOWNSHIP})
FROM_ABOVE = GATE.model_copy(update={"requested_by_higher": True})
HANDLED = DecisionRecorded(at=at(16), step_id="jurisdiction", option="handle_here", reason="属本级受理范围")

DECISIONS = [
    case(
        "jurisdiction, with its reason",
        a_run(*PERSUADED),
        answer("jurisdiction", "handle_here", "属本级受理范围"),
        answered("jurisdiction", "handle_here", "属本级受理范围"),
    ),
    case(
        "representatives named, blank names dropped",
        a_run(*PERSUADED),
        answer("choose_representatives", "chosen", "群众推选", "甲", " ", "乙"),
        answered("choose_representatives", "chosen", "群众推选", "甲", "乙"),
    ),
    case(
        "as many representatives as the limit",
        a_run(*PERSUADED),
        answer("choose_representatives", "chosen", "群众推选", *FIVE),
        answered("choose_representatives", "chosen", "群众推选", *FIVE),
    ),
    case(
        "no representatives chosen",
        a_run(*PERSUADED),
        answer("choose_representatives", "none", "仅三人来访"),
        answered("choose_representatives", "none", "仅三人来访"),
    ),
    case(
        "ask the police to assist",
        a_run(*PERSUADED),
        answer("police_assistance", "requested", "不听劝告，堵塞大门"),
        answered("police_assistance", "requested", "不听劝告，堵塞大门"),
    ),
    case(
        "a decision taken again (the latest counts)",
        a_run(*PERSUADED, HANDLED),
        answer("jurisdiction", "send_up", "属上级管辖"),
        answered("jurisdiction", "send_up", "属上级管辖"),
    ),
    case("no run", None, answer("jurisdiction", "handle_here", "x"), Refusal(NotFound, "no_playbook_run")),
    case(
        "a step the playbook lacks",
        a_run(*PERSUADED),
        answer("nope", "done", "x"),
        Refusal(DomainError, "unknown_step"),
    ),
    case(
        "an open step that is no decision",
        a_run(),
        answer("start_response", "done", "x"),
        Refusal(DomainError, "not_a_decision_step"),
    ),
    case(
        "a decision not open yet (before persuasion)",
        a_run(*STARTED),
        answer("jurisdiction", "handle_here", "x"),
        Refusal(DomainError, "step_not_open"),
    ),
    case(
        "an option the decision lacks",
        a_run(*PERSUADED),
        answer("jurisdiction", "ignore", "x"),
        Refusal(DomainError, "unknown_option"),
    ),
    case(
        "jurisdiction without a reason",
        a_run(*PERSUADED),
        answer("jurisdiction", "send_up", "   "),
        Refusal(DomainError, "reason_required"),
    ),
    case(
        "a township transferring",
        a_run(*PERSUADED, facts=TOWNSHIP),
        answer("jurisdiction", "transfer", "属劳动保障部门职责"),
        Refusal(DomainError, "township_cannot_transfer"),
    ),
    case(
        "a township transferring, after the facts changed to one",
        a_run(*PERSUADED, FactsChanged(at=at(16), facts=TOWNSHIP)),
        answer("jurisdiction", "transfer", "属劳动保障部门职责"),
        Refusal(DomainError, "township_cannot_transfer"),
    ),
    case(
        "a transfer of what the higher level asked about",
        a_run(*PERSUADED, facts=FROM_ABOVE),
        answer("jurisdiction", "transfer", "属劳动保障部门职责"),
        Refusal(DomainError, "requested_from_above_cannot_transfer"),
    ),
    case(
        "representatives chosen but not named",
        a_run(*PERSUADED),
        answer("choose_representatives", "chosen", "群众推选", " "),
        Refusal(DomainError, "representatives_required"),
    ),
    case(
        "more representatives than the limit",
        a_run(*PERSUADED),
        answer("choose_representatives", "chosen", "群众推选", *FIVE, "己"),
        Refusal(DomainError, "too_many_representatives"),
    ),
    case(
        "names with another decision",
        a_run(*PERSUADED),
        answer("jurisdiction", "send_up", "属上级管辖", "甲"),
        Refusal(DomainError, "representatives_not_expected"),
    ),
    case(
        "a closed run",
        a_run(*PERSUADED, CLOSED),
        answer("jurisdiction", "handle_here", "x"),
        Refusal(DomainError, "run_closed"),
    ),
]


@pytest.mark.parametrize(("run", "args", "expected"), DECISIONS)
def test_decision(run: Run | None, args: RecordDecision, expected: Emits | Refusal) -> None:
    check(decide_decision, run, args, CTX, expected)


def test_the_representatives_limit_is_the_settings() -> None:
    ctx = replace(CTX, settings=replace(CTX.settings, grading_overrides=(("max_representatives", 2),)))
    args = answer("choose_representatives", "chosen", "群众推选", "甲", "乙", "丙")
    check(decide_decision, a_run(*PERSUADED), args, ctx, Refusal(DomainError, "too_many_representatives"))


# --- run.override_level ---


def override(level: Level | None, reason: str = "领导决定") -> OverrideLevel:
    return OverrideLevel(incident_id="i1", level=level, reason=reason)


def overridden(level: Level | None, reason: str = "领导决定") -> Emits:
    return record(RunLevelOverridden, LevelOverridden(at=OCCURRED, level=level, reason=reason))


RAISED = LevelOverridden(at=at(10), level=Level.EXTRAORDINARY, reason="敏感节点")

OVERRIDES = [
    case("raise the graded level", a_run(), override(Level.EXTRAORDINARY), overridden(Level.EXTRAORDINARY)),
    case("hold the graded level by hand", a_run(), override(Level.MAJOR), overridden(Level.MAJOR)),
    case("change an override", a_run(RAISED), override(Level.GENERAL), overridden(Level.GENERAL)),
    case(
        "an override to the graded level is still an override",
        a_run(RAISED),
        override(Level.MAJOR),
        overridden(Level.MAJOR),
    ),
    case("hand the level back to the rules", a_run(RAISED), override(None), overridden(None)),
    case("no run", None, override(Level.MAJOR), Refusal(NotFound, "no_playbook_run")),
    case(
        "hand back what was never overridden",
        a_run(),
        override(None),
        Refusal(DomainError, "level_unchanged"),
    ),
    case(
        "the level the override already set",
        a_run(RAISED),
        override(Level.EXTRAORDINARY),
        Refusal(DomainError, "level_unchanged"),
    ),
    case("a closed run", a_run(CLOSED), override(Level.EXTRAORDINARY), Refusal(DomainError, "run_closed")),
]


@pytest.mark.parametrize(("run", "args", "expected"), OVERRIDES)
def test_override_level(run: Run | None, args: OverrideLevel, expected: Emits | Refusal) -> None:
    check(decide_override, run, args, CTX, expected)


# --- run.update_facts ---

AT_GATE = GradingFacts(place_type=PlaceType.PARTY_GOV_GATE)


def update(facts: GradingFacts = AT_GATE, head_count: int | None = None, note: str = "") -> UpdateFacts:
    return UpdateFacts(incident_id="i1", facts=facts, head_count=head_count, note=note)


def facts_now(note: str = "", **changes: Any) -> Emits:
    rec = FactsChanged(at=OCCURRED, facts=GATE.model_copy(update=changes), note=note)
    return record(RunFactsChanged, rec)


EIGHTY = FactsChanged(at=at(10), facts=GATE.model_copy(update={"head_count": 80}))
COLLECTIVE = IncidentFacts(incident_type=IncidentType.COLLECTIVE_VISIT, head_count=60)

FACTS = [
    case(
        "more people, with a note",
        a_run(),
        update(head_count=120, note="人数增加"),
        facts_now("人数增加", head_count=120),
    ),
    case(
        "a new grading fact keeps the head count",
        a_run(),
        update(GradingFacts(place_type=PlaceType.PARTY_GOV_GATE, dangerous_items=True)),
        facts_now(dangerous_items=True),
    ),
    case(
        "the grading facts are replaced whole, not patched",
        a_run(),
        update(GradingFacts()),
        facts_now(place_type=PlaceType.OTHER),
    ),
    case(
        "a change from the latest facts, back to the first head count",
        a_run(EIGHTY),
        update(head_count=60),
        facts_now(head_count=60),
    ),
    case("no run", None, update(head_count=120), Refusal(NotFound, "no_playbook_run")),
    case("the facts as they are", a_run(), update(head_count=60), Refusal(DomainError, "nothing_to_amend")),
    case(
        "the facts as the latest change left them",
        a_run(EIGHTY),
        update(),
        Refusal(DomainError, "nothing_to_amend"),
    ),
    case("a closed run", a_run(CLOSED), update(head_count=120), Refusal(DomainError, "run_closed")),
    case(
        "a run whose type the playbook does not serve",
        a_run(facts=COLLECTIVE),
        update(head_count=120),
        Refusal(DomainError, "wrong_incident_type"),
    ),
]


@pytest.mark.parametrize(("run", "args", "expected"), FACTS)
def test_update_facts(run: Run | None, args: UpdateFacts, expected: Emits | Refusal) -> None:
    check(decide_facts, run, args, CTX, expected)


# --- run.file_report ---


def file_report(obligation_id: str, note: str = "") -> FileReport:
    return FileReport(incident_id="i1", obligation_id=obligation_id, note=note)


def filed(obligation_id: str, note: str = "", drill: bool = False) -> Emits:
    rec = ReportFiled(at=OCCURRED, obligation_id=obligation_id, note=note)
    return record(RunReportFiled, rec, drill=drill)


def report(obligation_id: str, minutes: float) -> ReportFiled:
    return ReportFiled(at=at(minutes), obligation_id=obligation_id)


REPORTS = [
    case(
        "the initial report, with a note",
        a_run(),
        file_report("initial", "已报县委办"),
        filed("initial", "已报县委办"),
    ),
    case(
        "a drill's report is marked", a_run(drill=True), file_report("initial"), filed("initial", drill=True)
    ),
    case(
        "an overdue initial report",
        a_run(activated=-60),
        file_report("initial"),
        filed("initial"),
    ),
    case(
        "a follow-up after the initial report",
        a_run(report("initial", 5)),
        file_report("followup"),
        filed("followup"),
    ),
    case(
        "a follow-up again (they repeat)",
        a_run(report("initial", 5), report("followup", 6)),
        file_report("followup"),
        filed("followup"),
    ),
    case("the final report once closed", a_run(CLOSED), file_report("final"), filed("final")),
    case(
        "an initial report still owed at the close", a_run(CLOSED), file_report("initial"), filed("initial")
    ),
    case("no run", None, file_report("initial"), Refusal(NotFound, "no_playbook_run")),
    case("a report the playbook lacks", a_run(), file_report("nope"), Refusal(DomainError, "unknown_report")),
    case(
        "the initial report filed already",
        a_run(report("initial", 5)),
        file_report("initial"),
        Refusal(DomainError, "report_not_open"),
    ),
    case(
        "a follow-up before the initial report",
        a_run(),
        file_report("followup"),
        Refusal(DomainError, "report_not_open"),
    ),
    case(
        "the final report before the close",
        a_run(),
        file_report("final"),
        Refusal(DomainError, "report_not_open"),
    ),
    case(
        "a follow-up once closed",
        a_run(report("initial", 5), CLOSED),
        file_report("followup"),
        Refusal(DomainError, "report_not_open"),
    ),
]


@pytest.mark.parametrize(("run", "args", "expected"), REPORTS)
def test_file_report(run: Run | None, args: FileReport, expected: Emits | Refusal) -> None:
    check(decide_file, run, args, CTX, expected)


# --- run.fire ---


def fire(key: str) -> FireAction:
    return FireAction(incident_id="i1", key=key)


def fired(key: str, kind: ActionKind, role: str, due_at: str, drill: bool = False, **fields: Any) -> Emits:
    """The action's event: recorded at the timer's now, saying what fell due when, and for whom."""
    wanted = {"step_id": None, "obligation_id": None, "occurrence": None, **fields}
    rec = ActionFired(at=NOW, key=key)
    return record(RunActionFired, rec, kind=kind, role=role, due_at=due_at, drill=drill, **wanted)


# Dispersed an hour before now: the 30-minute watch is up.
DISPERSED = (
    done("start_response", -59),
    done("dispatch_team", -58),
    done("persuade", -57),
    done("confirm_dispersed", -55),
)
REMIND = "remind:step:start_response"

FIRES = [
    case(
        "remind the owner of an overdue step",
        a_run(),
        fire(REMIND),
        fired(
            REMIND, ActionKind.REMIND, "duty_officer", "2024-09-30T09:03:00.000000Z", step_id="start_response"
        ),
    ),
    case(
        "escalate a step still overdue",
        a_run(),
        fire("escalate:step:start_response"),
        fired(
            "escalate:step:start_response",
            ActionKind.ESCALATE,
            "leader_in_charge",
            "2024-09-30T09:13:00.000000Z",
            step_id="start_response",
        ),
    ),
    case(
        "a report due and not filed",
        a_run(activated=-20),
        fire("report_due:initial:1"),
        fired(
            "report_due:initial:1",
            ActionKind.REPORT_DUE,
            "info_reporter",
            "2024-09-30T09:10:00.000000Z",
            obligation_id="initial",
            occurrence=1,
        ),
    ),
    case(
        "a wait whose time is up",
        a_run(*DISPERSED, activated=-60),
        fire("wait:step:observe"),
        fired(
            "wait:step:observe",
            ActionKind.WAIT_ELAPSED,
            "field_responder",
            "2024-09-30T08:35:00.000000Z",
            step_id="observe",
        ),
    ),
    case(
        "a drill's action is marked",
        a_run(drill=True),
        fire(REMIND),
        fired(
            REMIND,
            ActionKind.REMIND,
            "duty_officer",
            "2024-09-30T09:03:00.000000Z",
            drill=True,
            step_id="start_response",
        ),
    ),
    case("no run", None, fire(REMIND), Refusal(NotFound, "no_playbook_run")),
    case("an unknown action", a_run(), fire("remind:step:nope"), Refusal(DomainError, "action_not_due")),
    case(
        "a step that is not open yet",
        a_run(),
        fire("remind:step:persuade"),
        Refusal(DomainError, "action_not_due"),
    ),
    case(
        "a step done in time",
        a_run(*STARTED),
        fire(REMIND),
        Refusal(DomainError, "action_not_due"),
    ),
    case(
        "an action fired already",
        a_run(ActionFired(at=at(3), key=REMIND)),
        fire(REMIND),
        Refusal(DomainError, "action_not_due"),
    ),
    case(
        "a step's reminder once closed",
        a_run(CLOSED),
        fire(REMIND),
        Refusal(DomainError, "action_not_due"),
    ),
]


@pytest.mark.parametrize(("run", "args", "expected"), FIRES)
def test_fire(run: Run | None, args: FireAction, expected: Emits | Refusal) -> None:
    check(decide_fire, run, args, TIMER, expected)


def test_the_timer_command_id_is_the_same_everywhere_for_one_action() -> None:
    key = timer_command_id("i1", REMIND)
    assert key == timer_command_id("i1", REMIND)
    assert key.startswith("timer:") and len(key) == len("timer:") + 40
    assert len({key, timer_command_id("i2", REMIND), timer_command_id("i1", "escalate:step:x")}) == 3


def test_the_higher_levels_deadlines_travel_in_the_completion_event() -> None:
    visit = IncidentFacts(incident_type=IncidentType.CROSS_LEVEL_VISIT, head_count=12)
    run = Run(
        "i1", snapshot("cross_level_visit"), visit, (RunActivated(at=at(0)),), drill=False, closed=False
    )
    args = CompleteStep(
        incident_id="i1",
        step_id="log_request",
        note="市信访局：2小时内到达",
        deadlines={"feedback_result": at(480), "arrive_on_site": at(120)},
    )
    event = decide_complete(run, args, CTX).events[0].payload
    assert isinstance(event, RunStepCompleted)
    assert [(d.step_id, d.due_at) for d in event.record.deadlines] == [
        ("arrive_on_site", at(120)),
        ("feedback_result", at(480)),
    ]
