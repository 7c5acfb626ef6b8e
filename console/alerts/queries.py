"""Read models of the alerts: unacknowledged pages (board, room, phone), the delivery log and its figures.

Nothing here reads a channel's URL except `channels_for_admin`; everyone else sees kind + fingerprint.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from alerts.channels import masked

from ..clock import parse_iso
from ..incidents.recusal import hidden_from
from ..registry import SnapshotPart
from ..responders.tables import org_people
from ..runs.queries import current_levels
from ..settings import Settings
from .tables import alert_channels, alert_incidents, alert_outbox, alert_pages, alerts


def open_pages(
    conn: Connection, person_id: str | None = None, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Pages of alerts still escalating, not yet acknowledged by their person (oldest first). With the
    settings, an incident's level is its run's now (as the board shows it, from registration on)."""
    query = (
        select(
            alert_pages,
            alerts.c.incident_id,
            alerts.c.ask,
            alerts.c.drill,
            alerts.c.paged_by,
            alerts.c.place,
            alert_incidents.c.number,
            alert_incidents.c.level.label("incident_level"),
        )
        .join(alerts, alerts.c.id == alert_pages.c.alert_id)
        .join(alert_incidents, alert_incidents.c.incident_id == alerts.c.incident_id)
        .where(alerts.c.state.in_(("open", "exhausted")) & (alert_pages.c.state != "acknowledged"))
        .order_by(alert_pages.c.paged_at)
    )
    if person_id is not None:
        query = query.where(alert_pages.c.person_id == person_id)
    rows = conn.execute(query).all()
    levels = incident_levels(conn, [r.incident_id for r in rows], settings)
    return [
        {
            "alert_id": r.alert_id,
            "incident_id": r.incident_id,
            "number": r.number,
            "ask": r.ask,
            "drill": r.drill,
            "paged_by": r.paged_by or "",
            "place": r.place,
            "incident_level": levels.get(r.incident_id, r.incident_level),
            "person_id": r.person_id,
            "level": r.level + 1,
            "state": r.state,
            "paged_at": r.paged_at,
        }
        for r in rows
    ]


def incident_levels(conn: Connection, incident_ids: list[str], settings: Settings | None) -> dict[str, str]:
    """Where a playbook runs, the level its run stands at now: what banners and messages say, the same
    as the board (the alerts' own copy only follows a leader's override)."""
    return current_levels(conn, incident_ids, settings) if settings is not None and incident_ids else {}


def _alerts_part(conn: Connection, view: str, settings: Settings) -> dict[str, Any]:
    hidden = hidden_from(conn, view)  # 回避: incidents about the commission's head
    return {"open_pages": [p for p in open_pages(conn, settings=settings) if p["incident_id"] not in hidden]}


SNAPSHOT_PARTS: dict[str, SnapshotPart] = {"alerts": _alerts_part}


def delivery_log(
    conn: Connection, *, incident_id: str | None = None, person_id: str | None = None
) -> list[dict[str, Any]]:
    """Every attempt, with its result and reason, and the page's acknowledgement and route."""
    query = (
        select(
            alert_outbox,
            alerts.c.ask,
            alerts.c.state.label("alert_state"),
            alert_pages.c.state.label("page_state"),
            alert_pages.c.acked_at,
            alert_pages.c.ack_route,
            alert_pages.c.paged_at,
            org_people.c.name.label("person_name"),
        )
        .join(alerts, alerts.c.id == alert_outbox.c.alert_id)
        .outerjoin(org_people, org_people.c.id == alert_outbox.c.person_id)
        .join(
            alert_pages,
            (alert_pages.c.alert_id == alert_outbox.c.alert_id)
            & (alert_pages.c.person_id == alert_outbox.c.person_id)
            & (alert_pages.c.level == alert_outbox.c.level)
            & (alert_pages.c.round == alert_outbox.c.round),
        )
        # Tries written in one instant (a failure and the next try) in the order they were made.
        .order_by(
            alert_outbox.c.created_at,
            alert_outbox.c.resend,
            alert_outbox.c.level,
            alert_outbox.c.round,
            alert_outbox.c.channel_index,
            alert_outbox.c.attempt_no,
            alert_outbox.c.id,
        )
    )
    if incident_id is not None:
        query = query.where(alert_outbox.c.incident_id == incident_id)
    if person_id is not None:
        query = query.where(alert_outbox.c.person_id == person_id)
    found = list(conn.execute(query))
    resendable = _resendable(found)
    return [
        {
            "alert_id": r.alert_id,
            "incident_id": r.incident_id,
            "ask": r.ask,
            "person_id": r.person_id,
            "level": r.level + 1,
            "round": r.round + 1,
            "channel": r.kind,
            "channel_ref": r.fingerprint,
            "attempt": r.attempt_no,
            "state": r.state,
            "due_at": r.due_at,
            "held_until": r.held_until,
            "attempted_at": r.attempted_at,
            "status": r.status,
            "reason": r.reason,
            "latency_ms": r.latency_ms,
            "paged_at": r.paged_at,
            "acked_at": r.acked_at,
            "ack_route": r.ack_route,
            "dedupe_key": r.id,
            "person_name": r.person_name or r.person_id,
            "resend": r.resend,
            "resend_of": r.resend_of,
            "resent_by": r.resent_by,
            "resendable": r.id in resendable,
        }
        for r in found
    ]


