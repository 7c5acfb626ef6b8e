"""The pure decisions on a run: check the record against the pinned playbook, then emit its event."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from playbooks.checks import check_record
from playbooks.config import thresholds as grading_thresholds
from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts
from playbooks.history import (
    ActionFired,
    DecisionRecorded,
    FactsChanged,
    GivenDeadline,
    HistoryRecord,
    LevelOverridden,
    ReportFiled,
    StepCompleted,
    StepSkipped,
)
from playbooks.model import PlaybookSnapshot
from playbooks.state import RunState

from ..clock import utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, NotFound
from ..events import EventPayload, NewEvent
from ..incidents.events import sealed, stream_of
from .commands import (
    CompleteStep,
    FileReport,
    FireAction,
    OverrideLevel,
    RecordDecision,
    SkipStep,
    UpdateFacts,
)
from .events import (
    RunActionFired,
    RunDecisionRecorded,
    RunFactsChanged,
    RunLevelOverridden,
    RunReportFiled,
    RunStepCompleted,
    RunStepSkipped,
)


@dataclass(frozen=True)
class Run:
    """One incident's run as the projection holds it: the pinned playbook, facts and history."""

    incident_id: str
    snapshot: PlaybookSnapshot
    facts: IncidentFacts  # at activation; FactsChanged records in the history replace them
    history: tuple[HistoryRecord, ...]
    drill: bool
    closed: bool

    def state(self, now: datetime, thresholds: GradingThresholds = DEFAULT_THRESHOLDS) -> RunState:
        """The run as of `now` (the history may hold records dated a little later: offline tablets)."""
        latest = max((r.at for r in self.history), default=now)
        return evaluate(self.snapshot, self.facts, self.history, max(now, latest), thresholds)


REPRESENTATIVES_FIELD = "representatives"  # the confidential field holding the representatives' names


def timer_command_id(incident_id: str, key: str) -> str:
    """The id of the command that fires one action: the same in every process and after a restart."""
    digest = hashlib.sha256(f"{incident_id}\n{key}".encode()).hexdigest()[:40]
    return f"timer:{digest}"


def _run(run: Run | None) -> Run:
    if run is None:
        raise NotFound("no_playbook_run")
    return run


def _append(run: Run, record: HistoryRecord, payload: EventPayload, ctx: Context) -> Decision:
    """Refuse a record the playbook does not allow (named check codes), else emit its event."""
    at = max([record.at, *(r.at for r in run.history)])
    stamped = record.model_copy(update={"at": at})
    error = check_record(run.snapshot, run.facts, run.history, stamped, grading_thresholds(ctx.settings))
    if error is not None:
        raise DomainError(error.code.value)
    return Decision(events=[NewEvent(stream=stream_of(run.incident_id), payload=payload)])


def _at(ctx: Context) -> datetime:
    return ctx.occurred_at


def decide_complete(run: Run | None, args: CompleteStep, ctx: Context) -> Decision:
    current = _run(run)
    try:
        given = tuple(GivenDeadline(step_id=s, due_at=at) for s, at in sorted(args.deadlines.items()))
        record = StepCompleted(at=_at(ctx), step_id=args.step_id, note=args.note, deadlines=given)
    except ValidationError:
        raise DomainError("deadline_not_settable") from None  # a step id that is no slug names no step
    return _append(current, record, RunStepCompleted(incident_id=current.incident_id, record=record), ctx)


def decide_skip(run: Run | None, args: SkipStep, ctx: Context) -> Decision:
    current = _run(run)
    record = StepSkipped(at=_at(ctx), step_id=args.step_id, reason=args.reason)
    return _append(current, record, RunStepSkipped(incident_id=current.incident_id, record=record), ctx)


def decide_decision(run: Run | None, args: RecordDecision, ctx: Context) -> Decision:
    """Record a decision; representatives' names go into the sealed confidential part (seed §7).

    In a 检举 visit the people a crowd puts forward are informants: the run's event, which every staff
    member receives, keeps only how many were named; the names are revealed, with a logged access, as
    informant details are (incident.confidential_recorded, field `representatives`).
    """
    current = _run(run)
    names = tuple(n.strip() for n in args.representatives if n.strip())
    record = DecisionRecorded(
        at=_at(ctx), step_id=args.step_id, option=args.option, reason=args.reason, representatives=names
    )
    payload = RunDecisionRecorded(
        incident_id=current.incident_id,
        record=record.model_copy(update={"representatives": ()}),
        representatives_sealed=len(names),
    )
    decision = _append(current, record, payload, ctx)  # checked with the names, stored without them
    if not names:
        return decision
    seal = sealed(current.incident_id, {REPRESENTATIVES_FIELD: "、".join(names)})
    return Decision(events=[seal, *decision.events])


def decide_override(run: Run | None, args: OverrideLevel, ctx: Context) -> Decision:
    current = _run(run)
    grading = current.state(ctx.now, grading_thresholds(ctx.settings)).grading
    if args.level is None and not grading.overridden:
        raise DomainError("level_unchanged")
    if args.level is not None and grading.overridden and grading.level is args.level:
        raise DomainError("level_unchanged")
    record = LevelOverridden(at=_at(ctx), level=args.level, reason=args.reason)
    return _append(current, record, RunLevelOverridden(incident_id=current.incident_id, record=record), ctx)


def decide_facts(run: Run | None, args: UpdateFacts, ctx: Context) -> Decision:
    current = _run(run)
    before = current.state(ctx.now, grading_thresholds(ctx.settings)).facts
    head_count = before.head_count if args.head_count is None else args.head_count
    facts = before.model_copy(update={**args.facts.model_dump(), "head_count": head_count})
    if facts == before:
        raise DomainError("nothing_to_amend")
    record = FactsChanged(at=_at(ctx), facts=IncidentFacts.model_validate(facts.model_dump()), note=args.note)
    return _append(current, record, RunFactsChanged(incident_id=current.incident_id, record=record), ctx)


def decide_file(run: Run | None, args: FileReport, ctx: Context) -> Decision:
    current = _run(run)
    record = ReportFiled(at=_at(ctx), obligation_id=args.obligation_id, note=args.note)
    payload = RunReportFiled(incident_id=current.incident_id, record=record, drill=current.drill)
    return _append(current, record, payload, ctx)


def decide_fire(run: Run | None, args: FireAction, ctx: Context) -> Decision:
    """Fire a due action once: refused when it is not due or was fired already (in any process)."""
    current = _run(run)
    due = {a.key: a for a in current.state(ctx.now, grading_thresholds(ctx.settings)).actions}
    action = due.get(args.key)
    if action is None:
        raise DomainError("action_not_due")
    record = ActionFired(at=ctx.now, key=action.key)
    payload = RunActionFired(
        incident_id=current.incident_id,
        record=record,
        kind=action.kind,
        role=action.role.value,
        step_id=action.step_id,
        obligation_id=action.obligation_id,
        occurrence=action.occurrence,
        due_at=utc_iso(action.fire_at),
        drill=current.drill,
    )
    return Decision(events=[NewEvent(stream=stream_of(current.incident_id), payload=payload)])
