"""What happened in a run, as typed records; the engine reads only these, the console stores them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from playbooks.facts import IncidentFacts, Level
from playbooks.model import Slug, Text


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime


class RunActivated(_Record):
    """The playbook started; deadlines counted from activation start here."""

    type: Literal["run_activated"] = "run_activated"


class FactsChanged(_Record):
    """The incident's facts are now `facts` (all of them, not a patch)."""

    type: Literal["facts_changed"] = "facts_changed"
    facts: IncidentFacts
    note: str = ""


class GivenDeadline(BaseModel):
    """A deadline set by an instruction recorded at a step (上级要求的时限), e.g. `log_request`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step_id: Slug  # the step whose deadline this is; its `due.set_by` names the step that records it
    due_at: AwareDatetime


class StepCompleted(_Record):
    """A step was marked done, with an optional note and the deadlines an instruction gave."""

    type: Literal["step_completed"] = "step_completed"
    step_id: Slug
    note: str = ""
    deadlines: tuple[GivenDeadline, ...] = ()


class StepSkipped(_Record):
    """A step was skipped; a reason is required."""

    type: Literal["step_skipped"] = "step_skipped"
    step_id: Slug
    reason: Text


class DecisionRecorded(_Record):
    """A decision step was answered; this also completes the step. The latest answer counts."""

    type: Literal["decision_recorded"] = "decision_recorded"
    step_id: Slug
    option: Slug
    reason: str = ""
    representatives: tuple[Text, ...] = ()


class LevelOverridden(_Record):
    """A leader set the level by hand (None hands it back to the grading rules)."""

    type: Literal["level_overridden"] = "level_overridden"
    level: Level | None
    reason: Text


class ActionFired(_Record):
    """An action with this idempotency key was carried out; it will not be offered again."""

    type: Literal["action_fired"] = "action_fired"
    key: str = Field(min_length=1)


class ReportFiled(_Record):
    """An upward report of this obligation was sent."""

    type: Literal["report_filed"] = "report_filed"
    obligation_id: Slug
    note: str = ""


class RunClosed(_Record):
    """The incident was closed; only reports due after close stay open."""

    type: Literal["run_closed"] = "run_closed"
    note: str = ""


HistoryRecord = Annotated[
    RunActivated
    | FactsChanged
    | StepCompleted
    | StepSkipped
    | DecisionRecorded
    | LevelOverridden
    | ActionFired
    | ReportFiled
    | RunClosed,
    Field(discriminator="type"),
]

# The one place records are encoded and decoded: `HISTORY.validate_json(...)`, `HISTORY.dump_json(...)`.
HISTORY: TypeAdapter[HistoryRecord] = TypeAdapter(HistoryRecord)
