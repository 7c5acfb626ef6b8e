"""The pure decisions on a run: check the record against the pinned playbook, then emit its event."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from pydantic import ValidationError

from playbooks.checks import check_record
from playbooks.config import thresholds as grading_thresholds
from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts, Level
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
from playbooks.state import GradingResult, RunState

from ..clock import utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, NotFound
from ..events import EventPayload, NewEvent
from ..incidents.decide import seal_names
from ..incidents.events import REPRESENTATIVES_FIELD, sealed, stream_of
from .commands import (
    CompleteStep,
    ConfirmFacts,
    DeclineFacts,
    FileReport,
    FireAction,
    FollowStep,
    OverrideLevel,
    RecordDecision,
    SkipStep,
    UpdateFacts,
)
from .events import (
    RunActionFired,
    RunDecisionRecorded,
    RunFactsChanged,
    RunFactsDeclined,
    RunFactsProposed,
    RunLevelOverridden,
    RunReportFiled,
    RunStepCompleted,
    RunStepSkipped,
)
from .follow import FieldLog, follow_ticks
from .permissions import may_regrade


@dataclass(frozen=True)
class Proposal:
    """Facts proposed by someone who may not regrade, waiting for the duty officer or a leader."""

    proposal_id: str
    facts: IncidentFacts
    based_on: IncidentFacts
    note: str
    proposed_by: str
    proposed_by_name: str
    level_from: Level = Level.GENERAL
    level_to: Level = Level.GENERAL
    proposed_at: str = ""


@dataclass(frozen=True)
class RecordedBy:
    """Who recorded a history record (and who proposed it, when it confirmed a proposal)."""

    id: str
    name: str
    proposed_by: str | None = None
    proposed_by_name: str | None = None


@dataclass(frozen=True)
class Run:
    """One incident's run as the projection holds it: the pinned playbook, facts and history."""

    incident_id: str
    snapshot: PlaybookSnapshot
    facts: IncidentFacts  # at activation; FactsChanged records in the history replace them
    history: tuple[HistoryRecord, ...]
    drill: bool
    closed: bool
    # Pending proposals by id (loaded for the commands that decide them and for the room's view).
    proposals: Mapping[str, Proposal] = field(default_factory=dict)
    # Who recorded each record of `history`, in the same order (None: not known, an older row).
    recorded_by: tuple[RecordedBy | None, ...] = ()
    # Who was sent and who arrived (projected from the responders' moves; console.runs.follow).
    field_log: FieldLog = field(default_factory=FieldLog)
    # The names sealed in the incident (loaded for the commands that take free text): replaced in it.
    sealed_names: frozenset[str] = frozenset()

    def state(self, now: datetime, thresholds: GradingThresholds = DEFAULT_THRESHOLDS) -> RunState:
        """The run as of `now` (the history may hold records dated a little later: offline tablets)."""
        latest = max((r.at for r in self.history), default=now)
        return evaluate(self.snapshot, self.facts, self.history, max(now, latest), thresholds)


def timer_command_id(incident_id: str, key: str) -> str:
    """The id of the command that fires one action: the same in every process and after a restart."""
    digest = hashlib.sha256(f"{incident_id}\n{key}".encode()).hexdigest()[:40]
    return f"timer:{digest}"


def _run(run: Run | None) -> Run:
    if run is None:
        raise NotFound("no_playbook_run")
    return run


def _checked(run: Run, record: HistoryRecord, ctx: Context) -> HistoryRecord:
    """The record as the run will hold it; refused if the playbook does not allow it (named codes)."""
    at = max([record.at, *(r.at for r in run.history)])
    stamped = record.model_copy(update={"at": at})
    error = check_record(run.snapshot, run.facts, run.history, stamped, grading_thresholds(ctx.settings))
    if error is not None:
        raise DomainError(error.code.value)
    return stamped


def _append(run: Run, record: HistoryRecord, payload: EventPayload, ctx: Context) -> Decision:
    """Refuse a record the playbook does not allow (named check codes), else emit its event."""
    _checked(run, record, ctx)
    return Decision(events=[NewEvent(stream=stream_of(run.incident_id), payload=payload)])


def _grading(run: Run, ctx: Context, record: HistoryRecord | None = None) -> GradingResult:
    """The run's grading now, or once this record is in its history."""
    history = run.history if record is None else (*run.history, record)
    return replace(run, history=history).state(ctx.now, grading_thresholds(ctx.settings)).grading


def _regrade(run: Run, record: HistoryRecord, ctx: Context) -> tuple[Level, Level] | None:
    """(level before, level after) if this record changes the grade (the level or the graded level)."""
    before, after = _grading(run, ctx), _grading(run, ctx, _checked(run, record, ctx))
    if (before.level, before.automatic_level) == (after.level, after.automatic_level):
        return None
    return before.level, after.level


def _at(ctx: Context) -> datetime:
    return ctx.occurred_at


