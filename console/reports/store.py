"""Reports at the edge: what their decisions load, and the projectors of their events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from alerts.adapter import can_attach
from alerts.channels import fingerprint, kind_of
from playbooks.config import thresholds as grading_thresholds
from playbooks.state import OPEN_REPORT, OPEN_STEP
from reports.document import Header
from reports.model import FieldKey, ReportField, Stage
from reports.statistics import IncidentRecord, Period, report_timeliness

from ..clock import parse_iso, utc_iso
from ..commands import Context
from ..eventlog import GENESIS
from ..events import EventPayload, RecordedEvent
from ..incidents.events import stream_of
from ..incidents.store import confidential_values
from ..incidents.tables import incidents
from ..registry import Projector
from ..responders.tables import org_people, org_places
from ..runs.decide import Run
from ..runs.store import run_of
from ..runs.tables import playbook_runs
from ..settings import Settings
from ..tables import events, users
from . import config
from .decide import Approval, Drafting, Inclusion, ReportState, Sending, Tallying
from .delivering import ChannelPlan, DeliveryState, ReceiptState, delivery_id
from .events import (
    DraftData,
    PlannedChannel,
    ReportApproved,
    ReportConfidentialIncluded,
    ReportDeliveryAttempted,
    ReportDrafted,
    ReportEdited,
    ReportReceiptConfirmed,
    ReportReturned,
    ReportSent,
    ReportStatus,
    ReportSubmitted,
)
from .sources import CONFIDENTIAL_LABELS, TYPE_LABELS, PersonInfo, facts_of
from .tables import report_deliveries, report_items, report_receipts, report_versions

_ITEM = select(report_items).where(report_items.c.report_id == bindparam("id"))
_VERSION = select(report_versions).where(
    (report_versions.c.report_id == bindparam("id")) & (report_versions.c.version == bindparam("v"))
)


def _row_event(row: Any) -> RecordedEvent:
    return RecordedEvent(
        position=row.position,
        stream=row.stream,
        type=row.type,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        visibility=row.visibility,
        command_id=row.command_id,
        payload_json=row.payload,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def incident_events(conn: Connection, incident_id: str) -> list[RecordedEvent]:
    """The incident's stream in position order (registration, amendments, run records, moves)."""
    query = select(events).where(events.c.stream == stream_of(incident_id)).order_by(events.c.position)
    return [_row_event(r) for r in conn.execute(query)]


def people(conn: Connection) -> dict[str, PersonInfo]:
    """The organisation's people by id, and the same people by the id of their login (a person's id is
    their user name), so a step a leader ticked names the leader."""
    query = select(
        org_people.c.id, org_people.c.name, org_people.c.post, org_people.c.phone, org_people.c.roles
    )
    found = {
        r.id: PersonInfo(
            r.name, r.post or "", r.phone or "", frozenset(x for x in r.roles.split(",") if x), r.id
        )
        for r in conn.execute(query)
    }
    logins = conn.execute(select(users.c.id, users.c.username).where(users.c.username.in_(list(found))))
    return {**{str(r.id): found[r.username] for r in logins if r.id not in found}, **found}


def places(conn: Connection) -> dict[str, str]:
    return {r.id: r.name for r in conn.execute(select(org_places.c.id, org_places.c.name))}


def run(conn: Connection, incident_id: str) -> Run | None:
    row = conn.execute(select(playbook_runs).where(playbook_runs.c.incident_id == incident_id)).first()
    return run_of(row) if row is not None else None


def load_facts(conn: Connection, incident_id: str) -> tuple[list[Any], Run | None]:
    """The incident's facts as the draft builder reads them, and its run."""
    current = run(conn, incident_id)
    facts = facts_of(
        incident_events(conn, incident_id),
        people=people(conn),
        places=places(conn),
        snapshot=current.snapshot if current else None,
    )
    return facts, current


