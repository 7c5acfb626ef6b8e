"""排查 (§20) and 信访老户 (§11): 包保, zero-reports, leaders receiving, each issue on its own; 包案, no
re-acceptance of closed matters, the courts for legal matters, relief."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.checks import CheckCode, check_record
from playbooks.facts import IncidentFacts, IncidentType
from playbooks.history import (
    DecisionRecorded,
    GivenDeadline,
    HistoryRecord,
    ReportFiled,
    RunActivated,
    StepCompleted,
)
from playbooks.state import ReportStatus, StepStatus

CALM = IncidentFacts(incident_type=IncidentType.SCREENING, head_count=0)
SENSITIVE = CALM.model_copy(update={"sensitive_date": True})
DAY = 24 * 60


def _planned(event: datetime) -> StepCompleted:
    return StepCompleted(
        at=at(60),
        step_id="plan",
        note="国庆节前排查",
        deadlines=(GivenDeadline(step_id="event_date", due_at=event),),
    )


@pytest.mark.parametrize(
    ("step_id", "days"),
    [
        ("list_open_cases", 7),
        ("collect_signals", 7),
        ("township_returns", 5),
        ("assess_risks", 4),
        ("assign_baobao", 3),
        ("leaders_receive", 3),
        ("register_each_issue", 3),
        ("duty_arrangements", 2),
    ],
)
def test_screening_deadlines_are_counted_back_from_the_event_date(step_id: str, days: int) -> None:
    event = T0 + timedelta(days=12)
    state = run("screening", CALM, [_planned(event)], 61)
    assert state.step(step_id).due_at == event - timedelta(days=days)


def test_planning_needs_the_event_date_and_a_date_still_ahead() -> None:
    snap, base = snapshot("screening"), [RunActivated(at=T0)]
    error = check_record(snap, CALM, base, StepCompleted(at=at(60), step_id="plan"))
    assert error is not None and error.code is CheckCode.DATE_REQUIRED
    error = check_record(snap, CALM, base, _planned(at(30)))
    assert error is not None and error.code is CheckCode.DEADLINE_IN_THE_PAST
    assert check_record(snap, CALM, base, _planned(T0 + timedelta(days=12))) is None


def test_a_date_can_only_be_counted_back_from_with_the_step_that_records_it() -> None:
    from playbooks.loader import parse_playbook

    text = (
        "id: x\nversion: 1\ntitle: {zh: 测试, en: x}\nserves: [other]\n"
        "roles: [duty_officer, leader_in_charge]\n"
        "steps:\n"
        "  - {id: a, title: {zh: 甲, en: a}, role: duty_officer, kind: checklist,\n"
        "     due: {days: 2, before: event_date}}\n"
        "  - id: j\n    title: {zh: 分办, en: j}\n    role: duty_officer\n    kind: decision\n"
        "    decision: {kind: jurisdiction}\n"
    )
    result = parse_playbook(text, file="x.yaml")
    assert result.snapshot is None and any(e.field == "steps[0].due.before" for e in result.errors)


def test_key_persons_get_named_caretakers_and_leaders_receive_visitors() -> None:
    pb = snapshot("screening").playbook
    for step_id in ("assign_baobao", "leaders_receive", "register_each_issue"):
        assert pb.step(step_id) is not None
    jurisdiction = pb.step("jurisdiction")
    assert jurisdiction is not None and "register_each_issue" in jurisdiction.depends_on
    leaders = pb.step("leaders_receive")
    assert leaders is not None and leaders.role == "leader_in_charge"


def test_a_zero_report_every_day_of_the_sensitive_period_only() -> None:
    assert run("screening", CALM, [], 0).report("zero_report").status is ReportStatus.NOT_APPLICABLE
    state = run("screening", SENSITIVE, [], 0)
    assert state.report("zero_report").due_at == at(DAY)
    filed: list[HistoryRecord] = [ReportFiled(at=at(DAY - 60), obligation_id="zero_report")]
    assert run("screening", SENSITIVE, filed, DAY).report("zero_report").due_at == at(2 * DAY - 60)


PETITIONER = IncidentFacts(incident_type=IncidentType.REPEAT_PETITIONER, head_count=1)
ASSESSED = [
    StepCompleted(at=at(10), step_id="open_archive"),
    StepCompleted(at=at(40), step_id="check_commitments"),
]


def _assessed(option: str) -> list[HistoryRecord]:
    return [*ASSESSED, DecisionRecorded(at=at(60), step_id="assess_demand", option=option, reason="研判")]


@pytest.mark.parametrize(
    ("option", "opens"),
    [
        ("closed_no_new_facts", {"explain_not_accepted"}),
        ("litigation", {"guide_to_court"}),
        ("reasonable", {"resolve_demand", "relief"}),
        ("too_high", {"explain_policy", "relief"}),
        ("disruptive", {"ask_departments"}),
    ],
)
def test_each_kind_of_demand_opens_its_own_steps(option: str, opens: set[str]) -> None:
    state = run("repeat_petitioner", PETITIONER, _assessed(option), 61)
    candidates = {"explain_not_accepted", "guide_to_court", "relief", "resolve_demand", "explain_policy"}
    candidates |= {"ask_departments", "correct_handling"}
    open_now = {s for s in candidates if state.step(s).status is not StepStatus.NOT_APPLICABLE}
    assert open_now == opens


def test_a_leader_takes_every_long_term_petitioners_case() -> None:
    state = run("repeat_petitioner", PETITIONER, ASSESSED, 41)
    step = state.step("leader_takes_case")
    assert step.role == "leader_in_charge" and step.status in (StepStatus.READY, StepStatus.DUE_SOON)
