"""回避 on the real server: a report about the commission's own head is kept from him everywhere.

Marked at registration or by amendment (never undone), the incident reaches the duty officers and the
higher level's inspectors, and nothing of it reaches the commission head's login: not the board, not
its URL (404, as for an incident that does not exist), not the live stream, not the API's lists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from support import PLAIN_HTTP, Deployment, LiveClient, LocalServer, Served, command_id, login, server_events

from playbooks.loader import load_library
from playbooks.model import add_working_days
from playbooks.validation import ancestors, step_order

SIT_IN: dict[str, Any] = {
    "type": "sit_in",
    "place": "机关大门",
    "head_count": 60,
    "summary": "群众在机关大门静坐，反映县纪委主要负责人问题",
    "facts": {"place_type": "party_gov_gate"},
}
HEAD = "chen"  # 陈书记: a leader who is the commission head
RECUSAL = "回避"
Session = tuple[str, str]


def post(
    server: Served, session: Session, name: str, args: dict[str, Any], lang: str = "zh-CN"
) -> httpx.Response:
    cookie, csrf = session
    return httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf, "accept-language": lang},
        verify=PLAIN_HTTP,
    )


def get(server: Served, session: Session, path: str) -> httpx.Response:
    return httpx.get(server.base + path, cookies={"ic_session": session[0]}, verify=PLAIN_HTTP, timeout=60)


def register(server: Served, session: Session, **extra: Any) -> str:
    r = post(server, session, "incident.register", {**SIT_IN, **extra})
    assert r.status_code == 200, r.text
    incident_id: str = r.json()["result"]["incident_id"]
    return incident_id


def listed(server: Served, session: Session) -> set[str]:
    return {row["id"] for row in get(server, session, "/api/incidents").json()["incidents"]}


def named(events: list[dict[str, Any]], incident_id: str) -> list[dict[str, Any]]:
    return [e for e in events if e["data"].get("incident_id") == incident_id]


def steps(server: Served, session: Session, incident_id: str) -> dict[str, dict[str, Any]]:
    r = get(server, session, f"/api/incidents/{incident_id}/run")
    assert r.status_code == 200, r.text
    return {s["id"]: s for s in r.json()["run"]["steps"]}


def assert_hidden(server: Served, head: Session, incident_id: str) -> None:
    """Nothing of the incident reaches the head: lists, URLs, snapshot, event feed, runs, commands."""
    assert incident_id not in listed(server, head)
    for path in (
        f"/api/incidents/{incident_id}",
        f"/api/incidents/{incident_id}/run",
        f"/api/incidents/{incident_id}/notes",
        f"/incidents/{incident_id}",
    ):
        r = get(server, head, path)
        assert r.status_code == 404, (path, r.status_code)
        assert incident_id not in r.text and "主要负责人" not in r.text
    state = get(server, head, "/api/state").json()["state"]
    assert incident_id not in {row["id"] for row in state["incidents"]}
    assert incident_id not in {row["incident_id"] for row in state["runs"]}
    assert incident_id not in {row["incident_id"] for row in get(server, head, "/api/runs").json()["runs"]}
    assert not named(server_events(server, head[0]), incident_id)
    refused = post(server, head, "incident.note", {"incident_id": incident_id, "text": "陈书记看一下"})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "incident_not_found"


def assert_shown(server: Served, session: Session, incident_id: str) -> None:
    assert incident_id in listed(server, session)
    r = get(server, session, f"/api/incidents/{incident_id}")
    assert r.status_code == 200 and r.json()["incident"]["about_commission_head"] is True
    assert get(server, session, f"/incidents/{incident_id}").status_code == 200
    assert named(server_events(server, session[0]), incident_id)


def oversee_county(server: Served, duty: Session) -> None:
    """督查范围: the inspector oversees the whole county (the units only: a place no unit holds is the
    county's), as the higher level's inspectors of this commission do."""
    units = "id,name,kind,parent_id\ncounty,县纪委监委,county_commission,\n"
    assert post(server, duty, "org.import", {"table": "units", "text": units}).status_code == 200
    args = {"username": "inspector", "unit_ids": ["county"]}
    assert post(server, login(server, "admin"), "review.set_inspector_units", args).status_code == 200


@pytest.fixture
def with_head(deployment: Deployment) -> Deployment:
    """The deployment, with a login for the commission head (a leader holding `commission_head`)."""
    deployment.add_users({HEAD: "leader,commission_head"})
    return deployment


async def test_marked_at_registration_the_desk_and_inspector_see_it_and_the_head_never_does(
    with_head: Deployment,
) -> None:
    server = LocalServer(with_head).start()
    clients: list[LiveClient] = []
    try:
        duty, inspector, head = login(server, "duty"), login(server, "inspector"), login(server, HEAD)
        oversee_county(server, duty)
        desk, heads_tablet = LiveClient(server.ws_url, duty[0]), LiveClient(server.ws_url, head[0])
        clients += [desk, heads_tablet]
        await desk.connect()
        await heads_tablet.connect()
        marked = register(server, duty, about_commission_head=True)
        ordinary = register(server, duty)
        # The head's stream has reached the ordinary incident, registered after the marked one.
        last = max(e["position"] for e in server_events(server, duty[0]))
        await heads_tablet.wait_position(last)
        await desk.wait_position(last)
        assert named(heads_tablet.events, ordinary) and not named(heads_tablet.events, marked)
        registered = named(desk.events, marked)[0]
        assert registered["event"] == "incident.registered" and registered["data"]["about_commission_head"]

        assert_hidden(server, head, marked)
        assert ordinary in listed(server, head)
        for session in (duty, inspector):
            assert_shown(server, session, marked)

        # A fresh snapshot for the head has the ordinary incident and not the marked one.
        fresh = LiveClient(server.ws_url, head[0])
        clients.append(fresh)
        await fresh.connect()
        ids = {row["id"] for row in fresh.snapshots[-1]["state"]["incidents"]}
        assert ordinary in ids and marked not in ids

        # The run: the head's steps stand aside (回避), and the material goes straight up.
        run = steps(server, duty, marked)
        for step_id in ("notify_commission_head", "send_up_tell_head", "send_up"):
            assert run[step_id]["status"] == "skipped" and run[step_id]["note"].startswith(RECUSAL), step_id
        assert run["notify_commission_head"]["status"] == "skipped"
        assert steps(server, duty, ordinary)["notify_commission_head"]["status"] != "skipped"
        decided_at = _send_up(server, duty, marked)
        direct = steps(server, duty, marked)["send_up_direct"]
        assert direct["status"] in ("ready", "due_soon")
        due = datetime.fromisoformat(direct["due_at"])
        assert due == add_working_days(decided_at, 5, _tz()), (due, decided_at)
        assert timedelta(days=5) <= due - decided_at <= timedelta(days=9)
        assert_hidden(server, head, marked)
        assert not named(heads_tablet.events, marked)
        # Nor do the §25 figures count it for him: a total one higher than what he can open would
        # tell him there is one.
        units_csv = "id,name,kind,parent_id\ncounty,县纪委监委,county_commission,\n"
        imported = post(server, duty, "org.import", {"table": "units", "text": units_csv})
        assert imported.status_code == 200, imported.text
        units = get(server, head, "/api/review/figures").json()["units"]
        counted = {i for u in units for i in u["figures"]["incidents"]["incidents"]}
        assert ordinary in counted and marked not in counted, units
    finally:
        await _close(*clients)
        server.stop()


async def test_marked_later_it_leaves_the_heads_views_and_the_mark_cannot_be_undone(
    with_head: Deployment,
) -> None:
    server = LocalServer(with_head).start()
    clients: list[LiveClient] = []
    try:
        duty, inspector, head = login(server, "duty"), login(server, "inspector"), login(server, HEAD)
        oversee_county(server, duty)
        # The head's tablet knows the log up to here, then drops off the network; his desk stays online.
        tablet, desk = LiveClient(server.ws_url, head[0]), LiveClient(server.ws_url, head[0])
        clients += [tablet, desk]
        await tablet.connect()
        await tablet.close()
        incident_id = register(server, duty)
        await desk.connect()
        assert incident_id in listed(server, head)
        assert incident_id in {row["id"] for row in desk.snapshots[-1]["state"]["incidents"]}
        before = steps(server, duty, incident_id)["notify_commission_head"]["status"]
        assert before != "skipped"

        reason = "来访群众反映县纪委主要负责人问题"
        args = {"incident_id": incident_id, "about_commission_head": True, "reason": reason}
        r = post(server, duty, "incident.amend", args)
        assert r.status_code == 200, r.text
        marks = [
            e for e in server_events(server, duty[0]) if e["event"] == "incident.about_commission_head_marked"
        ]
        assert len(marks) == 1 and marks[0]["data"] == {"incident_id": incident_id, "reason": reason}
        assert marks[0]["actor"]["id"] and marks[0]["recorded_at"]  # who and when

        assert_hidden(server, head, incident_id)
        for session in (duty, inspector):
            assert_shown(server, session, incident_id)
        # The desk that showed it is sent to resume (nothing of the mark reaches it), and the resume
        # brings a fresh snapshot without the incident; so does the tablet's, back online, although
        # it would otherwise replay from where it was.
        await desk.wait_closed()
        assert desk.closed_with == 4409
        assert not [e for e in desk.events if e["event"] == "incident.about_commission_head_marked"]
        for client in (desk, tablet):
            snapshots = len(client.snapshots)
            await client.connect()
            assert len(client.snapshots) == snapshots + 1, "a fresh snapshot, not a replay"
            assert incident_id not in {row["id"] for row in client.snapshots[-1]["state"]["incidents"]}
        assert not named(tablet.events, incident_id)

        step = steps(server, duty, incident_id)["notify_commission_head"]
        assert step["status"] == "skipped" and step["note"].startswith(RECUSAL)

        head_of_log = len(server_events(server, duty[0]))
        for lang, words in (("zh-CN", "回避不能撤销"), ("en", "cannot be undone")):
            undo = post(
                server,
                duty,
                "incident.amend",
                {"incident_id": incident_id, "about_commission_head": False},
                lang,
            )
            assert undo.status_code == 409 and undo.json()["error"]["code"] == "recusal_irrevocable"
            assert words in undo.json()["error"]["message"], undo.text
        assert len(server_events(server, duty[0])) == head_of_log  # nothing written
        again = post(
            server, duty, "incident.amend", {"incident_id": incident_id, "about_commission_head": True}
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_amend"
        assert_shown(server, duty, incident_id)
    finally:
        await _close(*clients)
        server.stop()


def _tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _send_up(server: Served, duty: Session, incident_id: str) -> datetime:
    """Do what the disposition waits for, then send the matter up; returns when it was decided."""
    pb = load_library().get("sit_in")
    assert pb is not None
    before = ancestors(pb.playbook, "jurisdiction")
    for step in step_order(pb.playbook):
        if step.id not in before:
            continue
        if step.decision is None:
            r = post(server, duty, "run.complete_step", {"incident_id": incident_id, "step_id": step.id})
        else:
            option = next(o.id for o in step.decision.all_options() if o.id not in ("chosen", "requested"))
            args = {"incident_id": incident_id, "step_id": step.id, "option": option, "reason": "现场研判"}
            r = post(server, duty, "run.decide", args)
        assert r.status_code == 200, (step.id, r.text)
    # A report about the head cannot be handled here: it goes up (2020 rules art. 15).
    here = {"incident_id": incident_id, "step_id": "jurisdiction", "option": "handle_here", "reason": "本级"}
    refused = post(server, duty, "run.decide", here)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "about_commission_head_goes_up"
    assert "径送上一级" in refused.json()["error"]["message"]
    args = {
        "incident_id": incident_id,
        "step_id": "jurisdiction",
        "option": "send_up",
        "reason": "径送上一级",
    }
    r = post(server, duty, "run.decide", args)
    assert r.status_code == 200, r.text
    decided = [e for e in server_events(server, duty[0]) if e["event"] == "run.decision_recorded"][-1]
    return datetime.fromisoformat(decided["recorded_at"])


async def _close(*clients: LiveClient) -> None:
    for client in clients:
        await client.close()


async def test_the_people_sent_to_it_do_not_show_it_to_the_head(with_head: Deployment) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
    from org import Api, import_organisation

    server = LocalServer(with_head).start()
    try:
        desk = Api(server, "duty")
        import_organisation(desk)
        marked = register(server, (desk.cookie, desk.csrf), about_commission_head=True)
        desk.ok("responder.dispatch", {"incident_id": marked, "person_ids": ["r1"], "role": "现场处置"})
        head, duty = login(server, HEAD), (desk.cookie, desk.csrf)

        def held(session: Session) -> list[str]:
            people = get(server, session, "/api/responders").json()["people"]
            return next(p["incidents"] for p in people if p["id"] == "r1")

        def activity(session: Session) -> set[str]:
            entries = get(server, session, "/api/people/r1/activity").json()["entries"]
            return {e["incident_id"] for e in entries}

        assert held(duty) == [marked] and marked in activity(duty)
        assert held(head) == [] and marked not in activity(head)
        assert marked in get(server, duty, "/api/people/r1/activity?format=csv").text
        csv = get(server, head, "/api/people/r1/activity?format=csv")
        assert csv.status_code == 200 and marked not in csv.text
    finally:
        server.stop()
