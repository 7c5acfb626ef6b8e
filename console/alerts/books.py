"""Which escalation policies are in force, and which one an incident was registered under.

The book in force is the YAML book (`CONSOLE_ALERT_POLICIES`, else the one shipped in
alerts/policies.yaml), validated on load, with the organisation's own policies (org.import, table
`policies`) added. The registration of an incident carries that book, pinned with its hash, like the
playbook its run follows: the incident's escalations, and the notify steps of its run, page through the
pinned book for the incident's whole life, whatever the YAML or the import says later, across restarts
and rebuilds (the book is in the log).
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection

from alerts.policy import BUILTIN, ImportedPolicy, PinnedBook, PolicyBook, builtin_book, merged, parse_book

from ..settings import Settings, SettingsError
from .tables import alert_books, alert_incidents, alert_policies

POLICIES_ENV = "CONSOLE_ALERT_POLICIES"
log = logging.getLogger("console.alerts")


def book_path(settings: Settings) -> Path:
    """The YAML policy book of these settings."""
    raw = dict(settings.extra).get(POLICIES_ENV, "").strip()
    return Path(raw) if raw else BUILTIN


@cache
def _parsed(path: str, _mtime_ns: int, _size: int) -> PolicyBook:
    return parse_book(Path(path).read_text(encoding="utf-8"))


def file_book(settings: Settings) -> PolicyBook:
    """The YAML book as the file is now (read again when it changes), or SettingsError naming the
    variable, the file and the field at fault."""
    path = book_path(settings)
    try:
        st = os.stat(path)
        return _parsed(str(path), st.st_mtime_ns, st.st_size)
    except OSError as exc:
        raise SettingsError(f"{POLICIES_ENV}={str(path)!r}: cannot read the file: {exc.strerror}") from None
    except ValueError as exc:
        raise SettingsError(f"{POLICIES_ENV}={str(path)!r}: {exc}") from None


def imported_policies(conn: Connection) -> tuple[ImportedPolicy, ...]:
    """The organisation's own policies, in id order."""
    rows = conn.execute(select(alert_policies.c.policy).order_by(alert_policies.c.id)).scalars()
    return tuple(ImportedPolicy.model_validate_json(text) for text in rows)


# The last book each file gave: a file broken or removed while the console runs (checked at start)
# must not stop a registration; the console goes on with what it read last and says so in its log.
_last_good: dict[str, PolicyBook] = {}


def _book_now(settings: Settings) -> PolicyBook:
    path = str(book_path(settings))
    try:
        book = _last_good[path] = file_book(settings)
    except SettingsError as exc:
        log.warning("alert_policy_book_unreadable", extra={"detail": str(exc)})
        book = _last_good.get(path) or _builtin().book
    return book


def yaml_book(settings: Settings) -> PolicyBook:
    """The YAML book in force now, without the organisation's own policies."""
    return _book_now(settings)


def current_book(conn: Connection, settings: Settings) -> PinnedBook:
    """The policy book a new incident is registered under, pinned with its hash."""
    return PinnedBook.pin(merged(_book_now(settings), imported_policies(conn)))


@cache
def _builtin() -> PinnedBook:
    return PinnedBook.pin(builtin_book())


def legacy_book() -> PinnedBook:
    """The book of an incident registered before books were pinned: the one shipped then."""
    return _builtin()


@cache
def _book_of(book_hash: str, text: str) -> PolicyBook:
    return PolicyBook.model_validate_json(text)


def incident_book(conn: Connection, incident_id: str) -> PolicyBook:
    """The policy book this incident was registered under."""
    row = conn.execute(
        select(alert_books.c.hash, alert_books.c.book)
        .join(alert_incidents, alert_incidents.c.book_hash == alert_books.c.hash)
        .where(alert_incidents.c.incident_id == incident_id)
    ).first()
    return _book_of(row.hash, row.book) if row is not None else legacy_book().book
