"""Database engines. SQLite gets one writer connection that takes the write lock at BEGIN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .settings import Settings


@dataclass
class Database:
    """The engines of one process: `write` for the command writer, `read` for everything else."""

    url: str
    write: AsyncEngine
    read: AsyncEngine

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    async def dispose(self) -> None:
        await self.write.dispose()
        if self.read is not self.write:
            await self.read.dispose()


def _sqlite_engine(url: str, *, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours: IMMEDIATE for the writer
        # (no lock upgrade deadlocks), plain BEGIN for readers (a consistent snapshot per transaction).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged command survives a power cut, not only a crash of the process.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def open_database(settings: Settings, *, read_pool: int = 5) -> Database:
    """Create the engines for the configured database."""
    url = settings.database_url
    if url.startswith("sqlite"):
        write = _sqlite_engine(url, begin="BEGIN IMMEDIATE", pool_size=1)
        read = _sqlite_engine(url, begin="BEGIN", pool_size=read_pool)
        return Database(url=url, write=write, read=read)
    engine = create_async_engine(url, pool_size=read_pool + 2, max_overflow=10, pool_pre_ping=True)
    return Database(url=url, write=engine, read=engine)
