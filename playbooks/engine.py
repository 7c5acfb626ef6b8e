"""The pure engine: playbook snapshot + facts + history + now -> level, step states and actions due."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from playbooks.conditions import EvalContext, holds
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts, event_grade
from playbooks.history import HistoryRecord
from playbooks.model import (
    ACTIVATION,
    CLOSE,
    Playbook,
    PlaybookSnapshot,
    ReportObligation,
    ReportSchedule,
    Step,
    StepKind,
)
from playbooks.state import (
    OPEN_REPORT,
    OPEN_STEP,
    RESOLVED_STEP,
    Action,
    ActionKind,
    ReportState,
    ReportStatus,
    RunState,
    StepState,
    StepStatus,
)
from playbooks.timeline import RunLog, false_since, read_log, true_since, wait_key
from playbooks.validation import step_order


class NaiveDatetimeError(ValueError):
    """`now` has no time zone; deadlines would be ambiguous."""


def evaluate(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    now: datetime,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> RunState:
    """The run as of `now`; `facts` are those at activation, later FactsChanged records replace them."""
    if now.tzinfo is None:
        raise NaiveDatetimeError("now must be timezone-aware")
    pb = snapshot.playbook
    log = read_log(pb, facts, history, now, thresholds)
    # A closed run is frozen as it stood at the close, so nothing in it changes or fires afterwards.
    clock = now if log.closed_at is None else min(now, log.closed_at)
    steps = _step_states(pb, log, clock, thresholds)
    reports = {
        r.id: _report_state(r, log, now if r.due.after == CLOSE else clock, thresholds) for r in pb.reports
    }
    soon = timedelta(minutes=thresholds.due_soon_minutes)
    candidates: list[Action] = []
    instants: list[datetime] = [r.at for r in history if r.at > now]
    if log.closed_at is None and any(r.schedule is not ReportSchedule.DUE for r in pb.reports):
        instants.append(daily_from(log, thresholds))  # first-day reports end, daily ones begin
    for step in pb.steps:
        state = steps[step.id]
        if state.status in OPEN_STEP and state.due_at is not None and log.closed_at is None:
            candidates += _step_actions(pb, step, state.due_at)
            instants += [state.due_at - soon, state.due_at]
    for report in pb.reports:
        rstate = reports[report.id]
        if rstate.status in OPEN_REPORT and rstate.due_at is not None:
            if log.closed_at is None or report.due.after == CLOSE:
                candidates += _report_actions(pb, report, rstate.due_at, rstate.occurrence)
                instants += [rstate.due_at - soon, rstate.due_at]
    if pb.recusal is not None and recused(pb, log, thresholds):
        # 回避: nothing is asked of the person the report is about, not even an escalation.
        candidates = [a for a in candidates if a.role is not pb.recusal.role]
    unfired = [a for a in candidates if a.key not in log.fired]
    instants += [a.fire_at for a in unfired]
    future = [t for t in instants if t > now]
    return RunState(
        playbook_ref=snapshot.ref,
        now=now,
        activated_at=log.activated_at,
        closed_at=log.closed_at,
        facts=log.segments[-1].facts,
        grading=log.segments[-1].grading,
        event_grade=event_grade(log.segments[-1].facts, thresholds),
        steps=tuple(steps[s.id] for s in pb.steps),
        reports=tuple(reports.values()),
        actions=tuple(sorted((a for a in unfired if a.fire_at <= now), key=lambda a: (a.fire_at, a.key))),
        next_deadline=min(future, default=None),
    )


def next_deadline(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    now: datetime,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> datetime | None:
    """The earliest instant after `now` at which a state changes or an action falls due; None if never."""
    return evaluate(snapshot, facts, history, now, thresholds).next_deadline


def recused(pb: Playbook, log: RunLog, thresholds: GradingThresholds) -> bool:
    """Whether the playbook's recusal (回避) holds on the current facts."""
    if pb.recusal is None:
        return False
    return holds(pb.recusal.when, log.segments[-1].context(thresholds)) is True


def _by_time(due_at: datetime, now: datetime, thresholds: GradingThresholds) -> StepStatus:
    if now >= due_at:
        return StepStatus.OVERDUE
    if now >= due_at - timedelta(minutes=thresholds.due_soon_minutes):
        return StepStatus.DUE_SOON
    return StepStatus.READY


# The order of a playbook's steps (validation.step_order) depends on the playbook alone, which is frozen,
# and a run's playbook is one object for all its evaluations (console.runs.cache parses a pinned playbook
# once per content hash): it is made once per object. Keyed by identity, holding the object so its id is
# not reused while listed.
_ORDERS: dict[int, tuple[Playbook, tuple[Step, ...]]] = {}
_ORDERS_MAX = 64


