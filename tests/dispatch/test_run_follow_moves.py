"""The run follows the responders' moves: the team's dispatch step and the leader's step on site are
ticked by a dispatch or an arrival, once, and the room's run says by what (real server, real database)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from org import Api, import_organisation
from support import Served, server_events

GATE_SIT_IN = {"type": "sit_in", "place": "机关大门", "head_count": 60, "summary": "静坐"}


def _run(duty: Api, incident_id: str) -> dict[str, Any]:
    run: dict[str, Any] = duty.get(f"/api/incidents/{incident_id}/run").json()["run"]
    return run


def _step(duty: Api, incident_id: str, step_id: str) -> dict[str, Any]:
    return next(s for s in _run(duty, incident_id)["steps"] if s["id"] == step_id)


async def _until_done(duty: Api, incident_id: str, step_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        step = _step(duty, incident_id, step_id)
        if step["status"] == "done":
            return step
        assert time.monotonic() < deadline, f"{step_id} is still {step['status']}"
        await asyncio.sleep(0.1)


def _completions(server: Served, duty: Api) -> Counter[str]:
    return Counter(
        e["data"]["record"]["step_id"]
        for e in server_events(server, duty.cookie)
        if e["event"] == "run.step_completed"
    )


async def test_the_team_step_is_ticked_by_the_dispatch_once_it_opens(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = duty.ok("incident.register", GATE_SIT_IN)["incident_id"]

    # Sent before the response started: the step waits for start_response and is not ticked yet.
    duty.ok("responder.dispatch", {"incident_id": incident_id, "person_ids": ["r1", "r2"]})
    assert _step(duty, incident_id, "dispatch_team")["status"] == "blocked"

    duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": "start_response"})
    step = await _until_done(duty, incident_id, "dispatch_team")
    assert step["followed"]["cause"] == "dispatch" and step["followed"]["people"] == 2

    # Later dispatches and arrivals do not tick it again.
    duty.ok("responder.dispatch", {"incident_id": incident_id, "person_ids": ["r3"]})
    r1 = Api(server, "r1")
    r1.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id})
    r1.ok("responder.move", {"move": "arrive", "incident_id": incident_id})
    assert _step(duty, incident_id, "dispatch_team")["followed"]["people"] == 2  # as it was ticked
    assert _completions(server, duty)["dispatch_team"] == 1


async def test_a_leader_arriving_ticks_the_leaders_step_and_is_listed_as_arrived(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = duty.ok("incident.register", GATE_SIT_IN)["incident_id"]
    for step_id in ("start_response", "notify_leader"):
        duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": step_id})
    assert _step(duty, incident_id, "leader_on_site")["status"] in {"ready", "due_soon"}

    duty.ok("responder.dispatch", {"incident_id": incident_id, "person_ids": ["leader", "r1"]})
    await _until_done(duty, incident_id, "dispatch_team")
    # r1 (no leader) arrives first: only the leader's own arrival counts for the leader's step.
    r1 = Api(server, "r1")
    r1.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id})
    r1.ok("responder.move", {"move": "arrive", "incident_id": incident_id})

    leader = Api(server, "leader")
    leader.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id})
    leader.ok("responder.move", {"move": "arrive", "incident_id": incident_id})
    step = await _until_done(duty, incident_id, "leader_on_site")
    assert step["followed"]["cause"] == "leader_arrival" and step["followed"]["person_id"] == "leader"
    leaders = _run(duty, incident_id)["leaders"]
    assert [(x["person_id"], x["via"]) for x in leaders] == [("leader", "arrival")]
    assert leaders[0]["at"] == step["followed"]["at"]
    # the responders' own 领导到位情况 agrees
    arrivals = duty.get(f"/api/incidents/{incident_id}/responders").json()["leader_arrivals"]
    assert [a["person_id"] for a in arrivals] == ["leader"]
    assert _completions(server, duty)["leader_on_site"] == 1


async def test_a_leader_marking_the_step_by_hand_is_listed_with_the_time(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = duty.ok("incident.register", GATE_SIT_IN)["incident_id"]
    for step_id in ("start_response", "notify_leader"):
        duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": step_id})
    leader = Api(server, "leader")
    leader.ok("run.complete_step", {"incident_id": incident_id, "step_id": "leader_on_site"})
    step = _step(duty, incident_id, "leader_on_site")
    assert step["status"] == "done" and step["followed"] is None
    leaders = _run(duty, incident_id)["leaders"]
    assert len(leaders) == 1 and leaders[0]["via"] == "step" and leaders[0]["name"]
    assert leaders[0]["at"] == step["resolved_at"]