def _resendable(rows: list[Any]) -> set[str]:
    """The failed attempts 重新发送 may be asked for (alert.resend refuses the others): the last try of
    each channel of a page, while the alert still wants the person to know and nothing of the page
    is waiting or in flight."""
    pages: dict[tuple[str, str, int, int], list[Any]] = {}
    for r in rows:
        pages.setdefault((r.alert_id, r.person_id, r.level, r.round), []).append(r)
    out: set[str] = set()
    for attempts in pages.values():
        first = attempts[0]
        if first.alert_state not in ("open", "exhausted") or first.page_state == "acknowledged":
            continue
        if any(a.state == "pending" for a in attempts):
            continue
        last: dict[int, Any] = {}
        for a in attempts:  # a channel's latest try: of the latest resend, the highest attempt
            seen = last.get(a.channel_index)
            if seen is None or (a.resend, a.attempt_no) > (seen.resend, seen.attempt_no):
                last[a.channel_index] = a
        out |= {a.id for a in last.values() if a.state == "failed"}
    return out


LOG_COLUMNS = (
    "alert_id",
    "incident_id",
    "ask",
    "person_id",
    "level",
    "round",
    "channel",
    "channel_ref",
    "attempt",
    "state",
    "due_at",
    "attempted_at",
    "status",
    "reason",
    "latency_ms",
    "paged_at",
    "acked_at",
    "ack_route",
    "dedupe_key",
    "held_until",
    "resend_of",
    "resent_by",
)


def delivery_log_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LOG_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()}
        )
    return out.getvalue()


def figures(conn: Connection, incident_id: str) -> dict[str, Any]:
    """Per incident: seconds from page to first delivery, and from page to acknowledgement per level."""
    first_delivery: list[float] = []
    ack_by_level: dict[int, list[float]] = {}
    for r in conn.execute(
        select(alert_pages)
        .join(alerts, alerts.c.id == alert_pages.c.alert_id)
        .where(alerts.c.incident_id == incident_id)
    ):
        paged = parse_iso(r.paged_at)
        if r.delivered_at:
            first_delivery.append((parse_iso(r.delivered_at) - paged).total_seconds())
        if r.acked_at:
            ack_by_level.setdefault(r.level + 1, []).append((parse_iso(r.acked_at) - paged).total_seconds())
    return {
        "pages": sum(
            1
            for _ in conn.execute(
                select(alert_pages.c.alert_id)
                .join(alerts, alerts.c.id == alert_pages.c.alert_id)
                .where(alerts.c.incident_id == incident_id)
            )
        ),
        "time_to_first_delivery_s": min(first_delivery) if first_delivery else None,
        "time_to_ack_s_by_level": {level: min(v) for level, v in sorted(ack_by_level.items())},
    }


def channels_for(conn: Connection, person_id: str, *, admin: bool) -> list[dict[str, Any]]:
    """A person's channels as shown: the URL itself only to an admin."""
    rows = conn.execute(
        select(alert_channels).where(alert_channels.c.person_id == person_id).order_by(alert_channels.c.seq)
    )
    return [
        {"seq": r.seq, "kind": r.kind, "fingerprint": r.fingerprint, "url": r.url if admin else masked(r.url)}
        for r in rows
    ]


def alert_of(conn: Connection, alert_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(alerts, alert_incidents.c.number)
        .join(alert_incidents, alert_incidents.c.incident_id == alerts.c.incident_id)
        .where(alerts.c.id == alert_id)
    ).one_or_none()
    if row is None:
        return None
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "number": row.number,
        "ask": row.ask,
        "state": row.state,
        "level": row.level + 1,
        "drill": row.drill,
        "acked_at": row.acked_at,
    }
