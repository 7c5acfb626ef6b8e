"""The outbox on a real database, with apprise delivering for real to local receivers."""

from __future__ import annotations

import json

from alert_console import AlertConsole
from alert_receivers import HttpReceiver, SmtpServer
from sqlalchemy import select
from support import free_port

from console.alerts.tables import alert_channels
from console.tables import events


async def _events(console: AlertConsole, kind: str) -> list[dict[str, object]]:
    async with console.db.read.connect() as conn:
        rows = (
            await conn.execute(select(events).where(events.c.type == kind).order_by(events.c.position))
        ).all()
    return [json.loads(r.payload) | {"_position": r.position} for r in rows]


async def test_a_channel_apprise_cannot_use_is_refused_with_its_reason_and_nothing_is_saved(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    admin = await console.actor("admin")
    result = await console.submit(
        "alert.set_channels",
        {"person_id": "leader", "channels": [receiver.url("json"), "dingtalk-ish://nope"]},
        admin,
    )
    assert not result.ok and result.error is not None
    assert result.error.code == "channel_refused", result.error.params
    assert result.error.params["index"] == 2, result.error.params
    assert "#2" in str(result.error.params["detail"])
    assert "apprise" in str(result.error.params["detail"])
    assert await console.rows(alert_channels) == []


async def test_nobody_but_the_person_or_an_admin_sets_channels_and_clients_never_see_the_url(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    secret_url = receiver.url("json", "hook-with-a-secret-key-123456")
    duty = await console.actor("duty")
    refused = await console.submit(
        "alert.set_channels", {"person_id": "leader", "channels": [secret_url]}, duty
    )
    assert not refused.ok and refused.error is not None and refused.error.code == "forbidden"
    leader = await console.actor("leader")
    await console.ok("alert.set_channels", {"channels": [secret_url]}, leader)  # their own
    [event] = await _events(console, "alert.channels_set")
    assert event["channels"] == [secret_url]  # the log keeps it: the outbox is rebuilt from the log
    shown = console.registry.event_types["alert.channels_set"].public_data(event)
    assert "secret-key" not in json.dumps(shown, ensure_ascii=False)
    assert shown["channels"][0]["kind"] == "webhook"


async def test_a_sit_in_pages_the_leader_first_channel_down_second_delivers(
    console: AlertConsole, receiver: HttpReceiver, smtp: SmtpServer
) -> None:
    down = f"json://127.0.0.1:{free_port()}/sms-gateway"  # nothing listens: connection refused
    admin = await console.actor("admin")
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down, smtp.url()]}, admin)
    incident_id = await console.sit_in()

    # Written with the registration, in its transaction: the rows carry the registration's position.
    [registered] = await _events(console, "incident.registered")
    [first] = await console.outbox("leader")
    assert first.last_position == registered["_position"] and first.state == "pending"
    assert first.incident_id == incident_id

    await console.drain()
    rows = await console.outbox("leader")
    assert [(r.channel_index, r.attempt_no, r.state) for r in rows] == [(0, 1, "failed"), (0, 2, "pending")]
    assert "Connection error" in (rows[0].reason or "")

    console.clock.move(seconds=40)  # past the backoff (30 s ± 20 %)
    await console.drain()
    rows = await console.outbox("leader")
    assert [(r.channel_index, r.attempt_no, r.state) for r in rows] == [
        (0, 1, "failed"),
        (0, 2, "failed"),
        (1, 1, "delivered"),
    ]
    [mail] = [b for b in smtp.bodies() if rows[2].id in b]  # the dedupe key travels in the message
    assert "请立即赶赴机关大门" in mail and "http://console.test/a/" in mail
    [page] = await console.pages("leader")
    assert page.state == "delivered"

    attempts = await _events(console, "alert.attempt_recorded")
    assert [a["ok"] for a in attempts] == [False, False, True]
    assert all("sms-gateway" not in json.dumps(a) and str(smtp.port) not in json.dumps(a) for a in attempts)
