"""Read models of reports: an incident's reports, one report with its fields and versions, documents."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from reports.document import ReportDocument, document_of
from reports.model import STAGE_LABELS, FieldKey, Stage
from reports.statistics import Period

from ..clock import parse_iso
from ..incidents.permissions import CONFIDENTIAL_BY_ROLE
from ..incidents.tables import incident_members
from ..settings import Settings
from ..tables import events
from .events import DraftData
from .store import header_for, report_state
from .tables import report_deliveries, report_items, report_receipts, report_versions


def _listed(conn: Connection, where: Any) -> list[dict[str, Any]]:
    query = (
        select(report_items, report_versions.c.draft, report_versions.c.content_hash)
        .join(
            report_versions,
            (report_versions.c.report_id == report_items.c.report_id)
            & (report_versions.c.version == report_items.c.version),
        )
        .where(where)
        .order_by(report_items.c.created_at, report_items.c.report_id)
    )
    out = []
    for r in conn.execute(query):
        draft = DraftData.model_validate_json(r.draft).draft()
        out.append(
            {
                "report_id": r.report_id,
                "stage": r.stage,
                "stage_label": STAGE_LABELS[Stage(r.stage)],
                "sequence": r.sequence,
                "obligation_id": r.obligation_id,
                "version": r.version,
                "status": r.status,
                "title": draft.title,
                "missing": [str(k) for k in draft.missing],
                "content_hash": r.content_hash,
                "period": draft.number if r.stage == Stage.STATISTICS.value else None,
            }
        )
    return out


def reports_of_incident(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    """Every report of an incident, oldest first, with where its current version stands."""
    return _listed(conn, report_items.c.incident_id == incident_id)


def statistics_reports(
    conn: Connection, now: datetime, tz: tzinfo, send_days: int = 5
) -> list[dict[str, Any]]:
    """Every periodic statistics report (统计报告), newest first, each naming its period, the last day
    to send it (`send_days` after the period) and whether that day passed with the report unsent."""
    out = _listed(conn, report_items.c.stage == Stage.STATISTICS.value)[::-1]
    for item in out:
        period = Period.parse(item["period"])
        by = period.send_by(send_days)
        item["send_by"] = by.isoformat()
        item["send_by_label"] = f"{by.month}月{by.day}日"
        item["late"] = item["status"] != "sent" and period.overdue(now, tz, send_days)
    return out


def statistics_periods(conn: Connection) -> set[str]:
    """The periods (2026-11, 2026-Q4) whose statistics report is drafted."""
    return {r["period"] for r in _listed(conn, report_items.c.stage == Stage.STATISTICS.value)}


def log_began(conn: Connection) -> datetime | None:
    """When the log's first event was recorded (None: an empty log)."""
    first = conn.execute(select(events.c.recorded_at).order_by(events.c.position).limit(1)).first()
    return None if first is None else parse_iso(first.recorded_at)


def _source_incidents(conn: Connection, positions: set[int]) -> dict[str, str]:
    """The incident of each log position a statistics report counted (its registration's stream)."""
    if not positions:
        return {}
    rows = conn.execute(
        select(events.c.position, events.c.stream).where(events.c.position.in_(sorted(positions)))
    )
    return {
        str(r.position): r.stream.removeprefix("incident-") for r in rows if r.stream.startswith("incident-")
    }


def may_read_confidential(conn: Connection, incident_id: str, user_id: str, roles: frozenset[str]) -> bool:
    """Whether this user may read an incident's confidential values: by role, or assigned to it."""
    if roles & CONFIDENTIAL_BY_ROLE:
        return True
    member = conn.execute(
        select(incident_members.c.user_id).where(
            (incident_members.c.incident_id == incident_id) & (incident_members.c.user_id == user_id)
        )
    ).first()
    return member is not None


