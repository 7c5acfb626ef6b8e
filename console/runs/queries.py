"""The runs' read models: the board's summaries (snapshot part and API) and one incident's run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from playbooks.config import thresholds as grading_thresholds
from playbooks.facts import GradingThresholds

from ..incidents.recusal import hidden_from
from ..settings import Settings
from .cache import SUMMARY_CACHE_SIZE, Bounded
from .decide import Run
from .store import run_of, with_proposals
from .tables import playbook_runs
from .views import run_summary


def run_of_incident(conn: Connection, incident_id: str) -> Run | None:
    """The run of one incident, or None if no playbook serves it."""
    row = conn.execute(select(playbook_runs).where(playbook_runs.c.incident_id == incident_id)).first()
    return with_proposals(conn, run_of(row)) if row is not None else None


_summaries: Bounded[tuple[str, int, GradingThresholds], dict[str, Any]] = Bounded(SUMMARY_CACHE_SIZE)
_CHUNK = 500


def _runs_snapshot(conn: Connection, view: str, settings: Settings) -> list[dict[str, Any]]:
    # As of each run's last record, so a summary depends on the row's position (and the thresholds)
    # alone: every connecting client is served from the cache, and only rows that changed since are
    # read whole and evaluated. Clients count overdue items from `open_due` against their own
    # (server-corrected) clock.
    # Only the runs still going: a snapshot carries what a screen shows, not every run ever closed
    # (GET /api/runs lists them all).
    heads = conn.execute(
        select(playbook_runs.c.incident_id, playbook_runs.c.last_position)
        .where(playbook_runs.c.closed.is_(False))
        .order_by(playbook_runs.c.incident_id)
    ).all()
    hidden = hidden_from(conn, view)  # 回避: incidents about the commission's head
    return [
        s for s in _summaries_of(conn, heads, grading_thresholds(settings)) if s["incident_id"] not in hidden
    ]


def _summaries_of(conn: Connection, heads: Any, thresholds: GradingThresholds) -> list[dict[str, Any]]:
    keys = [(str(h.incident_id), int(h.last_position), thresholds) for h in heads]
    found = {key: _summaries.get(key) for key in keys}
    missing = [key[0] for key, summary in found.items() if summary is None]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        for row in conn.execute(select(playbook_runs).where(playbook_runs.c.incident_id.in_(chunk))):
            key = (str(row.incident_id), int(row.last_position), thresholds)
            found[key] = _summaries.put(key, run_summary(run_of(row), None, thresholds))
    return [s for s in found.values() if s is not None]


def current_levels(conn: Connection, incident_ids: list[str], settings: Settings) -> dict[str, str]:
    """The level each incident's run stands at now (graded at registration, regraded since), as the
    board shows it; incidents no playbook serves are left out."""
    if not incident_ids:
        return {}
    heads = conn.execute(
        select(playbook_runs.c.incident_id, playbook_runs.c.last_position)
        .where(playbook_runs.c.incident_id.in_(sorted(set(incident_ids))))
        .order_by(playbook_runs.c.incident_id)
    ).all()
    summaries = _summaries_of(conn, heads, grading_thresholds(settings))
    return {str(s["incident_id"]): str(s["level"]) for s in summaries}


SNAPSHOT_PARTS = {"runs": _runs_snapshot}
