"""Several senders over one database: each attempt goes out once; a sender killed mid-send loses
nothing, and only the attempt in flight goes out again, with the same dedupe key."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

from alert_console import AlertConsole
from alert_receivers import HttpReceiver
from support import Deployment

from console.alerts.timer import Worker
from console.db import open_database
from console.service import CommandService

REF = re.compile(r"参考码: ([0-9a-f]{24})")


async def test_two_senders_send_each_attempt_once(
    console: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    admin = await console.actor("admin")
    path = f"two-{alert_deployment.url[-12:]}"
    await console.ok(
        "alert.set_channels", {"person_id": "leader", "channels": [receiver.url("json", path)]}, admin
    )
    for _ in range(12):
        await console.sit_in()
    settings = console.settings.with_(extra={**console.settings.extra, "CONSOLE_ALERT_BATCH": "2"})
    other_db = open_database(settings)
    other_service = CommandService(other_db, settings, console.clock, lambda _e: None, console.registry)
    other_service.start()
    first = Worker(console.db, console.service, console.clock, settings)
    second = Worker(other_db, other_service, console.clock, settings)
    try:
        for _ in range(30):
            sent = await asyncio.gather(first.tick(), second.tick())
            if not any(sent):
                break
    finally:
        await other_service.stop()
        await other_db.dispose()
    rows = await console.outbox("leader")
    assert len(rows) == 12 and all(r.state == "delivered" for r in rows)
    keys = Counter(k for body in receiver.bodies(path) for k in REF.findall(body))
    assert set(keys) == {r.id for r in rows} and set(keys.values()) == {1}
    assert first.sent and second.sent  # both took part
