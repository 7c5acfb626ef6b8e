"""上级督查 see the reviews of the units under them only: every review route, page, CSV, PDF and bundle
answers 404 for an incident of another unit (real stack)."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from review.bundle import verify_zip

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import LocalServer

# Every route of the review, as (path template, what an in-scope reply carries).
ROUTES = (
    ("/incidents/{id}/review", "text/html"),
    ("/api/incidents/{id}/review", "application/json"),
    ("/api/incidents/{id}/compliance.csv", "text/csv"),
    ("/api/incidents/{id}/compliance.pdf", "application/pdf"),
    ("/api/incidents/{id}/replay", "application/json"),
    ("/api/incidents/{id}/timeline.svg", "image/svg+xml"),
    ("/api/incidents/{id}/bundle.zip", "application/zip"),
)


def _register(duty: Api, place: str) -> str:
    args = {"type": "sit_in", "place": place, "head_count": 20, "summary": "静坐", "channel": "phone"}
    return str(duty.ok("incident.register", args)["incident_id"])


def _get(api: Api, path: str) -> httpx.Response:
    return httpx.get(api.server.base + path, cookies={"ic_session": api.cookie}, timeout=120)


def test_inspectors_see_the_incidents_of_their_units_only(server: LocalServer) -> None:
    duty, admin, inspector = Api(server, "duty"), Api(server, "admin"), Api(server, "inspector")
    reviewer = Api(server, "reviewer")
    import_organisation(duty)
    in_town = _register(duty, "城关镇政府")  # a place of 城关镇 (town, under the county)
    at_office = _register(duty, "接待大厅")  # a place of 信访室 (office, under the county)

    # no units set: an inspector sees no incident at all
    assert _get(inspector, f"/api/incidents/{in_town}/review").status_code == 404
    refused = inspector.command("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
    assert refused.status_code == 403  # only admins set what an inspector oversees
    wrong = admin.command("review.set_inspector_units", {"username": "reviewer", "unit_ids": ["town"]})
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "not_an_inspector"
    unknown = admin.command("review.set_inspector_units", {"username": "inspector", "unit_ids": ["mars"]})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unit_not_found"
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})

    for template, media in ROUTES:
        mine = _get(inspector, template.format(id=in_town))
        assert mine.status_code == 200, (template, mine.status_code, mine.text[:200])
        assert mine.headers["content-type"].startswith(media), (template, mine.headers["content-type"])
        other = _get(inspector, template.format(id=at_office))
        assert other.status_code == 404, (template, other.status_code)
        assert "接待大厅" not in other.text and at_office not in other.text, template
        # the office's own reviewers are not limited
        assert _get(reviewer, template.format(id=at_office)).status_code == 200, template
    assert verify_zip(_get(inspector, f"/api/incidents/{in_town}/bundle.zip").content).ok

    # the county: every unit under it
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["county"]})
    assert _get(inspector, f"/api/incidents/{at_office}/review").status_code == 200
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": []})
    assert _get(inspector, f"/api/incidents/{in_town}/review").status_code == 404
