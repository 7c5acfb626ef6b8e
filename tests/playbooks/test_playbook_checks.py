"""Checks before writing: decisions that the seed forbids, and records that do not fit the run."""

from __future__ import annotations

import pytest
from playbook_support import T0, at, snapshot

from playbooks.checks import CheckCode, check_decision, check_record
from playbooks.facts import GradingThresholds, IncidentFacts, IncidentType, UnitLevel
from playbooks.history import (
    DecisionRecorded,
    FactsChanged,
    HistoryRecord,
    ReportFiled,
    RunActivated,
    RunClosed,
    StepCompleted,
    StepSkipped,
)

COUNTY = IncidentFacts(incident_type=IncidentType.COLLECTIVE_VISIT, head_count=40)
TOWNSHIP = COUNTY.model_copy(update={"unit_level": UnitLevel.TOWNSHIP})
FROM_ABOVE = COUNTY.model_copy(update={"requested_by_higher": True})
FIVE = ("甲", "乙", "丙", "丁", "戊")


@pytest.mark.parametrize(
    ("facts", "step_id", "option", "reason", "reps", "code"),
    [
        (COUNTY, "jurisdiction", "transfer", "属劳动保障部门职责", (), None),
        (COUNTY, "jurisdiction", "handle_here", "属本级受理范围", (), None),
        (TOWNSHIP, "jurisdiction", "handle_here", "就地化解", (), None),
        (TOWNSHIP, "jurisdiction", "transfer", "属劳动保障部门职责", (), CheckCode.TOWNSHIP_CANNOT_TRANSFER),
        (
            FROM_ABOVE,
            "jurisdiction",
            "transfer",
            "属劳动保障部门职责",
            (),
            CheckCode.REQUESTED_FROM_ABOVE_CANNOT_TRANSFER,
        ),
        (COUNTY, "jurisdiction", "send_up", "  ", (), CheckCode.REASON_REQUIRED),
        (COUNTY, "jurisdiction", "ignore", "x", (), CheckCode.UNKNOWN_OPTION),
        (COUNTY, "register", "done", "x", (), CheckCode.NOT_A_DECISION_STEP),
        (COUNTY, "nope", "done", "x", (), CheckCode.UNKNOWN_STEP),
        (COUNTY, "choose_representatives", "chosen", "群众推选", FIVE, None),
        (
            COUNTY,
            "choose_representatives",
            "chosen",
            "群众推选",
            (*FIVE, "己"),
            CheckCode.TOO_MANY_REPRESENTATIVES,
        ),
        (COUNTY, "choose_representatives", "chosen", "群众推选", (), CheckCode.REPRESENTATIVES_REQUIRED),
        (COUNTY, "choose_representatives", "none", "仅三人来访", (), None),
        (COUNTY, "jurisdiction", "send_up", "属上级管辖", ("甲",), CheckCode.REPRESENTATIVES_NOT_EXPECTED),
    ],
)
def test_check_decision(
    facts: IncidentFacts,
    step_id: str,
    option: str,
    reason: str,
    reps: tuple[str, ...],
    code: CheckCode | None,
) -> None:
    error = check_decision(snapshot("collective_visit"), facts, step_id, option, reason, reps)
    assert (error.code if error else None) == code


def test_the_representatives_limit_is_a_setting() -> None:
    error = check_decision(
        snapshot("collective_visit"),
        COUNTY,
        "choose_representatives",
        "chosen",
        "群众推选",
        FIVE[:4],
        GradingThresholds(max_representatives=3),
    )
    assert error is not None and error.code is CheckCode.TOO_MANY_REPRESENTATIVES


def test_a_township_cannot_transfer_in_any_playbook() -> None:
    for snap in (snapshot(p) for p in ("sit_in", "violence", "screening", "repeat_petitioner")):
        facts = IncidentFacts(incident_type=snap.playbook.serves[0], unit_level=UnitLevel.TOWNSHIP)
        error = check_decision(snap, facts, "jurisdiction", "transfer", "不属本级受理范围")
        assert error is not None and error.code is CheckCode.TOWNSHIP_CANNOT_TRANSFER


