"""The in-app banner and the message say the incident's level as its run stands (the board's level),
from the registration on: graded from the facts when registered, regraded when the facts change."""

from __future__ import annotations

import uuid

from alert_console import AlertConsole
from alert_receivers import HttpReceiver

from alerts.message import level_text
from console.alerts import queries
from console.runs.queries import run_of_incident
from console.runs.views import run_summary
from playbooks.config import thresholds


async def _run_level(console: AlertConsole, incident_id: str) -> str:
    async with console.db.read.connect() as conn:
        run = await conn.run_sync(lambda c: run_of_incident(c, incident_id))
    assert run is not None
    return str(run_summary(run, None, thresholds(console.settings))["level"])


async def _banner_levels(console: AlertConsole, person: str) -> list[str | None]:
    async with console.db.read.connect() as conn:
        pages = await conn.run_sync(lambda c: queries.open_pages(c, person, console.settings))
    return [p["incident_level"] for p in pages]


async def test_the_banner_and_the_message_say_the_runs_level_from_registration_on(
    console: AlertConsole, receiver: HttpReceiver
) -> None:
    admin = await console.actor("admin")
    tag = f"level-{uuid.uuid4().hex[:8]}"  # the receiver is shared by the session
    url = receiver.url("json", tag)
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [url]}, admin)
    incident_id = await console.sit_in()
    graded = await _run_level(console, incident_id)
    assert graded in ("general", "larger", "major", "extraordinary")
    assert await _banner_levels(console, "leader") == [graded]  # not blank until a leader overrides
    await console.drain()
    [body] = receiver.bodies(tag)
    assert level_text(graded) in body

    amend = {"incident_id": incident_id, "head_count": 600, "reason": "人数增加"}
    await console.ok("incident.amend", amend)
    regraded = await _run_level(console, incident_id)
    assert regraded != graded  # 600 people at a gate is graded higher than 30
    assert await _banner_levels(console, "leader") == [regraded]


async def test_an_incident_no_playbook_serves_keeps_the_level_the_alerts_know(console: AlertConsole) -> None:
    async with console.db.read.connect() as conn:
        levels = await conn.run_sync(
            lambda c: queries.incident_levels(c, ["no-such-incident"], console.settings)
        )
    assert levels == {}
