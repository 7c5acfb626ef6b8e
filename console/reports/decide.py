"""The pure decisions on reports: the status machine, drafting, approval (签发) and sending.

drafted → submitted → approved (签发, a leader) → sent; submitted → returned (with a reason) → drafted
or submitted again. Nothing but an approved version can be sent, and nothing with a required field
empty can be approved. An approved version is frozen: changing it means a correction, a new version
that says what it corrects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from playbooks.history import ReportFiled
from reports.document import Header, ReportDocument, document_of
from reports.draft import DraftError, build_draft
from reports.facts import LogFact
from reports.model import STAGE_LABELS, Draft, FieldKey, Stage
from reports.statistics import IncidentRecord, Period, build_statistics, statistics_draft

from ..commands import Context, Decision
from ..errors import DomainError, NotFound
from ..events import VISIBILITY_AUDIT, NewEvent
from ..incidents.events import stream_of
from ..runs.events import RunReportFiled
from .commands import (
    ApproveReport,
    CorrectReport,
    DraftReport,
    DraftStatistics,
    EditReport,
    IncludeConfidential,
    LogDownload,
    ReturnReport,
    SendReport,
    SubmitReport,
)
from .events import (
    DraftData,
    PlannedChannel,
    ReportApproved,
    ReportConfidentialIncluded,
    ReportDownloaded,
    ReportDrafted,
    ReportEdited,
    ReportReturned,
    ReportSent,
    ReportStatus,
    ReportSubmitted,
    stream_of_report,
)


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    SEND = "send"
    CORRECT = "correct"
    INCLUDE = "include"


# action -> (the statuses it is allowed from, the status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[ReportStatus], ReportStatus]] = {
    Action.EDIT: (frozenset({ReportStatus.DRAFTED, ReportStatus.RETURNED}), ReportStatus.DRAFTED),
    Action.SUBMIT: (frozenset({ReportStatus.DRAFTED, ReportStatus.RETURNED}), ReportStatus.SUBMITTED),
    Action.RETURN: (frozenset({ReportStatus.SUBMITTED}), ReportStatus.RETURNED),
    Action.APPROVE: (frozenset({ReportStatus.SUBMITTED}), ReportStatus.APPROVED),
    Action.SEND: (frozenset({ReportStatus.APPROVED}), ReportStatus.SENT),
    Action.CORRECT: (frozenset({ReportStatus.APPROVED, ReportStatus.SENT}), ReportStatus.DRAFTED),
    Action.INCLUDE: (frozenset({ReportStatus.DRAFTED, ReportStatus.RETURNED}), ReportStatus.DRAFTED),
}


def move(status: ReportStatus, action: Action) -> ReportStatus:
    """The status after `action`, or a refusal naming what was expected."""
    allowed, after = TRANSITIONS[action]
    if status not in allowed:
        expected = "/".join(sorted(allowed))
        raise DomainError("report_illegal_move", detail=f"{action} needs {expected}, the report is {status}")
    return after


@dataclass(frozen=True)
class ReportState:
    """A report and its current version, as the projection holds them."""

    report_id: str
    incident_id: str
    stage: Stage
    sequence: int
    obligation_id: str | None
    drill: bool
    version: int
    status: ReportStatus
    draft: Draft
    corrects: str
    document: str | None  # the frozen document's JSON, once approved
    content_hash: str | None


@dataclass(frozen=True)
class Drafting:
    """What drafting a report loads: the incident's facts and what the run says is open."""

    incident_id: str
    facts: tuple[LogFact, ...]
    open_steps: tuple[str, ...]
    obligations: dict[str, Stage]  # the playbook's report obligations
    since: int | None  # the last position read by the previous sent report of this incident
    sequence: int  # the number of this stage's report (续报 N)
    closed: bool


@dataclass(frozen=True)
class Approval:
    """What approving loads: the report, the log head (the witness), the next 文号 and the header."""

    report: ReportState | None
    head_position: int
    head_hash: str
    next_serial: int
    header: Header


@dataclass(frozen=True)
class Sending:
    """What sending loads: the report, its recipients, and whether its obligation is open in the run."""

    report: ReportState | None
    recipients: tuple[str, ...]
    obligation_open: bool
    channels: tuple[PlannedChannel, ...] = ()  # each recipient's first channel (the offices file)


def _report(state: ReportState | None) -> ReportState:
    if state is None:
        raise NotFound("report_not_found")
    return state


