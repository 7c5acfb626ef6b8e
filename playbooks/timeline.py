"""The run's history indexed for the engine: who did what when, and how facts and decisions changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from playbooks.conditions import Condition, EvalContext, holds
from playbooks.facts import GradingThresholds, IncidentFacts
from playbooks.grading import grade
from playbooks.history import (
    ActionFired,
    DecisionRecorded,
    FactsChanged,
    HistoryRecord,
    LevelOverridden,
    ReportFiled,
    RunActivated,
    RunClosed,
    StepCompleted,
    StepSkipped,
)
from playbooks.model import Playbook
from playbooks.state import GradingResult


class NotActivatedError(ValueError):
    """The history has no RunActivated record, so no deadline can be counted."""


def wait_key(step_id: str) -> str:
    """Idempotency key of the action that completes a wait step."""
    return f"wait:step:{step_id}"


@dataclass(frozen=True)
class Segment:
    """A stretch of time from `start` during which facts, override and decisions stay the same."""

    start: datetime
    facts: IncidentFacts
    override: LevelOverridden | None
    decisions: dict[str, str | None]
    grading: GradingResult

    def context(self, thresholds: GradingThresholds) -> EvalContext:
        """What a condition sees during this segment."""
        return EvalContext(self.facts, thresholds, self.grading.level, self.decisions)


@dataclass
class RunLog:
    """The records up to `now`, indexed; the first resolution of a step wins."""

    activated_at: datetime
    closed_at: datetime | None = None
    done: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    skipped: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    fired: set[str] = field(default_factory=set)
    filings: dict[str, list[datetime]] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    # step id -> (the step that gave it, the instant): deadlines given by instructions
    given: dict[str, tuple[str, datetime]] = field(default_factory=dict)


def read_log(
    pb: Playbook,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    now: datetime,
    thresholds: GradingThresholds,
) -> RunLog:
    """Index the records at or before `now`, in time order (ties keep list order)."""
    records = sorted((r for r in history if r.at <= now), key=lambda r: r.at)
    activated = next((r for r in records if isinstance(r, RunActivated)), None)
    if activated is None:
        raise NotActivatedError("history has no run_activated record at or before now")
    log = RunLog(activated_at=activated.at)
    decision_steps = {s.id for s in pb.steps if s.decision is not None}
    wait_steps = {wait_key(s.id): s.id for s in pb.steps if s.kind == "wait"}
    current = Segment(activated.at, facts, None, {}, grade(pb.grading, facts, thresholds))
    log.segments.append(current)
    for r in records:
        changed: Segment | None = None
        if isinstance(r, StepCompleted | StepSkipped | DecisionRecorded) and r.step_id in log.skipped:
            continue  # a skipped step stays skipped; check_record refuses such records anyway
        if isinstance(r, StepCompleted):
            if r.step_id not in log.done:
                log.given.update((d.step_id, (r.step_id, d.due_at)) for d in r.deadlines)
            log.done.setdefault(r.step_id, (r.at, r.note))
        elif isinstance(r, DecisionRecorded):
            log.done.setdefault(r.step_id, (r.at, r.reason))
            log.options[r.step_id] = r.option
            changed = replace(current, decisions={**current.decisions, r.step_id: r.option})
        elif isinstance(r, StepSkipped) and r.step_id not in log.done:
            log.skipped[r.step_id] = (r.at, r.reason)
            if r.step_id in decision_steps:
                changed = replace(current, decisions={**current.decisions, r.step_id: None})
        elif isinstance(r, ActionFired):
            log.fired.add(r.key)
            if r.key in wait_steps:
                log.done.setdefault(wait_steps[r.key], (r.at, ""))
        elif isinstance(r, ReportFiled):
            log.filings.setdefault(r.obligation_id, []).append(r.at)
        elif isinstance(r, RunClosed):
            log.closed_at = log.closed_at or r.at
        elif isinstance(r, FactsChanged):
            changed = replace(current, facts=r.facts)
        elif isinstance(r, LevelOverridden):
            changed = replace(current, override=r)
        if changed is not None:
            # Records dated before activation shape the state the run starts from.
            current = replace(
                changed,
                start=max(r.at, activated.at),
                grading=grade(pb.grading, changed.facts, thresholds, changed.override),
            )
            if log.segments[-1].start == current.start:
                log.segments[-1] = current
            else:
                log.segments.append(current)
    return log


def true_since(cond: Condition | None, log: RunLog, thresholds: GradingThresholds) -> datetime:
    """Start of the latest unbroken stretch in which `cond` held (activation if it always did)."""
    return _since(cond, log, thresholds, want=True)


def false_since(cond: Condition | None, log: RunLog, thresholds: GradingThresholds) -> datetime:
    """Start of the latest unbroken stretch in which `cond` failed."""
    return _since(cond, log, thresholds, want=False)


def _since(cond: Condition | None, log: RunLog, thresholds: GradingThresholds, want: bool) -> datetime:
    if cond is None:
        return log.activated_at
    since = log.segments[-1].start
    for seg in reversed(log.segments):
        if holds(cond, seg.context(thresholds)) is not want:
            break
        since = seg.start
    return since
