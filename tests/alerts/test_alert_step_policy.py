"""A playbook notify step that names an escalation policy pages through that policy when its reminder
fires; the incident's own policy pages for the other steps."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alert_console import AlertConsole
from support import Deployment

from alerts.policy import Policy, Urgency
from console.alerts.tables import alerts
from playbooks.loader import LIBRARY_DIR


@pytest.fixture
async def named(alert_deployment: Deployment, tmp_path: Path) -> AsyncIterator[AlertConsole]:
    library = tmp_path / "playbooks"
    shutil.copytree(LIBRARY_DIR, library)
    path = library / "collective_visit.yaml"
    text = path.read_text(encoding="utf-8")
    step = "  - id: notify_leader\n"
    assert step in text
    head, tail = text.split(step, 1)
    tail = tail.replace("    kind: notify\n", "    kind: notify\n    policy: urgent\n", 1)
    path.write_text(head + step + tail, encoding="utf-8")
    settings = dataclasses.replace(alert_deployment.settings, playbook_dir=str(library))
    made = await AlertConsole(settings).start()
    try:
        await made.organisation()
        yield made
    finally:
        await made.stop()


async def _fire(console: AlertConsole, incident_id: str, step_id: str) -> Policy:
    where = (alerts.c.incident_id == incident_id, alerts.c.ask == "step_overdue")
    before = {r.id for r in await console.rows(alerts, *where)}
    fired = await console.submit(
        "run.fire", {"incident_id": incident_id, "key": f"remind:step:{step_id}"}, internal=True
    )
    assert fired.ok, fired.error and fired.error.code
    [row] = [r for r in await console.rows(alerts, *where) if r.id not in before]
    return Policy.model_validate_json(row.chain)


async def test_a_notify_steps_named_policy_pages_for_its_reminder(named: AlertConsole) -> None:
    args = {"type": "collective_visit", "place": "接待大厅", "head_count": 100}  # larger or above
    incident_id = str((await named.ok("incident.register", args))["incident_id"])
    named.clock.move(minutes=11)
    chain = await _fire(named, incident_id, "notify_leader")
    assert chain.id == "urgent" and chain.urgency is Urgency.URGENT  # the step's own policy
    other = await _fire(named, incident_id, "register")
    assert other.id == "normal"  # a step naming none: the incident's (collective visit: normal)
