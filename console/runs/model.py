"""Playbook runs (预案执行): the commands people and timers send, and the events they become.

Every event carries one typed record of playbooks.history; the run's projection appends it to the
run's history, and the pure engine reads nothing else.
"""

from __future__ import annotations

from pydantic import Field

from playbooks.facts import Level
from playbooks.history import (
    ActionFired,
    DecisionRecorded,
    FactsChanged,
    LevelOverridden,
    ReportFiled,
    StepCompleted,
    StepSkipped,
)
from playbooks.state import ActionKind

from ..commands import CommandArgs
from ..events import EventPayload, event_type
from ..i18n import MESSAGES, N_
from ..incidents.model import GradingFacts

IncidentId = Field(min_length=1, max_length=64)
StepId = Field(min_length=1, max_length=64)
Reason = Field(min_length=1, max_length=2000)

# --- commands ---


class CompleteStep(CommandArgs):
    """完成步骤: mark a step done, with an optional note."""

    incident_id: str = IncidentId
    step_id: str = StepId
    note: str = Field(default="", max_length=2000)


class SkipStep(CommandArgs):
    """跳过步骤: skip a step; the reason is required."""

    incident_id: str = IncidentId
    step_id: str = StepId
    reason: str = Reason


class RecordDecision(CommandArgs):
    """记录决定: answer a decision step (jurisdiction, police assistance, representatives…) with a reason."""

    incident_id: str = IncidentId
    step_id: str = StepId
    option: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=2000)
    representatives: tuple[str, ...] = Field(default=(), max_length=50)


class OverrideLevel(CommandArgs):
    """调整响应级别: a leader raises or lowers the level by hand (None hands it back to the rules)."""

    incident_id: str = IncidentId
    level: Level | None
    reason: str = Reason


class UpdateFacts(CommandArgs):
    """更新定级要素: the facts changed on the scene; the level is graded again."""

    incident_id: str = IncidentId
    head_count: int | None = Field(default=None, ge=0, le=100_000)
    facts: GradingFacts
    note: str = Field(default="", max_length=2000)


class FileReport(CommandArgs):
    """报送: an upward report of an obligation was sent."""

    incident_id: str = IncidentId
    obligation_id: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class FireAction(CommandArgs):
    """(internal) A due action of the run: remind, escalate, report due, a wait's time up."""

    incident_id: str = IncidentId
    key: str = Field(min_length=1, max_length=200)


# --- events ---


@event_type("run.step_completed")
class RunStepCompleted(EventPayload):
    incident_id: str
    record: StepCompleted


@event_type("run.step_skipped")
class RunStepSkipped(EventPayload):
    incident_id: str
    record: StepSkipped


@event_type("run.decision_recorded")
class RunDecisionRecorded(EventPayload):
    incident_id: str
    record: DecisionRecorded


@event_type("run.level_overridden")
class RunLevelOverridden(EventPayload):
    incident_id: str
    record: LevelOverridden


@event_type("run.facts_changed")
class RunFactsChanged(EventPayload):
    incident_id: str
    record: FactsChanged


@event_type("run.report_filed")
class RunReportFiled(EventPayload):
    incident_id: str
    record: ReportFiled
    drill: bool  # a drill's report goes to no real recipient (演练)


@event_type("run.action_fired")
class RunActionFired(EventPayload):
    """提醒 / 升级 / 报告到期: what the console did once, and to whom (roles of the playbook)."""

    incident_id: str
    record: ActionFired
    kind: ActionKind
    role: str
    step_id: str | None = None
    obligation_id: str | None = None
    occurrence: int | None = None
    due_at: str  # when the action fell due (it may fire later, e.g. after a restart)
    drill: bool  # a drill's reminders and escalations reach no real recipient (演练)


RUN_EVENTS = (
    "run.step_completed",
    "run.step_skipped",
    "run.decision_recorded",
    "run.level_overridden",
    "run.facts_changed",
    "run.report_filed",
    "run.action_fired",
)

# Refusals of the run's commands (codes of playbooks.checks.CheckCode and the console's own).
MESSAGES.update(
    {
        "no_playbook_run": N_("No playbook is running for this incident"),
        "unknown_step": N_("This playbook has no such step"),
        "not_a_decision_step": N_("This step is not a decision"),
        "decision_needs_option": N_("Record a decision to complete this step"),
        "unknown_option": N_("That is not one of the options of this decision"),
        "reason_required": N_("Give the reason"),
        "township_cannot_transfer": N_("A township unit handles matters itself and never transfers them"),
        "requested_from_above_cannot_transfer": N_(
            "The higher level asked for the result: the county handles it itself"
        ),
        "representatives_required": N_("Name the representatives chosen"),
        "too_many_representatives": N_("Too many representatives"),
        "representatives_not_expected": N_("Representatives are named only when they were chosen"),
        "step_not_open": N_("This step is not open"),
        "unknown_report": N_("This playbook has no such report"),
        "report_not_open": N_("This report is not due"),
        "wrong_incident_type": N_("This playbook does not serve that incident type"),
        "not_activated": N_("The playbook has not started"),
        "already_activated": N_("The playbook has already started"),
        "run_closed": N_("The incident is closed"),
        "action_not_due": N_("Nothing is due for this action"),
        "level_unchanged": N_("The level is already so"),
    }
)
