"""Read models of the review: an incident's findings and actions with where each stands now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..clock import parse_iso
from .tables import review_actions, review_findings


def _status(due_at: str, done_at: str | None, now: datetime) -> str:
    """done / done_late (超期完成) / overdue (逾期未完成) / open."""
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
