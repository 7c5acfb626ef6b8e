"""The demo organisation: a county commission's petition office with a user for every role."""

from __future__ import annotations

from sqlalchemy import func, select

from .auth import create_user, find_user
from .clock import Clock
from .commands import Actor, CommandEnvelope
from .db import Database
from .service import CommandService
from .settings import Settings
from .tables import incidents

DEMO_PASSWORD = "demo-2026"

# (user name, display name, roles)
DEMO_USERS: list[tuple[str, str, frozenset[str]]] = [
    ("duty", "王值班（值班员）", frozenset({"duty_officer"})),
    ("leader", "李书记（分管领导）", frozenset({"leader"})),
    ("responder", "张处置（处置人员）", frozenset({"responder"})),
    ("reviewer", "赵复盘（复盘）", frozenset({"reviewer"})),
    ("inspector", "钱督查（上级督查）", frozenset({"inspector"})),
    ("admin", "系统管理员", frozenset({"admin"})),
]


async def seed_demo(db: Database, settings: Settings, clock: Clock) -> list[str]:
    """Create the demo users (once) and two open incidents if the log is empty; returns who was added."""
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
                )
                added.append(username)
    async with db.read.connect() as conn:
        existing = await conn.scalar(select(func.count()).select_from(incidents))
    if existing:
        return added
    async with db.read.connect() as conn:
        duty = await find_user(conn, "duty")
    assert duty is not None
    service = CommandService(db, settings, clock, lambda _events: None)
    service.start()
    try:
        actor: Actor = duty.actor
        for seed_id, args in [
            (
                "demo-seed-0001",
                {
                    "type": "collective_visit",
                    "place": "接待大厅",
                    "head_count": 12,
                    "summary": "某村征地补偿问题集体来访（演示数据）",
                    "channel": "walk_in",
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
