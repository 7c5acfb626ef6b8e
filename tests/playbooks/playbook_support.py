"""Shared helpers for the playbook tests: the library, a fixed clock origin, history builders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache

from playbooks.engine import evaluate
from playbooks.facts import IncidentFacts
from playbooks.history import HistoryRecord, RunActivated
from playbooks.loader import Library, load_library
from playbooks.model import PlaybookSnapshot
from playbooks.state import RunState

T0 = datetime(2024, 9, 30, 9, 0, tzinfo=UTC)


@cache
def library() -> Library:
    """The shipped library, loaded once."""
    return load_library()


def snapshot(playbook_id: str) -> PlaybookSnapshot:
    """A shipped playbook by id."""
    snap = library().get(playbook_id)
    assert snap is not None, f"{playbook_id} did not load: {library().errors}"
    return snap


def at(minutes: float) -> datetime:
    """T0 plus `minutes`."""
    return T0 + timedelta(minutes=minutes)


def run(playbook_id: str, facts: IncidentFacts, records: Sequence[HistoryRecord], minutes: float) -> RunState:
    """Evaluate a run activated at T0, `minutes` later."""
    return evaluate(snapshot(playbook_id), facts, [RunActivated(at=T0), *records], at(minutes))


def statuses(state: RunState) -> dict[str, str]:
    """Step id -> status value."""
    return {s.step_id: s.status.value for s in state.steps}
