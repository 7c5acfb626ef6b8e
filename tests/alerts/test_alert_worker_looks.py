"""When the outbox worker looks: `next_due` names the earliest moment anything it acts on falls due, so
the worker's loop reads the database only when the log moved or that moment came."""

from __future__ import annotations

from alert_console import AlertConsole
from support import free_port

from console.alerts.tables import alert_outbox, alerts
from console.clock import parse_iso


async def test_nothing_waiting_means_nothing_due(console: AlertConsole) -> None:
    assert await console.worker.next_due() is None


async def test_next_due_is_the_earliest_attempt_retry_or_escalation(console: AlertConsole) -> None:
    down = f"json://127.0.0.1:{free_port()}/sms-gateway"  # nothing listens: connection refused
    admin = await console.actor("admin")
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down]}, admin)
    await console.sit_in()

    # The page's first attempt is due at once.
    due = await console.worker.next_due()
    assert due is not None and due <= console.clock.now()

    await console.drain()
    # Failed: the retry waits out its backoff, the alert its acknowledge timeout; the earlier counts.
    pending = [r for r in await console.outbox() if r.state == "pending"]
    open_alerts = [a for a in await console.rows(alerts) if a.state == "open"]
    expected = min([parse_iso(r.due_at) for r in pending] + [parse_iso(a.next_at) for a in open_alerts])
    due = await console.worker.next_due()
    assert due == expected and due > console.clock.now()
    before = await console.outbox()
    assert not await console.worker.tick()  # and indeed nothing is sent before it
    assert await console.outbox() == before

    console.clock.move(seconds=(expected - console.clock.now()).total_seconds() + 1)
    await console.worker.tick()
    assert await console.outbox() != before  # at that moment something happens


async def test_a_leased_attempt_is_due_when_its_lease_runs_out(console: AlertConsole) -> None:
    down = f"json://127.0.0.1:{free_port()}/sms-gateway"
    admin = await console.actor("admin")
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down]}, admin)
    await console.sit_in()
    now = console.clock.now()
    claimed = await console.db.run_write(console.worker._claim, now, console.db.is_postgres)
    assert claimed
    [row] = [r for r in await console.rows(alert_outbox) if r.id == claimed[0].id]
    assert row.kind != "in_app"
    due = await console.worker.next_due()
    assert due is not None and due <= parse_iso(row.lease_until)
    assert due > now  # held by the lease, not due again before it runs out
