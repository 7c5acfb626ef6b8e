"""督查范围 over every HTTP route that names an incident or a report — the board's and room's, the
responders', the alerts', the runs', the review's and the reports' (real stack, SQLite and PostgreSQL):
an inspector of 城关镇 gets the route's answer for an incident of the town and 404 for one of 信访室,
whose number, place and id the refusal never carries; a route the inspector may not use at all is
refused (403) whatever it names, so a probe learns nothing; the office's own staff are not limited;
and the list routes (and a person's activity) leave the office's incidents out.

The table of h15i (test_review_scope_routes) covers the review and report routes' media types; this one
is the whole set, and fails when a route naming an incident or a report is added without a row.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import Deployment, LocalServer

from console.web.app import ROUTE_ACCESS

# (method, route as ROUTE_ACCESS names it, the path asked for: {id} an incident, {report} its report;
# whether the inspector may use the route at all).
ROUTES: tuple[tuple[str, str, str, bool], ...] = (
    ("GET", "/incidents/{incident_id}", "/incidents/{id}", True),
    ("GET", "/api/incidents/{incident_id}", "/api/incidents/{id}", True),
    ("GET", "/api/incidents/{incident_id}/notes", "/api/incidents/{id}/notes", True),
    ("GET", "/api/incidents/{incident_id}/history", "/api/incidents/{id}/history", True),
    ("GET", "/api/incidents/{incident_id}/run", "/api/incidents/{id}/run", True),
    ("GET", "/api/incidents/{incident_id}/confidential", "/api/incidents/{id}/confidential", False),
    ("GET", "/incidents/{incident_id}/movements", "/incidents/{id}/movements", True),
    ("GET", "/api/incidents/{incident_id}/responders", "/api/incidents/{id}/responders", True),
    ("GET", "/api/incidents/{incident_id}/recommend", "/api/incidents/{id}/recommend", True),
    ("GET", "/api/incidents/{incident_id}/movements.csv", "/api/incidents/{id}/movements.csv", True),
    ("GET", "/api/incidents/{incident_id}/figures.csv", "/api/incidents/{id}/figures.csv", True),
    ("GET", "/incidents/{incident_id}/alerts", "/incidents/{id}/alerts", False),
    ("GET", "/api/incidents/{incident_id}/alerts", "/api/incidents/{id}/alerts", False),
    ("GET", "/api/incidents/{incident_id}/alerts.csv", "/api/incidents/{id}/alerts.csv", False),
    ("GET", "/incidents/{incident_id}/review", "/incidents/{id}/review", True),
    ("GET", "/api/incidents/{incident_id}/review", "/api/incidents/{id}/review", True),
    ("GET", "/api/incidents/{incident_id}/compliance.csv", "/api/incidents/{id}/compliance.csv", True),
    ("GET", "/api/incidents/{incident_id}/compliance.pdf", "/api/incidents/{id}/compliance.pdf", True),
    ("GET", "/api/incidents/{incident_id}/replay", "/api/incidents/{id}/replay", True),
    ("GET", "/api/incidents/{incident_id}/timeline.svg", "/api/incidents/{id}/timeline.svg", True),
    ("GET", "/api/incidents/{incident_id}/bundle.zip", "/api/incidents/{id}/bundle.zip", True),
    ("GET", "/incidents/{incident_id}/activity", "/incidents/{id}/activity", True),
    ("GET", "/api/incidents/{incident_id}/activity", "/api/incidents/{id}/activity", True),
    ("GET", "/api/incidents/{incident_id}/activity.csv", "/api/incidents/{id}/activity.csv", True),
    ("GET", "/api/incidents/{incident_id}/activity.pdf", "/api/incidents/{id}/activity.pdf", True),
    ("GET", "/incidents/{incident_id}/reports", "/incidents/{id}/reports", True),
    ("GET", "/api/incidents/{incident_id}/reports", "/api/incidents/{id}/reports", True),
    ("GET", "/reports/{report_id}", "/reports/{report}", True),
    ("GET", "/api/reports/{report_id}", "/api/reports/{report}", True),
    ("GET", "/api/reports/{report_id}/document.{kind}", "/api/reports/{report}/document.pdf", True),
    ("GET", "/api/reports/{report_id}/preview/{page}.png", "/api/reports/{report}/preview/1.png", True),
    ("GET", "/api/reports/{report_id}/deliveries", "/api/reports/{report}/deliveries", True),
)
# The lists an inspector reads, and where each row names its incident.
LISTS: tuple[tuple[str, Any], ...] = (
    ("/api/incidents", lambda body: {r["id"] for r in body["incidents"]}),
    ("/api/runs", lambda body: {r["incident_id"] for r in body["runs"]}),
    ("/api/state", lambda body: {r["id"] for r in body["state"]["incidents"]}),
    ("/api/state", lambda body: {r["incident_id"] for r in body["state"]["runs"]}),
    ("/api/events?after=0&limit=1000", lambda body: {e["data"].get("incident_id") for e in body["events"]}),
    # 活动记录 of 张一, sent to both incidents
    ("/api/people/r1/activity", lambda body: {e["incident_id"] for e in body["entries"]}),
)


def test_the_table_holds_every_route_that_names_an_incident_or_a_report() -> None:
    named = {
        (method, path) for (method, path) in ROUTE_ACCESS if "{incident_id}" in path or "{report_id}" in path
    }
    assert named == {(method, route) for method, route, _path, _may in ROUTES}


def _register(duty: Api, place: str) -> tuple[str, str]:
    args = {"type": "sit_in", "place": place, "head_count": 20, "summary": "静坐", "channel": "phone"}
    incident = str(duty.ok("incident.register", args)["incident_id"])
    report = duty.ok(
        "report.draft", {"incident_id": incident, "stage": "initial", "obligation_id": "initial"}
    )
    return incident, str(report["report_id"])


def _get(api: Api, path: str) -> httpx.Response:
    return httpx.get(api.server.base + path, cookies={"ic_session": api.cookie}, timeout=120)


def _fill(template: str, ids: tuple[str, str]) -> str:
    return template.replace("{id}", ids[0]).replace("{report}", ids[1])


# The inspector, the office's own staff (the duty officer, a reviewer), the town's and the office's.
Scoped = tuple[Api, tuple[Api, Api], tuple[str, str], tuple[str, str], str]


@pytest.fixture(scope="module")
def scoped(module_deployment: Deployment) -> Iterator[Scoped]:
    # One server for the whole table: its rows only read.
    server = LocalServer(module_deployment).start()
    try:
        duty, admin = Api(server, "duty"), Api(server, "admin")
        import_organisation(duty)
        town = _register(duty, "城关镇政府")  # a place of 城关镇
        office = _register(duty, "接待大厅")  # a place of 信访室
        for incident, _report in (town, office):
            duty.ok("responder.dispatch", {"incident_id": incident, "person_ids": ["r1"]})
        number = str(_get(duty, f"/api/incidents/{office[0]}").json()["incident"]["number"])
        admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
        yield Api(server, "inspector"), (duty, Api(server, "reviewer")), town, office, number
    finally:
        server.stop()


@pytest.mark.parametrize(("method", "route", "template", "may"), ROUTES, ids=[r[2] for r in ROUTES])
def test_an_inspector_is_shown_their_units_incidents_only(
    scoped: Scoped, method: str, route: str, template: str, may: bool
) -> None:
    inspector, staff, town, office, number = scoped
    mine = _get(inspector, _fill(template, town))
    other = _get(inspector, _fill(template, office))
    if not may:
        # Refused whatever it names: the answer cannot tell one unit's incident from another's.
        assert mine.status_code == other.status_code == 403, (mine.status_code, other.status_code)
        return
    assert mine.status_code == 200, (mine.status_code, mine.text[:300])
    assert other.status_code == 404, (other.status_code, other.text[:300])
    for leaked in (office[0], office[1], number, "接待大厅"):
        assert leaked not in other.text, leaked
    if other.headers["content-type"].startswith("application/json"):
        assert other.json()["error"]["code"] in ("incident_not_found", "report_not_found")
    # The office's own staff are not limited (the desk reads the board's routes, a reviewer the review's).
    assert 200 in {_get(api, _fill(template, office)).status_code for api in staff}


@pytest.mark.parametrize(("path", "ids"), LISTS, ids=[f"{p}#{i}" for i, (p, _) in enumerate(LISTS)])
def test_the_lists_leave_other_units_incidents_out(scoped: Scoped, path: str, ids: Any) -> None:
    inspector, (duty, _reviewer), town, office, _number = scoped
    for api, expected in ((inspector, {town[0]}), (duty, {town[0], office[0]})):
        r = _get(api, path)
        assert r.status_code == 200, r.text[:200]
        assert ids(r.json()) & {town[0], office[0]} == expected, (api.server, path)
