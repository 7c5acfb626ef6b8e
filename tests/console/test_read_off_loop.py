"""Large reads run off the event loop: on SQLite the whole read transaction runs on a reader thread."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.engine import Connection

from console.db import open_database
from console.settings import Settings


async def test_a_read_off_the_loop_runs_on_another_thread_in_a_transaction(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    db = open_database(Settings(data_dir=tmp_path, database_url=url, secret_key="k"))
    loop_thread = threading.get_ident()

    def read(conn: Connection, value: int) -> tuple[int, int, bool]:
        got = conn.exec_driver_sql(f"SELECT {value}").scalar_one()
        return threading.get_ident(), int(got), conn.in_transaction()

    try:
        thread, got, in_transaction = await db.read_off_loop(read, 7)
    finally:
        await db.dispose()
    assert got == 7
    assert in_transaction
    assert thread != loop_thread


def _where(conn: Connection) -> tuple[int, int]:
    import os

    return os.getpid(), int(conn.exec_driver_sql("SELECT 41 + 1").scalar_one())


async def test_a_read_in_process_runs_in_another_process_and_the_next_reuses_it(tmp_path: Path) -> None:
    import os

    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    db = open_database(Settings(data_dir=tmp_path, database_url=url, secret_key="k"))
    try:
        first, got = await db.read_in_process(_where)
        second, _ = await db.read_in_process(_where)
    finally:
        await db.dispose()
    assert got == 42
    assert first != os.getpid()
    assert second == first
