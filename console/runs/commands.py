"""The playbook run commands people and timers send (预案执行)."""

from __future__ import annotations

from pydantic import Field

from playbooks.facts import Level
from playbooks.model import SLUG_PATTERN

from ..commands import CommandArgs, Instant
from ..incidents.commands import GradingFacts

IncidentId = Field(min_length=1, max_length=64)
# Step and obligation ids are the playbook's slugs: anything else can name none (422, not a lookup).
StepId = Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)
Reason = Field(min_length=1, max_length=2000)


class CompleteStep(CommandArgs):
    """完成步骤: mark a step done, with an optional note and the deadlines an instruction gave
    (step id -> instant, e.g. the higher level's arrival and feedback deadlines at `log_request`)."""

    incident_id: str = IncidentId
    step_id: str = StepId
    note: str = Field(default="", max_length=2000)
    deadlines: dict[str, Instant] = Field(default_factory=dict, max_length=20)


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


class ConfirmFacts(CommandArgs):
    """确认定级要素变更: the duty officer or a leader confirms facts a responder proposed."""

    incident_id: str = IncidentId
    proposal_id: str = Field(min_length=1, max_length=64)


class DeclineFacts(CommandArgs):
    """不予确认: the duty officer or a leader declines a proposal, with an optional reason."""

    incident_id: str = IncidentId
    proposal_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=2000)


class FileReport(CommandArgs):
    """报送: an upward report of an obligation was sent."""

    incident_id: str = IncidentId
    obligation_id: str = StepId
    note: str = Field(default="", max_length=2000)


class FireAction(CommandArgs):
    """(internal) A due action of the run: remind, escalate, report due, a wait's time up."""

    incident_id: str = IncidentId
    key: str = Field(min_length=1, max_length=200)


class FollowStep(CommandArgs):
    """(internal) A step the responders' moves complete: the team was sent or arrived, a leader arrived."""

    incident_id: str = IncidentId
    step_id: str = StepId