def _step_order(pb: Playbook) -> tuple[Step, ...]:
    seen = _ORDERS.get(id(pb))
    if seen is None or seen[0] is not pb:
        if len(_ORDERS) >= _ORDERS_MAX:
            _ORDERS.clear()
        seen = _ORDERS[id(pb)] = (pb, step_order(pb))
    return seen[1]


def _step_states(
    pb: Playbook, log: RunLog, now: datetime, thresholds: GradingThresholds
) -> dict[str, StepState]:
    segment = log.segments[-1]
    # A decision step that does not apply answers nothing: steps reading it see "no option".
    decisions = dict(segment.decisions)
    states: dict[str, StepState] = {}
    aside = _standing_aside(pb, log, thresholds)
    # One context for every step: it holds `decisions` itself, so each step sees those set before it.
    ctx = EvalContext(segment.facts, thresholds, segment.grading.level, decisions)
    for step in _step_order(pb):
        states[step.id] = _step_state(step, log, ctx, states, now, aside)
        if step.decision is not None and states[step.id].status is StepStatus.NOT_APPLICABLE:
            decisions.setdefault(step.id, None)
    return states


def _standing_aside(pb: Playbook, log: RunLog, thresholds: GradingThresholds) -> tuple[datetime, str] | None:
    """(since when, the reason) while the recusal holds: the steps marked `stands_aside` are skipped."""
    if pb.recusal is None or not recused(pb, log, thresholds):
        return None
    return true_since(pb.recusal.when, log, thresholds), pb.recusal.reason.zh


def _step_state(
    step: Step,
    log: RunLog,
    ctx: EvalContext,
    states: dict[str, StepState],
    now: datetime,
    aside: tuple[datetime, str] | None = None,
) -> StepState:
    def state(
        status: StepStatus,
        due_at: datetime | None = None,
        resolved_at: datetime | None = None,
        note: str = "",
        blocked_by: tuple[str, ...] = (),
    ) -> StepState:
        return StepState(
            step_id=step.id,
            kind=step.kind,
            role=step.role,
            status=status,
            due_at=due_at,
            resolved_at=resolved_at,
            note=note,
            option=log.options.get(step.id),
            blocked_by=blocked_by,
        )

    if step.id in log.done:
        at, note = log.done[step.id]
        return state(StepStatus.DONE, resolved_at=at, note=note)
    if step.id in log.skipped:
        at, reason = log.skipped[step.id]
        return state(StepStatus.SKIPPED, resolved_at=at, note=reason)
    if step.stands_aside and aside is not None:
        return state(StepStatus.SKIPPED, resolved_at=aside[0], note=aside[1])  # 回避
    applies = True if step.when is None else holds(step.when, ctx)
    if applies is False:
        return state(StepStatus.NOT_APPLICABLE, resolved_at=false_since(step.when, log, ctx.thresholds))
    if applies is None:
        undecided = tuple(d for d in (step.when.decisions() if step.when else ()) if d not in ctx.decisions)
        return state(StepStatus.BLOCKED, blocked_by=undecided)
    since = true_since(step.when, log, ctx.thresholds)
    anchor: datetime | None = since
    if step.due.after != ACTIVATION:
        after = states[step.due.after].resolved_at
        anchor = max(since, after) if after is not None else None
    due_at = step.due.deadline(anchor, ctx.thresholds, ctx.level) if anchor is not None else None
    given = log.given.get(step.id)
    if given is not None and given[0] == step.due.set_by:
        due_at = given[1]  # the higher level's instruction counts (以上级要求为准)
    dated = log.given.get(step.due.before) if step.due.before is not None else None
    if dated is not None and dated[0] == step.due.set_by:
        due_at = dated[1] - step.due.delta  # counted back from the date (倒排时限)
    blockers = tuple(d for d in step.depends_on if states[d].status not in RESOLVED_STEP)
    if blockers or due_at is None:
        return state(StepStatus.BLOCKED, due_at=due_at, blocked_by=blockers)
    return state(_by_time(due_at, now, ctx.thresholds), due_at=due_at)


