"""Escalation on a moved clock, acknowledgement in the console, and a channel down for the whole run."""

from __future__ import annotations

from alert_console import AlertConsole
from alert_receivers import HttpReceiver
from support import free_port

from console.alerts import queries


async def _levels(console: AlertConsole) -> list[tuple[str, int, int, str]]:
    rows = []
    for person in ("leader", "boss"):
        rows += [(p.person_id, p.level, p.round, p.state) for p in await console.pages(person)]
    return sorted(rows, key=lambda r: (r[1], r[2], r[0]))


async def test_nobody_acknowledging_escalates_level_by_level_and_an_acknowledgement_stops_it(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    admin = await console.actor("admin")
    for person in ("leader", "boss"):
        url = receiver.url("json", f"esc-{person}")
        await console.ok("alert.set_channels", {"person_id": person, "channels": [url]}, admin)
    await console.sit_in()
    await console.drain()
    assert await _levels(console) == [("leader", 0, 0, "delivered")]

    console.clock.move(minutes=2)  # the urgent policy waits 3 minutes at its first level
    await console.drain()
    assert len(await _levels(console)) == 1

    console.clock.move(minutes=1, seconds=1)  # timeout: the urgent policy pages the level once more
    await console.drain()
    assert await _levels(console) == [("leader", 0, 0, "delivered"), ("leader", 0, 1, "delivered")]

    console.clock.move(minutes=3, seconds=1)  # still nobody: the commission's leader
    await console.drain()
    assert ("boss", 1, 0, "delivered") in await _levels(console)
    assert any("通知级别: 2" in body for body in receiver.bodies("esc-boss"))

    boss = await console.actor("boss")
    [alert] = await console.alert_rows()
    result = await console.ok("alert.acknowledge", {"alert_id": alert.id}, boss)
    assert result["level"] == 1
    again = await console.submit("alert.acknowledge", {"alert_id": alert.id}, boss)
    assert not again.ok and again.error is not None and again.error.code == "already_acknowledged"

    console.clock.move(minutes=30)
    await console.drain()
    [alert] = await console.alert_rows()
    assert alert.state == "acknowledged" and alert.acked_by == "boss" and alert.next_at is None
    assert len(await _levels(console)) == 3  # nothing more was paged

    # The review: who was told on which channel and when, and when they knew.
    async with console.db.read.connect() as conn:
        log = await conn.run_sync(lambda c: queries.delivery_log(c, incident_id=alert.incident_id))
        figures = await conn.run_sync(lambda c: queries.figures(c, alert.incident_id))
    assert [(r["person_id"], r["level"], r["round"], r["state"]) for r in log] == [
        ("leader", 1, 1, "delivered"),
        ("leader", 1, 2, "delivered"),
        ("boss", 2, 1, "delivered"),
    ]
    assert log[2]["ack_route"] == "console" and log[2]["acked_at"]
    assert figures["time_to_first_delivery_s"] is not None and list(figures["time_to_ack_s_by_level"]) == [2]
    csv_text = queries.delivery_log_csv(log)
    assert csv_text.splitlines()[0].startswith("alert_id,incident_id") and len(csv_text.splitlines()) == 4


async def test_someone_not_paged_cannot_acknowledge(console: AlertConsole) -> None:
    await console.sit_in()
    [alert] = await console.alert_rows()
    duty = await console.actor("duty")
    refused = await console.submit("alert.acknowledge", {"alert_id": alert.id}, duty)
    assert not refused.ok and refused.error is not None and refused.error.code == "not_paged"


async def test_a_channel_down_for_the_whole_run_ends_failed_with_its_reasons_and_escalation_goes_on(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    admin = await console.actor("admin")
    down = f"json://127.0.0.1:{free_port()}/gateway"
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down]}, admin)
    await console.ok(
        "alert.set_channels", {"person_id": "boss", "channels": [receiver.url("form", "boss-up")]}, admin
    )
    await console.sit_in()
    await console.drain()
    console.clock.move(seconds=40)  # the retry after the backoff fails too: the leader is unreachable
    await console.drain()

    attempts = [a for a in await console.outbox("leader") if a.round == 0]
    assert [(a.attempt_no, a.state) for a in attempts] == [(1, "failed"), (2, "failed")]
    assert all("Connection error" in (a.reason or "") for a in attempts)
    # Everyone at the level unreachable: the level is paged again at once (urgent), not after the
    # timeout, and once that fails too, the next level.
    console.clock.move(seconds=40)
    await console.drain()
    levels = await _levels(console)
    assert levels[:2] == [("leader", 0, 0, "failed"), ("leader", 0, 1, "failed")]
    assert ("boss", 1, 0, "delivered") in levels
    async with console.db.read.connect() as conn:
        shown = await conn.run_sync(lambda c: queries.open_pages(c))
    # The board's snapshot part shows the leader's pages as failed, with their age (paged_at), not dropped.
    assert {(p["person_id"], p["state"]) for p in shown} >= {("leader", "failed"), ("boss", "delivered")}


async def test_acknowledging_stops_the_persons_waiting_attempts(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    admin = await console.actor("admin")
    down = f"json://127.0.0.1:{free_port()}/gw"
    channels = [down, receiver.url("json", "after-ack")]
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": channels}, admin)
    await console.sit_in()
    await console.drain()  # the first try fails; the retry waits for its backoff
    [alert] = await console.alert_rows()
    await console.ok("alert.acknowledge", {"alert_id": alert.id}, await console.actor("leader"))
    console.clock.move(minutes=10)
    await console.drain()
    assert [(r.attempt_no, r.state) for r in await console.outbox("leader")] == [
        (1, "failed"),
        (2, "cancelled"),
    ]
    assert receiver.bodies("after-ack") == []


async def test_acknowledging_the_dispatch_acknowledges_its_page(console: AlertConsole) -> None:
    incident_id = await console.sit_in()
    await console.ok(
        "responder.dispatch", {"incident_id": incident_id, "person_ids": ["r1"], "destination_id": "gate"}
    )
    # The duty desk records r1's acknowledgement on their behalf (r1 has no console user in the template).
    await console.ok("responder.move", {"move": "acknowledge", "person_id": "r1", "incident_id": incident_id})
    [page] = await console.pages("r1")
    assert page.state == "acknowledged" and page.ack_route == "dispatch"


async def test_closing_the_incident_stops_its_alerts(console: AlertConsole, receiver: HttpReceiver) -> None:
    admin = await console.actor("admin")
    down = f"json://127.0.0.1:{free_port()}/gw-closed"
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down]}, admin)
    incident_id = await console.sit_in()
    await console.drain()  # the first try fails; its retry waits
    await console.ok("incident.close", {"incident_id": incident_id, "outcome": "resolved"})
    console.clock.move(minutes=30)
    await console.drain()
    [alert] = await console.alert_rows()
    assert alert.state == "closed" and alert.next_at is None
    assert [(r.attempt_no, r.state) for r in await console.outbox("leader")] == [
        (1, "failed"),
        (2, "cancelled"),
    ]
    async with console.db.read.connect() as conn:
        assert await conn.run_sync(lambda c: queries.open_pages(c)) == []
