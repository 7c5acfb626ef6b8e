"""A claimed batch's attempts are recorded in one command and one transaction (an event per attempt, as
the delivery log, the review and the export read them); an attempt already recorded is left out, not
refused, so a repeat after a crash or a race is still recorded once."""

from __future__ import annotations

import json
from collections import Counter

from alert_console import AlertConsole
from alert_receivers import HttpReceiver
from sqlalchemy import select
from support import Deployment

from console.alerts.timer import Worker, attempts_command_id
from console.clock import parse_iso
from console.tables import commands, events


async def _attempt_events(console: AlertConsole) -> list[tuple[int, str, dict[str, object]]]:
    async with console.db.read.connect() as conn:
        rows = (
            await conn.execute(
                select(events.c.position, events.c.command_id, events.c.payload)
                .where(events.c.type == "alert.attempt_recorded")
                .order_by(events.c.position)
            )
        ).all()
    return [(r.position, r.command_id, json.loads(r.payload)) for r in rows]


async def test_a_claimed_batch_is_recorded_in_one_command_with_an_event_per_attempt(
    console: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    admin = await console.actor("admin")
    ok_path, bad_path = f"batch-ok-{alert_deployment.url[-8:]}", f"fail/batch-{alert_deployment.url[-8:]}"
    channels = {"leader": receiver.url("json", ok_path), "boss": receiver.url("json", bad_path)}
    for person, url in channels.items():
        await console.ok("alert.set_channels", {"person_id": person, "channels": [url]}, admin)
    for _ in range(5):
        await console.sit_in()
    due = [r for r in await console.outbox() if r.state == "pending"]
    assert due, "the sit-ins page someone through the receiver"

    assert await console.worker.tick() == len(due)

    recorded = await _attempt_events(console)
    assert sorted(str(p["outbox_id"]) for _, _, p in recorded) == sorted(r.id for r in due)
    [command] = {cid for _, cid, _ in recorded}  # one command for the whole batch …
    assert command == attempts_command_id([r.id for r in due])  # … whose id the outbox rows give
    positions = [pos for pos, _, _ in recorded]
    assert positions == list(range(positions[0], positions[0] + len(positions)))  # one transaction
    async with console.db.read.connect() as conn:
        row = (await conn.execute(select(commands).where(commands.c.id == command))).one()
    assert (row.first_position, row.last_position) == (positions[0], positions[-1])
    assert json.loads(row.result) == {"recorded": len(due), "skipped": 0}
    # What each attempt came to is as before: delivered, or failed with the next try scheduled.
    states = {r.id: r.state for r in await console.outbox()}
    for _, _, p in recorded:
        assert states[str(p["outbox_id"])] == ("delivered" if p["ok"] else "failed")
        if not p["ok"]:
            assert p["next"] is not None and states[p["next"]["id"]] == "pending"  # type: ignore[index]


async def test_an_attempt_already_recorded_is_left_out_of_a_later_batch_and_recorded_once(
    console: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    admin = await console.actor("admin")
    path = f"batch-once-{alert_deployment.url[-8:]}"
    await console.ok(
        "alert.set_channels", {"person_id": "leader", "channels": [receiver.url("json", path)]}, admin
    )
    for _ in range(3):
        await console.sit_in()
    rows = [r for r in await console.outbox("leader") if r.state == "pending"]
    assert len(rows) == 3
    first = rows[:1]

    def outcome(outbox_id: str) -> dict[str, object]:
        return {"outbox_id": outbox_id, "ok": True, "status": "SUCCESS", "reason": "", "latency_ms": 3}

    # A sender recorded the first attempt, then died; another claimed the batch again (the lease ran
    # out) and records all three: the first is left out, the others recorded, each once.
    done = await console.submit(
        "alert.record_attempts", {"attempts": [outcome(r.id) for r in first]}, internal=True
    )
    assert done.ok and done.result == {"recorded": 1, "skipped": 0}
    again = await console.submit(
        "alert.record_attempts",
        {"attempts": [outcome(r.id) for r in rows] + [outcome("not-an-attempt")]},
        internal=True,
    )
    assert again.ok and again.result == {"recorded": 2, "skipped": 2}, again
    counted = Counter(p["outbox_id"] for _, _, p in await _attempt_events(console))
    assert counted == {r.id: 1 for r in rows}
    assert {r.state for r in await console.outbox("leader")} == {"delivered"}


async def test_a_serve_process_beside_a_sender_process_escalates_but_does_not_send(
    console: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    admin = await console.actor("admin")
    path = f"batch-serve-{alert_deployment.url[-8:]}"
    await console.ok(
        "alert.set_channels", {"person_id": "leader", "channels": [receiver.url("json", path)]}, admin
    )
    await console.sit_in()
    serve = Worker(console.db, console.service, console.clock, console.settings, sends=False)
    assert await serve.tick() == 0 and receiver.bodies(path) == []
    assert [r.state for r in await console.outbox("leader")] == ["pending"]
    # What it waits for is the escalation only; the attempt, due now, is the sender's.
    [alert] = await console.alert_rows()
    assert alert.next_at is not None and parse_iso(alert.next_at) > console.clock.now()
    assert await serve.next_due() == parse_iso(alert.next_at)
    sender = Worker(console.db, console.service, console.clock, console.settings, escalates=False)
    sender_due = await sender.next_due()
    assert sender_due is not None and sender_due <= console.clock.now()
    assert await sender.tick() == 1 and len(receiver.bodies(path)) == 1
