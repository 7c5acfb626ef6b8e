"""Sending an approved report delivers it to each office of the offices file: e-mail with the PDF attached
(real apprise to a local aiosmtpd), a content-free notice with a signed link where the channel cannot
carry a file, retries on failure, and 电话确认 recorded by the duty officer."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
sys.path.insert(0, str(Path(__file__).parent.parent / "alerts"))

from alert_receivers import HttpReceiver, start_http_receiver
from org import Api, import_organisation
from report_mail import Mailbox, wait_for
from support import Deployment, LocalServer, free_port

from console.reports.delivery import link_token
from reports.offices import OfficesInvalid, parse_offices


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    rec = start_http_receiver()
    try:
        yield rec
    finally:
        rec.server.shutdown()
        rec.server.server_close()


def _offices(tmp_path: Path, smtp_port: int, http_port: int) -> Path:
    dead = free_port()  # nobody listens there: every attempt fails
    mail = f"mailto://127.0.0.1:{smtp_port}?from=console@example.org&to=xwb@example.org&mode=insecure"
    text = f"""
offices:
  - name: 县委办公室
    stages: [initial, followup, final]
    channels: ["{mail}"]
  - name: 县政府办公室
    stages: [initial, final]
    channels: ["gotify://127.0.0.1:{http_port}/abcdefghijklmno"]
  - name: 市纪委监委信访室
    stages: [initial]
    channels: ["mailto://127.0.0.1:{dead}?from=console@example.org&to=x@example.org&mode=insecure"]
  - name: 县信访局
    stages: [initial]
  - name: 市委办公室
    stages: [final]
    channels: ["{mail}"]
