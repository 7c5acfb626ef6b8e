"""What the figures' projection keeps of a run's reports: each filing with the deadline it had, and
the deadlines that will pass unfiled. Pure: the pinned playbook, facts and history in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts
from playbooks.history import HistoryRecord, ReportFiled
from playbooks.model import PlaybookSnapshot
from playbooks.state import ReportStatus, RunState

from .figures import Filing

# How far ahead an open run is judged for the report deadlines that time alone brings.
HORIZON = timedelta(days=400)


def report_record(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    at: datetime,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> tuple[tuple[Filing, ...], tuple[datetime, ...]]:
    """The run's filings, each with the deadline it had just before it was filed, and the deadlines
    of the obligations open as the run stands at `at`: what `report_timeliness` judges, kept apart so
    the judgement can be made at any later `now` (an open one counts once its deadline has passed)."""
    filings, open_, _standing = report_record_and_standing(snapshot, facts, history, at, thresholds)
    return filings, open_


def report_record_and_standing(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    at: datetime,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> tuple[tuple[Filing, ...], tuple[datetime, ...], RunState]:
    """`report_record`, and the run judged past the horizon. Every record is before the horizon, so
    its facts and grading (level) are the run's as it stands at `at` or its latest record, whichever
    is later (the engine grades from the records, never from the clock): the figures' projector takes
    them from here instead of judging the run a second time."""
    ordered = sorted(history, key=lambda r: r.at)
    filings: list[Filing] = []
    for record in ordered:
        if not isinstance(record, ReportFiled):
            continue
        before = [r for r in ordered if r.at < record.at]
        if not before:
            continue
        moment = max(record.at - timedelta(microseconds=1), before[0].at)
        try:
            deadline = (
                evaluate(snapshot, facts, before, moment, thresholds).report(record.obligation_id).due_at
            )
        except KeyError:
            continue
        if deadline is not None:
            filings.append(Filing(deadline, record.at))
    # The obligations that will be overdue if nothing more is recorded, with their deadlines: judged
    # far ahead, as `report_timeliness` would judge them at any `now` past those deadlines (a run
    # closed before a deadline no longer owes it; a daily report falls due with time alone).
    latest = max((r.at for r in ordered), default=at)
    horizon = evaluate(snapshot, facts, ordered, max(at, latest) + HORIZON, thresholds)
    open_ = tuple(
        sorted(r.due_at for r in horizon.reports if r.status is ReportStatus.OVERDUE and r.due_at is not None)
    )
    return tuple(filings), open_, horizon
