"""Read models of the review: an incident's findings and actions with where each stands now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..clock import parse_iso, utc_iso
from ..incidents.tables import incidents
from ..reports.tables import report_items
from ..responders.tables import org_people, org_places, org_units
from ..tables import users
from .tables import review_actions, review_findings, review_inspector_units


def _status(due_at: str, done_at: str | None, now: datetime) -> str:
    """done / done_late (逾期完成) / overdue (逾期未完成) / open."""
    due = parse_iso(due_at)
    if done_at is not None:
        return "done_late" if parse_iso(done_at) > due else "done"
    return "overdue" if now >= due else "open"


def findings_of(conn: Connection, incident_id: str, now: datetime) -> list[dict[str, Any]]:
    """The incident's findings in the order found, each with its actions, oldest first."""
    findings = conn.execute(
        select(review_findings)
        .where(review_findings.c.incident_id == incident_id)
        .order_by(review_findings.c.position)
    ).all()
    actions = conn.execute(
        select(review_actions)
        .where(review_actions.c.incident_id == incident_id)
        .order_by(review_actions.c.position)
    ).all()
    by_finding: dict[str, list[dict[str, Any]]] = {}
    for a in actions:
        by_finding.setdefault(a.finding_id, []).append(
            {
                "action_id": a.action_id,
                "text": a.text,
                "owner": a.owner,
                "due_at": a.due_at,
                "added_by": a.added_by_name,
                "done_at": a.done_at,
                "done_by": a.done_by_name,
                "note": a.note,
                "status": _status(a.due_at, a.done_at, now),
            }
        )
    return [
        {
            "finding_id": f.finding_id,
            "text": f.text,
            "added_by": f.added_by_name,
            "added_at": f.added_at,
            "actions": by_finding.get(f.finding_id, []),
        }
        for f in findings
    ]


def incident_unit(conn: Connection, incident_id: str) -> str | None:
    """The unit an incident belongs to: its place's unit, else the root of the organisation tree (the
    county commission answers for what happens at a place no unit holds); None: no such incident."""
    row = conn.execute(select(incidents.c.place).where(incidents.c.id == incident_id)).first()
    if row is None:
        return None
    place = conn.execute(
        select(org_places.c.unit_id).where((org_places.c.name == row.place) | (org_places.c.id == row.place))
    ).first()
    if place is not None and place.unit_id is not None:
        return str(place.unit_id)
    return root_unit(conn)


def inspector_units(conn: Connection, username: str) -> frozenset[str]:
    """督查范围: the units an inspector oversees, with every unit under them."""
    chosen = {
        r.unit_id
        for r in conn.execute(
            select(review_inspector_units.c.unit_id).where(review_inspector_units.c.username == username)
        )
    }
    children: dict[str, list[str]] = {}
    for r in conn.execute(select(org_units.c.id, org_units.c.parent_id)):
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.id)
    seen: set[str] = set()
    todo = list(chosen)
    while todo:
        unit = todo.pop()
        if unit not in seen:
            seen.add(unit)
            todo += children.get(unit, [])
    return frozenset(seen)


def inspector_may_see(conn: Connection, username: str, incident_id: str) -> bool:
    """Whether the incident belongs to a unit the inspector oversees (an unknown incident: no)."""
    unit = incident_unit(conn, incident_id)
    return unit is not None and unit in inspector_units(conn, username)


def root_unit(conn: Connection) -> str | None:
    """The root of the organisation tree (the county commission)."""
    root = conn.execute(
        select(org_units.c.id).where(org_units.c.parent_id.is_(None)).order_by(org_units.c.id)
    ).first()
    return str(root.id) if root is not None else None


def report_unit(conn: Connection, report_id: str) -> str | None:
    """The unit a report belongs to: its incident's; a statistics report (of no one incident) covers the
    whole county, the root's; None: no such report."""
    row = conn.execute(
        select(report_items.c.incident_id).where(report_items.c.report_id == report_id)
    ).first()
    if row is None:
        return None
    return incident_unit(conn, row.incident_id) if row.incident_id else root_unit(conn)


def inspector_may_see_report(conn: Connection, username: str, report_id: str) -> bool:
    """Whether the report belongs to a unit the inspector oversees (an unknown report: no)."""
    unit = report_unit(conn, report_id)
    return unit is not None and unit in inspector_units(conn, username)


def incidents_in_period(conn: Connection, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
    """(id, number, opened_at) of the real incidents registered in [start, end): drills never count."""
    rows = conn.execute(
        select(incidents.c.id, incidents.c.number, incidents.c.opened_at)
        .where(
            (incidents.c.drill.is_(False))
            & (incidents.c.opened_at >= utc_iso(start))
            & (incidents.c.opened_at < utc_iso(end))
        )
        .order_by(incidents.c.opened_at, incidents.c.id)
    ).all()
    return [(r.id, r.number, r.opened_at) for r in rows]


def unit_names(conn: Connection) -> dict[str, str]:
    """Every unit's name by id."""
    return {r.id: r.name for r in conn.execute(select(org_units.c.id, org_units.c.name))}


def persons_of_users(conn: Connection) -> dict[str, str]:
    """The console users who are people of the organisation (a person's id is the user name they sign
    in with, console.responders.store): user id → person id."""
    rows = conn.execute(
        select(users.c.id, users.c.username).join(org_people, org_people.c.id == users.c.username)
    )
    return {r.id: r.username for r in rows}


def place_names(conn: Connection) -> dict[str, str]:
    """Every named place's name by id (接待大厅、机关大门 …)."""
    return {r.id: r.name for r in conn.execute(select(org_places.c.id, org_places.c.name))}


def person_name(conn: Connection, person_id: str) -> str | None:
    """A person's name (None: no such person in the organisation)."""
    name = conn.scalar(select(org_people.c.name).where(org_people.c.id == person_id))
    return str(name) if name is not None else None