def load_drafting(conn: Connection, args: Any, ctx: Context) -> Drafting | None:
    """What drafting a report of an incident needs; None when there is no such incident."""
    row = conn.execute(
        select(incidents.c.id, incidents.c.status).where(incidents.c.id == args.incident_id)
    ).first()
    if row is None:
        return None
    facts, current = load_facts(conn, args.incident_id)
    open_steps: tuple[str, ...] = ()
    obligations: dict[str, Stage] = {}
    if current is not None:
        state = current.state(ctx.now)
        titles = {s.id: s.title.zh for s in current.snapshot.playbook.steps}
        open_steps = tuple(titles[s.step_id] for s in state.steps if s.status in OPEN_STEP)
        obligations = {r.id: Stage(r.stage.value) for r in current.snapshot.playbook.reports}
    sent = conn.execute(
        select(report_versions.c.draft)
        .join(report_items, report_items.c.report_id == report_versions.c.report_id)
        .where((report_items.c.incident_id == args.incident_id) & (report_versions.c.sent_at.is_not(None)))
    ).all()
    through = [DraftData.model_validate_json(r.draft).through for r in sent]
    same_stage = conn.scalar(
        select(func.count())
        .select_from(report_items)
        .where((report_items.c.incident_id == args.incident_id) & (report_items.c.stage == args.stage.value))
    )
    return Drafting(
        incident_id=args.incident_id,
        facts=tuple(facts),
        open_steps=open_steps,
        obligations=obligations,
        since=max(through) if through else None,
        sequence=int(same_stage or 0) + 1,
        closed=row.status == "closed",
    )


_COLLECTIVE_TYPES = frozenset({"collective_visit", "cross_level_visit"})


def statistics_records(
    conn: Connection, period: Period, settings: Settings, now: datetime
) -> list[IncidentRecord]:
    """Every incident registered within a day of the period, as the statistics count it (the core
    keeps those of the period's dates in the office's time zone and leaves out drills)."""
    lo = utc_iso(datetime.combine(period.start - timedelta(days=1), time(), tzinfo=UTC))
    hi = utc_iso(datetime.combine(period.end + timedelta(days=1), time(), tzinfo=UTC))
    rows = conn.execute(
        select(incidents).where((incidents.c.opened_at >= lo) & (incidents.c.opened_at < hi))
    ).all()
    if not rows:
        return []
    streams = {stream_of(r.id): r.id for r in rows}
    registered = {
        streams[r.stream]: int(r.position)
        for r in conn.execute(
            select(events.c.stream, func.min(events.c.position).label("position"))
            .where(events.c.stream.in_(list(streams)) & (events.c.type == "incident.registered"))
            .group_by(events.c.stream)
        )
    }
    runs = {
        r.incident_id: run_of(r)
        for r in conn.execute(
            select(playbook_runs).where(playbook_runs.c.incident_id.in_(list(streams.values())))
        )
    }
    thresholds = grading_thresholds(settings)
    out = []
    for row in rows:
        at = parse_iso(row.opened_at)
        current = runs.get(row.id)
        level, cross, response, due, on_time = "未分级", row.type == "cross_level_visit", None, 0, 0
        if current is not None:
            state = current.state(now, thresholds)
            level = state.grading.level.zh
            cross = cross or state.facts.cross_level
            arrivals = [m.at for m in current.field_log.arrived]
            if arrivals:
                response = max(0.0, (min(arrivals) - at).total_seconds() / 60)
            due, on_time = report_timeliness(
                current.snapshot, current.facts, current.history, now, thresholds
            )
        out.append(
            IncidentRecord(
                position=registered.get(row.id, int(row.last_position)),
                registered_at=at,
                type_label=TYPE_LABELS.get(row.type, row.type),
                level_label=level,
                collective=row.type in _COLLECTIVE_TYPES
                or row.head_count >= thresholds.head_count_collective,
                cross_level=cross,
                drill=bool(row.drill),
                first_response_minutes=response,
                reports_due=due,
                reports_on_time=on_time,
            )
        )
    return out


