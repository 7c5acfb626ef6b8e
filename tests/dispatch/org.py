"""A small organisation as the import files an office would write, and helpers to send commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from support import PLAIN_HTTP, Server, command_id, login

UNITS = """id,name,kind,parent_id
county,县纪委监委,county_commission,
office,信访室,petition_office,county
town,城关镇,township,county
police,县公安局,public_security,
"""
PLACES = """id,name,unit_id,lat,lon
hall,接待大厅,office,30.0000,120.0000
gate,机关大门,county,30.0010,120.0010
yard,县委大院,county,30.0050,120.0050
town-office,城关镇政府,town,30.0500,120.0500
"""
PEOPLE = """id,name,unit_id,post,roles,skills,phone,base_place_id
r1,张一,office,干部,petition_staff,reception;counselling,13800000001,hall
r2,李二,office,干部,petition_staff,reception,13800000002,hall
r3,王三,police,民警,liaison,police_liaison,13800000003,yard
leader,李书记,county,副书记,leader_in_charge,counselling,13800000004,yard
duty,王值班,office,值班员,duty_officer,reception,13800000005,hall
"""


def shifts(now: datetime) -> str:
    start = (now - timedelta(hours=2)).astimezone(UTC).isoformat()
    end = (now + timedelta(hours=10)).astimezone(UTC).isoformat()
    rows = ["id,unit_id,post,start,end,holder_id"]
    rows += [f"s-{p},office,standby,{start},{end},{p}" for p in ("r1", "r2", "r3")]
    rows += [
        f"s-lead,county,leader_on_duty,{start},{end},leader",
        f"s-duty,office,duty_officer,{start},{end},duty",
    ]
    return "\n".join(rows) + "\n"


class Api:
    """One signed-in user sending commands and reading over HTTP."""

    def __init__(self, server: Server, username: str) -> None:
        self.server = server
        self.cookie, self.csrf = login(server, username)

    def command(self, name: str, args: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            self.server.base + "/api/commands",
            json={"id": command_id(), "name": name, "args": args},
            cookies={"ic_session": self.cookie},
            headers={"x-csrf-token": self.csrf},
            timeout=30,
            verify=PLAIN_HTTP,
        )

    def ok(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        r = self.command(name, args)
        assert r.status_code == 200 and r.json()["ok"], (name, args, r.status_code, r.text)
        result: dict[str, Any] = r.json()["result"]
        return result

    def get(self, path: str) -> httpx.Response:
        return httpx.get(
            self.server.base + path, cookies={"ic_session": self.cookie}, timeout=30, verify=PLAIN_HTTP
        )


def import_organisation(duty: Api) -> None:
    duty.ok("org.import", {"table": "units", "text": UNITS})
    duty.ok("org.import", {"table": "places", "text": PLACES})
    duty.ok("org.import", {"table": "people", "text": PEOPLE})
    duty.ok("org.import", {"table": "shifts", "text": shifts(datetime.now(UTC))})


def sit_in(duty: Api) -> str:
    args = {"type": "sit_in", "place": "机关大门", "head_count": 30, "summary": "静坐"}
    incident_id: str = duty.ok("incident.register", args)["incident_id"]
    return incident_id


def sit_in_with_report(duty: Api, place: str) -> tuple[str, str]:
    """A sit-in at `place` and the draft of its first report: (incident id, report id)."""
    args = {"type": "sit_in", "place": place, "head_count": 20, "summary": "静坐", "channel": "phone"}
    incident = str(duty.ok("incident.register", args)["incident_id"])
    report = duty.ok(
        "report.draft", {"incident_id": incident, "stage": "initial", "obligation_id": "initial"}
    )
    return incident, str(report["report_id"])


def get_as(api: Api, path: str) -> httpx.Response:
    """GET a path of the api's server as its signed-in user."""
    return httpx.get(api.server.base + path, cookies={"ic_session": api.cookie}, timeout=120)


def fill_route(template: str, ids: tuple[str, str]) -> str:
    """A route template with {id} an incident and {report} one of its reports."""
    return template.replace("{id}", ids[0]).replace("{report}", ids[1])
