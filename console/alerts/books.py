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


_POLICY_TEXTS = select(alert_policies.c.policy).order_by(alert_policies.c.id)


def imported_policies(conn: Connection) -> tuple[ImportedPolicy, ...]:
    """The organisation's own policies, in id order."""
    return _imported(tuple(conn.execute(_POLICY_TEXTS).scalars()))


def _imported(texts: tuple[str, ...]) -> tuple[ImportedPolicy, ...]:
    return tuple(ImportedPolicy.model_validate_json(text) for text in texts)


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


# The pinned books last made, by the file's book (the object `file_book` keeps while the file is
# unchanged, held here so its id is not reused) and the imported policies' stored texts: every
# registration pins the book in force, and parsing, merging and hashing it again each time was a
# registration's largest load. The policies' table is still read each time: another process may import.
_PINNED: dict[tuple[int, tuple[str, ...]], tuple[PolicyBook, PinnedBook]] = {}
_PINNED_MAX = 64


def current_book(conn: Connection, settings: Settings) -> PinnedBook:
    """The policy book a new incident is registered under, pinned with its hash."""
    book = _book_now(settings)
    texts = tuple(conn.execute(_POLICY_TEXTS).scalars())
    key = (id(book), texts)
    made = _PINNED.get(key)
    if made is not None and made[0] is book:
        return made[1]
    pinned = PinnedBook.pin(merged(book, _imported(texts)))
    if len(_PINNED) >= _PINNED_MAX:
        _PINNED.clear()
    _PINNED[key] = (book, pinned)
    return pinned


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
