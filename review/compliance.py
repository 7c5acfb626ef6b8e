"""履职情况: every duty of an incident with its deadline, when it was done, by whom, and how late.

A late duty names the response role and the person who held it when it fell due, from the roster and
the assignments as they were then, and the reason if one was recorded (a skip, a level override).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds
from playbooks.history import (
    ActionFired,
    DecisionRecorded,
    HistoryRecord,
    LevelOverridden,
    ReportFiled,
    StepCompleted,
    StepSkipped,
)
from playbooks.state import OPEN_REPORT, RunState, StepStatus
from playbooks.timeline import wait_key
from responders.roster import Post, running

from .log import IncidentRecord, LoggedEvent, Recorder, fold, response_end

# How long a dispatched person has to acknowledge (确认接收); the console sets no such deadline itself.
DEFAULT_ACK_MINUTES = 5
_TICK = timedelta(microseconds=1)

# The roster post that holds a response role when no one was assigned it at the incident.
ROLE_POSTS: dict[str, Post] = {
    "duty_officer": Post.DUTY_OFFICER,
    "leader_in_charge": Post.LEADER_ON_DUTY,
    "commission_head": Post.LEADER_ON_DUTY,
}


class Kind(StrEnum):
    STEP = "step"  # 处置步骤
    REPORT = "report"  # 报告义务
    DISPATCH_ACK = "dispatch_ack"  # 派遣确认
    ROLLCALL = "rollcall"  # 清点人数
    PAGE_ACK = "page_ack"  # 告警确认


class Outcome(StrEnum):
    ON_TIME = "on_time"  # 按时
    LATE = "late"  # 逾期完成: done after its deadline
    OVERDUE = "overdue"  # 未完成: never done, its deadline passed
    PENDING = "pending"  # 未到期
    SKIPPED = "skipped"  # 跳过 (with a reason)
    RELEASED = "released"  # 解除派遣 before acknowledging
    BLOCKED = "blocked"  # 受阻: waiting for another step (whose row carries any lateness)
    NOT_APPLICABLE = "not_applicable"
    NO_DEADLINE = "no_deadline"


@dataclass(frozen=True)
class Holder:
    """Who held a response role at an instant, and from where that is known."""

    person_id: str
    name: str
    source: str  # "assignment" (dispatched with the role), "roster" (the post's shift), "self"


@dataclass(frozen=True)
class Row:
    """One duty of the compliance table."""

    kind: Kind
    item: str  # step id, obligation id (#occurrence), person id, roll call id/person id
    role: str  # the response role, or the dispatch's role (任务)
    due_at: datetime | None
    done_at: datetime | None
    done_by: Recorder | None
    outcome: Outcome
    late_by: timedelta | None
    holder: Holder | None  # named for late and overdue duties
    reason: str = ""
    positions: tuple[int, ...] = ()  # the events it comes from

    @property
    def late(self) -> bool:
        return self.outcome in (Outcome.LATE, Outcome.OVERDUE)


def role_holder(record: IncidentRecord, role: str, at: datetime) -> Holder | None:
    """Who held `role` at `at`: someone dispatched to the incident with it, else the roster's post."""
    lines: dict[str, str | None] = {}
    for m in sorted(record.moves, key=lambda m: (m.occurred_at, m.position)):
        if m.occurred_at > at:
            break
        if m.move == "dispatch":
            lines[m.person_id] = m.role
        elif m.status == "cleared":
            lines.pop(m.person_id, None)
    assigned = sorted(pid for pid, r in lines.items() if r == role)
    if assigned:
        return Holder(assigned[0], record.person_name(assigned[0]), "assignment")
    post = ROLE_POSTS.get(role)
    if post is None:
        return None
    shifts = [e for e in running(record.roster, at) if e.shift.post is post]
    if not shifts:
        return None
    chosen = max(shifts, key=lambda e: (e.shift.start, e.shift.id))
    return Holder(chosen.holder_id, record.person_name(chosen.holder_id), "roster")


