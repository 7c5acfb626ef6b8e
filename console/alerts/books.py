"""Which escalation policies are in force: the book shipped in alerts/policies.yaml, validated on load.

An incident is snapshotted with its type's policy when it is registered (console.alerts.store), so a
later edit of the book never changes a live escalation.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy.engine import Connection

from alerts.policy import PolicyBook, builtin_book


@cache
def _builtin() -> PolicyBook:
    return builtin_book()


def current_book(_conn: Connection) -> PolicyBook:
    """The policy book new incidents are snapshotted with."""
    return _builtin()
