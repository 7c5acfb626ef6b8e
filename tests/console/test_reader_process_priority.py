"""A large read in a reader process (a recommendation's, on SQLite) runs below serve's priority, so that on
a machine of two cores the live screens' fan-out gets the CPU first."""

from __future__ import annotations

import os
from typing import Any

from support import Deployment

from console.db import READER_NICENESS, open_database


def niceness_and_incidents(conn: Any) -> tuple[int, int]:
    from sqlalchemy import func, select

    from console.incidents.tables import incidents

    return os.nice(0), int(conn.scalar(select(func.count()).select_from(incidents)))


async def test_a_reader_process_runs_below_serve(deployment: Deployment) -> None:
    db = open_database(deployment.settings)
    try:
        niceness, count = await db.read_in_process(niceness_and_incidents)
    finally:
        await db.dispose()
    assert count == 0  # a real read of the deployment's database
    assert niceness == os.nice(0) + READER_NICENESS
