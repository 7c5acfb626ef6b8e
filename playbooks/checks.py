"""Checks before a record is written: each refusal is a named error the console can show or raise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts, UnitLevel
from playbooks.history import (
    DecisionRecorded,
    FactsChanged,
    HistoryRecord,
    ReportFiled,
    RunActivated,
    StepCompleted,
    StepSkipped,
)
from playbooks.model import DecisionKind, PlaybookSnapshot
from playbooks.state import OPEN_REPORT, OPEN_STEP, RunState, StepStatus
from playbooks.timeline import NotActivatedError


class CheckCode(StrEnum):
    """Why a decision or record is refused."""

    UNKNOWN_STEP = "unknown_step"
    NOT_A_DECISION_STEP = "not_a_decision_step"
    DECISION_NEEDS_OPTION = "decision_needs_option"  # decision steps are completed by recording a decision
    UNKNOWN_OPTION = "unknown_option"
    REASON_REQUIRED = "reason_required"
    TOWNSHIP_CANNOT_TRANSFER = "township_cannot_transfer"  # seed §3: 乡镇只办不转
    # 2020 rules art. 15: a report about this commission's head goes straight to the higher commission
    ABOUT_COMMISSION_HEAD_GOES_UP = "about_commission_head_goes_up"
    REQUESTED_FROM_ABOVE_CANNOT_TRANSFER = "requested_from_above_cannot_transfer"  # seed §9: 县一级要自办
    REPRESENTATIVES_REQUIRED = "representatives_required"
    TOO_MANY_REPRESENTATIVES = "too_many_representatives"
    REPRESENTATIVES_NOT_EXPECTED = "representatives_not_expected"
    STEP_NOT_OPEN = "step_not_open"
    UNKNOWN_REPORT = "unknown_report"
    REPORT_NOT_OPEN = "report_not_open"
    WRONG_INCIDENT_TYPE = "wrong_incident_type"
    NOT_ACTIVATED = "not_activated"
    ALREADY_ACTIVATED = "already_activated"
    RUN_CLOSED = "run_closed"
    DEADLINE_NOT_SETTABLE = "deadline_not_settable"  # that step's deadline is not given at this step
    DEADLINE_IN_THE_PAST = "deadline_in_the_past"
    DATE_REQUIRED = "date_required"  # deadlines are counted back from a date this step must record


@dataclass(frozen=True)
class CheckError:
    """A refusal: a stable code and a human-readable detail."""

    code: CheckCode
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def check_decision(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    step_id: str,
    option: str,
    reason: str,
    representatives: Sequence[str] = (),
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> CheckError | None:
    """Whether this answer to a decision step is allowed for these (current) facts; None if it is."""
    step = snapshot.playbook.step(step_id)
    if step is None:
        return CheckError(CheckCode.UNKNOWN_STEP, f"no step '{step_id}' in {snapshot.ref}")
    spec = step.decision
    if spec is None:
        return CheckError(CheckCode.NOT_A_DECISION_STEP, f"step '{step_id}' is not a decision")
    options = [o.id for o in spec.all_options()]
    if option not in options:
        return CheckError(CheckCode.UNKNOWN_OPTION, f"'{option}' is not one of {', '.join(options)}")
    if spec.reason_required and not reason.strip():
        return CheckError(CheckCode.REASON_REQUIRED, "this decision must be recorded with its reason")
    if spec.kind is DecisionKind.JURISDICTION and facts.about_commission_head and option != "send_up":
        return CheckError(
            CheckCode.ABOUT_COMMISSION_HEAD_GOES_UP,
            "a report about this commission's head goes straight to the higher commission (径送上一级)",
        )
    if spec.kind is DecisionKind.JURISDICTION and option == "transfer":
        if facts.unit_level is UnitLevel.TOWNSHIP:
            return CheckError(
                CheckCode.TOWNSHIP_CANNOT_TRANSFER, "a township unit handles, never transfers (只办不转)"
            )
        if facts.requested_by_higher:
            return CheckError(
                CheckCode.REQUESTED_FROM_ABOVE_CANNOT_TRANSFER,
                "the higher level asked for the result: the county handles it itself (县一级要自办)",
            )
    names = [n for n in representatives if n.strip()]
    if spec.kind is not DecisionKind.REPRESENTATIVES or option != "chosen":
        if names:
            return CheckError(
                CheckCode.REPRESENTATIVES_NOT_EXPECTED, "names go with 'representatives: chosen' only"
            )
        return None
    if not names:
        return CheckError(CheckCode.REPRESENTATIVES_REQUIRED, "name the representatives chosen")
    if len(names) > thresholds.max_representatives:
        limit = thresholds.max_representatives
        return CheckError(
            CheckCode.TOO_MANY_REPRESENTATIVES, f"{len(names)} representatives, at most {limit}"
        )
    return None


def check_record(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    record: HistoryRecord,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> CheckError | None:
    """Whether `record` may be appended to `history` (as of `record.at`); None if it may."""
    if isinstance(record, RunActivated):
        if any(isinstance(r, RunActivated) for r in history):
            return CheckError(CheckCode.ALREADY_ACTIVATED, "the run has already started")
        return None
    try:
        state = evaluate(snapshot, facts, history, record.at, thresholds)
    except NotActivatedError:
        return CheckError(CheckCode.NOT_ACTIVATED, "the run has not started")
    closed = state.closed_at is not None
    if isinstance(record, ReportFiled):
        if snapshot.playbook.report(record.obligation_id) is None:
            return CheckError(
                CheckCode.UNKNOWN_REPORT, f"no report '{record.obligation_id}' in {snapshot.ref}"
            )
        status = state.report(record.obligation_id).status
        if status not in OPEN_REPORT:
            return CheckError(CheckCode.REPORT_NOT_OPEN, f"report '{record.obligation_id}' is {status}")
        return None
    if closed:
        return CheckError(CheckCode.RUN_CLOSED, "the incident is closed")
    if isinstance(record, FactsChanged) and record.facts.incident_type not in snapshot.playbook.serves:
        return CheckError(
            CheckCode.WRONG_INCIDENT_TYPE, f"{snapshot.ref} does not serve {record.facts.incident_type}"
        )
    if isinstance(record, StepCompleted | StepSkipped | DecisionRecorded):
        return _check_step_record(snapshot, state, record, thresholds)
    return None  # facts changes, overrides (reason enforced by the model), fired actions and the close


def _check_step_record(
    snapshot: PlaybookSnapshot,
    state: RunState,
    record: StepCompleted | StepSkipped | DecisionRecorded,
    thresholds: GradingThresholds,
) -> CheckError | None:
    step = snapshot.playbook.step(record.step_id)
    if step is None:
        return CheckError(CheckCode.UNKNOWN_STEP, f"no step '{record.step_id}' in {snapshot.ref}")
    status = state.step(record.step_id).status
    if isinstance(record, DecisionRecorded):
        redecide = status is StepStatus.DONE and step.decision is not None
        if status not in OPEN_STEP and not redecide:
            return CheckError(CheckCode.STEP_NOT_OPEN, f"step '{step.id}' is {status}")
        return check_decision(
            snapshot, state.facts, step.id, record.option, record.reason, record.representatives, thresholds
        )
    if isinstance(record, StepCompleted) and step.decision is not None:
        return CheckError(CheckCode.DECISION_NEEDS_OPTION, f"record a decision to complete '{step.id}'")
    allowed = OPEN_STEP | {StepStatus.BLOCKED} if isinstance(record, StepSkipped) else OPEN_STEP
    if status not in allowed:
        return CheckError(CheckCode.STEP_NOT_OPEN, f"step '{step.id}' is {status}")
    if not isinstance(record, StepCompleted):
        return None
    set_here = [s for s in snapshot.playbook.steps if s.due.set_by == step.id]
    dates = {s.due.before for s in set_here if s.due.before is not None}
    settable = {s.id for s in set_here} | dates
    for given in record.deadlines:
        if given.step_id not in settable:
            return CheckError(
                CheckCode.DEADLINE_NOT_SETTABLE, f"'{given.step_id}' takes no deadline from '{step.id}'"
            )
        if given.due_at <= record.at:
            return CheckError(CheckCode.DEADLINE_IN_THE_PAST, f"the deadline of '{given.step_id}' has passed")
    missing = sorted(dates - {g.step_id for g in record.deadlines})
    if missing:
        return CheckError(CheckCode.DATE_REQUIRED, f"record {', '.join(missing)} to complete '{step.id}'")
    return None
