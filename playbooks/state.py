"""What the engine returns: the level, each step's and report's state, and the actions due now."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from playbooks.facts import EventGrade, IncidentFacts, Level
from playbooks.model import Recipient, ReportStage, ResponseRole, StepKind


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepStatus(StrEnum):
    """Where a step stands; done, skipped and not_applicable all count as resolved for dependents."""

    BLOCKED = "blocked"  # waiting for another step or a decision
    READY = "ready"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not_applicable"  # its `when` is false for the current facts


OPEN_STEP = frozenset({StepStatus.READY, StepStatus.DUE_SOON, StepStatus.OVERDUE})
RESOLVED_STEP = frozenset({StepStatus.DONE, StepStatus.SKIPPED, StepStatus.NOT_APPLICABLE})


class ReportStatus(StrEnum):
    """Where a report obligation stands."""

    WAITING = "waiting"  # what it is counted from has not happened yet (an earlier report, the close)
    READY = "ready"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


OPEN_REPORT = frozenset({ReportStatus.READY, ReportStatus.DUE_SOON, ReportStatus.OVERDUE})


class ActionKind(StrEnum):
    """Something the console must do once, identified by `Action.key`."""

    REMIND = "remind"  # remind the step's owner that it is overdue
    ESCALATE = "escalate"  # tell `role` (the leader in charge by default) that it is still overdue
    REPORT_DUE = "report_due"  # a report is due and not filed
    WAIT_ELAPSED = "wait_elapsed"  # a wait step's time is up; firing it completes the step


class Action(_Frozen):
    """An action due now; record `ActionFired(key=...)` once done and it is never offered again."""

    key: str
    kind: ActionKind
    fire_at: datetime
    role: ResponseRole
    step_id: str | None = None
    obligation_id: str | None = None
    occurrence: int | None = None


class GradingResult(_Frozen):
    """The level and why: the rule that produced it, or a leader's override."""

    level: Level
    automatic_level: Level
    rule_id: str | None  # None: the playbook's default level
    matched_rules: tuple[str, ...]
    overridden: bool = False
    override_reason: str = ""


class StepState(_Frozen):
    """One step as the room sees it."""

    step_id: str
    kind: StepKind
    role: ResponseRole
    status: StepStatus
    due_at: datetime | None = None
    resolved_at: datetime | None = None
    note: str = ""  # completion note or skip reason
    option: str | None = None  # a decision step's latest answer
    blocked_by: tuple[str, ...] = ()


class ReportState(_Frozen):
    """One report obligation as the room sees it."""

    obligation_id: str
    stage: ReportStage
    role: ResponseRole
    recipients: tuple[Recipient, ...]
    status: ReportStatus
    occurrence: int  # which filing is owed next, from 1
    filed_count: int = 0
    due_at: datetime | None = None
    last_filed_at: datetime | None = None


class RunState(_Frozen):
    """Everything the engine derives for one run at one instant."""

    playbook_ref: str
    now: datetime
    activated_at: datetime
    closed_at: datetime | None
    facts: IncidentFacts
    grading: GradingResult
    event_grade: (
        EventGrade  # 事件等级 of the current facts, which a report states; the level is the response tier
    )
    steps: tuple[StepState, ...]
    reports: tuple[ReportState, ...]
    actions: tuple[Action, ...]
    next_deadline: datetime | None

    @property
    def level(self) -> Level:
        """The effective response level."""
        return self.grading.level

    @property
    def overdue_count(self) -> int:
        """Overdue steps and reports, for the board."""
        steps = sum(s.status is StepStatus.OVERDUE for s in self.steps)
        return steps + sum(r.status is ReportStatus.OVERDUE for r in self.reports)

    def step(self, step_id: str) -> StepState:
        """The state of step `step_id` (KeyError if the playbook has none)."""
        for s in self.steps:
            if s.step_id == step_id:
                return s
        raise KeyError(step_id)

    def report(self, obligation_id: str) -> ReportState:
        """The state of report obligation `obligation_id` (KeyError if none)."""
        for r in self.reports:
            if r.obligation_id == obligation_id:
                return r
        raise KeyError(obligation_id)
