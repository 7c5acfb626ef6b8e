"""The periodic statistics report through the real stack: a month of incidents counted from the log
(drills left out), drafted by command and by the CLI, approved (签发) and sent like any report, and
delivered to a local SMTP receiver with its PDF; nothing unapproved goes out, over HTTP or WS."""

from __future__ import annotations

import asyncio
import io
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from report_clock import MovedClock, month_after
from report_mail import Mailbox, wait_for
from support import Deployment, LiveClient, LocalServer, login

from console.cli import main
from console.db import open_database
from console.domains import registry
from console.maintenance import rebuild
from playbooks.facts import Level


def test_a_months_statistics_are_counted_from_the_log_approved_and_delivered(
    deployment: Deployment,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    box, smtp_port = mailbox
    mail = f"mailto://127.0.0.1:{smtp_port}?from=console@example.org&to=xwb@example.org&mode=insecure"
    offices = tmp_path / "offices.yaml"
    offices.write_text(
        "offices:\n"
        "  - name: 县委办公室\n    stages: [initial, final, statistics]\n"
        f'    channels: ["{mail}"]\n'
        "  - name: 市纪委监委信访室\n    stages: [initial, final, statistics]\n",  # by phone
        encoding="utf-8",
    )
    clock = MovedClock(tmp_path / "clock")
    # The month counted: one that starts at least 40 days from now, so the clock only moves forward.
    month: datetime = month_after(datetime.now(UTC) + timedelta(days=40))
    following: datetime = month_after(month)
    key, next_key = f"{month:%Y-%m}", f"{following:%Y-%m}"
    env = {"CONSOLE_REPORT_OFFICES_FILE": str(offices), "CONSOLE_CLOCK_FILE": str(clock.path)}

    def day(n: int, minutes: float = 0) -> datetime:  # 10:00 in Beijing on day n of the month, + minutes
        return month + timedelta(days=n - 1, hours=2, minutes=minutes)

    server = LocalServer(deployment, **env).start()
    try:
        import_organisation(Api(server, "duty"))

        def register(at: datetime, **args: Any) -> str:
            clock.at(at)
            base = {"place": "机关大门", "summary": "群众聚集", "channel": "walk_in"}
            return str(Api(server, "duty").ok("incident.register", {**base, **args})["incident_id"])

        def then(at: datetime, name: str, args: dict[str, Any]) -> None:
            clock.at(at)
            Api(server, "duty").ok(name, args)

        def arrive(at: datetime, incident: str, person: str) -> None:
            clock.at(at)
            Api(server, "duty").command("responder.move", {"move": "sign_on", "person_id": person})  # 上岗
            then(at, "responder.dispatch", {"incident_id": incident, "person_ids": [person]})
            for move in ("acknowledge", "depart", "arrive"):
                then(at, "responder.move", {"move": move, "person_id": person, "incident_id": incident})

        def file(at: datetime, incident: str, obligation: str) -> None:
            then(
                at, "run.file_report", {"incident_id": incident, "obligation_id": obligation, "note": "电话"}
            )

        # A: a sit-in of 60 (集体访 by its head count); first arrival after 12 minutes; its three reports
        # that fell due were filed on time (phone at 5 min, written at 20, final 1 h after the close).
        a = register(day(3), type="sit_in", head_count=60)
        file(day(3, 5), a, "initial_phone")
        arrive(day(3, 12), a, "r1")
        file(day(3, 20), a, "initial")
        then(day(3, 30), "incident.close", {"incident_id": a, "outcome": "dispersed", "summary": "已劝离"})
        file(day(3, 90), a, "final")
        # B: a cross-level visit of 8: the phone report 40 minutes in (late), closed at 45, no final
        # report ever (overdue): two due, none on time; nobody arrived.
        b = register(day(9), type="cross_level_visit", head_count=8)
        file(day(9, 40), b, "initial_phone")
        then(day(9, 45), "incident.close", {"incident_id": b, "outcome": "resolved", "summary": "已化解"})
        # C: a drill of 40 with an arrival after 2 minutes: not counted at all.
        c = register(day(15), type="sit_in", head_count=40, drill=True)
        arrive(day(15, 2), c, "r2")
        # D: three people (no 集体访), closed at once, the final report filed a minute later: on time.
        d = register(day(20), type="sit_in", head_count=3)
        then(day(20, 1), "incident.close", {"incident_id": d, "outcome": "resolved", "summary": "已化解"})
        file(day(20, 2), d, "final")
        # E: the next month's: not counted.
        register(following + timedelta(hours=2), type="sit_in", head_count=50)

        # The month is over on the 2nd of the next; its statistics cannot be drafted before it ends.
        clock.at(following + timedelta(days=1, hours=2))
        duty, leader = Api(server, "duty"), Api(server, "leader")
        r = duty.command("report.draft_statistics", {"period": next_key})
        assert r.status_code == 409 and r.json()["error"]["code"] == "report_period_open", r.text
        assert "尚未结束" in r.json()["error"]["message"]
        r = duty.command("report.draft_statistics", {"period": f"{month:%Y}-13"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_command", r.text
        r = duty.command("report.draft", {"incident_id": a, "stage": "statistics"})
        assert r.json()["error"]["code"] == "report_statistics_by_period", r.text

        # Counted by hand from what the test did (and the run views, for the response levels).
        registered = {
            e["data"]["incident_id"]: e["position"]
            for e in duty.get("/api/events?after=0&limit=1000").json()["events"]
            if e["event"] == "incident.registered"
        }
        counted = sorted(registered[i] for i in (a, b, d))
        levels: dict[str, int] = {}
        for incident in (a, b, d):
            run = duty.get(f"/api/incidents/{incident}/run").json()["run"]
            label = Level(run["level"]).zh
            levels[label] = levels.get(label, 0) + 1
            if incident == b:  # the final report B never filed is overdue now
                final = next(x for x in run["reports"] if x["id"] == "final")
                assert final["status"] == "overdue", final
        due, on_time = 3 + 2 + 1, 3 + 0 + 1
        expected = [
            "突发事件总数：3起。",
            "集体访：2起。",
            "越级集体访：1起。",
            f"按时报送率：{100 * on_time / due:.1f}%（{on_time}/{due}）。",
            "平均到场时间：12分钟。",
        ]

        report_id = duty.ok("report.draft_statistics", {"period": key})["report_id"]
        detail = duty.get(f"/api/reports/{report_id}").json()["report"]
        assert detail["stage"] == "statistics" and detail["period"] == key and detail["status"] == "drafted"
        assert detail["title"] == f"关于{month.year}年{month.month}月信访突发事件处置情况的统计报告"
        fields = {f["key"]: f for f in detail["fields"]}
        assert fields["overview"]["text"].splitlines() == expected, fields["overview"]["text"]
        assert fields["overview"]["sources"] == counted  # the drill's and next month's are not there
        assert registered[c] not in fields["overview"]["sources"]
        # Each figure names its own incidents: 集体访 is A and B, 越级 only B, 到场 only A.
        figures = {f["label"]: f["sources"] for f in fields["overview"]["figures"]}
        assert figures == {
            "突发事件总数": counted,
            "集体访": sorted(registered[i] for i in (a, b)),
            "越级集体访": [registered[b]],
            "按时报送率": counted,
            "平均到场时间": [registered[a]],
        }, figures
        assert sorted(fields["by_type"]["text"].splitlines()) == sorted(
            ["静坐、围堵：2起。", "越级集体访：1起。"]
        )
        assert sorted(fields["by_level"]["text"].splitlines()) == sorted(
            f"{k}：{n}起。" for k, n in levels.items()
        )
        assert fields["analysis"]["required"] and fields["analysis"]["missing"]
        # Each counted position links to its own incident on the report page.
        assert detail["source_incidents"] == {str(registered[i]): i for i in (a, b, d)}
        page = duty.get(f"/reports/{report_id}").text
        assert f'href="/incidents/{b}#event-{registered[b]}"' in page and 'href="/statistics"' in page
        crossed = page.split('data-figure="越级集体访">', 1)[1].split("</span>", 1)[0]
        assert crossed.count("<a ") == 1 and f"/incidents/{b}#event-{registered[b]}" in crossed, crossed
        listed = duty.get("/api/statistics").json()["reports"]
        assert [(x["report_id"], x["period"]) for x in listed] == [(report_id, key)]
        assert report_id in duty.get("/statistics").text
        r = duty.command("report.draft_statistics", {"period": key})
        assert r.json()["error"]["code"] == "report_statistics_exists", r.text

        # The same rules as any report: nothing unapproved is sent, over HTTP or WS; 签发 is a leader's.
        r = duty.command("report.send", {"report_id": report_id})
        assert r.status_code == 409 and r.json()["error"]["code"] == "report_illegal_move", r.text
        r = duty.command("report.submit", {"report_id": report_id})
        assert r.json()["error"]["code"] == "report_fields_missing" and "情况分析" in r.text, r.text
        duty.ok(
            "report.edit", {"report_id": report_id, "texts": {"analysis": "集体访占比较高，需加强源头化解。"}}
        )
        duty.ok("report.submit", {"report_id": report_id})

        async def send_over_ws() -> dict[str, Any]:
            cookie, _ = login(server, "duty")
            client = LiveClient(server.ws_url, cookie)
            await client.connect()
            try:
                return await client.wait_result(await client.send("report.send", {"report_id": report_id}))
            finally:
                await client.close()

        frame = asyncio.run(send_over_ws())
        assert frame["ok"] is False and frame["error"]["code"] == "report_illegal_move", frame
        r = duty.command("report.approve", {"report_id": report_id})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
        approved = leader.ok("report.approve", {"report_id": report_id})
        version = duty.get(f"/api/reports/{report_id}").json()["report"]["versions"][0]
        assert version["content_hash"] == approved["content_hash"] and version["witness"]
        r = duty.command("report.edit", {"report_id": report_id, "texts": {"analysis": "改"}})
        assert r.json()["error"]["code"] == "report_illegal_move", r.text
        duty.ok("report.send", {"report_id": report_id})
        sent = duty.get(f"/api/reports/{report_id}").json()["report"]
        assert sent["status"] == "sent" and sent["versions"][0]["recipients"] == [
            "县委办公室",
            "市纪委监委信访室",
        ]

        # Delivered by e-mail with the frozen PDF; the office without a channel is called and confirms.
        raw = wait_for(lambda: box.raw[:1], "the statistics report's e-mail")[0]
        msg = message_from_bytes(raw, policy=default_policy)
        assert approved["doc_number"] in str(msg["subject"])
        (name, pdf), *rest = [(str(p.get_filename()), bytes(p.get_content())) for p in msg.iter_attachments()]
        assert not rest and name.endswith(".pdf") and approved["content_hash"][:12] in name
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            text = "".join(p.extract_text() or "" for p in doc.pages).replace(" ", "").replace("\n", "")
        assert "统计报告" in text and f"{100 * on_time / due:.1f}%" in text and "12分钟" in text, text
        assert "集体访占比较高" in text and approved["doc_number"] in text
        # The editable DOCX of the same frozen version opens with python-docx and says the same.
        r = duty.get(f"/api/reports/{report_id}/document.docx")
        assert r.status_code == 200, r.text
        opened = docx.Document(io.BytesIO(r.content))
        words = "".join(p.text for p in opened.paragraphs)
        assert "统计报告" in words and "（三）越级集体访。1起。" in words and "集体访占比较高" in words, words
        assert approved["doc_number"] in words
        deliveries = {
            x["recipient"]: x for x in duty.get(f"/api/reports/{report_id}/deliveries").json()["deliveries"]
        }
        assert deliveries["市纪委监委信访室"]["state"] == "by_phone"
        wait_for(
            lambda: (
                duty.get(f"/api/reports/{report_id}/deliveries").json()["deliveries"][0]["state"]
                == "delivered"
            ),
            "the delivery record",
        )
        duty.ok(
            "report.confirm_receipt",
            {"report_id": report_id, "recipient": "市纪委监委信访室", "confirmed_by": "王科长"},
        )
        deliveries = {
            x["recipient"]: x for x in duty.get(f"/api/reports/{report_id}/deliveries").json()["deliveries"]
        }
        assert deliveries["市纪委监委信访室"]["state"] == "acknowledged"

        # The CLI drafts the same way: an empty month before (and a past quarter), each once.
        for name, value in {**deployment.env, **env}.items():
            monkeypatch.setenv(name, value)
        before = month - timedelta(days=1)
        assert main(["draft-statistics", "--period", f"{before:%Y-%m}", "--as", "duty"]) == 0
        assert "已起草统计报告" in capsys.readouterr().out
        assert main(["draft-statistics", "--period", f"{month.year - 1}-q4", "--as", "duty"]) == 0
        assert main(["draft-statistics", "--period", f"{before:%Y-%m}", "--as", "duty"]) == 1
        assert "report_statistics_exists" in capsys.readouterr().err
        assert main(["draft-statistics", "--period", next_key, "--as", "nobody"]) == 2
        periods = {x["period"]: x for x in duty.get("/api/statistics").json()["reports"]}
        assert set(periods) == {key, f"{before:%Y-%m}", f"{month.year - 1}-Q4"}
        empty = duty.get(f"/api/reports/{periods[f'{before:%Y-%m}']['report_id']}").json()["report"]
        overview = {f["key"]: f for f in empty["fields"]}["overview"]
        assert overview["text"].splitlines()[0] == "突发事件总数：0起。" and overview["sources"] == []

        # The statistics reports are the log's like any: replaying every event gives the same tables.
        tables = deployment.dump_projections()
        assert len(tables["report_items"]) == 3 and tables["report_deliveries"]

        async def rebuild_all() -> None:
            db = open_database(deployment.settings)
            try:
                await rebuild(db, registry())
            finally:
                await db.dispose()

        asyncio.run(rebuild_all())
        assert deployment.dump_projections() == tables
    finally:
        server.stop()
