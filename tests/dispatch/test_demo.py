"""The demo county (`seed-demo`): one organisation however often it is seeded, and someone on duty now."""

from __future__ import annotations

from org import Api
from support import Deployment, Server, cli, server_events

from console.demo_org import PEOPLE, PLACES, UNITS


def test_seeding_twice_gives_one_organisation_with_someone_on_duty(deployment: Deployment) -> None:
    cli(deployment.env, "seed-demo")
    server = Server(deployment).start()
    try:
        duty = Api(server, "duty")
        first = server_events(server, duty.cookie)
        server.stop()
        cli(deployment.env, "seed-demo")
        server.start()
        assert server_events(server, duty.cookie) == first  # the second seed added nothing
        assert [e["event"] for e in first].count("org.imported") == 4  # units, places, people, roster

        people = duty.get("/api/responders").json()["people"]
        assert len(people) == len(PEOPLE) and len({p["id"] for p in people}) == len(PEOPLE)
        assert {"duty", "leader", "responder"} <= {p["id"] for p in people}  # the demo logins are people
        places = {p["name"] for p in duty.get("/api/places").json()["places"]}
        assert {"接待大厅", "机关大门", "县委大院", "县政府大门", "城关镇政府"} <= places
        assert len(places) == len(PLACES)
        units = duty.get("/api/org/export?table=units").text.lstrip("\ufeff").strip().splitlines()
        assert len(units) == 1 + len(UNITS)

        roster = duty.get("/api/roster").json()
        assert roster["leader_on_duty"] == {"id": "leader", "name": "李书记"}
        posts = {s["post"]: s["person_id"] for s in roster["on_duty"]}
        assert posts["duty_officer"] == "duty" and posts["standby"] == "responder"
        # the responder login sees itself on the phone page, and is available to be sent
        me = Api(server, "responder").get("/api/responders/me").json()
        assert me["person"] == {"id": "responder", "name": "张处置"}
        assert {p["id"]: p["status"] for p in people}["responder"] == "available"
    finally:
        server.stop()
