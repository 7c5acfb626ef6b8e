"""The tests' own PostgreSQL copies (support.Template): a copy a test has finished with, put back for the
next test, is what a fresh copy of the template is: no row the test wrote, the template's users and
sequences, a new epoch; a copy whose tables a test changed is dropped, never handed out again."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from support import PG_ADMIN, Template, pg_available

pytestmark = pytest.mark.postgres


def _read(url: str, sql: str) -> Any:
    name = url.rsplit("/", 1)[1]

    async def run() -> Any:
        conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(run())


def _write(url: str, *statements: str) -> None:
    name = url.rsplit("/", 1)[1]

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


SEEN = (
    "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sessions), "
    "(SELECT string_agg(username, ',' ORDER BY username) FROM users), "
    "(SELECT position FROM log_head), (SELECT last_value FROM login_failures_id_seq)"
)


def test_a_put_back_copy_is_a_fresh_copy_and_a_changed_one_is_dropped(templates: Any, tmp_path: Path) -> None:
    if not pg_available():
        if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
        pytest.skip("PostgreSQL not reachable")
    template: Template = templates.get("postgres")
    with template.copy(tmp_path) as url:
        fresh = _read(url, SEEN)
        epoch = _read(url, "SELECT value FROM meta WHERE key = 'epoch'")
        _write(
            url,
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) "
            "SELECT 'tok', id, 'c', 'x', 'y' FROM users LIMIT 1",
            "UPDATE log_head SET position = 41",
            "SELECT nextval('login_failures_id_seq')",
        )
        assert _read(url, SEEN) != fresh
    assert template.free and template.free[-1] == url.rsplit("/", 1)[1], "the copy was put back"

    with template.copy(tmp_path) as again:
        assert again == url, "the next test gets the copy that was put back"
        assert _read(again, SEEN) == fresh
        assert _read(again, "SELECT value FROM meta WHERE key = 'epoch'") != epoch
        _write(again, "ALTER TABLE incidents ADD COLUMN extra text")
    assert url.rsplit("/", 1)[1] not in template.free, "a copy of another shape is dropped"
    with template.copy(tmp_path) as third:
        assert third != url
        assert "extra" not in str(
            _read(third, "SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents'")
        )
