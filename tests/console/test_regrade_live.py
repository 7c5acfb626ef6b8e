"""A responder cannot re-grade a run through its facts (issue 9): the change waits as a proposal, the duty
officer or a leader confirms it, and the run and the log say who caused the regrade. Real stack."""

from __future__ import annotations

from typing import Any

import httpx
from support import LocalServer, command_id, login

SIT_IN = {
    "type": "sit_in",
    "place": "机关大门",
    "head_count": 60,
    "summary": "静坐",
    "facts": {"place_type": "party_gov_gate"},
}
AT_GATE = {"place_type": "party_gov_gate"}


def _post(server: LocalServer, session: tuple[str, str], name: str, args: dict[str, Any]) -> dict[str, Any]:
    cookie, csrf = session
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    body: dict[str, Any] = r.json()
    return body


def _run(server: LocalServer, session: tuple[str, str], incident_id: str) -> dict[str, Any]:
    r = httpx.get(server.base + f"/api/incidents/{incident_id}/run", cookies={"ic_session": session[0]})
    r.raise_for_status()
    view: dict[str, Any] = r.json()["run"]
    return view


def test_a_responder_proposes_and_the_duty_officer_confirms(server: LocalServer) -> None:
    duty, responder, leader = login(server, "duty"), login(server, "responder"), login(server, "leader")
    incident_id = _post(server, duty, "incident.register", SIT_IN)["result"]["incident_id"]
    assert _run(server, duty, incident_id)["level"] == "major"

    # 1. The responder's count of 120 would make it extraordinary: it waits, the level stays.
    more = {"incident_id": incident_id, "facts": AT_GATE, "head_count": 120, "note": "人数增加"}
    answer = _post(server, responder, "run.update_facts", more)
    assert answer["ok"], answer
    proposal_id = answer["result"]["proposal_id"]
    view = _run(server, responder, incident_id)
    assert view["level"] == "major" and view["facts"]["head_count"] == 60
    [waiting] = view["proposals"]
    assert waiting["id"] == proposal_id and (waiting["level_from"], waiting["level_to"]) == (
        "major",
        "extraordinary",
    )
    assert waiting["proposed_by"]["name"] == "responder"

    # 2. A responder cannot confirm it (nor a leader-only override get around it).
    refused = _post(
        server, responder, "run.confirm_facts", {"incident_id": incident_id, "proposal_id": proposal_id}
    )
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    override = {"incident_id": incident_id, "level": "extraordinary", "reason": "x"}
    assert _post(server, responder, "run.override_level", override)["error"]["code"] == "forbidden"

    # 3. The duty officer confirms: the level changes, and the run says who proposed and who confirmed.
    assert _post(server, duty, "run.confirm_facts", {"incident_id": incident_id, "proposal_id": proposal_id})[
        "ok"
    ]
    view = _run(server, responder, incident_id)
    assert view["level"] == "extraordinary" and view["proposals"] == []
    last = view["regrades"][-1]
    assert (last["level_from"], last["level_to"]) == ("major", "extraordinary")
    assert last["by"]["name"] == "duty" and last["proposed_by"]["name"] == "responder"
    # Confirming twice finds nothing waiting.
    again = _post(server, duty, "run.confirm_facts", {"incident_id": incident_id, "proposal_id": proposal_id})
    assert again["error"]["code"] == "proposal_not_found"

    # 4. Back down is a regrade too: a proposal, this time declined; the level stays.
    less = {"incident_id": incident_id, "facts": AT_GATE, "head_count": 60}
    back = _post(server, responder, "run.update_facts", less)["result"]["proposal_id"]
    assert _post(server, leader, "run.decline_facts", {"incident_id": incident_id, "proposal_id": back})["ok"]
    view = _run(server, duty, incident_id)
    assert view["level"] == "extraordinary" and view["proposals"] == []

    # 5. The duty officer's own regrade takes effect at once and names them.
    assert _post(server, duty, "run.update_facts", less)["ok"]
    view = _run(server, duty, incident_id)
    assert view["level"] == "major" and view["regrades"][-1]["by"]["name"] == "duty"
    assert view["regrades"][-1]["proposed_by"] is None

    # The log says it too: every regrade event carries its levels, the confirmed one its proposer.
    events = httpx.get(server.base + "/api/events?after=0", cookies={"ic_session": leader[0]}).json()[
        "events"
    ]
    kinds = [e["event"] for e in events if e["event"].startswith("run.facts")]
    assert kinds == ["run.facts_proposed", "run.facts_changed", "run.facts_proposed", "run.facts_declined",
                     "run.facts_changed"]  # fmt: skip
    confirmed = next(e for e in events if e["event"] == "run.facts_changed")
    assert confirmed["actor"]["name"] == "duty" and confirmed["data"]["proposed_by_name"] == "responder"
    assert (confirmed["data"]["level_from"], confirmed["data"]["level_to"]) == ("major", "extraordinary")


def test_facts_that_keep_the_level_need_no_confirmation(server: LocalServer) -> None:
    duty, responder = login(server, "duty"), login(server, "responder")
    incident_id = _post(server, duty, "incident.register", SIT_IN)["result"]["incident_id"]
    same_level = {"incident_id": incident_id, "facts": AT_GATE, "head_count": 70}
    answer = _post(server, responder, "run.update_facts", same_level)
    assert answer["ok"] and "proposal_id" not in answer["result"], answer
    view = _run(server, duty, incident_id)
    assert view["facts"]["head_count"] == 70 and view["level"] == "major" and view["proposals"] == []
