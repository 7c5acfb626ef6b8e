"""领导到位情况 through the real stack: a leader who ticked the leader's step by hand and was then seen
arriving by the movement log is one leader on site, at the earlier time."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import LocalServer


def test_a_leader_on_site_twice_over_is_listed_once(server: LocalServer) -> None:
    duty, leader = Api(server, "duty"), Api(server, "leader")
    import_organisation(duty)
    incident = duty.ok(
        "incident.register",
        {"type": "sit_in", "place": "机关大门", "head_count": 60, "summary": "静坐", "channel": "walk_in"},
    )["incident_id"]
    duty.ok("run.complete_step", {"incident_id": incident, "step_id": "notify_leader"})
    # The leader marks 分管领导到场指挥 on the tablet …
    leader.ok("run.complete_step", {"incident_id": incident, "step_id": "leader_on_site", "note": "已到场"})
    # … and the movement log sees the leader arrive as well.
    duty.ok(
        "responder.dispatch", {"incident_id": incident, "person_ids": ["leader"], "destination_id": "gate"}
    )
    for move in ("acknowledge", "depart", "arrive"):
        duty.ok(
            "responder.move",
            {"move": move, "person_id": "leader", "incident_id": incident, "place_id": "gate"},
        )
    report_id = duty.ok("report.draft", {"incident_id": incident, "stage": "initial"})["report_id"]
    fields = {f["key"]: f for f in duty.get(f"/api/reports/{report_id}").json()["report"]["fields"]}
    text = fields["leaders"]["text"]
    assert text.count("李书记") == 1, text
    assert text.startswith("副书记李书记于") and text.endswith("到达现场。"), text  # the tick, the earlier
    assert len(fields["leaders"]["sources"]) == 1
