"""The console's existing triggers page people through the outbox: a playbook reminder fired by the
timer pages the step owner's role holder; an overdue roll call pages the lead who started it."""

from __future__ import annotations

from alert_console import AlertConsole
from alert_receivers import HttpReceiver

from console.alerts.tables import alerts


async def _channels(console: AlertConsole, receiver: HttpReceiver, *people: str) -> None:
    admin = await console.actor("admin")
    for person in people:
        url = receiver.url("json", f"trig-{person}-{console.settings.database_url[-16:]}")
        await console.ok("alert.set_channels", {"person_id": person, "channels": [url]}, admin)


async def test_a_fired_reminder_pages_the_holder_of_the_steps_role(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    await _channels(console, receiver, "duty")
    incident_id = await console.sit_in()
    console.clock.move(minutes=4)  # 接报并启动预案 (the duty officer's notify step) was due at 3 minutes
    fired = await console.submit(
        "run.fire", {"incident_id": incident_id, "key": "remind:step:start_response"}, internal=True
    )
    assert fired.ok, fired.error and fired.error.code
    await console.drain()
    [page] = await console.pages("duty")
    assert page.state == "delivered"
    [body] = receiver.bodies(f"trig-duty-{console.settings.database_url[-16:]}")
    assert "处置事项已逾期" in body
    asks = {r.ask for r in await console.rows(alerts)}
    assert asks == {"go_to_scene", "step_overdue"}


async def test_an_overdue_roll_call_pages_the_lead_who_started_it(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    await _channels(console, receiver, "leader", "r1")
    incident_id = await console.sit_in()
    await console.ok(
        "responder.dispatch", {"incident_id": incident_id, "person_ids": ["r1"], "destination_id": "gate"}
    )
    leader = await console.actor("leader")
    started = await console.ok("rollcall.start", {"incident_id": incident_id, "within_minutes": 1}, leader)
    console.clock.move(minutes=2)
    flagged = await console.submit(
        "rollcall.flag_overdue", {"rollcall_id": started["rollcall_id"]}, internal=True
    )
    assert flagged.ok, flagged.error and flagged.error.code
    await console.drain()
    rows = [r for r in await console.rows(alerts) if r.ask == "rollcall_overdue"]
    assert len(rows) == 1
    pages = [p for p in await console.pages("leader") if p.alert_id == rows[0].id]
    assert [p.state for p in pages] == ["delivered"]
