"""The in-app page (站内提醒) is delivered in the transaction of the event that pages: the person's open
pages show it as that event is published, so no attempt is left for the worker to claim and record (no
extra event, commit or fan-out per page). And the worker wakes only for events that may give it work."""

from __future__ import annotations

from alert_console import AlertConsole
from sqlalchemy import func, select

from console.alerts import queries
from console.alerts.timer import wakes
from console.events import RecordedEvent
from console.hub import Hub
from console.maintenance import rebuild
from console.tables import events


async def _count(console: AlertConsole, kind: str | None = None) -> int:
    query = select(func.count()).select_from(events)
    if kind is not None:
        query = query.where(events.c.type == kind)
    async with console.db.read.connect() as conn:
        return int(await conn.scalar(query) or 0)


async def test_an_in_app_page_is_delivered_with_the_event_that_pages(console: AlertConsole) -> None:
    before = await _count(console)
    incident_id = await console.sit_in()  # the leader set no channels: reached in the console
    appended = await _count(console) - before
    [row] = await console.outbox("leader")
    assert (row.kind, row.state, row.status, row.attempted_at) == (
        "in_app",
        "delivered",
        "SUCCESS",
        row.created_at,
    )
    [page] = await console.pages("leader")
    assert page.state == "delivered" and page.delivered_at == page.paged_at

    # Nothing is left for the worker: no claim, no alert.attempt_recorded, nothing more in the log.
    assert [r.state for r in await console.outbox()] == ["delivered"]
    assert await console.worker.tick() == 0
    assert await _count(console, "alert.attempt_recorded") == 0
    assert await _count(console) - before == appended

    # The delivery log and the banner show it as before; a rebuild from the log gives the same rows.
    async with console.db.read.connect() as conn:
        log = await conn.run_sync(lambda c: queries.delivery_log(c, incident_id=incident_id))
        shown = await conn.run_sync(lambda c: queries.open_pages(c, "leader", console.settings))
    assert [(r["person_id"], r["channel"], r["state"]) for r in log] == [("leader", "in_app", "delivered")]
    assert [p["state"] for p in shown] == ["delivered"]
    rows = await console.outbox()
    await rebuild(console.db, console.registry)
    assert await console.outbox() == rows


async def test_an_escalation_to_in_app_people_is_delivered_with_it(console: AlertConsole) -> None:
    await console.sit_in()
    console.clock.move(minutes=3, seconds=1)
    await console.drain()  # the urgent policy pages its first level again, in the escalation's transaction
    assert [(p.round, p.state) for p in await console.pages("leader")] == [(0, "delivered"), (1, "delivered")]
    assert await _count(console, "alert.attempt_recorded") == 0


def _event(position: int, kind: str) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        stream="s",
        type=kind,
        actor_id="u",
        actor_name="u",
        occurred_at="2026-01-01T00:00:00.000000Z",
        recorded_at="2026-01-01T00:00:00.000000Z",
        visibility="staff",
        command_id=None,
        payload_json="{}",
        prev_hash="0" * 64,
        hash="1" * 64,
    )


def test_the_worker_wakes_for_events_that_may_give_it_work_only() -> None:
    hub = Hub(lambda _e, _classes: {}, ring_size=4)
    assert wakes(hub, -1)  # nothing known yet: look
    hub.publish([_event(1, "incident.note_added"), _event(2, "run.step_completed")])
    assert not wakes(hub, 0)  # a note and a ticked step page nobody
    assert not wakes(hub, 2)  # nothing new
    hub.publish([_event(3, "incident.registered")])
    assert wakes(hub, 2) and wakes(hub, 0)
    hub.publish([_event(4, "incident.note_added")])
    assert not wakes(hub, 3)
    hub.publish([_event(5, "alert.attempt_recorded")])  # a failure schedules the next try
    assert wakes(hub, 4)
    hub.publish([_event(p, "incident.note_added") for p in range(6, 12)])
    assert wakes(hub, 4)  # the hub's memory no longer reaches back to 5: look rather than guess
    assert not wakes(hub, 8)
