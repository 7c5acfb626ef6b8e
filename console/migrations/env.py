"""Alembic environment: runs the console's migrations on SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from console.domains import registry
from console.tables import metadata

# Every domain declares its tables on the spine's metadata: loading the domains completes it.
registry()

config = context.config


def _run(connection: Connection) -> None:
    applied = config.attributes.setdefault("applied", [])
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # what `migrate` reports: the revisions this run applied (none: already up to date)
        on_version_apply=lambda step, **_kw: applied.append(step.up_revision_id),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


asyncio.run(_main())