def _override_reason(history: Sequence[HistoryRecord], at: datetime) -> str:
    """The reason of the level override in force at `at`, if any (it sets the deadlines' tier)."""
    reason = ""
    for r in sorted(history, key=lambda r: r.at):
        if isinstance(r, LevelOverridden) and r.at <= at:
            reason = r.reason if r.level is not None else ""
    return reason


def _state_before(record: IncidentRecord, at: datetime, thresholds: GradingThresholds) -> RunState:
    assert record.snapshot is not None and record.facts is not None
    history = [r for r in record.history if r.at < at]
    return evaluate(record.snapshot, record.facts, history, max(at - _TICK, history[0].at), thresholds)


def _judge(due: datetime | None, done: datetime | None, now: datetime) -> tuple[Outcome, timedelta | None]:
    if due is None:
        return Outcome.NO_DEADLINE, None
    if done is not None:
        return (Outcome.LATE, done - due) if done > due else (Outcome.ON_TIME, None)
    return (Outcome.OVERDUE, now - due) if now >= due else (Outcome.PENDING, None)


def _judge_until(
    due: datetime | None, done: datetime | None, now: datetime, end: datetime
) -> tuple[Outcome, timedelta | None]:
    """As `_judge`, for a duty of the response: undone, it counts up to `end` (the close) — 未完成 by
    then if its deadline had passed, else it never fell due while the incident was open."""
    outcome, late_by = _judge(due, done, end)
    if outcome is Outcome.PENDING and end < now:
        return Outcome.NOT_APPLICABLE, None
    return outcome, late_by


def _resolution(record: IncidentRecord, step_id: str) -> tuple[HistoryRecord, Recorder] | None:
    """The record that resolved a step first (the engine's rule), with who recorded it."""
    found: list[tuple[HistoryRecord, Recorder]] = []
    for r, by in zip(record.history, record.recorders, strict=True):
        if isinstance(r, StepCompleted | StepSkipped | DecisionRecorded) and r.step_id == step_id:
            found.append((r, by))
        elif isinstance(r, ActionFired) and r.key == wait_key(step_id):
            found.append((r, by))
    return min(found, key=lambda f: f[0].at) if found else None


def _step_rows(
    record: IncidentRecord, now: datetime, end: datetime, thresholds: GradingThresholds
) -> list[Row]:
    assert record.snapshot is not None and record.facts is not None
    final = evaluate(
        record.snapshot, record.facts, [r for r in record.history if r.at <= now], now, thresholds
    )
    rows: list[Row] = []
    tiered = {s.id for s in record.snapshot.playbook.steps if s.due.setting is not None}
    for step in final.steps:
        due: datetime | None = step.due_at
        done_at: datetime | None = None
        by: Recorder | None = None
        reason = ""
        resolved = (
            _resolution(record, step.step_id)
            if step.status in (StepStatus.DONE, StepStatus.SKIPPED)
            else None
        )
        if resolved is not None:
            rec, by = resolved
            done_at = rec.at
            due = _state_before(record, rec.at, thresholds).step(step.step_id).due_at
            if isinstance(rec, StepSkipped):
                reason = rec.reason
        if step.status is StepStatus.NOT_APPLICABLE:
            outcome, late_by = Outcome.NOT_APPLICABLE, None
        elif step.status is StepStatus.BLOCKED:
            outcome, late_by = Outcome.BLOCKED, None
        else:
            outcome, late_by = _judge_until(due, done_at, now, end)
            if step.status is StepStatus.SKIPPED and outcome is Outcome.ON_TIME:
                outcome = Outcome.SKIPPED
        rows.append(
            _row(
                record,
                Kind.STEP,
                step.step_id,
                step.role.value,
                due,
                done_at,
                by,
                outcome,
                late_by,
                reason,
                tiered=step.step_id in tiered,
            )
        )
    return rows