def holds_confidential(conn: Connection, report_id: str) -> tuple[str, bool] | None:
    """(incident, whether any version of the report carries approved confidential values), or None."""
    item = conn.execute(
        select(report_items.c.incident_id).where(report_items.c.report_id == report_id)
    ).first()
    if item is None:
        return None
    drafts = conn.execute(select(report_versions.c.draft).where(report_versions.c.report_id == report_id))
    holds = any(
        any(f.key is FieldKey.CONFIDENTIAL and f.text for f in DraftData.model_validate_json(r.draft).fields)
        for r in drafts
    )
    return str(item.incident_id), holds


def report_detail(conn: Connection, report_id: str, reveal: bool = False) -> dict[str, Any] | None:
    """One report: its current draft's fields (each with its log positions) and every version.

    Approved confidential values are shown only when `reveal` (the caller may read them)."""
    item = conn.execute(select(report_items).where(report_items.c.report_id == report_id)).first()
    if item is None:
        return None
    versions = conn.execute(
        select(report_versions)
        .where(report_versions.c.report_id == report_id)
        .order_by(report_versions.c.version)
    ).all()
    current = next(v for v in versions if v.version == item.version)
    draft = DraftData.model_validate_json(current.draft).draft()
    return {
        "report_id": item.report_id,
        "incident_id": item.incident_id,
        "stage": item.stage,
        "stage_label": STAGE_LABELS[Stage(item.stage)],
        "sequence": item.sequence,
        "obligation_id": item.obligation_id,
        "drill": bool(item.drill),
        "version": item.version,
        "status": item.status,
        "title": draft.title,
        "since": draft.since,
        "through": draft.through,
        "period": draft.number if draft.stage is Stage.STATISTICS else None,
        # A statistics report counts many incidents: each source position links to its own incident.
        "source_incidents": _source_incidents(conn, {p for f in draft.fields for p in f.sources})
        if draft.stage is Stage.STATISTICS
        else {},
        "fields": [
            {
                "key": str(f.key),
                "label": f.label,
                "text": f.text if reveal or f.key is not FieldKey.CONFIDENTIAL else "",
                "hidden": not reveal and f.key is FieldKey.CONFIDENTIAL,
                "sources": list(f.sources),
                # One figure a line: each figure with the positions it counted ("集体访" → #10 #20).
                "figures": [
                    {"label": line.partition("：")[0], "sources": list(ps)}
                    for line, ps in zip(f.text.splitlines(), f.lines, strict=False)
                ],
                "required": f.required,
                "missing": f.missing,
                "edited": f.edited,
            }
            for f in draft.fields
        ],
        "versions": [
            {
                "version": v.version,
                "status": v.status,
                "corrects": v.corrects,
                "returned_reason": v.returned_reason,
                "signer": v.signer,
                "content_hash": v.content_hash,
                "witness": f"{v.witness_position}:{v.witness_hash}" if v.witness_hash else None,
                "approved_at": v.approved_at,
                "sent_at": v.sent_at,
                "recipients": json.loads(v.recipients) if v.recipients else [],
            }
            for v in versions
        ],
        **(report_deliveries_of(conn, report_id) or {}),
    }


DELIVERY_STATE_LABELS = {
    "pending": "待发送",
    "delivered": "已送达",
    "failed": "发送失败",
    "by_phone": "待电话报送",
}


