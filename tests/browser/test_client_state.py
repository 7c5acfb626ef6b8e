"""The client keeps every domain's state live: the reducers of static/js/state.js, fed the snapshot and
then the events of a run of commands, hold what a fresh snapshot taken afterwards holds (the Zulip
check: apply the events to the old state and compare with a fresh read of the new state)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from browser_support import OpenPage
from playwright.sync_api import expect
from support import Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation

DESK = {"width": 1440, "height": 900}

# The live parts, and the parts the same reducers make of a fresh snapshot.
COMPARE = """async () => {
  const {DOMAINS} = await import("/static/js/state.js");
  const fresh = await (await fetch("/api/state", {cache: "no-store"})).json();
  const live = window.consoleLive.state;
  const made = Object.assign({}, ...Object.values(DOMAINS).map((r) => r.snapshot(fresh.state)));
  const strip = (incidents) => Object.fromEntries(Object.entries(incidents).map(([id, i]) =>
    [id, {...i, last_position: undefined, opened_at: undefined, closed_at: undefined}]));
  const assignments = (parts) => Object.fromEntries(Object.entries(parts)
    .filter(([, people]) => Object.keys(people).length)
    .map(([id, people]) => [id, Object.fromEntries(Object.entries(people).map(([p, a]) =>
      [p, {status: a.status, role: a.role, place_id: a.place_id, destination_id: a.destination_id}]))]));
  return {
    position: [live.position, fresh.position],
    assignments: [assignments(live.assignments), assignments(made.assignments)],
    incidents: [strip(live.incidents), strip(made.incidents)],
    notes: [Object.keys(live.notes).sort(), Object.keys(made.notes).sort()],
    runs: [Object.values(live.runs).map((r) => [r.incident_id, r.level, r.closed]).sort(),
      Object.values(made.runs).map((r) => [r.incident_id, r.level, r.closed]).sort()],
  };
}"""


def test_events_applied_to_the_snapshot_equal_a_fresh_snapshot(server: Server, open_page: OpenPage) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    duty.ok("responder.move", {"move": "sign_on", "person_id": "responder"})
    first = duty.ok("incident.register", {"type": "sit_in", "place": "机关大门", "head_count": 30})
    page = open_page("duty", DESK)  # the snapshot is taken here; everything below arrives as events
    expect(page.locator("#board-rows a.row")).to_have_count(1)

    incident = first["incident_id"]
    second = duty.ok("incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 9})
    duty.ok("incident.amend", {"incident_id": second["incident_id"], "head_count": 14, "reason": "清点"})
    duty.ok("incident.note", {"incident_id": incident, "text": "已通知属地"})
    duty.ok(
        "responder.dispatch",
        {"incident_id": incident, "person_ids": ["responder", "r1", "r2"], "role": "疏导"},
    )
    responder = Api(server, "responder")
    responder.ok("responder.move", {"move": "acknowledge", "incident_id": incident})
    responder.ok("responder.move", {"move": "depart", "incident_id": incident})
    responder.ok("responder.move", {"move": "arrive", "incident_id": incident, "place_id": "gate"})
    duty.ok("responder.move", {"move": "release", "incident_id": incident, "person_id": "r2"})
    duty.ok("incident.close", {"incident_id": second["incident_id"], "outcome": "resolved"})
    position = duty.get("/api/state").json()["position"]

    page.wait_for_function("(p) => window.consoleLive.state.position >= p", arg=position)
    # a run is graded on the server: the board reads the runs again once an event marked one stale
    page.wait_for_function(
        "(id) => { const s = window.consoleLive.state; return !Object.keys(s.stale || {}).length"
        " && s.runs[id] && s.runs[id].closed; }",
        arg=second["incident_id"],
    )
    found: dict[str, Any] = page.evaluate(COMPARE)
    assert found["position"][0] == found["position"][1]
    for part in ("assignments", "incidents", "notes", "runs"):
        live, fresh = found[part]
        if part == "incidents":
            for key in fresh:
                wrong = {k: (live[key].get(k), v) for k, v in fresh[key].items() if live[key].get(k) != v}
                assert not wrong, wrong
        if part == "runs":
            # The snapshot carries the runs still going (bounded reads); the live state keeps a run
            # that closed while the page was open, marked closed.
            assert next(r for r in live if r[0] == second["incident_id"])[2] is True
            live = [r for r in live if not r[2]]
        assert live == fresh, part
    people = found["assignments"][0][incident]
    assert {p: a["status"] for p, a in people.items()} == {"responder": "on_scene", "r1": "dispatched"}