def decide_draft(state: Drafting | None, args: DraftReport, ctx: Context) -> Decision:
    if args.stage is Stage.STATISTICS:
        raise DomainError("report_statistics_by_period")
    if state is None:
        raise NotFound("incident_not_found")
    if args.obligation_id is not None:
        stage = state.obligations.get(args.obligation_id)
        if stage is None:
            raise DomainError("unknown_report")
        if stage.value != args.stage.value:
            raise DomainError("report_stage_mismatch", detail=STAGE_LABELS[stage])
    if args.stage is Stage.FINAL and not state.closed:
        raise DomainError("report_final_needs_close")
    try:
        draft = build_draft(
            args.stage,
            state.facts,
            ctx.now,
            ctx.tz,
            since=state.since,
            sequence=state.sequence,
            open_steps=state.open_steps,
        )
    except DraftError:
        raise NotFound("incident_not_found") from None
    payload = ReportDrafted(
        report_id=ctx.new_id,
        incident_id=state.incident_id,
        obligation_id=args.obligation_id,
        version=1,
        draft=DraftData.of(draft),
    )
    return Decision(
        events=[NewEvent(stream=stream_of_report(ctx.new_id), payload=payload)],
        result={"report_id": ctx.new_id},
    )


@dataclass(frozen=True)
class Tallying:
    """What drafting a period's statistics loads: the incidents registered around it, the log head, and
    the statistics reports of that period already drafted."""

    period: Period
    records: tuple[IncidentRecord, ...]
    through: int
    existing: tuple[str, ...]  # report ids


def decide_draft_statistics(state: Tallying, args: DraftStatistics, ctx: Context) -> Decision:
    """统计报告: the period's figures drafted from the log, a report like any other from here on."""
    period = state.period
    if not period.ended(ctx.now, ctx.tz):
        raise DomainError("report_period_open", detail=period.label)
    if state.existing:
        # One report a period: a change to a sent one is its correction (report.correct).
        raise DomainError("report_statistics_exists", detail=period.label)
    stats = build_statistics(state.records, period, ctx.tz)
    draft = statistics_draft(stats, through=state.through)
    payload = ReportDrafted(
        report_id=ctx.new_id,
        incident_id="",  # of no one incident: the period is the draft's number
        obligation_id=None,
        version=1,
        draft=DraftData.of(draft),
    )
    return Decision(
        events=[NewEvent(stream=stream_of_report(ctx.new_id), payload=payload)],
        result={"report_id": ctx.new_id, "period": period.key},
    )


def decide_edit(state: ReportState | None, args: EditReport, ctx: Context) -> Decision:
    report = _report(state)
    move(report.status, Action.EDIT)
    # Only a leader's inclusion (report.include_confidential) writes the confidential field.
    present = {f.key for f in report.draft.fields} - {FieldKey.CONFIDENTIAL}
    unknown = sorted(str(k) for k in args.texts if k not in present)
    if unknown:
        raise DomainError("report_field_unknown", detail=", ".join(unknown))
    payload = ReportEdited(report_id=report.report_id, version=report.version, texts=dict(args.texts))
    return Decision(events=[NewEvent(stream=stream_of_report(report.report_id), payload=payload)])


def decide_submit(state: ReportState | None, args: SubmitReport, ctx: Context) -> Decision:
    report = _report(state)
    move(report.status, Action.SUBMIT)
    _complete(report.draft)
    payload = ReportSubmitted(report_id=report.report_id, version=report.version)
    return Decision(events=[NewEvent(stream=stream_of_report(report.report_id), payload=payload)])


def decide_return(state: ReportState | None, args: ReturnReport, ctx: Context) -> Decision:
    report = _report(state)
    move(report.status, Action.RETURN)
    payload = ReportReturned(report_id=report.report_id, version=report.version, reason=args.reason)
    return Decision(events=[NewEvent(stream=stream_of_report(report.report_id), payload=payload)])


def _complete(draft: Draft) -> None:
    if draft.missing:
        labels = "、".join(f.label for f in draft.fields if f.missing)
        raise DomainError("report_fields_missing", detail=labels)


def frozen_document(
    report: ReportState,
    header: Header,
    *,
    serial: int,
    at: datetime,
    ctx: Context,
    signer: str,
    witness: str,
) -> ReportDocument:
    """The document this version becomes when approved."""
    return document_of(
        report.draft,
        header,
        serial=serial,
        at=at,
        tz=ctx.tz,
        version=report.version,
        signer=signer,
        witness=witness,
        corrects=report.corrects,
    )


def witness_line(position: int, chain_hash: str) -> str:
    """The witness printed on a report: the chain head when it was approved."""
    return f"签发时日志位置 {position}，链哈希 {chain_hash}"