def _row(
    record: IncidentRecord,
    kind: Kind,
    item: str,
    role: str,
    due: datetime | None,
    done_at: datetime | None,
    by: Recorder | None,
    outcome: Outcome,
    late_by: timedelta | None,
    reason: str = "",
    holder: Holder | None = None,
    tiered: bool = False,
) -> Row:
    late = outcome in (Outcome.LATE, Outcome.OVERDUE)
    if late and holder is None and due is not None:
        holder = role_holder(record, role, due)
    if late and tiered and not reason and due is not None:
        reason = _override_reason(record.history, due)
    return Row(
        kind=kind,
        item=item,
        role=role,
        due_at=due,
        done_at=done_at,
        done_by=by,
        outcome=outcome,
        late_by=late_by,
        holder=holder if late else None,
        reason=reason,
        positions=(by.position,) if by is not None else (),
    )


def _report_rows(record: IncidentRecord, now: datetime, thresholds: GradingThresholds) -> list[Row]:
    assert record.snapshot is not None and record.facts is not None
    rows: list[Row] = []
    roles = {r.id: r.role.value for r in record.snapshot.playbook.reports}
    tiered = {r.id for r in record.snapshot.playbook.reports if r.due.setting is not None}
    for rec, by in zip(record.history, record.recorders, strict=True):
        if not isinstance(rec, ReportFiled) or rec.at > now:
            continue
        before = _state_before(record, rec.at, thresholds).report(rec.obligation_id)
        outcome, late_by = _judge(before.due_at, rec.at, now)
        item = f"{rec.obligation_id}#{before.occurrence}"
        role = roles[rec.obligation_id]
        tier = rec.obligation_id in tiered
        rows.append(
            _row(record, Kind.REPORT, item, role, before.due_at, rec.at, by, outcome, late_by, tiered=tier)
        )
    final = evaluate(
        record.snapshot, record.facts, [r for r in record.history if r.at <= now], now, thresholds
    )
    for report in final.reports:
        if report.status in OPEN_REPORT and report.due_at is not None:
            outcome, late_by = _judge(report.due_at, None, now)
            item = f"{report.obligation_id}#{report.occurrence}"
            tier = report.obligation_id in tiered
            role = report.role.value
            rows.append(
                _row(
                    record, Kind.REPORT, item, role, report.due_at, None, None, outcome, late_by, tiered=tier
                )
            )
    return rows


def _dispatch_rows(record: IncidentRecord, now: datetime, end: datetime, ack: timedelta) -> list[Row]:
    rows: list[Row] = []
    open_dispatch: dict[str, tuple[datetime, str, Recorder]] = {}

    def close(person_id: str, done_at: datetime | None, by: Recorder | None, released: bool) -> None:
        at, role, sent_by = open_dispatch.pop(person_id)
        due = at + ack
        outcome, late_by = _judge_until(due, done_at, now, end)
        if outcome is Outcome.NOT_APPLICABLE:  # still to acknowledge when the incident closed: stood down
            outcome = Outcome.RELEASED
        if released and outcome is not Outcome.LATE:
            outcome, late_by = Outcome.RELEASED, None
        holder = Holder(person_id, record.person_name(person_id), "self")
        row = _row(
            record, Kind.DISPATCH_ACK, person_id, role, due, done_at, by, outcome, late_by, holder=holder
        )
        positions = (sent_by.position, *row.positions)
        rows.append(replace(row, positions=positions))

    for m in sorted(record.moves, key=lambda m: (m.occurred_at, m.position)):
        if m.occurred_at > now:
            break
        if m.move == "dispatch":
            if m.person_id in open_dispatch:
                close(m.person_id, None, None, released=True)
            open_dispatch[m.person_id] = (m.occurred_at, m.role or "", m.by)
        elif m.person_id in open_dispatch and m.move == "acknowledge":
            close(m.person_id, m.occurred_at, m.by, released=False)
        elif m.person_id in open_dispatch and m.status == "cleared":
            close(m.person_id, None, None, released=True)
    for person_id in sorted(open_dispatch):
        close(person_id, None, None, released=False)
    return rows


