"""Quiet hours through the real outbox and a local SMTP server: a normal page's e-mail waits for the end
of the person's quiet hours (the delivery log says until when), an urgent page's e-mail goes at once,
and quiet hours that cannot be used are refused with nothing saved."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from alert_console import AlertConsole
from alert_receivers import SmtpServer

from console.alerts import queries
from console.alerts.tables import alert_people, alerts
from console.clock import parse_iso

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _span_around_now(console: AlertConsole) -> tuple[str, str]:
    """Quiet hours that hold now: from an hour ago to two hours on (local time, across midnight or not)."""
    local = console.clock.now().astimezone(SHANGHAI)
    return (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=2)).strftime("%H:%M")


async def test_a_normal_pages_mail_waits_for_the_quiet_hours_to_end_and_an_urgent_one_goes_at_once(
    console: AlertConsole, smtp: SmtpServer
) -> None:
    start, end = _span_around_now(console)
    admin = await console.actor("admin")
    channels = [smtp.url("quiet-leader@example.org")]
    await console.ok(
        "alert.set_channels",
        {"person_id": "leader", "channels": channels, "quiet_hours": f"{start}-{end}"},
        admin,
    )
    visit = await console.ok(
        "incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 8}
    )
    visit_id = str(visit["incident_id"])
    await console.ok(
        "responder.dispatch", {"incident_id": visit_id, "person_ids": ["leader"]}
    )  # normal policy
    sent_before = len(smtp.bodies())
    await console.drain()

    [held] = await console.outbox("leader")
    assert held.state == "pending" and held.held_until is not None and held.due_at == held.held_until
    assert parse_iso(held.held_until).astimezone(SHANGHAI).strftime("%H:%M") == end
    assert len(smtp.bodies()) == sent_before  # nothing went out at night
    async with console.db.read.connect() as conn:
        shown = await conn.run_sync(lambda c: queries.open_pages(c, "leader"))
        log = await conn.run_sync(lambda c: queries.delivery_log(c, incident_id=visit_id))
    assert [p["incident_id"] for p in shown] == [visit_id]  # the in-app page shows it at once all the same
    assert [(r["person_id"], r["held_until"]) for r in log] == [("leader", held.held_until)]
    assert "held_until" in queries.delivery_log_csv(log).splitlines()[0]

    # A sit-in now: urgent, so the leader's e-mail is not held.
    urgent_id = await console.sit_in()
    await console.drain()
    [urgent] = await console.rows(alerts, alerts.c.incident_id == urgent_id)
    rows = [r for r in await console.outbox("leader") if r.alert_id == urgent.id]
    assert [(r.state, r.held_until) for r in rows] == [("delivered", None)]
    assert len(smtp.bodies()) == sent_before + 1

    # The morning: the held e-mail goes.
    console.clock.move(hours=2, minutes=1)
    await console.drain()
    [after] = [r for r in await console.outbox("leader") if r.id == held.id]
    assert after.state == "delivered" and after.held_until == held.held_until
    assert parse_iso(after.attempted_at) >= parse_iso(held.held_until)
    assert sum("您已被派遣" in b for b in smtp.bodies()[sent_before:]) == 1


async def test_unusable_quiet_hours_are_refused_and_nothing_is_saved(console: AlertConsole) -> None:
    admin = await console.actor("admin")
    for bad in ("22:00", "07:00-07:00", "24:00-06:00", "晚上十点到早上"):
        refused = await console.submit(
            "alert.set_channels",
            {"person_id": "leader", "channels": ["console://"], "quiet_hours": bad},
            admin,
        )
        assert not refused.ok and refused.error is not None, bad
        assert refused.error.code == "quiet_hours_refused" and refused.error.status == 422, bad
    assert await console.rows(alert_people, alert_people.c.person_id == "leader") == []
