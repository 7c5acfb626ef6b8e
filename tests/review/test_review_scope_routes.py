"""督查范围 over every route that shows an incident's review, activity or reports, or a report itself: an
inspector of 城关镇 gets 200 for an incident of the town and 404 for one of the office, whatever the route,
and every write is refused (real stack, SQLite and PostgreSQL)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, fill_route, get_as, import_organisation, sit_in_with_report
from support import Deployment, LocalServer

from console.reports.permissions import Permission as ReportPermission
from console.review.permissions import Permission as ReviewPermission
from console.web.app import ROUTE_ACCESS

# (route, what an in-scope reply carries); {id} an incident, {report} one of its reports.
ROUTES = (
    ("/incidents/{id}/review", "text/html"),
    ("/api/incidents/{id}/review", "application/json"),
    ("/api/incidents/{id}/compliance.csv", "text/csv"),
    ("/api/incidents/{id}/compliance.pdf", "application/pdf"),
    ("/api/incidents/{id}/replay", "application/json"),
    ("/api/incidents/{id}/timeline.svg", "image/svg+xml"),
    ("/api/incidents/{id}/bundle.zip", "application/zip"),
    ("/incidents/{id}/activity", "text/html"),
    ("/api/incidents/{id}/activity", "application/json"),
    ("/api/incidents/{id}/activity.csv", "text/csv"),
    ("/api/incidents/{id}/activity.pdf", "application/pdf"),
    ("/incidents/{id}/reports", "text/html"),
    ("/api/incidents/{id}/reports", "application/json"),
    ("/reports/{report}", "text/html"),
    ("/api/reports/{report}", "application/json"),
    ("/api/reports/{report}/document.pdf", "application/pdf"),
    ("/api/reports/{report}/document.docx", "application/vnd.openxmlformats"),
    ("/api/reports/{report}/preview/1.png", "image/png"),
    ("/api/reports/{report}/deliveries", "application/json"),
)
# What an inspector may try to write: each is refused, whatever the incident.
WRITES = (
    ("review.add_finding", {"incident_id": "{id}", "text": "督查意见"}),
    ("review.set_inspector_units", {"username": "inspector", "unit_ids": ["county"]}),
    ("report.draft", {"incident_id": "{id}", "stage": "initial"}),
    ("report.edit", {"report_id": "{report}", "texts": {"demands": "改"}}),
    ("report.submit", {"report_id": "{report}"}),
    ("report.approve", {"report_id": "{report}"}),
    ("report.send", {"report_id": "{report}"}),
    ("incident.note", {"incident_id": "{id}", "text": "督查记录"}),
    ("incident.close", {"incident_id": "{id}", "outcome": "resolved", "summary": "督查结案"}),
)


def test_the_table_holds_every_route_that_shows_an_incident_or_a_report() -> None:
    scoped = {ReviewPermission.REVIEW_VIEW.value, ReportPermission.REPORT_READ.value}
    shown = {
        path.replace("{incident_id}", "{id}").replace("{report_id}", "{report}")
        for (method, path), permission in ROUTE_ACCESS.items()
        if method == "GET" and permission in scoped and ("{incident_id}" in path or "{report_id}" in path)
    }
    generic = {"document.pdf": "document.{kind}", "document.docx": "document.{kind}", "1.png": "{page}.png"}
    listed = set()
    for path, _media in ROUTES:
        for concrete, template in generic.items():
            path = path.replace(concrete, template)
        listed.add(path)
    assert shown == listed


@pytest.fixture(scope="module")
def scoped(module_deployment: Deployment) -> Iterator[tuple[Api, Api, tuple[str, str], tuple[str, str]]]:
    # One server and one organisation for the whole table: its rows only read, and the inspector's
    # writes are all refused.
    server = LocalServer(module_deployment).start()
    try:
        duty, admin, inspector = Api(server, "duty"), Api(server, "admin"), Api(server, "inspector")
        import_organisation(duty)
        town = sit_in_with_report(duty, "城关镇政府")  # a place of 城关镇
        office = sit_in_with_report(duty, "接待大厅")  # a place of 信访室
        admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
        yield inspector, Api(server, "reviewer"), town, office
    finally:
        server.stop()


@pytest.mark.parametrize(("template", "media"), ROUTES)
def test_an_inspector_reads_their_units_only(
    scoped: tuple[Api, Api, tuple[str, str], tuple[str, str]], template: str, media: str
) -> None:
    inspector, reviewer, town, office = scoped
    mine = get_as(inspector, fill_route(template, town))
    assert mine.status_code == 200, (mine.status_code, mine.text[:300])
    assert mine.headers["content-type"].startswith(media), mine.headers["content-type"]
    other = get_as(inspector, fill_route(template, office))
    assert other.status_code == 404, (other.status_code, other.text[:300])
    assert "接待大厅" not in other.text and office[0] not in other.text and office[1] not in other.text
    # the office's own reviewers are not limited
    assert get_as(reviewer, fill_route(template, office)).status_code == 200


def test_an_inspector_writes_nothing(scoped: tuple[Api, Api, tuple[str, str], tuple[str, str]]) -> None:
    inspector, _reviewer, town, office = scoped
    for ids in (town, office):
        for name, args in WRITES:
            filled = {k: fill_route(v, ids) if isinstance(v, str) else v for k, v in args.items()}
            refused = inspector.command(name, filled)
            assert refused.status_code == 403, (name, refused.status_code, refused.text[:200])
            assert refused.json()["error"]["code"] == "forbidden", name


def test_the_statistics_reports_are_the_countys(server: LocalServer) -> None:
    duty, admin, inspector = Api(server, "duty"), Api(server, "admin"), Api(server, "inspector")
    import_organisation(duty)
    report = str(duty.ok("report.draft_statistics", {"period": "2026-01"})["report_id"])
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
    assert get_as(inspector, "/api/statistics").json()["reports"] == []
    assert get_as(inspector, "/statistics").status_code == 200
    assert get_as(inspector, f"/api/reports/{report}").status_code == 404
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["county"]})
    assert [r["report_id"] for r in get_as(inspector, "/api/statistics").json()["reports"]] == [report]
    assert get_as(inspector, f"/api/reports/{report}").status_code == 200
