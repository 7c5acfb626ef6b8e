"""越级集体访: the higher level's deadlines count, 进京 is graded, and 稳控 passes to the home township."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.checks import CheckCode, check_record
from playbooks.facts import EventGrade, IncidentFacts, IncidentType, Level
from playbooks.history import GivenDeadline, HistoryRecord, RunActivated, StepCompleted
from playbooks.state import StepStatus

VISIT = IncidentFacts(incident_type=IncidentType.CROSS_LEVEL_VISIT, head_count=12)


def _instructed(arrive: float, feedback: float) -> StepCompleted:
    return StepCompleted(
        at=at(3),
        step_id="log_request",
        note="市信访局来电：2小时内到达，8小时内反馈",
        deadlines=(
            GivenDeadline(step_id="arrive_on_site", due_at=at(arrive)),
            GivenDeadline(step_id="feedback_result", due_at=at(feedback)),
        ),
    )


def test_the_higher_levels_deadlines_replace_the_defaults() -> None:
    history: list[HistoryRecord] = [_instructed(120, 480), StepCompleted(at=at(20), step_id="dispatch_team")]
    state = run("cross_level_visit", VISIT, history, 21)
    assert state.step("arrive_on_site").due_at == at(120)  # not 4 h after setting out
    history += [
        StepCompleted(at=at(100), step_id="arrive_on_site"),
        StepCompleted(at=at(120), step_id="identify"),
    ]
    state = run("cross_level_visit", VISIT, history, 121)
    assert state.step("feedback_result").due_at == at(480)


def test_without_an_instruction_the_defaults_count() -> None:
    history: list[HistoryRecord] = [
        StepCompleted(at=at(3), step_id="log_request"),
        StepCompleted(at=at(20), step_id="dispatch_team"),
    ]
    assert run("cross_level_visit", VISIT, history, 21).step("arrive_on_site").due_at == at(20 + 240)


def test_only_the_named_steps_take_a_deadline_and_not_one_already_past() -> None:
    snap, base = snapshot("cross_level_visit"), [RunActivated(at=T0)]
    wrong = StepCompleted(
        at=at(3), step_id="log_request", deadlines=(GivenDeadline(step_id="identify", due_at=at(60)),)
    )
    error = check_record(snap, VISIT, base, wrong)
    assert error is not None and error.code is CheckCode.DEADLINE_NOT_SETTABLE
    past = _instructed(2, 480)
    error = check_record(snap, VISIT, base, past)
    assert error is not None and error.code is CheckCode.DEADLINE_IN_THE_PAST
    assert check_record(snap, VISIT, base, _instructed(120, 480)) is None
    elsewhere = StepCompleted(
        at=at(3), step_id="notify_leader", deadlines=(GivenDeadline(step_id="arrive_on_site", due_at=at(60)),)
    )
    error = check_record(snap, VISIT, base, elsewhere)
    assert error is not None and error.code is CheckCode.DEADLINE_NOT_SETTABLE


def test_to_beijing_is_tier_one_and_at_least_a_major_event() -> None:
    state = run("cross_level_visit", VISIT.model_copy(update={"to_beijing": True}), [], 0)
    assert (state.level, state.grading.rule_id) == (Level.EXTRAORDINARY, "to_beijing")
    assert state.event_grade is EventGrade.MAJOR
    assert run("cross_level_visit", VISIT, [], 0).event_grade is EventGrade.GENERAL


@pytest.mark.parametrize("hours", [1, 23])
def test_stability_is_handed_to_the_home_township_after_the_return(hours: int) -> None:
    pb = snapshot("cross_level_visit").playbook
    step = pb.step("hand_over_stability")
    assert step is not None and step.depends_on == ("arrange_return",)
    history: list[HistoryRecord] = [
        StepCompleted(at=at(3), step_id="log_request"),
        StepCompleted(at=at(20), step_id="dispatch_team"),
        StepCompleted(at=at(60), step_id="arrive_on_site"),
        StepCompleted(at=at(80), step_id="identify"),
        StepCompleted(at=at(120), step_id="persuade_return"),
        StepCompleted(at=at(180), step_id="arrange_return"),
    ]
    state = run("cross_level_visit", VISIT, history, 180 + hours * 60)
    assert state.step("hand_over_stability").due_at == at(180) + timedelta(hours=24)
    assert state.step("hand_over_stability").status in (StepStatus.READY, StepStatus.DUE_SOON)


def test_set_by_must_be_a_step_it_depends_on() -> None:
    from playbooks.loader import parse_playbook

    text = (
        "id: x\nversion: 1\ntitle: {zh: 测试, en: x}\nserves: [other]\n"
        "roles: [duty_officer, leader_in_charge]\n"
        "steps:\n"
        "  - {id: a, title: {zh: 甲, en: a}, role: duty_officer, kind: checklist}\n"
        "  - {id: b, title: {zh: 乙, en: b}, role: duty_officer, kind: checklist,\n"
        "     due: {minutes: 5, set_by: a}}\n"
        "  - id: j\n    title: {zh: 分办, en: j}\n    role: duty_officer\n    kind: decision\n"
        "    decision: {kind: jurisdiction}\n"
    )
    result = parse_playbook(text, file="x.yaml")
    assert result.snapshot is None and any(e.field == "steps[1].due.set_by" for e in result.errors)
