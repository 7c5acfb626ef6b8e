"""Database engines, and the one place a write transaction runs.

Every engine hides statement parameters in its errors: they can hold confidential values, and errors
end up in the logs.

Reads use the async engines (aiosqlite, asyncpg). Command batches run as one synchronous function
inside one transaction: on PostgreSQL through asyncpg with `run_sync`; on SQLite on one dedicated
writer thread, because each statement through the async SQLite driver costs a round trip between
threads (measured here at ~0.8 ms for a trivial statement against ~10 µs on the writer's own thread),
and a command batch is dozens of statements.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .settings import Settings

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    # Take transaction control from the driver so BEGIN is ours: IMMEDIATE for the writer
    # (no lock-upgrade deadlocks), plain BEGIN for readers (a consistent snapshot per transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged command survives a power cut, not only a crash of the process.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_hooks(sync_engine: Engine, begin: str) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_connection)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def _sqlite_engine(url: str, *, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, hide_parameters=True)
    _sqlite_hooks(engine.sync_engine, begin)
    return engine


# In the reader process: one synchronous engine per database file, kept between calls.
_CHILD_ENGINES: dict[str, Engine] = {}


# How much lower than serve a reader process runs (nice(2)): on a machine of two cores a recommendation's
# ranking in it competed with the fan-out for the CPU, and the live screens come first (the sending
# processes run lower for the same reason, console/alerts/sending.py).
READER_NICENESS = 10


def _reader_started() -> None:
    os.nice(READER_NICENESS)


def _read_in_child(url: str, fn: Callable[[Any], T]) -> T:
    """Run `fn(connection)` in a read transaction, in a reader process (console.db.Database)."""
    engine = _CHILD_ENGINES.get(url)
    if engine is None:
        engine = _CHILD_ENGINES[url] = create_engine(url, pool_size=1, max_overflow=0, hide_parameters=True)
        _sqlite_hooks(engine, "BEGIN")
    with engine.begin() as conn:
        return fn(conn)


@dataclass
class Database:
    """The engines of one process: `write`/`read` (async) and the command writer (`run_write`)."""

    url: str
    write: AsyncEngine
    read: AsyncEngine
    _sync_writer: Engine | None = None
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    # SQLite: synchronous readers on threads of their own, for reads too large for the event loop.
    _sync_reader: Engine | None = None
    _reader_pool: ThreadPoolExecutor | None = field(default=None, repr=False)
    # SQLite: a reader process for reads whose Python work would share the GIL with the loop (started
    # on first use).
    _process: ProcessPoolExecutor | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    async def run_write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` inside one write transaction, committed when it returns."""
        return await self.write_soon(fn, *args)

    def write_soon(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """`run_write`, begun at once: on SQLite the writer's thread has it when this returns, so it is
        written while the caller goes on (the command writer publishes the batch before it meanwhile);
        on PostgreSQL it is a task of the event loop."""
        if self._sync_writer is not None and self._executor is not None:
            engine = self._sync_writer

            def in_transaction() -> T:
                with engine.begin() as conn:
                    return fn(conn, *args)

            return asyncio.get_running_loop().run_in_executor(self._executor, in_transaction)
        return asyncio.ensure_future(self._write_on_loop(fn, *args))

    async def _write_on_loop(self, fn: Callable[..., T], *args: Any) -> T:
        async with self.write.begin() as aconn:
            return await aconn.run_sync(fn, *args)

    async def read_off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` in one read transaction, as far from the event loop as the driver
        allows: on SQLite wholly on a reader thread (statements, rows and all), on PostgreSQL through
        run_sync (asyncpg decodes rows in C; only SQLAlchemy's rows are made on the loop)."""
        if self._sync_reader is not None and self._reader_pool is not None:
            engine = self._sync_reader

            def in_transaction() -> T:
                with engine.begin() as conn:
                    return fn(conn, *args)

            return await asyncio.get_running_loop().run_in_executor(self._reader_pool, in_transaction)
        async with self.read.connect() as aconn:
            return await aconn.run_sync(fn, *args)

    async def read_in_process(self, fn: Callable[[Any], T]) -> T:
        """Run `fn(connection)` in one read transaction in a reader process on SQLite, so the Python work
        of a large read (thousands of rows made into objects and ranked) takes no time from the event
        loop nor its GIL; `fn` and its result must pickle. Elsewhere, as `read_off_loop`."""
        if self._sync_reader is None:
            return await self.read_off_loop(fn)
        if self._process is None:
            self._process = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_reader_started
            )
        url = str(self._sync_reader.url)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._process, _read_in_child, url, fn)
        except BrokenProcessPool:
            self._process = None  # the reader process died: this read runs here, the next starts another
            return await self.read_off_loop(fn)

    async def dispose(self) -> None:
        await self.write.dispose()
        if self.read is not self.write:
            await self.read.dispose()
        if self._sync_writer is not None and self._executor is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._sync_writer.dispose)
            self._executor.shutdown(wait=False)
        if self._sync_reader is not None and self._reader_pool is not None:
            await asyncio.get_running_loop().run_in_executor(self._reader_pool, self._sync_reader.dispose)
            self._reader_pool.shutdown(wait=False)
        if self._process is not None:
            self._process.shutdown(wait=False, cancel_futures=True)
            self._process = None


def open_database(settings: Settings, *, read_pool: int = 5) -> Database:
    """Create the engines for the configured database."""
    url = settings.database_url
    if url.startswith("sqlite"):
        write = _sqlite_engine(url, begin="BEGIN IMMEDIATE", pool_size=1)
        read = _sqlite_engine(url, begin="BEGIN", pool_size=read_pool)
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        writer = create_engine(sync_url, pool_size=1, max_overflow=0, hide_parameters=True)
        _sqlite_hooks(writer, "BEGIN IMMEDIATE")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-writer")
        reader = create_engine(sync_url, pool_size=2, max_overflow=0, hide_parameters=True)
        _sqlite_hooks(reader, "BEGIN")
        readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="console-reader")
        return Database(
            url=url,
            write=write,
            read=read,
            _sync_writer=writer,
            _executor=executor,
            _sync_reader=reader,
            _reader_pool=readers,
        )
    # No pre-ping: it is a round trip per checkout; a dead connection fails its batch, which is retried.
    engine = create_async_engine(url, pool_size=read_pool + 2, max_overflow=10, hide_parameters=True)
    return Database(url=url, write=engine, read=engine)


def of_this_transaction(conn: Any, key: str, kind: type[T]) -> T | None:
    """What a domain kept on the writer's connection under `key` for the batch being written (an object
    with a `transaction` attribute), if it was kept in this very transaction; else None (a rebuild, a
    backfill, or a later batch, which must not see an earlier batch's leftovers)."""
    found = conn.info.get(key)
    if isinstance(found, kind) and getattr(found, "transaction", None) is conn.get_transaction():
        return found
    return None
