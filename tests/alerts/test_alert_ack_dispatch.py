"""Acknowledging the page of a dispatch acknowledges the dispatch, once; acknowledging the dispatch
acknowledges its page; neither sets off the other again (one act, never a loop)."""

from __future__ import annotations

from alert_console import AlertConsole

from console.alerts.tables import alerts
from console.responders.tables import assignments
from console.tables import events


async def _dispatch_leader(console: AlertConsole) -> tuple[str, str]:
    incident_id = await console.sit_in()
    await console.ok(
        "responder.dispatch", {"incident_id": incident_id, "person_ids": ["leader"], "destination_id": "gate"}
    )
    [alert] = await console.rows(alerts, alerts.c.ask == "dispatched")
    return incident_id, alert.id


async def _types(console: AlertConsole) -> list[tuple[str, str]]:
    rows = await console.rows(events, events.c.type.in_(("alert.acknowledged", "responder.moved")))
    return [(r.type, r.payload) for r in sorted(rows, key=lambda r: r.position)]


async def test_acknowledging_the_page_of_a_dispatch_acknowledges_the_dispatch_once(
    console: AlertConsole,
) -> None:
    incident_id, alert_id = await _dispatch_leader(console)
    leader = await console.actor("leader")
    await console.ok("alert.acknowledge", {"alert_id": alert_id}, leader)

    [held] = await console.rows(assignments, assignments.c.incident_id == incident_id)
    assert (held.person_id, held.status) == ("leader", "acknowledged")
    [page] = [p for p in await console.pages("leader") if p.alert_id == alert_id]
    assert page.state == "acknowledged" and page.ack_route == "console"
    moves = [p for t, p in await _types(console) if t == "responder.moved" and '"acknowledge"' in p]
    assert len(moves) == 1  # the dispatch's acknowledgement, recorded once, not echoed back

    # Again: refused, and nothing more is recorded on either side.
    again = await console.submit("alert.acknowledge", {"alert_id": alert_id}, leader)
    assert not again.ok and again.error is not None and again.error.code == "already_acknowledged"
    refused = await console.submit(
        "responder.move", {"move": "acknowledge", "incident_id": incident_id}, leader
    )
    assert not refused.ok
    after = await _types(console)
    assert sum(1 for t, _ in after if t == "alert.acknowledged") == 1
    assert sum(1 for t, p in after if t == "responder.moved" and '"acknowledge"' in p) == 1


async def test_acknowledging_the_dispatch_acknowledges_its_page_without_a_second_acknowledgement(
    console: AlertConsole,
) -> None:
    incident_id, alert_id = await _dispatch_leader(console)
    leader = await console.actor("leader")
    await console.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id}, leader)

    [page] = [p for p in await console.pages("leader") if p.alert_id == alert_id]
    assert page.state == "acknowledged" and page.ack_route == "dispatch"
    refused = await console.submit("alert.acknowledge", {"alert_id": alert_id}, leader)
    assert not refused.ok and refused.error is not None and refused.error.code == "already_acknowledged"
    after = await _types(console)
    assert [t for t, _ in after if t == "alert.acknowledged"] == []  # the page followed the dispatch
    assert sum(1 for t, p in after if t == "responder.moved" and '"acknowledge"' in p) == 1


async def test_a_page_acknowledged_after_the_dispatch_was_released_leaves_the_release_as_it_is(
    console: AlertConsole,
) -> None:
    incident_id, alert_id = await _dispatch_leader(console)
    await console.ok("responder.move", {"move": "release", "person_id": "leader", "incident_id": incident_id})
    await console.ok("alert.acknowledge", {"alert_id": alert_id}, await console.actor("leader"))
    held = await console.rows(assignments, assignments.c.incident_id == incident_id)
    assert [h.status for h in held] in ([], ["cleared"])  # released stays released
    moves = [p for t, p in await _types(console) if t == "responder.moved" and '"acknowledge"' in p]
    assert moves == []
