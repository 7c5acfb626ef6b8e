"""The playbook run events: each carries one typed record of playbooks.history.

The run's projection appends the record to the run's history, and the pure engine reads nothing else.
"""

from __future__ import annotations

from playbooks.facts import IncidentFacts, Level
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
from .follow import FollowedBy


@event_type("run.step_completed")
class RunStepCompleted(EventPayload):
    incident_id: str
    record: StepCompleted
    # Set when the responders' moves ticked the step (派遣N人 / 到达现场), not a tap (console.runs.follow).
    followed: FollowedBy | None = None


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
    """The grading facts changed (the event's actor changed them, or confirmed a proposal)."""

    incident_id: str
    record: FactsChanged
    # The regrade it caused, graded with the console's thresholds when decided (None: level unchanged
    # or an event older than these fields).
    level_from: Level | None = None
    level_to: Level | None = None
    # Set when the change was proposed by someone else (a responder) and confirmed by the actor.
    proposal_id: str | None = None
    proposed_by: str | None = None
    proposed_by_name: str | None = None


@event_type("run.facts_proposed")
class RunFactsProposed(EventPayload):
    """定级要素变更待确认: facts that would change the level, proposed by someone who may not regrade.

    The duty officer or a leader confirms (run.confirm_facts) or declines (run.decline_facts) it.
    """

    incident_id: str
    proposal_id: str
    facts: IncidentFacts
    based_on: IncidentFacts  # the facts it changes: confirming is refused once they changed again
    note: str = ""
    level_from: Level
    level_to: Level


@event_type("run.facts_declined")
class RunFactsDeclined(EventPayload):
    incident_id: str
    proposal_id: str
    reason: str = ""


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


# The events that carry a history record (the run's projection appends it).
RECORD_EVENTS: tuple[type[EventPayload], ...] = (
    RunStepCompleted,
    RunStepSkipped,
    RunDecisionRecorded,
    RunLevelOverridden,
    RunFactsChanged,
    RunReportFiled,
    RunActionFired,
)
RUN_EVENTS: tuple[type[EventPayload], ...] = (*RECORD_EVENTS, RunFactsProposed, RunFactsDeclined)
