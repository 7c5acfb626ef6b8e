"""Responders through the real server, on SQLite and PostgreSQL: dispatch, moves, logs, figures, roll call."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator

import pytest
from org import Api, import_organisation, sit_in
from support import Deployment, LiveClient, LocalServer, Served, login, server_events


def _board(duty: Api, incident_id: str) -> dict[str, dict[str, str]]:
    data = duty.get(f"/api/incidents/{incident_id}/responders").json()
    return {row["person_id"]: row for row in data["board"]}


async def test_three_responders_dispatched_to_a_sit_in(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = sit_in(duty)

    recommended = duty.get(f"/api/incidents/{incident_id}/recommend?skill=reception").json()[
        "recommendations"
    ]
    assert {r["person_id"] for r in recommended} >= {"r1", "r2"}
    assert all(r["reasons"] for r in recommended)
    assert "r3" not in {r["person_id"] for r in recommended}  # no reception skill

    duty.ok(
        "responder.dispatch",
        {"incident_id": incident_id, "person_ids": ["r1", "r2", "r3"], "role": "现场处置"},
    )
    waiting = duty.get(f"/api/incidents/{incident_id}/responders").json()["unacknowledged"]
    assert {w["person_id"] for w in waiting} == {"r1", "r2", "r3"} and all(w["age_s"] >= 0 for w in waiting)

    # each responder reports from their own client, over the live socket
    clients = {}
    for name in ("r1", "r2", "r3"):
        cookie, _ = login(server, name)
        clients[name] = LiveClient(server.ws_url, cookie)
        await clients[name].connect()

    async def report(name: str, move: str, **extra: str) -> None:
        cid = await clients[name].send("responder.move", {"move": move, "incident_id": incident_id, **extra})
        result = await clients[name].wait_result(cid)
        assert result["ok"], result

    await asyncio.gather(*(report(n, "acknowledge") for n in clients))
    await asyncio.gather(*(report(n, "depart") for n in clients))
    await asyncio.gather(
        report("r1", "arrive"), report("r2", "arrive"), report("r3", "arrive", place_id="yard")
    )
    await report("r1", "move_to", place_id="yard")

    board = _board(duty, incident_id)
    assert {p: (r["status"], r["place_id"]) for p, r in board.items()} == {
        "r1": ("on_scene", "yard"),
        "r2": ("on_scene", "gate"),  # the destination: the named place of the incident
        "r3": ("on_scene", "yard"),
    }
    # someone else's frames reach every client live
    last = server_events(server, duty.cookie)[-1]["position"]
    for client in clients.values():
        await client.wait_position(last)
        assert any(e["event"] == "responder.moved" and e["data"]["person_id"] != "r1" for e in client.events)

    # a duty officer clears r3 on their behalf; r1 and r2 clear themselves
    duty.ok("responder.move", {"move": "clear", "incident_id": incident_id, "person_id": "r3"})
    await asyncio.gather(report("r1", "clear"), report("r2", "clear"))
    for client in clients.values():
        await client.close()

    data = duty.get(f"/api/incidents/{incident_id}/responders").json()
    assert {r["status"] for r in data["board"]} == {"cleared"} and data["unacknowledged"] == []
    kinds = [(e["person_id"], e["kind"]) for e in data["log"] if e["person_id"] == "r1"]
    assert kinds == [
        ("r1", "dispatched"),
        ("r1", "acknowledged"),
        ("r1", "en_route"),
        ("r1", "on_scene"),
        ("r1", "moved"),
        ("r1", "cleared"),
    ]
    assert [e["on_behalf"] for e in data["log"] if e["person_id"] == "r3" and e["kind"] == "cleared"] == [
        True
    ]
    figures = {f["person_id"]: f for f in data["figures"]}
    assert set(figures) == {"r1", "r2", "r3"}
    for f in figures.values():
        assert f["time_to_acknowledge_s"] is not None and f["time_to_arrive_s"] is not None
        assert f["time_on_scene_s"] is not None and not f["on_scene_now"]
    assert data["leader_arrivals"] == []  # the leader was not sent

    # the movement log as CSV
    text = duty.get(f"/api/incidents/{incident_id}/movements.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "发生时间" and len(rows) == 1 + len(data["log"])
    assert any("县委大院" in row for row in rows)
    # the activity log (ICS-214) of r3, as JSON and CSV
    activity = duty.get("/api/people/r3/activity").json()
    texts = [e["activity"] for e in activity["entries"]]
    assert len(texts) == 5 and "代为登记" in texts[-1] and activity["entries"][3]["place"] == "县委大院"
    en = httpx_get_en(duty, "/api/people/r3/activity?format=csv")
    assert en.splitlines()[0].lstrip("\ufeff").startswith("time,place,activity")
    assert duty.get("/people/r3/activity").status_code == 200
    assert duty.get(f"/incidents/{incident_id}/movements").status_code == 200
    figures_csv = duty.get(f"/api/incidents/{incident_id}/figures.csv").text
    assert figures_csv.count("\n") == 4


def httpx_get_en(api: Api, path: str) -> str:
    import httpx

    r = httpx.get(api.server.base + path, cookies={"ic_session": api.cookie, "ic_locale": "en"})
    return r.text


# (from, move, extra, expected status or error code) — the state machine through the server
MACHINE = [
    ("off_duty", "acknowledge", {}, "illegal_move"),
    ("off_duty", "sign_on", {}, "available"),
    ("available", "mark_unavailable", {}, "invalid_or_refused"),
    ("available", "mark_unavailable", {"reason": "病假"}, "unavailable"),
    ("unavailable", "depart", {}, "illegal_move"),
    ("unavailable", "make_available", {}, "available"),
    ("available", "dispatch", {}, "dispatched"),
    ("dispatched", "arrive", {}, "illegal_move"),
    ("dispatched", "acknowledge", {}, "acknowledged"),
    ("acknowledged", "clear", {}, "illegal_move"),
    ("acknowledged", "depart", {}, "en_route"),
    ("en_route", "move_to", {"place_id": "yard"}, "illegal_move"),
    ("en_route", "arrive", {}, "on_scene"),
    ("on_scene", "move_to", {}, "illegal_move"),
    ("on_scene", "move_to", {"place_id": "hall"}, "on_scene"),
    ("on_scene", "clear", {}, "cleared"),
    ("cleared", "acknowledge", {}, "illegal_move"),
    ("cleared", "sign_off", {}, "off_duty"),
]


def test_state_machine_table(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = sit_in(duty)
    # "leader" has a shift, so starts available; r... use a person with no shift: add one
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    me = Api(server, "responder")
    for current, move, extra, expected in MACHINE:
        args = {"move": move, **extra}
        if move not in ("sign_on", "sign_off", "mark_unavailable", "make_available"):
            args["incident_id"] = incident_id
        if move == "dispatch":
            r = duty.command("responder.dispatch", {"incident_id": incident_id, "person_ids": ["responder"]})
        else:
            r = me.command("responder.move", args)
        body = r.json()
        if expected in ("illegal_move", "invalid_or_refused"):
            assert not body["ok"] and r.status_code in (409, 422), (current, move, body)
            assert body["error"]["message"] and "Traceback" not in r.text
            if expected == "illegal_move":
                assert body["error"]["code"] == "illegal_move" and "不允许" in body["error"]["message"]
        else:
            assert body["ok"], (current, move, body)
            people = {p["id"]: p for p in duty.get("/api/responders").json()["people"]}
            assert people["responder"]["status"] == expected, (current, move)


def test_not_on_scene_at_two_incidents(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    first, second = sit_in(duty), sit_in(duty)
    r1 = Api(server, "r1")
    duty.ok("responder.dispatch", {"incident_id": first, "person_ids": ["r1"]})
    for move in ("acknowledge", "arrive"):
        r1.ok("responder.move", {"move": move, "incident_id": first})
    # sent to a second incident, r1 may acknowledge it but cannot head there while on scene at the first
    duty.ok("responder.dispatch", {"incident_id": second, "person_ids": ["r1"]})
    r1.ok("responder.move", {"move": "acknowledge", "incident_id": second})
    for move in ("depart", "arrive"):
        r = r1.command("responder.move", {"move": move, "incident_id": second})
        assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_move", r.text
        message = r.json()["error"]["message"]
        assert "须先撤离或解除派遣" in message
        # both incidents by the numbers people know them by, not the console's ids
        numbers = [duty.get(f"/api/incidents/{i}").json()["incident"]["number"] for i in (first, second)]
        assert all(n in message for n in numbers) and first not in message and second not in message
    # a responder cannot report for someone else; release is the duty officer's
    r = r1.command("responder.move", {"move": "clear", "incident_id": first, "person_id": "r2"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "on_behalf_forbidden"
    r = r1.command("responder.move", {"move": "release", "incident_id": first})
    assert r.status_code == 403


def test_import_with_a_bad_row_imports_nothing(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    before = len(server_events(server, duty.cookie))
    bad = (
        "id,name,unit_id,phone\n"
        "n1,新人一,office,13900000001\nn2,新人二,nowhere,13900000002\nn3,新人三,office,call me\n"
    )
    r = duty.command("org.import", {"table": "people", "text": bad})
    body = r.json()
    assert r.status_code == 422 and body["error"]["code"] == "import_rejected"
    rows = {(e["row"], e["column"]) for e in body["error"]["errors"]}
    assert rows == {(3, "unit_id"), (4, "phone")}
    assert "不存在" in body["error"]["errors"][0]["message"]
    assert len(server_events(server, duty.cookie)) == before
    people = {p["id"] for p in duty.get("/api/responders").json()["people"]}
    assert "n1" not in people
    # YAML too, and the same file fixed goes in whole
    good = bad.replace("nowhere", "office").replace("call me", "13900000003")
    assert duty.ok("org.import", {"table": "people", "text": good})["rows"] == 3
    exported = duty.get("/api/org/export?table=people&format=yaml").text
    assert "新人三" in exported


def test_roll_call_flags_who_has_not_confirmed(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = sit_in(duty)
    leader = Api(server, "leader")
    assert (
        leader.command("rollcall.start", {"incident_id": incident_id}).json()["error"]["code"]
        == "rollcall_refused"
    )
    duty.ok("responder.dispatch", {"incident_id": incident_id, "person_ids": ["r1", "r2", "r3"]})
    rollcall_id = leader.ok("rollcall.start", {"incident_id": incident_id, "within_minutes": 5})[
        "rollcall_id"
    ]
    Api(server, "r1").ok("rollcall.confirm", {"rollcall_id": rollcall_id})
    duty.ok("rollcall.confirm", {"rollcall_id": rollcall_id, "person_id": "r2"})  # on r2's behalf
    again = Api(server, "r1").command("rollcall.confirm", {"rollcall_id": rollcall_id})
    assert again.json()["error"]["code"] == "rollcall_refused"
    rc = leader.get(f"/api/incidents/{incident_id}/responders").json()["rollcall"]
    assert (rc["expected"], rc["confirmed"], rc["complete"]) == (3, 2, False)
    assert [u["person_id"] for u in rc["unconfirmed"]] == ["r3"]
    assert [c["on_behalf"] for c in rc["confirmations"]] == [False, True]


def test_roster_swap_override_and_places(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    roster = duty.get("/api/roster").json()
    assert roster["leader_on_duty"]["id"] == "leader"
    duty.ok(
        "roster.change", {"kind": "override", "shift_id": "s-r1", "new_holder_id": "r2", "reason": "病假顶班"}
    )
    duty.ok("roster.change", {"kind": "swap", "shift_id": "s-r2", "other_shift_id": "s-r3", "reason": "换班"})
    r = duty.command(
        "roster.change", {"kind": "swap", "shift_id": "s-r1", "other_shift_id": "s-lead", "reason": "x"}
    )
    assert r.status_code == 409 and "同一岗位" in r.json()["error"]["message"]
    roster = duty.get("/api/roster").json()
    holders = {s["shift_id"]: s["person_id"] for s in roster["on_duty"]}
    assert holders["s-r1"] == "r2" and holders["s-r2"] == "r3" and holders["s-r3"] == "r2"
    assert [c["reason"] for c in roster["changes"]] == ["病假顶班", "换班"]
    # a place added from a tablet, and the same name again refused
    place_id = Api(server, "r1").ok("place.add", {"name": "信访局门口"})["place_id"]
    assert place_id in {p["id"] for p in duty.get("/api/places").json()["places"]}
    assert duty.command("place.add", {"name": "信访局门口"}).json()["error"]["code"] == "place_exists"


@pytest.fixture(scope="module")
def refusing(module_deployment: Deployment) -> Iterator[tuple[LocalServer, str]]:
    """One server, organisation and sit-in for the table below: every case is refused and changes nothing,
    which each case checks for itself, so they can share it."""
    module_deployment.add_users({"r1": "responder", "r2": "responder", "r3": "responder"})
    srv = LocalServer(module_deployment).start()
    try:
        duty = Api(srv, "duty")
        import_organisation(duty)
        yield srv, sit_in(duty)
    finally:
        srv.stop()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("responder.dispatch", {"incident_id": "nope", "person_ids": ["r1"]}),
        ("responder.dispatch", {"incident_id": "INCIDENT", "person_ids": ["ghost"]}),
        ("responder.dispatch", {"incident_id": "INCIDENT", "person_ids": []}),
        ("responder.dispatch", {"incident_id": "INCIDENT", "person_ids": ["r1"], "destination_id": "mars"}),
        ("responder.move", {"move": "fly", "incident_id": "INCIDENT"}),
        ("responder.move", {"move": "acknowledge", "incident_id": "INCIDENT", "person_id": "r1", "lat": 91}),
        ("org.import", {"table": "people", "text": "\x01\x02"}),
        ("org.import", {"table": "shifts", "format": "yaml", "text": "- [1, 2"}),
        ("org.import", {"table": "galaxies", "text": "id\n1\n"}),
        ("roster.change", {"kind": "override", "shift_id": "none", "new_holder_id": "r1", "reason": "x"}),
        ("rollcall.confirm", {"rollcall_id": "none"}),
        ("place.add", {"name": "半个坐标", "lat": 30}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    refusing: tuple[LocalServer, str], name: str, args: dict[str, object]
) -> None:
    server, incident_id = refusing
    duty = Api(server, "duty")
    args = {k: (incident_id if v == "INCIDENT" else v) for k, v in args.items()}
    before = server_events(server, duty.cookie)
    r = duty.command(name, args)
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert not body["ok"] and body["error"]["code"] != "internal" and body["error"]["message"]
    assert server_events(server, duty.cookie) == before
    for path in (
        "/api/people/r1/activity?start=yesterday",
        "/api/incidents/x/recommend?skill=flying",
        "/api/org/export?table=x",
        "/api/people/nobody/activity",
        "/people/nobody/activity",
    ):
        assert 400 <= duty.get(path).status_code < 500, path  # fmt: skip
    assert "Traceback" not in server.log.read_text()
