"""`python -m console rebuild` reproduces every responders projection exactly from the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from org import Api, import_organisation, sit_in
from support import Deployment, LocalServer, Served, cli, server_events
from test_rollcall_overdue import move_clock, until

from console.responders.tables import DISPATCH_TABLES, ORG_TABLES


def _scene(server: Served, clock: Path) -> dict[str, Any]:
    duty, leader = Api(server, "duty"), Api(server, "leader")
    import_organisation(duty)
    first, second = sit_in(duty), sit_in(duty)
    override = {"kind": "override", "shift_id": "s-r1", "new_holder_id": "r2", "reason": "病假"}
    duty.ok("roster.change", override)
    duty.ok("roster.change", {"kind": "swap", "shift_id": "s-r2", "other_shift_id": "s-r3", "reason": "换班"})
    r1, r2, r3 = Api(server, "r1"), Api(server, "r2"), Api(server, "r3")
    r1.ok("responder.move", {"move": "sign_on"})  # the override took r1's shift
    team = {"incident_id": first, "person_ids": ["r1", "r2", "r3"], "role": "现场处置"}
    duty.ok("responder.dispatch", team)
    duty.ok("responder.dispatch", {"incident_id": second, "person_ids": ["leader"]})
    for api in (r1, r2, r3):
        api.ok("responder.move", {"move": "acknowledge", "incident_id": first})
    r1.ok("responder.move", {"move": "depart", "incident_id": first})
    r1.ok("responder.move", {"move": "arrive", "incident_id": first, "place_id": "yard"})
    place_id = r1.ok("place.add", {"name": "信访局东侧门", "lat": 30.002, "lon": 120.003})["place_id"]
    r1.ok("responder.move", {"move": "move_to", "incident_id": first, "place_id": place_id})
    duty.ok("responder.move", {"move": "arrive", "incident_id": first, "person_id": "r2"})  # on r2's behalf
    rollcall_id = leader.ok("rollcall.start", {"incident_id": first, "within_minutes": 2})["rollcall_id"]
    r1.ok("rollcall.confirm", {"rollcall_id": rollcall_id})
    duty.ok("rollcall.confirm", {"rollcall_id": rollcall_id, "person_id": "r2"})
    move_clock(clock, 3)
    until(lambda: any(e["event"] == "rollcall.overdue" for e in server_events(server, duty.cookie)))
    r2.ok("responder.move", {"move": "clear", "incident_id": first})
    duty.ok("responder.move", {"move": "release", "incident_id": first, "person_id": "r3"})
    r2.ok("responder.move", {"move": "sign_off"})
    duty.ok("responder.move", {"move": "mark_unavailable", "person_id": "r3", "reason": "病假"})
    return {"events": len(server_events(server, duty.cookie))}


def test_rebuild_reproduces_every_responders_table(deployment: Deployment, tmp_path: Path) -> None:
    deployment.add_users({"r1": "responder", "r2": "responder", "r3": "responder"})
    clock = tmp_path / "clock-offset"
    move_clock(clock, 0)
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock)).start()
    try:
        scene = _scene(server, clock)
    finally:
        server.stop()
    before = deployment.dump_projections()
    tables = [t.name for t in (*ORG_TABLES, *DISPATCH_TABLES)]
    # every table holds something, so "equal" is not two empty lists
    assert all(before[name] for name in tables), {name: len(before[name]) for name in tables}
    out = cli(deployment.env, "rebuild")
    assert str(scene["events"]) in out.stdout
    after = deployment.dump_projections()
    for name in tables:
        assert after[name] == before[name], name
    assert after == before  # and nothing else moved either
