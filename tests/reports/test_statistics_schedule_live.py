"""The statistics schedule through the real stack: when a quarter's last month ends, the console
drafts that month's and that quarter's statistics itself, once across two processes, and the list
shows by which day each is to be sent and, once that day has passed unsent, that it is late."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation, sit_in
from report_clock import MovedClock, month_after
from report_mail import wait_for
from support import Deployment, LocalServer


def test_a_quarters_last_month_ending_drafts_both_statistics_once(
    deployment: Deployment, tmp_path: Path
) -> None:
    clock = MovedClock(tmp_path / "clock")
    # The last month of a quarter at least 40 days from now: its end is a month's and a quarter's.
    month: datetime = month_after(datetime.now(UTC) + timedelta(days=40))
    while month.month % 3:
        month = month_after(month)
    following: datetime = month_after(month)
    month_key, quarter_key = f"{month:%Y-%m}", f"{month:%Y}-Q{month.month // 3}"
    before_key = f"{month - timedelta(days=1):%Y-%m}"
    clock.at(month + timedelta(days=9, hours=2))  # 10:00 on the 10th in Beijing: the log begins here
    env = {
        "CONSOLE_CLOCK_FILE": str(clock.path),
        "CONSOLE_REPORT_STATISTICS_AUTO": "month,quarter",
        "CONSOLE_REPORT_STATISTICS_SEND_DAYS": "5",
        "CONSOLE_LOG_LEVEL": "INFO",
    }
    servers = [LocalServer(deployment, **env).start() for _ in range(2)]
    try:
        duty = Api(servers[0], "duty")
        import_organisation(duty)
        incident = sit_in(duty)

        # 01:00 on the 1st in Beijing (still the month before in UTC): the month and the quarter are over.
        clock.at(following - timedelta(hours=7))

        def looked(server: LocalServer) -> bool:
            text = server.log.read_text(encoding="utf-8")
            return f"{month_key},{quarter_key}" in text and "statistics_looked" in text

        for server in servers:
            wait_for(lambda server=server: looked(server), f"server {server.port} looking at the periods")
        duty = Api(servers[1], "duty")  # signed in again: the old session expired months ago
        listed = duty.get("/api/statistics").json()["reports"]
        assert sorted(x["period"] for x in listed) == sorted([month_key, quarter_key]), listed
        # The month before the log began is not drafted: the console was not in use then.
        assert before_key not in {x["period"] for x in listed}
        drafted = [
            e for e in duty.get("/api/events?limit=500").json()["events"] if e["event"] == "report.drafted"
        ]
        assert len(drafted) == 2 and {e["actor"]["id"] for e in drafted} == {"system"}, drafted
        for item in listed:
            assert item["status"] == "drafted" and not item["late"], item
            assert item["send_by"] == f"{following:%Y-%m}-05", item
        monthly = next(x for x in listed if x["period"] == month_key)
        report = duty.get(f"/api/reports/{monthly['report_id']}").json()["report"]
        overview = {f["key"]: f for f in report["fields"]}["overview"]
        assert overview["text"].splitlines()[0] == "突发事件总数：1起。", overview
        assert report["source_incidents"] == {str(overview["sources"][0]): incident}
        page = duty.get("/statistics").text
        assert "报送期限" in page and f"{following.month}月5日" in page and "逾期未报送" not in page

        # The 6th in Beijing: the day to send them by has passed, and both are shown late.
        clock.at(following + timedelta(days=5, hours=2))
        duty = Api(servers[0], "duty")
        later = duty.get("/api/statistics").json()["reports"]
        assert [x["late"] for x in later] == [True, True], later
        assert duty.get("/statistics").text.count("逾期未报送") == 2
    finally:
        for server in servers:
            server.stop()