STARTED: list[HistoryRecord] = [RunActivated(at=T0)]


@pytest.mark.parametrize(
    ("history", "record", "code"),
    [
        ([], StepCompleted(at=at(1), step_id="register"), CheckCode.NOT_ACTIVATED),
        (STARTED, RunActivated(at=at(1)), CheckCode.ALREADY_ACTIVATED),
        (STARTED, StepCompleted(at=at(1), step_id="register"), None),
        (STARTED, StepCompleted(at=at(1), step_id="dispatch_staff"), CheckCode.STEP_NOT_OPEN),  # blocked
        (STARTED, StepSkipped(at=at(1), step_id="dispatch_staff", reason="已在现场"), None),
        (STARTED, StepCompleted(at=at(1), step_id="nope"), CheckCode.UNKNOWN_STEP),
        (
            [*STARTED, StepCompleted(at=at(1), step_id="register")],
            StepCompleted(at=at(2), step_id="register"),
            CheckCode.STEP_NOT_OPEN,
        ),
        (
            [
                *STARTED,
                StepCompleted(at=at(1), step_id="register"),
                StepCompleted(at=at(2), step_id="dispatch_staff"),
            ],
            StepCompleted(at=at(3), step_id="choose_representatives"),
            CheckCode.DECISION_NEEDS_OPTION,
        ),
        (
            [
                *STARTED,
                StepCompleted(at=at(1), step_id="register"),
                StepCompleted(at=at(2), step_id="dispatch_staff"),
            ],
            DecisionRecorded(
                at=at(3),
                step_id="choose_representatives",
                option="chosen",
                reason="推选",
                representatives=FIVE,
            ),
            None,
        ),
        (STARTED, ReportFiled(at=at(1), obligation_id="initial"), None),
        (
            STARTED,
            ReportFiled(at=at(1), obligation_id="followup"),
            CheckCode.REPORT_NOT_OPEN,
        ),  # initial first
        (STARTED, ReportFiled(at=at(1), obligation_id="nope"), CheckCode.UNKNOWN_REPORT),
        ([*STARTED, RunClosed(at=at(1))], StepCompleted(at=at(2), step_id="register"), CheckCode.RUN_CLOSED),
        ([*STARTED, RunClosed(at=at(1))], ReportFiled(at=at(2), obligation_id="final"), None),
        (
            STARTED,
            FactsChanged(at=at(1), facts=IncidentFacts(incident_type=IncidentType.VIOLENCE)),
            CheckCode.WRONG_INCIDENT_TYPE,
        ),
    ],
)
def test_check_record(history: list[HistoryRecord], record: HistoryRecord, code: CheckCode | None) -> None:
    error = check_record(snapshot("collective_visit"), COUNTY, history, record)
    assert (error.code if error else None) == code, error


def test_a_decision_can_be_revised_with_a_reason() -> None:
    history: list[HistoryRecord] = [
        *STARTED,
        StepCompleted(at=at(1), step_id="register"),
        StepCompleted(at=at(2), step_id="dispatch_staff"),
        StepCompleted(at=at(3), step_id="assess"),
        DecisionRecorded(at=at(4), step_id="jurisdiction", option="handle_here", reason="属本级受理范围"),
    ]
    revised = DecisionRecorded(at=at(9), step_id="jurisdiction", option="send_up", reason="核实后属上级管辖")
    assert check_record(snapshot("collective_visit"), COUNTY, history, revised) is None
    township = check_record(
        snapshot("collective_visit"),
        COUNTY,
        [*history, FactsChanged(at=at(5), facts=TOWNSHIP)],
        revised.model_copy(update={"option": "transfer"}),
    )
    assert township is not None and township.code is CheckCode.TOWNSHIP_CANNOT_TRANSFER  # current facts count
