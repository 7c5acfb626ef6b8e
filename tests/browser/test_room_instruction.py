"""越级集体访 in the room (issue 12): the event grade shows beside the response tier where they differ, and
the duty officer records the higher level's arrival and feedback deadlines when logging its request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from browser_support import DESK, TABLET, Api, OpenPage, open_incident
from playwright.sync_api import expect
from support import Server

TO_BEIJING = {
    "type": "cross_level_visit",
    "place": "市信访局",
    "head_count": 12,
    "summary": "进京越级集体访",
    "facts": {"to_beijing": True},
}
LOCAL = ZoneInfo("Asia/Shanghai")


def _run(api: Api, incident_id: str) -> dict[str, Any]:
    r = httpx.get(api.server.base + f"/api/incidents/{incident_id}/run", cookies={"ic_session": api.cookie})
    r.raise_for_status()
    body: dict[str, Any] = r.json()["run"]
    return body


def _step(run: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in run["steps"] if s["id"] == step_id)


def test_the_grade_chip_and_the_higher_levels_deadlines(server: Server, open_page: OpenPage) -> None:
    desk = Api(server, "duty")
    registered = desk.command("incident.register", TO_BEIJING)["result"]
    incident_id = registered["incident_id"]
    before = _run(desk, incident_id)
    assert (before["level"], before["event_grade"], before["grade_differs"]) == (
        "extraordinary",
        "major",
        True,
    )
    log_request = _step(before, "log_request")
    assert [g["id"] for g in log_request["gives_deadlines"]] == ["arrive_on_site", "feedback_result"]

    page = open_page("duty", DESK)
    open_incident(page, registered["number"])
    head = page.locator("#room-head")
    expect(head.locator('[data-f="level-badge"]')).to_have_text("Ⅰ级响应")
    expect(head.locator('[data-f="grade-badge"]')).to_be_visible()
    expect(head.locator('[data-f="grade-badge"]')).to_have_text("事件等级 重大（II级）")

    item = page.locator('#checklist li[data-step="log_request"]')
    arrive = item.locator('input[data-gives="arrive_on_site"]')
    feedback = item.locator('input[data-gives="feedback_result"]')
    expect(item.locator("label.given-deadline").first).to_contain_text("以上级要求为准")
    now = datetime.fromisoformat(before["now"].replace("Z", "+00:00"))
    arrive_at = (now + timedelta(hours=2)).astimezone(LOCAL).replace(second=0, microsecond=0)
    feedback_at = (now + timedelta(hours=8)).astimezone(LOCAL).replace(second=0, microsecond=0)
    arrive.fill(arrive_at.strftime("%Y-%m-%dT%H:%M"))
    feedback.fill(feedback_at.strftime("%Y-%m-%dT%H:%M"))
    item.locator('button[data-act="done"]').click()
    expect(page.locator('#checklist li[data-step="log_request"]')).to_have_attribute("data-status", "done")

    after = _run(desk, incident_id)
    assert (
        datetime.fromisoformat(_step(after, "feedback_result")["due_at"].replace("Z", "+00:00"))
        == feedback_at
    )
    # The arrival deadline waits for the team to set out; once it has, the instruction's instant counts.
    desk.command("run.complete_step", {"incident_id": incident_id, "step_id": "dispatch_team"})
    after = _run(desk, incident_id)
    assert (
        datetime.fromisoformat(_step(after, "arrive_on_site")["due_at"].replace("Z", "+00:00")) == arrive_at
    )


def test_a_deadline_already_past_is_refused_in_words(server: Server, open_page: OpenPage) -> None:
    desk = Api(server, "duty")
    registered = desk.command("incident.register", {**TO_BEIJING, "facts": {}})["result"]
    now = datetime.fromisoformat(_run(desk, registered["incident_id"])["now"].replace("Z", "+00:00"))
    small = {
        "type": "collective_visit",
        "place": "接待大厅",
        "head_count": 5,
        "summary": "集体访",
        "facts": {},
    }
    agreed = desk.command("incident.register", small)["result"]
    page = open_page("duty", TABLET)
    # Where tier and grade agree (Ⅳ级响应, 一般), only the tier shows.
    open_incident(page, agreed["number"])
    expect(page.locator('#room-head [data-f="level-badge"]')).to_have_text("Ⅳ级响应")
    expect(page.locator('#room-head [data-f="grade-badge"]')).to_be_hidden()
    page.goto(server.base + "/")
    open_incident(page, registered["number"])
    expect(page.locator('#room-head [data-f="grade-badge"]')).to_have_text("事件等级 一般（IV级）")
    item = page.locator('#checklist li[data-step="log_request"]')
    past = (now - timedelta(hours=1)).astimezone(LOCAL)
    item.locator('input[data-gives="arrive_on_site"]').fill(past.strftime("%Y-%m-%dT%H:%M"))
    item.locator('button[data-act="done"]').click()
    expect(item.locator(".form-error")).to_have_text("所登记的时限已过")
    assert _step(_run(desk, registered["incident_id"]), "log_request")["resolved_at"] is None
    expect(page.locator('#checklist li[data-step="log_request"]')).not_to_have_attribute(
        "data-status", "done"
    )
