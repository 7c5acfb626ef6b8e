"""The demo organisation: a county commission's petition office with a user for every role."""

from __future__ import annotations

from sqlalchemy import func, select

from responders import io

from .auth import create_user, find_user, passwords
from .clock import Clock
from .commands import Actor, CommandEnvelope
from .db import Database
from .demo_org import PEOPLE, PLACES, UNITS, demo_shifts, roster_command_id
from .domains import registry
from .incidents.tables import incidents
from .responders.tables import roster_shifts
from .service import CommandService
from .settings import Settings

DEMO_PASSWORD = "demo-2026"

# (user name, display name, roles)
DEMO_USERS: list[tuple[str, str, frozenset[str]]] = [
    ("duty", "王值班（值班员）", frozenset({"duty_officer"})),
    ("leader", "李书记（分管领导）", frozenset({"leader"})),
    # 主要负责同志: a leader, from whom a report about himself is kept (回避)
    ("chen-shuji", "陈书记（主要负责同志）", frozenset({"leader", "commission_head"})),
    ("responder", "张处置（处置人员）", frozenset({"responder"})),
    ("reviewer", "赵复盘（复盘）", frozenset({"reviewer"})),
    ("inspector", "钱督查（上级督查）", frozenset({"inspector"})),
    ("admin", "系统管理员", frozenset({"admin"})),
]


async def seed_organisation(service: CommandService, db: Database, settings: Settings, actor: Actor) -> None:
    """Import the demo county's units, places, people and roster through commands, each once.

    Fixed command ids make a second seed a no-op; the roster adds only days not on it yet, so a demo
    seeded again on a later day still answers who is on duty now.
    """
    csv = io.Format.CSV
    files = [
        ("demo-org-units", "units", io.export_units(UNITS, csv)),
        ("demo-org-places", "places", io.export_places(PLACES, csv)),
        ("demo-org-people", "people", io.export_people(PEOPLE, csv)),
    ]
    async with db.read.connect() as conn:
        have = set(await conn.scalars(select(roster_shifts.c.id)))
    shifts = [s for s in demo_shifts(service.clock.now(), settings.tz) if s.id not in have]
    if shifts:
        ids = [s.id for s in shifts]
        files.append((roster_command_id(ids), "shifts", io.export_shifts(shifts, csv)))
    for command_id, table, text in files:
        envelope = CommandEnvelope(id=command_id, name="org.import", args={"table": table, "text": text})
        result = await service.submit(envelope, actor)
        if result.error is not None:
            raise result.error


async def seed_inspector_units(service: CommandService, db: Database) -> None:
    """督查范围: the demo inspector oversees the county and every unit under it (once, by a fixed id)."""
    async with db.read.connect() as conn:
        admin = await find_user(conn, "admin")
        inspector = await find_user(conn, "inspector")
    if admin is None or inspector is None:
        return
    args = {"username": inspector.username, "unit_ids": ["county"]}
    envelope = CommandEnvelope(id="demo-inspector-units", name="review.set_inspector_units", args=args)
    result = await service.submit(envelope, admin.actor)
    if result.error is not None:
        raise result.error


async def seed_demo(db: Database, settings: Settings, clock: Clock) -> list[str]:
    """Create the demo users and organisation (once) and two open drill incidents if there are none yet."""
    added = []
    async with db.write.begin() as conn:
        for username, name, roles in DEMO_USERS:
            if await find_user(conn, username) is None:
                await create_user(
                    conn,
                    username=username,
                    password=DEMO_PASSWORD,
                    display_name=name,
                    roles=roles,
                    now=clock.now(),
                    passwords=passwords(settings),
                )
                added.append(username)
    async with db.read.connect() as conn:
        duty = await find_user(conn, "duty")
    assert duty is not None
    service = CommandService(db, settings, clock, lambda _events: None, registry())
    service.start()
    try:
        actor: Actor = duty.actor
        await seed_organisation(service, db, settings, actor)
        await seed_inspector_units(service, db)
        async with db.read.connect() as conn:
            if await conn.scalar(select(func.count()).select_from(incidents)):
                return added
        for seed_id, args in [
            (
                "demo-seed-0001",
                {
                    "type": "collective_visit",
                    "place": "接待大厅",
                    "head_count": 12,
                    "summary": "某村征地补偿问题集体来访（演示数据）",
                    "channel": "walk_in",
                    "drill": True,  # demo data: its alerts and reports never reach anyone real
                },
            ),
            (
                "demo-seed-0002",
                {
                    "type": "sit_in",
                    "place": "机关大门",
                    "head_count": 8,
                    "summary": "在机关大门静坐（演示数据）",
                    "channel": "early_warning",
                    "drill": True,
                },
            ),
        ]:
            await service.submit(CommandEnvelope(id=seed_id, name="incident.register", args=args), actor)
    finally:
        await service.stop()
    return added