def report_deliveries_of(conn: Connection, report_id: str) -> dict[str, Any] | None:
    """报送记录: each recipient office's attempts (sent / failed / retried) and its 电话确认, per version."""
    if (
        conn.execute(select(report_items.c.report_id).where(report_items.c.report_id == report_id)).first()
        is None
    ):
        return None
    rows = conn.execute(
        select(report_deliveries)
        .where(report_deliveries.c.report_id == report_id)
        .order_by(
            report_deliveries.c.version,
            report_deliveries.c.recipient,
            report_deliveries.c.channel_index,
            report_deliveries.c.attempt_no,
        )
    ).all()
    receipts = {
        (r.version, r.recipient): r
        for r in conn.execute(select(report_receipts).where(report_receipts.c.report_id == report_id))
    }
    recipients: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        entry = recipients.setdefault(
            (r.version, r.recipient),
            {"version": r.version, "recipient": r.recipient, "attempts": [], "receipt": None},
        )
        entry["attempts"].append(
            {
                "id": r.id,
                "channel": r.kind,
                "fingerprint": r.fingerprint,
                "channel_index": r.channel_index,
                "attempt_no": r.attempt_no,
                "retry": r.attempt_no > 1 or r.channel_index > 0,
                "mode": r.mode,
                "state": r.state,
                "state_label": DELIVERY_STATE_LABELS.get(r.state, r.state),
                "due_at": r.due_at,
                "attempted_at": r.attempted_at,
                "status": r.status,
                "reason": r.reason,
            }
        )
    for key, receipt in receipts.items():
        entry = recipients.setdefault(
            key, {"version": key[0], "recipient": key[1], "attempts": [], "receipt": None}
        )
        entry["receipt"] = {
            "confirmed_by": receipt.confirmed_by,
            "confirmed_at": receipt.confirmed_at,
            "recorded_by": receipt.recorded_by,
            "note": receipt.note,
        }
    out = []
    for entry in recipients.values():
        attempts = entry["attempts"]
        last = attempts[-1]["state"] if attempts else "by_phone"
        if entry["receipt"] is not None:
            state, label = "acknowledged", "已电话确认"
        else:
            state, label = last, DELIVERY_STATE_LABELS.get(last, last)
        out.append({**entry, "state": state, "state_label": label})
    return {"deliveries": out}


def frozen_version(conn: Connection, report_id: str, version: int, recipient: str) -> ReportDocument | None:
    """The frozen document of a version that was sent to this recipient, else None."""
    row = conn.execute(
        select(report_versions.c.document, report_versions.c.recipients).where(
            (report_versions.c.report_id == report_id) & (report_versions.c.version == version)
        )
    ).first()
    if row is None or row.document is None or recipient not in json.loads(row.recipients or "[]"):
        return None
    return ReportDocument.from_json(row.document)


class DocumentNotFound(LookupError):
    """No such report, or no such version."""


def report_document(
    conn: Connection, report_id: str, version: int | None, settings: Settings, now: datetime
) -> ReportDocument:
    """The document of a version: the frozen one once approved, else a preview of the draft as of now."""
    item = conn.execute(select(report_items).where(report_items.c.report_id == report_id)).first()
    if item is None:
        raise DocumentNotFound(report_id)
    wanted = item.version if version is None else version
    row = conn.execute(
        select(report_versions).where(
            (report_versions.c.report_id == report_id) & (report_versions.c.version == wanted)
        )
    ).first()
    if row is None:
        raise DocumentNotFound(f"{report_id} v{wanted}")
    if row.document is not None:
        return ReportDocument.from_json(row.document)
    draft = DraftData.model_validate_json(row.draft).draft()
    return document_of(
        draft,
        header_for(conn, report_state(conn, report_id), settings, now),
        serial=0,
        at=now,
        tz=settings.tz,
        version=wanted,
        corrects=row.corrects,
    )


def find_report(conn: Connection, number: str, stage: Stage, sequence: int | None = None) -> str | None:
    """The id of the report of an incident (by its number) at a stage (the latest, or the Nth)."""
    from ..incidents.tables import incidents

    incident = conn.execute(select(incidents.c.id).where(incidents.c.number == number)).first()
    if incident is None:
        return None
    query = (
        select(report_items.c.report_id, report_items.c.sequence)
        .where((report_items.c.incident_id == incident.id) & (report_items.c.stage == stage.value))
        .order_by(report_items.c.sequence)
    )
    rows = conn.execute(query).all()
    if sequence is not None:
        rows = [r for r in rows if r.sequence == sequence]
    return str(rows[-1].report_id) if rows else None


SNAPSHOT_PARTS: dict[str, Any] = {}