def decide_approve(state: Approval | None, args: ApproveReport, ctx: Context) -> Decision:
    if state is None:
        raise NotFound("report_not_found")
    report = _report(state.report)
    move(report.status, Action.APPROVE)
    _complete(report.draft)
    document = frozen_document(
        report,
        state.header,
        serial=state.next_serial,
        at=ctx.now,
        ctx=ctx,
        signer=ctx.actor.name,
        witness=witness_line(state.head_position, state.head_hash),
    )
    payload = ReportApproved(
        report_id=report.report_id,
        version=report.version,
        signer=ctx.actor.name,
        serial=state.next_serial,
        year=ctx.now.astimezone(ctx.tz).year,
        document=document.canonical_json(),
        content_hash=document.content_hash(),
        witness_position=state.head_position,
        witness_hash=state.head_hash,
    )
    return Decision(
        events=[NewEvent(stream=stream_of_report(report.report_id), payload=payload)],
        result={"content_hash": payload.content_hash, "doc_number": document.doc_number},
    )


def decide_send(state: Sending | None, args: SendReport, ctx: Context) -> Decision:
    if state is None:
        raise NotFound("report_not_found")
    report = _report(state.report)
    move(report.status, Action.SEND)
    if not state.recipients:
        raise DomainError("report_no_recipients")
    assert report.content_hash is not None  # an approved version always has its hash
    events = [
        NewEvent(
            stream=stream_of_report(report.report_id),
            payload=ReportSent(
                report_id=report.report_id,
                incident_id=report.incident_id,
                version=report.version,
                content_hash=report.content_hash,
                recipients=list(state.recipients),
                drill=report.drill,
                channels=state.channels,
            ),
        )
    ]
    if report.obligation_id is not None and state.obligation_open:
        # Sending the approved report is what fulfils the playbook's obligation (run.file_report stays
        # for reports made by phone).
        note = f"报告 {report.draft.title} 第{report.version}版已报送（{report.content_hash[:12]}）"
        record = ReportFiled(at=ctx.now, obligation_id=report.obligation_id, note=note)
        filed = RunReportFiled(incident_id=report.incident_id, record=record, drill=report.drill)
        events.append(NewEvent(stream=stream_of(report.incident_id), payload=filed))
    return Decision(events=events, result={"content_hash": report.content_hash})


@dataclass(frozen=True)
class Inclusion:
    """What approving an inclusion loads: the report and which confidential fields the incident holds."""

    report: ReportState | None
    recorded: frozenset[str]


def decide_include(state: Inclusion | None, args: IncludeConfidential, ctx: Context) -> Decision:
    if state is None:
        raise NotFound("report_not_found")
    report = _report(state.report)
    move(report.status, Action.INCLUDE)
    absent = sorted(set(args.fields) - state.recorded)
    if absent:
        raise DomainError("report_confidential_missing", detail=", ".join(absent))
    payload = ReportConfidentialIncluded(
        report_id=report.report_id,
        incident_id=report.incident_id,
        version=report.version,
        fields=sorted(set(args.fields)),
        reason=args.reason,
    )
    return Decision(events=[NewEvent(stream=stream_of_report(report.report_id), payload=payload)])


def decide_correct(state: ReportState | None, args: CorrectReport, ctx: Context) -> Decision:
    report = _report(state)
    move(report.status, Action.CORRECT)
    previous = f"更正第{report.version}版（{(report.content_hash or '')[:12]}）：{args.corrects}"
    payload = ReportDrafted(
        report_id=report.report_id,
        incident_id=report.incident_id,
        obligation_id=report.obligation_id,
        version=report.version + 1,
        # An inclusion holds for the version it was approved for: a correction asks again.
        draft=DraftData.of(report.draft.without(FieldKey.CONFIDENTIAL)),
        corrects=previous,
    )
    return Decision(
        events=[NewEvent(stream=stream_of_report(report.report_id), payload=payload)],
        result={"report_id": report.report_id, "version": report.version + 1},
    )


def decide_download(state: ReportState | None, args: LogDownload, ctx: Context) -> Decision:
    """Log a download before it happens (audit visibility: reviewers and admins see these)."""
    report = _report(state)
    payload = ReportDownloaded(
        report_id=report.report_id, version=args.version or report.version, format=args.format
    )
    event = NewEvent(stream=stream_of_report(report.report_id), payload=payload, visibility=VISIBILITY_AUDIT)
    return Decision(events=[event])
