"""The playbook run events: each carries one typed record of playbooks.history.

The run's projection appends the record to the run's history, and the pure engine reads nothing else.
"""

from __future__ import annotations

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

from ..events import EventPayload, event_type


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
    """A decision; representatives' names are never in it (sealed apart), only how many were named."""

    incident_id: str
    record: DecisionRecorded
    representatives_sealed: int = 0


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


RUN_EVENTS: tuple[type[EventPayload], ...] = (
    RunStepCompleted,
    RunStepSkipped,
    RunDecisionRecorded,
    RunLevelOverridden,
    RunFactsChanged,
    RunReportFiled,
    RunActionFired,
)