def load_statistics(conn: Connection, args: Any, ctx: Context) -> Tallying:
    """What drafting a period's statistics needs: the records, the log head, the period's reports."""
    period = Period.parse(args.period)
    existing = [
        r.report_id
        for r in conn.execute(
            select(report_items.c.report_id, report_versions.c.draft)
            .join(report_versions, report_versions.c.report_id == report_items.c.report_id)
            .where((report_items.c.stage == Stage.STATISTICS.value) & (report_versions.c.version == 1))
        )
        if DraftData.model_validate_json(r.draft).number == period.key
    ]
    position, _ = chain_head(conn)
    return Tallying(
        period=period,
        records=tuple(statistics_records(conn, period, ctx.settings, ctx.now)),
        through=position,
        existing=tuple(existing),
    )


def report_state(conn: Connection, report_id: str) -> ReportState | None:
    """A report and its current version, or None."""
    item = conn.execute(_ITEM, {"id": report_id}).first()
    if item is None:
        return None
    version = conn.execute(_VERSION, {"id": report_id, "v": item.version}).one()
    return ReportState(
        report_id=item.report_id,
        incident_id=item.incident_id,
        stage=Stage(item.stage),
        sequence=item.sequence,
        obligation_id=item.obligation_id,
        drill=bool(item.drill),
        version=item.version,
        status=ReportStatus(version.status),
        draft=DraftData.model_validate_json(version.draft).draft(),
        corrects=version.corrects,
        document=version.document,
        content_hash=version.content_hash,
    )


def load_report(conn: Connection, args: Any, _ctx: Context) -> ReportState | None:
    return report_state(conn, args.report_id)


def chain_head(conn: Connection) -> tuple[int, str]:
    """The last event written (in this transaction too): the witness an approval prints."""
    row = conn.execute(
        select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)
    ).first()
    return (int(row.position), str(row.hash)) if row is not None else (0, GENESIS)


def load_approval(conn: Connection, args: Any, ctx: Context) -> Approval:
    report = report_state(conn, args.report_id)
    year = ctx.now.astimezone(ctx.tz).year
    used = conn.scalar(select(func.max(report_versions.c.serial)).where(report_versions.c.year == year))
    position, chain_hash = chain_head(conn)
    return Approval(
        report=report,
        head_position=position,
        head_hash=chain_hash,
        next_serial=int(used or 0) + 1,
        header=header_for(conn, report, ctx.settings, ctx.now),
    )


def header_for(conn: Connection, report: ReportState | None, settings: Settings, now: datetime) -> Header:
    """The office's header with the report's recipients as its addressees (主送)."""
    addressees = recipients_of(conn, report, settings, now) if report is not None else ()
    return config.header(settings, addressees)


def recipients_of(
    conn: Connection, report: ReportState, settings: Settings, now: datetime
) -> tuple[str, ...]:
    """Who receives this report: by stage and response level, from the settings or the playbook."""
    current = run(conn, report.incident_id)
    level = None
    obligation: tuple[Any, ...] = ()
    if current is not None:
        level = current.state(now).grading.level
        found = current.snapshot.playbook.report(report.obligation_id or "")
        obligation = found.recipients if found else ()
    return config.recipients(settings, report.stage, level, obligation, drill=report.drill)


def load_inclusion(conn: Connection, args: Any, _ctx: Context) -> Inclusion:
    report = report_state(conn, args.report_id)
    recorded = frozenset(confidential_values(conn, report.incident_id)) if report is not None else frozenset()
    return Inclusion(report=report, recorded=recorded)


def load_sending(conn: Connection, args: Any, ctx: Context) -> Sending:
    report = report_state(conn, args.report_id)
    if report is None:
        return Sending(report=None, recipients=(), obligation_open=False)
    current = run(conn, report.incident_id)
    open_ = False
    if current is not None and report.obligation_id is not None:
        state = current.state(ctx.now)
        open_ = any(
            r.obligation_id == report.obligation_id and r.status in OPEN_REPORT for r in state.reports
        )
    recipients = recipients_of(conn, report, ctx.settings, ctx.now)
    plans = office_channels(ctx.settings)
    channels = tuple(
        PlannedChannel(
            recipient=r, kind=plans[r][0].kind, fingerprint=plans[r][0].fingerprint, mode=plans[r][0].mode
        )
        for r in recipients
        if plans.get(r)
    )
    return Sending(report=report, recipients=recipients, obligation_open=open_, channels=channels)


