"""What the §25 figures read: the figures' projections over a span of registrations, the units, the
targets; each incident's unit is its place's, else the root of the tree (as `queries.incident_unit`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from reports.statistics import Period
from responders.organisation import UnitKind
from review.figures import Filing, Incident, Response, Unit

from ..alerts.tables import alert_pages, alerts
from ..clock import parse_iso, utc_iso
from ..responders.tables import org_places, org_units
from .figures_tables import review_fig_incidents, review_fig_responses, review_targets


def _span(period: Period) -> tuple[str, str]:
    """A day either side of the period's dates: the core keeps those within them in the office's zone."""
    lo = datetime.combine(period.start - timedelta(days=1), time(), tzinfo=UTC)
    hi = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=UTC)
    return utc_iso(lo), utc_iso(hi)


# Siblings in the order an office reads its network: its own office, townships, streets, enterprises.
_RANK = {
    k.value: n
    for n, k in enumerate(
        (
            UnitKind.COUNTY_COMMISSION,
            UnitKind.PETITION_OFFICE,
            UnitKind.TOWNSHIP,
            UnitKind.STREET,
            UnitKind.STATE_ENTERPRISE,
        )
    )
}


def _network(kind: str) -> bool:
    try:
        return not UnitKind(kind).is_outside
    except ValueError:
        return True


def units(conn: Connection) -> list[Unit]:
    """The petition network's units (the county commission, its office, townships, streets and state
    enterprises): outside departments (police, health, the Party and government offices) are contacts."""
    rows = conn.execute(select(org_units.c.id, org_units.c.name, org_units.c.parent_id, org_units.c.kind))
    kept = sorted((r for r in rows if _network(r.kind)), key=lambda r: (_RANK.get(r.kind, len(_RANK)), r.id))
    return [Unit(r.id, r.name, r.parent_id) for r in kept]


def _unit_of_place(conn: Connection) -> tuple[dict[str, str], str]:
    """Each place's unit in the network, and the root: a place of no unit or of an outside department
    (县委大院, 县政府大门) is the county commission's to answer for."""
    network = {u.id: u for u in units(conn)}
    places: dict[str, str] = {}
    for r in conn.execute(select(org_places.c.id, org_places.c.name, org_places.c.unit_id)):
        if r.unit_id in network:
            places[r.id] = r.unit_id
            places.setdefault(r.name, r.unit_id)
    roots = sorted(u.id for u in network.values() if u.parent_id not in network)
    return places, roots[0] if roots else ""


def _incident(r: Any, places: dict[str, str], root: str) -> Incident:
    return Incident(
        incident_id=r.incident_id,
        number=r.number,
        unit_id=places.get(r.place, root),
        registered_at=parse_iso(r.opened_at),
        type=r.type,
        head_count=r.head_count,
        drill=bool(r.drill),
        cross_level=bool(r.cross_level),
        repeat=bool(r.repeat),
        level=r.level,
        closed_at=parse_iso(r.closed_at) if r.closed_at else None,
        outcome=r.outcome,
        filings=tuple(Filing(parse_iso(d), parse_iso(f)) for d, f in json.loads(r.filings)),
        open_reports=tuple(parse_iso(d) for d in json.loads(r.open_reports)),
    )


def figure_rows(conn: Connection, period: Period) -> tuple[list[Incident], list[Response], list[Response]]:
    """The incidents registered around the period (drills too: the core leaves them out), every
    dispatch of them (until on scene) and every page of their alerts (until acknowledged)."""
    lo, hi = _span(period)
    places, root = _unit_of_place(conn)
    within = (review_fig_incidents.c.opened_at >= lo) & (review_fig_incidents.c.opened_at < hi)
    found = [
        _incident(r, places, root)
        for r in conn.execute(
            select(review_fig_incidents).where(within).order_by(review_fig_incidents.c.position)
        )
    ]
    dispatches = [
        Response(r.incident_id, parse_iso(r.dispatched_at), parse_iso(r.arrived_at) if r.arrived_at else None)
        for r in conn.execute(
            select(
                review_fig_responses.c.incident_id,
                review_fig_responses.c.dispatched_at,
                review_fig_responses.c.arrived_at,
            )
            .join(
                review_fig_incidents, review_fig_incidents.c.incident_id == review_fig_responses.c.incident_id
            )
            .where(within)
        )
    ]
    pages = [
        Response(r.incident_id, parse_iso(r.paged_at), parse_iso(r.acked_at) if r.acked_at else None)
        for r in conn.execute(
            select(alerts.c.incident_id, alert_pages.c.paged_at, alert_pages.c.acked_at)
            .join(alerts, alerts.c.id == alert_pages.c.alert_id)
            .join(review_fig_incidents, review_fig_incidents.c.incident_id == alerts.c.incident_id)
            .where(within)
        )
    ]
    return found, dispatches, pages


def targets(conn: Connection, year: int) -> dict[tuple[str, str], float]:
    """The year's targets by (unit id, figure key)."""
    rows = conn.execute(
        select(review_targets.c.unit_id, review_targets.c.figure, review_targets.c.value).where(
            review_targets.c.year == year
        )
    )
    return {(r.unit_id, r.figure): float(r.value) for r in rows}


def target_rows(conn: Connection, year: int) -> list[dict[str, Any]]:
    """The year's targets with who set them and when (the admin form shows them)."""
    rows = conn.execute(
        select(review_targets)
        .where(review_targets.c.year == year)
        .order_by(review_targets.c.unit_id, review_targets.c.figure)
    )
    return [
        {
            "unit_id": r.unit_id,
            "figure": r.figure,
            "value": r.value,
            "set_by": r.set_by_name,
            "set_at": r.set_at,
        }
        for r in rows
    ]