"""
    path = tmp_path / "offices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _attachments(raw: bytes) -> list[tuple[str, bytes]]:
    msg = message_from_bytes(raw, policy=default_policy)
    out = []
    for part in msg.iter_attachments():
        out.append((str(part.get_filename()), bytes(part.get_content())))
    return out


def test_an_approved_report_reaches_each_office_and_phone_receipts_are_recorded(
    deployment: Deployment, tmp_path: Path, mailbox: tuple[Mailbox, int], http: HttpReceiver
) -> None:
    box, smtp_port = mailbox
    offices = _offices(tmp_path, smtp_port, http.port)
    server = LocalServer(deployment, CONSOLE_REPORT_OFFICES_FILE=str(offices)).start()
    try:
        duty, leader = Api(server, "duty"), Api(server, "leader")
        import_organisation(duty)
        incident = duty.ok(
            "incident.register",
            {"type": "sit_in", "place": "机关大门", "head_count": 20, "summary": "静坐", "channel": "phone"},
        )["incident_id"]
        report_id = duty.ok("report.draft", {"incident_id": incident, "stage": "initial"})["report_id"]
        fields = duty.get(f"/api/reports/{report_id}").json()["report"]["fields"]
        missing = {f["key"]: "已核实。" for f in fields if f["missing"]}
        if missing:
            duty.ok("report.edit", {"report_id": report_id, "texts": missing})
        duty.ok("report.submit", {"report_id": report_id})
        approved = leader.ok("report.approve", {"report_id": report_id})
        # Receipt cannot be confirmed for a report not sent yet.
        r = duty.command(
            "report.confirm_receipt", {"report_id": report_id, "recipient": "县信访局", "confirmed_by": "刘"}
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "report_illegal_move", r.text
        duty.ok("report.send", {"report_id": report_id})
        detail = duty.get(f"/api/reports/{report_id}").json()["report"]
        # The initial stage's offices by the offices file, not the 市委办公室 (final only).
        assert detail["versions"][0]["recipients"] == [
            "县委办公室",
            "县政府办公室",
            "市纪委监委信访室",
            "县信访局",
        ]

        # The e-mail carries the approved, hashed document as a PDF.
        raw = wait_for(lambda: box.raw[:1], "the report's e-mail")[0]
        msg = message_from_bytes(raw, policy=default_policy)
        assert approved["doc_number"] in str(msg["subject"])
        files = _attachments(raw)
        assert len(files) == 1, files
        name, pdf = files[0]
        assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
        assert approved["content_hash"][:12] in name
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None and approved["content_hash"] in body.get_content()
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            text = "".join(page.extract_text() or "" for page in doc.pages)
        witness = detail["versions"][0]["witness"]
        assert approved["doc_number"] in text.replace(" ", "")
        assert witness.split(":")[1][:16] in text.replace(" ", "").replace("\n", "")

        # The channel that cannot carry a file gets a content-free notice with a signed link.
        notice = wait_for(lambda: http.bodies("message"), "the notice")[0]
        assert "报告待接收" in notice and "静坐" not in notice and approved["doc_number"] not in notice
        link = re.search(r"http://\S+/r/(\S+)", notice)
        assert link is not None, notice
        token = link.group(1)
        download = duty.get(f"/r/{token}")  # anyone holding the link, signed in or not
        assert download.status_code == 200 and download.content.startswith(b"%PDF"), download.text[:200]
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert duty.get(f"/r/{forged}").status_code == 422
        key, now = deployment.settings.secret_key, datetime.now(UTC)
        expired = link_token(key, report_id, 1, "县政府办公室", "other", now - timedelta(hours=100), 72)
        assert duty.get(f"/r/{expired}").status_code == 410
        elsewhere = link_token(key, report_id, 1, "某某办", "other", now, 72)  # not a recipient of it
        assert duty.get(f"/r/{elsewhere}").status_code == 404
        audit = Api(server, "reviewer").get("/api/events?after=0&limit=1000").json()["events"]
        readers = {e["actor"]["name"] for e in audit if e["event"] == "report.downloaded"}
        assert "县政府办公室（下载链接）" in readers, readers

        # Records: delivered, delivered, failed and retried, by phone.
        def records() -> dict[str, Any] | None:
            found = duty.get(f"/api/reports/{report_id}/deliveries").json()["deliveries"]
            by = {d["recipient"]: d for d in found}
            retried = by.get("市纪委监委信访室", {}).get("attempts", [])
            if by.get("县委办公室", {}).get("state") == "delivered" and len(retried) >= 2:
                return by
            return None

        by = wait_for(records, "the delivery records")
        assert by["县政府办公室"]["state"] == "delivered"
        assert by["县政府办公室"]["attempts"][0]["mode"] == "link"
        assert by["县委办公室"]["attempts"][0]["mode"] == "attachment"
        failed = by["市纪委监委信访室"]["attempts"]
        assert failed[0]["state"] == "failed" and failed[1]["retry"] and failed[1]["state"] == "pending"
        assert str(smtp_port) not in str(failed)  # the reason is scrubbed of the URL's pieces
        assert by["县信访局"]["state"] == "by_phone"

        # 电话确认: who at the office confirmed, when, and who took the call.
        duty.ok(
            "report.confirm_receipt",
            {
                "report_id": report_id,
                "recipient": "县信访局",
                "confirmed_by": "刘主任",
                "confirmed_at": "2026-01-01T08:00:00+08:00",
                "note": "电话报送，对方已收到",
            },
        )
        r = duty.command(
            "report.confirm_receipt", {"report_id": report_id, "recipient": "某某办", "confirmed_by": "刘"}
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "report_recipient_unknown", r.text
        assert "某某办" in r.json()["error"]["message"]
        found = {
            d["recipient"]: d for d in duty.get(f"/api/reports/{report_id}/deliveries").json()["deliveries"]
        }
        receipt = found["县信访局"]["receipt"]
        assert (
            found["县信访局"]["state"] == "acknowledged" and found["县信访局"]["state_label"] == "已电话确认"
        )
        assert receipt["confirmed_by"] == "刘主任" and receipt["recorded_by"] == "duty"
        assert receipt["confirmed_at"].startswith("2026-01-01T00:00:00")
        page = duty.get(f"/reports/{report_id}").text
        assert "刘主任" in page and "已送达" in page
        # Times on the page are the office's (Asia/Shanghai), as everywhere else in the console: the
        # receipt confirmed at 08:00 Beijing time reads 08:00, not the 00:00 the log stores.
        assert deployment.settings.timezone == "Asia/Shanghai"
        assert '<time datetime="2026-01-01T00:00:00.000000Z">1月1日 08:00</time>' in page, page
        delivered = by["县委办公室"]["attempts"][0]["attempted_at"]
        local = datetime.fromisoformat(delivered.replace("Z", "+00:00")).astimezone(deployment.settings.tz)
        assert f'<time datetime="{delivered}">{local.month}月{local.day}日 {local:%H:%M}</time>' in page
        assert f">{delivered[:16]}" not in page and ">2026-01-01T00:00" not in page
        assert Api(server, "responder").get(f"/api/reports/{report_id}/deliveries").status_code == 403
        # The mail's attachment reads exactly as the console's own download of the approved version.
        own = duty.get(f"/api/reports/{report_id}/document.pdf?version=1")
        with pdfplumber.open(io.BytesIO(own.content)) as doc:
            assert "".join(page.extract_text() or "" for page in doc.pages) == text
    finally:
        server.stop()


def test_the_offices_file_is_checked_with_clear_errors() -> None:
    book = parse_offices(
        "offices:\n  - name: 县委办公室\n    stages: [initial]\n    levels: [major]\n"
        "  - name: 演练观摩组\n    drill: true\n    stages: [initial]\n"
    )
    assert book.recipients("initial", "major", drill=False) == ("县委办公室",)
    assert book.recipients("initial", "general", drill=False) == ()
    assert book.recipients("initial", None, drill=True) == ("演练观摩组",)
    cases = {
        "offices: []": "offices",
        "offices:\n  - name: 县委办\n    stages: [first]\n": "first",
        "offices:\n  - name: 县委办\n    stages: [initial]\n  - name: 县委办\n    stages: [final]\n": "重复",
        "offices:\n  - name: 县委办\n    stages: [initial]\n    levels: [huge]\n": "huge",
        "offices:\n  - name: 县委办\n    stages: [initial]\n    colour: red\n": "colour",
        "offices:\n  - name: 县委办\n    stages: [initial]\n    channels: ['nope']\n": "channels",
        "offices: [": "YAML",
    }
    from alerts.adapter import check_url

    for text, needle in cases.items():
        with pytest.raises(OfficesInvalid) as caught:
            parse_offices(text, check_url)
        message = str(caught.value)
        assert needle in message and "报送单位配置有误" in message and "offices file" in message, message
