"""What the review reads from the log: an incident's events, the organisation's, and the chain around them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.policy import Policy
from reports.model import FieldKey
from review.bundle import ChainEntry
from review.compliance import Page

from .. import eventlog
from ..alerts.events import alert_stream
from ..alerts.tables import alert_pages, alerts
from ..clock import parse_iso
from ..commands import Context
from ..events import EventPayload, RecordedEvent
from ..incidents.events import stream_of
from ..incidents.tables import incidents
from ..registry import Projector
from ..reports.events import DraftData, stream_of_report
from ..reports.tables import report_items, report_versions
from ..responders.tables import org_units
from ..roles import Role, parse_roles
from ..tables import events, users
from .decide import InspectorState, ReviewState
from .events import ActionAdded, ActionCompleted, FindingAdded, InspectorUnitsSet, review_stream
from .tables import ORGANISATION, review_actions, review_findings, review_inspector_units, review_log_index

# Events of the whole organisation that the review reads too (names, the roster as it was).
ORGANISATION_TYPES = frozenset({"org.imported", "place.added", "roster.changed"})


@dataclass(frozen=True)
class IncidentLog:
    incident_id: str
    number: str
    events: list[RecordedEvent]


async def incident_by_id(conn: AsyncConnection, incident_id: str) -> tuple[str, str] | None:
    row = (
        await conn.execute(select(incidents.c.id, incidents.c.number).where(incidents.c.id == incident_id))
    ).first()
    return (row.id, row.number) if row is not None else None


async def incident_by_number(conn: AsyncConnection, number: str) -> tuple[str, str] | None:
    row = (
        await conn.execute(select(incidents.c.id, incidents.c.number).where(incidents.c.number == number))
    ).first()
    return (row.id, row.number) if row is not None else None


# The events of other streams that name the incident in their payload (review_log_index holds them).
_NAMING_TYPES = ("responder.moved", "rollcall.started", "rollcall.confirmed", "rollcall.overdue")


async def incident_log(conn: AsyncConnection, incident_id: str, number: str) -> IncidentLog:
    """The incident's events and the organisation's, in position order."""
    stream = stream_of(incident_id)
    reports = await conn.execute(
        select(report_items.c.report_id).where(report_items.c.incident_id == incident_id)
    )
    # its alerts' pages and deliveries, and its reports' versions, approvals and sending
    streams = (
        stream,
        review_stream(incident_id),
        alert_stream(incident_id),
        *(stream_of_report(r.report_id) for r in reports),
    )
    # the moves and roll calls naming it and the organisation's events, by the review's index of them
    # (review_log_index): both halves are read by index, never by a scan of every payload
    indexed = select(review_log_index.c.position).where(
        review_log_index.c.incident_id.in_((incident_id, ORGANISATION))
    )
    query = (
        select(events)
        .where(or_(events.c.stream.in_(streams), events.c.position.in_(indexed)))
        .order_by(events.c.position)
    )
    rows = await conn.execute(query)
    found = [
        e
        for e in map(eventlog._from_row, rows)
        # every event of the incident names it; the LIKE above may also match a mere mention
        if e.type in ORGANISATION_TYPES or e.stream in streams[1:] or e.data.get("incident_id") == incident_id
    ]
    return IncidentLog(incident_id, number, found)


async def chain_from(conn: AsyncConnection, position: int) -> list[ChainEntry]:
    """Every chain entry from `position` to the head."""
    rows = await conn.execute(
        select(events.c.position, events.c.prev_hash, events.c.hash)
        .where(events.c.position >= position)
        .order_by(events.c.position)
    )
    return [ChainEntry(r.position, r.prev_hash, r.hash) for r in rows]


# --- what decisions load, and the projectors ---------------------------------------------------


def load_review(conn: Connection, args: Any, _ctx: Context) -> ReviewState | None:
    """The incident's review state (None: no such incident)."""
    found = conn.execute(select(incidents.c.id).where(incidents.c.id == args.incident_id)).first()
    if found is None:
        return None
    findings = conn.execute(
        select(review_findings.c.finding_id).where(review_findings.c.incident_id == args.incident_id)
    )
    actions = conn.execute(
        select(review_actions.c.action_id, review_actions.c.done_at).where(
            review_actions.c.incident_id == args.incident_id
        )
    )
    return ReviewState(
        incident_id=args.incident_id,
        findings=frozenset(r.finding_id for r in findings),
        actions={r.action_id: r.done_at is not None for r in actions},
    )


def _finding(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, FindingAdded)
    conn.execute(
        insert(review_findings).values(
            finding_id=p.finding_id,
            incident_id=p.incident_id,
            text=p.text,
            added_by_name=event.actor_name,
            added_at=event.recorded_at,
            position=event.position,
        )
    )


