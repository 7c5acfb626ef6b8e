"""A console's command writer and alert worker in the test's own event loop, on a real database.

The worker's `tick` is called by the tests (no background task): each call is one look, so a test
says exactly when attempts go out, and the clock moves only when the test moves it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from console.alerts.tables import alert_outbox, alert_pages, alerts
from console.alerts.timer import Worker
from console.commands import Actor, CommandEnvelope
from console.db import Database, open_database
from console.domains import registry
from console.service import CommandResult, CommandService
from console.settings import Settings
from console.tables import users

UNITS = """id,name,kind,parent_id
county,县纪委监委,county_commission,
office,信访室,petition_office,county
"""
PLACES = """id,name,unit_id,lat,lon
gate,机关大门,county,30.0010,120.0010
hall,接待大厅,office,30.0000,120.0000
"""
PEOPLE = """id,name,unit_id,post,roles,skills,phone,base_place_id
leader,李书记,county,副书记,leader_in_charge,counselling,13800000004,gate
boss,赵主任,county,主任,commission_leader,counselling,13800000006,gate
duty,王值班,office,值班员,duty_officer,reception,13800000005,hall
r1,张一,office,干部,petition_staff,reception,13800000001,hall
"""


class MovedClock:
    """A clock the test moves; `movable` tells timers that time may jump."""

    movable = True

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class AlertConsole:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = MovedClock()
        self.db: Database = open_database(settings)
        self.registry = registry()
        self.service = CommandService(self.db, settings, self.clock, lambda _events: None, self.registry)
        self.worker = Worker(self.db, self.service, self.clock, settings)
        self.system = Actor(id="system", name="系统", roles=frozenset({"duty_officer"}))

    async def start(self) -> AlertConsole:
        self.service.start()
        return self

    async def stop(self) -> None:
        await self.service.stop()
        await self.db.dispose()

    async def actor(self, username: str) -> Actor:
        async with self.db.read.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.username == username))).one()
        return Actor(id=row.id, name=row.display_name, roles=frozenset(row.roles.split(",")))

    async def submit(
        self, name: str, args: dict[str, Any], actor: Actor | None = None, *, internal: bool = False
    ) -> CommandResult:
        envelope = CommandEnvelope(id="t-" + uuid.uuid4().hex, name=name, args=args)
        return await self.service.submit(envelope, actor or self.system, internal=internal)

    async def ok(self, name: str, args: dict[str, Any], actor: Actor | None = None) -> dict[str, Any]:
        result = await self.submit(name, args, actor)
        assert result.ok, (name, result.error and result.error.code, result.error and result.error.params)
        return dict(result.result)

    async def organisation(self) -> None:
        start = (self.clock.now() - timedelta(hours=2)).isoformat()
        end = (self.clock.now() + timedelta(hours=10)).isoformat()
        shifts = (
            "id,unit_id,post,start,end,holder_id\n"
            f"s-lead,county,leader_on_duty,{start},{end},leader\n"
            f"s-r1,office,standby,{start},{end},r1\n"
        )
        for table, text in (("units", UNITS), ("places", PLACES), ("people", PEOPLE), ("shifts", shifts)):
            await self.ok("org.import", {"table": table, "text": text})

    async def sit_in(self, *, summary: str = "静坐", drill: bool = False, place: str = "机关大门") -> str:
        args = {"type": "sit_in", "place": place, "head_count": 30, "summary": summary, "drill": drill}
        result = await self.ok("incident.register", args)
        return str(result["incident_id"])

    async def rows(self, table: Any, *where: Any) -> list[Any]:
        async with self.db.read.connect() as conn:
            query = select(table)
            for clause in where:
                query = query.where(clause)
            return list((await conn.execute(query)).all())

    async def outbox(self, person_id: str | None = None) -> list[Any]:
        where = [] if person_id is None else [alert_outbox.c.person_id == person_id]
        rows = await self.rows(alert_outbox, *where)
        return sorted(rows, key=lambda r: (r.created_at, r.level, r.round, r.channel_index, r.attempt_no))

    async def pages(self, person_id: str) -> list[Any]:
        return await self.rows(alert_pages, alert_pages.c.person_id == person_id)

    async def alert_rows(self) -> list[Any]:
        return await self.rows(alerts)

    async def drain(self, rounds: int = 20) -> None:
        """Tick until nothing more is due now (retries due later wait for the clock)."""
        for _ in range(rounds):
            if not await self.worker.tick():
                return