def _report_state(
    report: ReportObligation, log: RunLog, now: datetime, thresholds: GradingThresholds
) -> ReportState:
    filings = log.filings.get(report.id, [])

    def state(status: ReportStatus, due_at: datetime | None = None) -> ReportState:
        return ReportState(
            obligation_id=report.id,
            stage=report.stage,
            role=report.role,
            recipients=report.recipients,
            status=status,
            occurrence=len(filings) + 1,
            filed_count=len(filings),
            due_at=due_at,
            last_filed_at=filings[-1] if filings else None,
        )

    repeats = report.repeat_every_hours is not None or report.schedule is ReportSchedule.DAILY
    daily_start = daily_from(log, thresholds)
    if report.schedule is ReportSchedule.FIRST_DAY and now >= daily_start:
        return state(ReportStatus.DONE)  # the daily report (日报) takes over
    if filings and not repeats:
        return state(ReportStatus.DONE)
    if log.closed_at is not None and report.due.after != CLOSE and (filings or repeats):
        return state(ReportStatus.DONE)  # follow-up reports end when the incident closes
    segment = log.segments[-1]
    ctx = EvalContext(segment.facts, thresholds, segment.grading.level, segment.decisions)
    applies = True if report.when is None else holds(report.when, ctx)
    if applies is not True:
        return state(ReportStatus.NOT_APPLICABLE if applies is False else ReportStatus.WAITING)
    anchor: datetime | None
    if report.due.after == ACTIVATION:
        anchor = true_since(report.when, log, thresholds)
    elif report.due.after == CLOSE:
        anchor = log.closed_at
    else:
        earlier = log.filings.get(report.due.after)
        anchor = earlier[0] if earlier else None
    if report.schedule is ReportSchedule.DAILY:
        if now < daily_start:
            return state(ReportStatus.WAITING)
        since = [f for f in filings if f >= daily_start]
        due_at = _daily_due(daily_start, since, thresholds)
        return state(ReportStatus(_by_time(due_at, now, thresholds).value), due_at)
    if anchor is None:
        return state(ReportStatus.WAITING)
    due_at = report.due.deadline(anchor, thresholds, segment.grading.level)
    if filings and report.repeat_every_hours is not None:
        due_at = filings[-1] + timedelta(hours=report.repeat_every_hours)
    return state(ReportStatus(_by_time(due_at, now, thresholds).value), due_at)


def daily_from(log: RunLog, thresholds: GradingThresholds) -> datetime:
    """When the daily reports (日报) take over from the first day's: so many hours after activation."""
    return log.activated_at + timedelta(hours=thresholds.daily_report_after_hours)


def _daily_slots(start: datetime, thresholds: GradingThresholds) -> Iterator[datetime]:
    """The daily report hours in the office's time zone, from `start` on."""
    tz = ZoneInfo(thresholds.timezone)
    day = start.astimezone(tz).date()
    hours = (thresholds.daily_report_morning_hour, thresholds.daily_report_afternoon_hour)
    while True:
        for hour in hours:
            slot = datetime.combine(day, time(hour), tzinfo=tz)
            if slot >= start:
                yield slot
        day += timedelta(days=1)


def _daily_due(start: datetime, filings: Sequence[datetime], thresholds: GradingThresholds) -> datetime:
    """Each slot owes one filing; after a long silence the next slot after the last filing is owed."""
    slots = _daily_slots(start, thresholds)
    owed = next(islice(slots, len(filings), None))
    if filings:
        after = next(s for s in _daily_slots(start, thresholds) if s >= filings[-1])
        owed = max(owed, after)
    return owed


def _step_actions(pb: Playbook, step: Step, due_at: datetime) -> Iterator[Action]:
    if step.kind == StepKind.WAIT:
        yield Action(
            key=wait_key(step.id),
            kind=ActionKind.WAIT_ELAPSED,
            fire_at=due_at,
            role=step.role,
            step_id=step.id,
        )
        return
    policy = pb.on_overdue_for(step)
    remind_at = due_at + timedelta(minutes=policy.remind_after_minutes)
    yield Action(
        key=f"remind:step:{step.id}",
        kind=ActionKind.REMIND,
        fire_at=remind_at,
        role=step.role,
        step_id=step.id,
    )
    if policy.escalate_after_minutes is not None:
        escalate_at = due_at + timedelta(minutes=policy.escalate_after_minutes)
        yield Action(
            key=f"escalate:step:{step.id}",
            kind=ActionKind.ESCALATE,
            fire_at=escalate_at,
            role=policy.escalate_to,
            step_id=step.id,
        )


def _report_actions(pb: Playbook, report: ReportObligation, due_at: datetime, n: int) -> Iterator[Action]:
    policy = pb.on_overdue_for(report)
    yield Action(
        key=f"report_due:{report.id}:{n}",
        kind=ActionKind.REPORT_DUE,
        fire_at=due_at + timedelta(minutes=policy.remind_after_minutes),
        role=report.role,
        obligation_id=report.id,
        occurrence=n,
    )
    if policy.escalate_after_minutes is not None:
        yield Action(
            key=f"escalate:report:{report.id}:{n}",
            kind=ActionKind.ESCALATE,
            fire_at=due_at + timedelta(minutes=policy.escalate_after_minutes),
            role=policy.escalate_to,
            obligation_id=report.id,
            occurrence=n,
        )
