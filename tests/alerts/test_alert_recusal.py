"""回避 in alerts and dispatch: a report about the commission's head never pages the head, whatever the chain
names, and never proposes sending him."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_console import AlertConsole
from support import Deployment

from console.alerts.tables import alert_pages, alerts
from console.responders.queries import recommendation_rows


@pytest.fixture
def head_deployment(
    alerts_backend: str, alert_deployment: Deployment, tmp_path: Path, templates: Any
) -> Iterator[Deployment]:
    """Like the alerts' deployment (its settings), with the commission's leader as its head."""
    here = tmp_path / "head"
    here.mkdir()
    with templates.get(alerts_backend).copy(here) as url:
        made = Deployment(url=url, data_dir=here, extra=dict(alert_deployment.extra))
        # The commission's leader of the alerts' organisation is its head (主要负责同志) here.
        made.add_users({"boss": "leader,commission_head"})
        yield made


@pytest.fixture
async def head_console(head_deployment: Deployment) -> AsyncIterator[AlertConsole]:
    made = await AlertConsole(head_deployment.settings).start()
    try:
        await made.organisation()
        yield made
    finally:
        await made.stop()


async def _paged(console: AlertConsole, incident_id: str) -> set[tuple[str, int]]:
    [alert] = await console.rows(alerts, alerts.c.incident_id == incident_id)
    pages = await console.rows(alert_pages, alert_pages.c.alert_id == alert.id)
    return {(p.person_id, p.level) for p in pages}


async def test_nobody_acknowledging_escalates_to_the_head_except_on_a_report_about_him(
    head_console: AlertConsole,
) -> None:
    console = head_console
    ordinary = await console.sit_in(summary="静坐")
    args = {"type": "sit_in", "place": "机关大门", "head_count": 30, "summary": "反映主要负责人问题",
            "about_commission_head": True}  # fmt: skip
    marked = str((await console.ok("incident.register", args))["incident_id"])
    await console.drain()
    # The urgent policy: 3 minutes at the first level, once more, then the commission's leader.
    for minutes, seconds in ((3, 1), (3, 1), (3, 1)):
        console.clock.move(minutes=minutes, seconds=seconds)
        await console.drain()
    assert ("boss", 1) in await _paged(console, ordinary)
    about_him = await _paged(console, marked)
    assert ("leader", 0) in about_him and all(person != "boss" for person, _level in about_him)
    # Nor is the head proposed for sending to it (派遣建议), as he is for the ordinary one.
    async with console.db.read.connect() as conn:
        rows = {i: await conn.run_sync(recommendation_rows, i) for i in (ordinary, marked)}
    proposed = {i: {p.id for p in r.people} for i, r in rows.items() if r is not None}
    assert "boss" in proposed[ordinary] and "boss" not in proposed[marked] and "leader" in proposed[marked]
