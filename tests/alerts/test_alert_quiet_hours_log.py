"""The delivery log's page says when an attempt held by quiet hours goes: 免打扰时段暂缓，HH:MM 后发送."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from support import Served

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation


def test_the_delivery_log_page_shows_until_when_an_attempt_is_held(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    start, end = (
        (local - timedelta(hours=1)).strftime("%H:%M"),
        (local + timedelta(hours=3)).strftime("%H:%M"),
    )
    mail = "mailto://127.0.0.1:9?from=console@example.org&to=leader@example.org&mode=insecure"
    Api(server, "admin").ok(
        "alert.set_channels", {"person_id": "leader", "channels": [mail], "quiet_hours": f"{start}-{end}"}
    )
    visit = duty.ok("incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 8})
    duty.ok("responder.dispatch", {"incident_id": visit["incident_id"], "person_ids": ["leader"]})

    page = duty.get(f"/incidents/{visit['incident_id']}/alerts")
    assert page.status_code == 200
    assert f"免打扰时段暂缓，{end} 后发送" in page.text
    log = duty.get(f"/api/incidents/{visit['incident_id']}/alerts").json()
    assert [(r["person_id"], r["state"], r["held_until_local"]) for r in log["attempts"]] == [
        ("leader", "pending", end)
    ]