def _action(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ActionAdded)
    conn.execute(
        insert(review_actions).values(
            action_id=p.action_id,
            incident_id=p.incident_id,
            finding_id=p.finding_id,
            text=p.text,
            owner=p.owner,
            due_at=p.due_at,
            added_by_name=event.actor_name,
            added_at=event.recorded_at,
            note="",
            position=event.position,
        )
    )


def _completed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ActionCompleted)
    conn.execute(
        update(review_actions)
        .where(review_actions.c.action_id == p.action_id)
        .values(done_at=event.occurred_at, done_by_name=event.actor_name, note=p.note)
    )


def load_inspector(conn: Connection, args: Any, _ctx: Context) -> InspectorState:
    """Whether the user is an inspector (None: no such user), and the organisation's units."""
    user = conn.execute(select(users.c.roles).where(users.c.username == args.username)).first()
    units = frozenset(r.id for r in conn.execute(select(org_units.c.id)))
    if user is None:
        return InspectorState(None, units)
    return InspectorState(Role.INSPECTOR.value in parse_roles(user.roles), units)


def _inspector_units(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, InspectorUnitsSet)
    conn.execute(delete(review_inspector_units).where(review_inspector_units.c.username == p.username))
    for unit_id in p.unit_ids:
        conn.execute(
            insert(review_inspector_units).values(
                username=p.username, unit_id=unit_id, position=event.position
            )
        )


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    FindingAdded: (_finding,),
    ActionAdded: (_action,),
    ActionCompleted: (_completed,),
    InspectorUnitsSet: (_inspector_units,),
}


# --- what the review reads of the other domains' projections -------------------------------------


def pages_of(conn: Connection, incident_id: str) -> list[Page]:
    """Every page of the incident's alerts (告警), with its acknowledgement deadline from its policy."""
    rows = conn.execute(
        select(alert_pages, alerts.c.ask, alerts.c.chain)
        .join(alerts, alerts.c.id == alert_pages.c.alert_id)
        .where(alerts.c.incident_id == incident_id)
        .order_by(alert_pages.c.paged_at, alert_pages.c.alert_id)
    ).all()
    pages: list[Page] = []
    policies: dict[str, Policy] = {}
    for r in rows:
        policy = policies.setdefault(r.alert_id, Policy.model_validate_json(r.chain))
        level = policy.levels[min(r.level, len(policy.levels) - 1)]
        paged_at = parse_iso(r.paged_at)
        pages.append(
            Page(
                alert_id=r.alert_id,
                person_id=r.person_id,
                level=r.level,
                round=r.round,
                ask=r.ask,
                paged_at=paged_at,
                due_at=paged_at + timedelta(minutes=level.ack_timeout_minutes),
                acked_at=parse_iso(r.acked_at) if r.acked_at is not None else None,
                ack_route=r.ack_route,
                position=r.last_position,
            )
        )
    return pages


@dataclass(frozen=True)
class ApprovedVersion:
    """One approved (签发) version of one of the incident's reports, with its frozen document."""

    report_id: str
    version: int
    stage: str
    sequence: int
    serial: int | None
    year: int | None
    signer: str | None
    content_hash: str
    approved_at: str | None
    sent_at: str | None
    recipients: list[str]
    document: str  # canonical JSON of reports.document.ReportDocument
    confidential: bool  # it carries approved confidential values (a bundle leaves it out)


def approved_versions(conn: Connection, incident_id: str) -> list[ApprovedVersion]:
    """The incident's approved report versions, in the order of their reports and versions."""
    rows = conn.execute(
        select(report_versions, report_items.c.stage, report_items.c.sequence)
        .join(report_items, report_items.c.report_id == report_versions.c.report_id)
        .where((report_items.c.incident_id == incident_id) & report_versions.c.document.is_not(None))
        .order_by(report_items.c.created_at, report_versions.c.report_id, report_versions.c.version)
    ).all()
    return [
        ApprovedVersion(
            report_id=r.report_id,
            version=r.version,
            stage=r.stage,
            sequence=r.sequence,
            serial=r.serial,
            year=r.year,
            signer=r.signer,
            content_hash=r.content_hash or "",
            approved_at=r.approved_at,
            sent_at=r.sent_at,
            recipients=json.loads(r.recipients) if r.recipients else [],
            document=r.document,
            confidential=any(
                f.key is FieldKey.CONFIDENTIAL and f.text
                for f in DraftData.model_validate_json(r.draft).fields
            ),
        )
        for r in rows
    ]
