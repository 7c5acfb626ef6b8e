"""The command writer alone, in process: what a durable command costs the writer (bench/README.md §2).

C tasks submit the durable-commands bench's mix (every 10th command `incident.register`, the others
`incident.note` on the task's own incident) straight to a `CommandService` on a migrated, seeded database
(no WebSocket, no fan-out). Per round of N commands it reports the statements per command (exact, from a
SQLAlchemy `before_cursor_execute` hook on the writer's engine) and the writer's CPU per command (thread
CPU time inside `CommandService._batch`; on PostgreSQL the batch runs on the event loop's thread, so
this includes whatever else ran there while the batch waited on the database).

    .venv/bin/python -m bench.writer --database sqlite --rounds 3 --commands 400
    .venv/bin/python -m bench.writer --database postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from .commands import NOTE_TEXT, REGISTER
from .common import pg_scratch_database


@contextmanager
def _database(kind: str) -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-writer-") as tmp:
        env = {"CONSOLE_DATA_DIR": str(Path(tmp)), "CONSOLE_SECRET_KEY": "bench"}
        if kind == "sqlite":
            yield env
            return
        with pg_scratch_database() as dsn:
            yield {**env, "DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://", 1)}


async def _run(
    settings: Any, c: int, rounds: int, commands: int, show: bool, profiled: bool
) -> list[tuple[float, float, float]]:
    from console.auth import find_user
    from console.clock import SystemClock
    from console.commands import CommandEnvelope
    from console.db import open_database
    from console.demo import seed_demo
    from console.domains import registry
    from console.service import CommandService

    clock = SystemClock()
    db = open_database(settings)
    await seed_demo(db, settings, clock)
    async with db.read.connect() as conn:
        duty = await find_user(conn, "duty")
    assert duty is not None
    actor = duty.actor
    engine = db._sync_writer if db._sync_writer is not None else db.write.sync_engine
    statements = [0]
    kinds: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[0] += 1
        kinds[" ".join(statement.split())[:90]] += 1

    event.listen(engine, "before_cursor_execute", count)
    service = CommandService(db, settings, clock, lambda _e: None, registry())
    cpu, batches = [0.0], [0]
    batch = service._batch

    profile = cProfile.Profile() if profiled else None

    def timed(conn: Any, items: Any) -> Any:
        batches[0] += 1
        began = time.thread_time()
        if profile is not None:
            profile.enable()
        try:
            return batch(conn, items)
        finally:
            if profile is not None:
                profile.disable()
            cpu[0] += time.thread_time() - began

    service._batch = timed  # type: ignore[method-assign,assignment]
    service.start()

    async def submit(name: str, args: dict[str, Any]) -> Any:
        result = await service.submit(CommandEnvelope(id=uuid.uuid4().hex, name=name, args=args), actor)
        assert result.ok, result.error
        return result

    incidents: list[str] = []
    for _ in range(c):  # each task's incident, not counted
        incidents.append((await submit("incident.register", REGISTER)).result["incident_id"])
    out = []
    try:
        for _ in range(rounds):
            todo = iter(range(commands))
            statements[0], cpu[0], batches[0] = 0, 0.0, 0
            kinds.clear()

            async def task(i: int, todo: Iterator[int]) -> None:
                for k in todo:
                    if k % 10 == 0:
                        incidents[i] = (await submit("incident.register", REGISTER)).result["incident_id"]
                    else:
                        await submit("incident.note", {"incident_id": incidents[i], "text": NOTE_TEXT})

            await asyncio.gather(*(task(i, todo) for i in range(c)))
            out.append((statements[0] / commands, cpu[0] * 1e6 / commands, commands / batches[0]))
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        if show:
            for text, n in kinds.most_common():
                print(f"{n / commands:6.3f}/cmd  {text}")
    finally:
        await service.stop()
        await db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--statements", action="store_true", help="the last round's statements, by text")
    parser.add_argument("--profile", action="store_true", help="cProfile of the writer's batches, all rounds")
    opts = parser.parse_args()
    from console.migrate import migrate
    from console.settings import load_settings

    with _database(opts.database) as env:
        settings = load_settings(env)
        migrate(settings)
        rows = asyncio.run(
            _run(settings, opts.concurrency, opts.rounds, opts.commands, opts.statements, opts.profile)
        )
    for i, (per_cmd, us, n) in enumerate(rows, 1):
        print(f"{opts.database} C={opts.concurrency} round {i}: {opts.commands} commands, {n:.1f} per batch, "
              f"{per_cmd:.2f} statements/cmd, {us:.0f} writer CPU µs/cmd")  # fmt: skip
    print(
        f"{opts.database} median: {statistics.median(r[0] for r in rows):.2f} statements/cmd, "
        f"{statistics.median(r[1] for r in rows):.0f} writer CPU µs/cmd"
    )


if __name__ == "__main__":
    main()