def _rollcall_rows(record: IncidentRecord, now: datetime, end: datetime) -> list[Row]:
    rows: list[Row] = []
    for call in record.rollcalls:
        if call.started_at > now:
            continue
        for person_id in call.expected:
            found = [
                c
                for c in record.confirmations
                if c.rollcall_id == call.rollcall_id and c.person_id == person_id and c.occurred_at <= now
            ]
            first = min(found, key=lambda c: c.occurred_at) if found else None
            done_at = first.occurred_at if first else None
            outcome, late_by = _judge_until(call.deadline, done_at, now, end)
            holder = Holder(person_id, record.person_name(person_id), "self")
            item = f"{call.rollcall_id}/{person_id}"
            by = first.by if first else None
            row = _row(
                record, Kind.ROLLCALL, item, "", call.deadline, done_at, by, outcome, late_by, holder=holder
            )
            rows.append(replace(row, positions=(call.by.position, *row.positions)))
    return rows


@dataclass(frozen=True)
class Page:
    """One page of an alert to one person (告警), as the alerts' delivery log holds it."""

    alert_id: str
    person_id: str
    level: int
    round: int
    ask: str  # what the recipient was asked (alerts.message.Ask)
    paged_at: datetime
    due_at: datetime  # paged_at + the level's acknowledge timeout, from the alert's own policy
    acked_at: datetime | None
    ack_route: str | None  # link, console, dispatch
    position: int  # the event that paged or acknowledged last


def _page_rows(record: IncidentRecord, pages: Sequence[Page], now: datetime, end: datetime) -> list[Row]:
    rows: list[Row] = []
    for page in sorted(pages, key=lambda p: (p.paged_at, p.alert_id, p.person_id, p.level, p.round)):
        if page.paged_at > end:
            continue  # not yet paged, or paged by the console's timers after the incident closed
        done_at = page.acked_at if page.acked_at is not None and page.acked_at <= now else None
        outcome, late_by = _judge_until(page.due_at, done_at, now, end)
        name = record.person_name(page.person_id)
        by = Recorder(page.person_id, name, page.position, done_at) if done_at is not None else None
        holder = Holder(page.person_id, name, "self")
        item = f"{page.alert_id}/{page.person_id}@{page.level + 1}.{page.round + 1}"
        reason = f"via {page.ack_route}" if done_at is not None and page.ack_route else ""
        row = _row(
            record, Kind.PAGE_ACK, item, page.ask, page.due_at, done_at, by, outcome, late_by, reason, holder
        )
        rows.append(replace(row, positions=(page.position,)))
    return rows


def compliance(
    incident_id: str,
    events: Iterable[LoggedEvent],
    now: datetime,
    *,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
    ack_minutes: int = DEFAULT_ACK_MINUTES,
    pages: Sequence[Page] = (),
) -> list[Row]:
    """The compliance table of one incident as of `now`: steps, reports, dispatch acks, roll calls,
    and the acknowledgement of every page (`pages`: from the alerts' delivery log)."""
    record = fold(incident_id, events)
    # the response's duties count up to the close; reports are owed after it too (终报), up to now
    end = response_end(record, now)
    rows: list[Row] = []
    if record.snapshot is not None:
        rows += _step_rows(record, now, end, thresholds)
        rows += _report_rows(record, now, thresholds)
    rows += _dispatch_rows(record, now, end, timedelta(minutes=ack_minutes))
    rows += _rollcall_rows(record, now, end)
    rows += _page_rows(record, pages, now, end)
    return rows


CSV_HEADER = (
    "类别 kind",
    "事项 item",
    "角色 role",
    "时限 due",
    "完成 done",
    "登记人 by",
    "结果 outcome",
    "超时(分钟) minutes late",
    "责任人 holder",
    "原因 reason",
)


def _iso(at: datetime | None) -> str:
    return at.isoformat() if at is not None else ""


def to_csv(rows: Iterable[Row]) -> str:
    """The table as CSV (UTF-8 text; the edge adds a BOM for spreadsheet programs)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        minutes = f"{r.late_by.total_seconds() / 60:.1f}" if r.late_by is not None else ""
        holder = f"{r.holder.name} ({r.holder.person_id})" if r.holder is not None else ""
        writer.writerow(
            [
                r.kind.value,
                r.item,
                r.role,
                _iso(r.due_at),
                _iso(r.done_at),
                r.done_by.name if r.done_by else "",
                r.outcome.value,
                minutes,
                holder,
                r.reason,
            ]
        )
    return out.getvalue()
