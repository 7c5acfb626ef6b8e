"""No confidential value, note or typed free text reaches any channel, on the way that works and on the
error path (a gateway answering 500), over random incidents; drills are marked and reach only their
participants; a dispatch pages the dispatched responder."""

from __future__ import annotations

import asyncio

from alert_console import AlertConsole
from alert_receivers import HttpReceiver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import Deployment

from alerts.message import DRILL_MARK
from console.alerts.tables import alert_outbox
from console.tables import events

MARK = "※"  # every secret drawn carries it; no message the console makes ever does
_chars = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters=MARK)
secret = st.text(_chars, min_size=1, max_size=40).map(lambda t: MARK + t)
maybe = st.none() | secret


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    summary=secret,
    place=secret,
    note=secret,
    informant=maybe,
    phone=maybe,
    content=maybe,
)
def test_no_confidential_or_typed_text_reaches_any_channel(
    alert_deployment: Deployment,
    receiver: HttpReceiver,
    summary: str,
    place: str,
    note: str,
    informant: str | None,
    phone: str | None,
    content: str | None,
) -> None:
    confidential = {"informant_name": informant, "informant_phone": phone, "report_content": content}
    values = [summary, place, note, *(v for v in confidential.values() if v)]

    async def run() -> list[str]:
        console = await AlertConsole(alert_deployment.settings).start()
        try:
            if not (await console.rows(alert_outbox)):
                await console.organisation()
            admin = await console.actor("admin")
            channels = [receiver.url("form", "fail/leak"), receiver.url("json", "leak")]
            await console.ok("alert.set_channels", {"person_id": "leader", "channels": channels}, admin)
            args = {
                "type": "sit_in",
                "place": place[:200],
                "head_count": 30,
                "summary": summary,
                "confidential": {k: v for k, v in confidential.items() if v},
            }
            incident_id = (await console.ok("incident.register", args))["incident_id"]
            await console.ok("incident.note", {"incident_id": incident_id, "text": note})
            await console.drain()
            console.clock.move(seconds=40)
            await console.drain()  # the failing gateway's retry, then the second channel
            async with console.db.read.connect() as conn:
                rows = (await conn.execute(select(alert_outbox.c.reason, alert_outbox.c.state))).all()
                alert_events = (
                    (await conn.execute(select(events.c.payload).where(events.c.type.like("alert.%"))))
                    .scalars()
                    .all()
                )
            assert any(r.state == "delivered" for r in rows)
            return [*(r.reason or "" for r in rows), *alert_events]
        finally:
            await console.stop()

    recorded = asyncio.run(run())
    sent = receiver.all_text()
    assert "fail" in "".join(r.path for r in receiver.received)  # the error path was taken
    for text in (sent, *recorded):
        assert MARK not in text
        assert not [v for v in values if len(v) > 2 and v in text]


async def test_a_drill_is_marked_and_pages_only_its_participants(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    admin = await console.actor("admin")
    for person in ("leader", "r1"):
        url = receiver.url("json", f"drill-{person}")
        await console.ok("alert.set_channels", {"person_id": person, "channels": [url]}, admin)
    incident_id = await console.sit_in(drill=True)
    await console.drain()
    assert await console.pages("leader") == []  # not taking part in the drill

    await console.ok(
        "responder.dispatch", {"incident_id": incident_id, "person_ids": ["r1"], "destination_id": "gate"}
    )
    await console.drain()
    [page] = await console.pages("r1")
    assert page.state == "delivered"
    [body] = receiver.bodies("drill-r1")[-1:]
    assert body.startswith(DRILL_MARK) and "您已被派遣" in body and "机关大门" in body
    assert receiver.bodies("drill-leader") == []
