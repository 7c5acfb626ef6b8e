"""Operations on the whole log: rebuild projections, verify the chain, back up the database."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import Connection, make_url

from . import eventlog
from .db import Database
from .eventlog import Verification
from .registry import Registry


def _rebuild(conn: Connection, registry: Registry) -> int:
    eventlog.lock_head(conn)  # no command may append while the projections are rebuilt
    registry.clear(conn)
    count = 0
    for event in eventlog.iterate_sync(conn):
        registry.apply(conn, [event])
        count += 1
    return count


async def rebuild(db: Database, registry: Registry) -> int:
    """Empty every projection of these domains and replay the whole log into it, in one transaction."""
    return await db.run_write(_rebuild, registry)


async def verify(db: Database) -> Verification:
    async with db.read.connect() as conn:
        return await eventlog.verify(conn)


def backup(url: str, output: Path) -> None:
    """A consistent copy of the live database: SQLite's online backup, or pg_dump's custom format."""
    output.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database or "")
        target = sqlite3.connect(output)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    if shutil.which("pg_dump") is None:
        raise RuntimeError("pg_dump is not installed")
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", "--file", str(output), dsn], check=True)