def office_channels(settings: Settings) -> dict[str, tuple[ChannelPlan, ...]]:
    """Each office's channels as delivery shows them (kind, fingerprint) and how each carries a report."""
    book = config.offices(settings)
    if book is None:
        return {}
    return {
        o.name: tuple(
            ChannelPlan(kind_of(url).value, fingerprint(url), "attachment" if can_attach(url) else "link")
            for url in o.channels
        )
        for o in book.offices
    }


def load_delivery(conn: Connection, args: Any, ctx: Context) -> DeliveryState | None:
    row = conn.execute(select(report_deliveries).where(report_deliveries.c.id == args.delivery_id)).first()
    if row is None:
        return None
    return DeliveryState(
        id=row.id,
        report_id=row.report_id,
        version=row.version,
        recipient=row.recipient,
        channel_index=row.channel_index,
        attempt_no=row.attempt_no,
        state=row.state,
        channels=office_channels(ctx.settings).get(row.recipient, ()),
    )


def load_receipt(conn: Connection, args: Any, _ctx: Context) -> ReceiptState | None:
    """The report's latest sent version and its recipients."""
    if conn.execute(_ITEM, {"id": args.report_id}).first() is None:
        return None
    row = conn.execute(
        select(report_versions.c.version, report_versions.c.recipients)
        .where((report_versions.c.report_id == args.report_id) & report_versions.c.sent_at.is_not(None))
        .order_by(report_versions.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return ReceiptState(args.report_id, None, ())
    return ReceiptState(args.report_id, row.version, tuple(json.loads(row.recipients or "[]")))


# --- projectors ---


def _set_version(conn: Connection, report_id: str, version: int, position: int, **values: Any) -> None:
    conn.execute(
        update(report_versions)
        .where((report_versions.c.report_id == report_id) & (report_versions.c.version == version))
        .values(**values)
    )
    if "status" in values:
        conn.execute(
            update(report_items)
            .where(report_items.c.report_id == report_id)
            .values(status=values["status"], last_position=position)
        )


def _drafted(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportDrafted)
    if p.version == 1:
        conn.execute(
            insert(report_items).values(
                report_id=p.report_id,
                incident_id=p.incident_id,
                stage=p.draft.stage.value,
                sequence=p.draft.sequence,
                obligation_id=p.obligation_id,
                version=1,
                status=ReportStatus.DRAFTED.value,
                drill=p.draft.drill,
                created_at=event.recorded_at,
                last_position=event.position,
            )
        )
    else:
        conn.execute(
            update(report_items)
            .where(report_items.c.report_id == p.report_id)
            .values(version=p.version, status=ReportStatus.DRAFTED.value, last_position=event.position)
        )
    conn.execute(
        insert(report_versions).values(
            report_id=p.report_id,
            version=p.version,
            status=ReportStatus.DRAFTED.value,
            draft=p.draft.model_dump_json(),
            corrects=p.corrects,
            returned_reason="",
        )
    )


def _edited(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportEdited)
    row = conn.execute(_VERSION, {"id": p.report_id, "v": p.version}).one()
    draft = DraftData.model_validate_json(row.draft).draft().edited(dict(p.texts))
    _set_version(
        conn,
        p.report_id,
        p.version,
        event.position,
        draft=DraftData.of(draft).model_dump_json(),
        status=ReportStatus.DRAFTED.value,
    )


def _submitted(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportSubmitted)
    _set_version(conn, p.report_id, p.version, event.position, status=ReportStatus.SUBMITTED.value)


def _returned(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportReturned)
    _set_version(
        conn,
        p.report_id,
        p.version,
        event.position,
        status=ReportStatus.RETURNED.value,
        returned_reason=p.reason,
    )


def _approved(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportApproved)
    _set_version(
        conn,
        p.report_id,
        p.version,
        event.position,
        status=ReportStatus.APPROVED.value,
        serial=p.serial,
        year=p.year,
        signer=p.signer,
        document=p.document,
        content_hash=p.content_hash,
        witness_position=p.witness_position,
        witness_hash=p.witness_hash,
        approved_at=event.recorded_at,
    )


def _included(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportConfidentialIncluded)
    # The values as the sealed record held them when the leader approved: the log's earlier events.
    values = confidential_values(conn, p.incident_id)
    parts = []
    for name in p.fields:
        value = values.get(name)
        if isinstance(value, bool):
            value = "是" if value else "否"
        if value is not None:
            parts.append(f"{CONFIDENTIAL_LABELS.get(name, name)}：{value}")
    text = "；".join(parts) + "。" if parts else ""
    row = conn.execute(_VERSION, {"id": p.report_id, "v": p.version}).one()
    draft = DraftData.model_validate_json(row.draft).draft()
    field = ReportField(FieldKey.CONFIDENTIAL, text, (event.position,))
    _set_version(
        conn,
        p.report_id,
        p.version,
        event.position,
        draft=DraftData.of(draft.with_field(field)).model_dump_json(),
        status=ReportStatus.DRAFTED.value,
    )


def _sent(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportSent)
    _set_version(
        conn,
        p.report_id,
        p.version,
        event.position,
        status=ReportStatus.SENT.value,
        sent_at=event.recorded_at,
        recipients=json.dumps(p.recipients, ensure_ascii=False),
    )
    planned = {c.recipient: c for c in p.channels}
    for recipient in p.recipients:
        channel = planned.get(recipient)
        values: dict[str, Any] = {
            "id": delivery_id(p.report_id, p.version, recipient, 0, 1),
            "report_id": p.report_id,
            "version": p.version,
            "recipient": recipient[:64],
            "channel_index": 0,
            "attempt_no": 1,
            "created_at": event.recorded_at,
            "due_at": event.recorded_at,
            "last_position": event.position,
        }
        if channel is None:  # no channel configured: the duty officer telephones (电话报送)
            values.update(kind="phone", fingerprint="", mode="phone", state="by_phone")
        else:
            values.update(
                kind=channel.kind, fingerprint=channel.fingerprint, mode=channel.mode, state="pending"
            )
        conn.execute(insert(report_deliveries).values(**values))


def _delivery_attempted(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportDeliveryAttempted)
    conn.execute(
        update(report_deliveries)
        .where(report_deliveries.c.id == p.delivery_id)
        .values(
            state="delivered" if p.ok else "failed",
            attempted_at=event.recorded_at,
            status=p.status,
            reason=p.reason,
            lease_until=None,
            claimed_by=None,
            last_position=event.position,
        )
    )
    if p.next is not None:
        n = p.next
        conn.execute(
            insert(report_deliveries).values(
                id=n.id,
                report_id=p.report_id,
                version=p.version,
                recipient=p.recipient,
                channel_index=n.channel_index,
                attempt_no=n.attempt_no,
                kind=n.kind,
                fingerprint=n.fingerprint,
                mode=n.mode,
                state="pending",
                created_at=event.recorded_at,
                due_at=n.due_at,
                last_position=event.position,
            )
        )


def _receipt_confirmed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ReportReceiptConfirmed)
    key = (
        (report_receipts.c.report_id == p.report_id)
        & (report_receipts.c.version == p.version)
        & (report_receipts.c.recipient == p.recipient)
    )
    conn.execute(delete(report_receipts).where(key))
    conn.execute(
        insert(report_receipts).values(
            report_id=p.report_id,
            version=p.version,
            recipient=p.recipient,
            confirmed_by=p.confirmed_by,
            confirmed_at=p.confirmed_at,
            recorded_by=event.actor_name,
            note=p.note,
            last_position=event.position,
        )
    )


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    ReportDrafted: (_drafted,),
    ReportEdited: (_edited,),
    ReportSubmitted: (_submitted,),
    ReportReturned: (_returned,),
    ReportApproved: (_approved,),
    ReportConfidentialIncluded: (_included,),
    ReportSent: (_sent,),
    ReportDeliveryAttempted: (_delivery_attempted,),
    ReportReceiptConfirmed: (_receipt_confirmed,),
}