def decide_complete(run: Run | None, args: CompleteStep, ctx: Context) -> Decision:
    current = _run(run)
    try:
        given = tuple(GivenDeadline(step_id=s, due_at=at) for s, at in sorted(args.deadlines.items()))
        note, _ = seal_names(args.note, current.sealed_names)
        record = StepCompleted(at=_at(ctx), step_id=args.step_id, note=note, deadlines=given)
    except ValidationError:
        raise DomainError("deadline_not_settable") from None  # a step id that is no slug names no step
    return _append(current, record, RunStepCompleted(incident_id=current.incident_id, record=record), ctx)


def decide_skip(run: Run | None, args: SkipStep, ctx: Context) -> Decision:
    current = _run(run)
    reason, _ = seal_names(args.reason, current.sealed_names)
    record = StepSkipped(at=_at(ctx), step_id=args.step_id, reason=reason)
    return _append(current, record, RunStepSkipped(incident_id=current.incident_id, record=record), ctx)


def decide_decision(run: Run | None, args: RecordDecision, ctx: Context) -> Decision:
    """Record a decision; representatives' names go into the sealed confidential part (seed §7).

    In a 检举 visit the people a crowd puts forward are informants: the run's event, which every staff
    member receives, keeps only how many were named; the names are revealed, with a logged access, as
    informant details are (incident.confidential_recorded, field `representatives`).
    """
    current = _run(run)
    names = tuple(n.strip() for n in args.representatives if n.strip())
    reason, _ = seal_names(args.reason, current.sealed_names | frozenset(names))
    record = DecisionRecorded(
        at=_at(ctx), step_id=args.step_id, option=args.option, reason=reason, representatives=names
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
    new_facts = IncidentFacts.model_validate(facts.model_dump())
    record = FactsChanged(at=_at(ctx), facts=new_facts, note=args.note)
    regrade = _regrade(current, record, ctx)
    if regrade is not None and not may_regrade(ctx.actor.roles):
        # A responder may not re-grade the run (that is the duty officer's or a leader's): what they
        # saw on the scene waits as a proposal, which one of them confirms or declines.
        proposal = RunFactsProposed(
            incident_id=current.incident_id,
            proposal_id=ctx.new_id,
            facts=new_facts,
            based_on=before,
            note=args.note,
            level_from=regrade[0],
            level_to=regrade[1],
        )
        return Decision(
            events=[NewEvent(stream=stream_of(current.incident_id), payload=proposal)],
            result={"proposal_id": ctx.new_id},
        )
    payload = RunFactsChanged(
        incident_id=current.incident_id,
        record=record,
        level_from=regrade[0] if regrade else None,
        level_to=regrade[1] if regrade else None,
    )
    return _append(current, record, payload, ctx)


def _pending(run: Run, proposal_id: str) -> Proposal:
    proposal = run.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound("proposal_not_found")
    return proposal


def decide_confirm(run: Run | None, args: ConfirmFacts, ctx: Context) -> Decision:
    """Confirm a proposal: its facts take effect as proposed, unless the facts changed since."""
    current = _run(run)
    proposal = _pending(current, args.proposal_id)
    if current.state(ctx.now, grading_thresholds(ctx.settings)).facts != proposal.based_on:
        raise DomainError("proposal_outdated")
    record = FactsChanged(at=_at(ctx), facts=proposal.facts, note=proposal.note)
    regrade = _regrade(current, record, ctx)
    payload = RunFactsChanged(
        incident_id=current.incident_id,
        record=record,
        level_from=regrade[0] if regrade else None,
        level_to=regrade[1] if regrade else None,
        proposal_id=proposal.proposal_id,
        proposed_by=proposal.proposed_by,
        proposed_by_name=proposal.proposed_by_name,
    )
    return _append(current, record, payload, ctx)


def decide_decline(run: Run | None, args: DeclineFacts, ctx: Context) -> Decision:
    current = _run(run)
    proposal = _pending(current, args.proposal_id)
    payload = RunFactsDeclined(
        incident_id=current.incident_id, proposal_id=proposal.proposal_id, reason=args.reason
    )
    return Decision(events=[NewEvent(stream=stream_of(current.incident_id), payload=payload)])


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


def decide_follow(run: Run | None, args: FollowStep, ctx: Context) -> Decision:
    """Tick a step the responders' moves complete, once: refused when it is not open or not earned."""
    current = _run(run)
    state = current.state(ctx.now, grading_thresholds(ctx.settings))
    tick = next(
        (t for t in follow_ticks(current.snapshot, state, current.field_log) if t.step_id == args.step_id),
        None,
    )
    if tick is None:
        raise DomainError("nothing_to_follow")
    # Done when the move happened, stamped no earlier than the run's latest record (a step that opened
    # after the team was sent is done when it opened).
    record = _checked(current, StepCompleted(at=tick.by.at, step_id=tick.step_id), ctx)
    assert isinstance(record, StepCompleted)
    payload = RunStepCompleted(incident_id=current.incident_id, record=record, followed=tick.by)
    return Decision(events=[NewEvent(stream=stream_of(current.incident_id), payload=payload)])
