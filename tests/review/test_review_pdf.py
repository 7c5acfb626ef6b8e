"""履职情况报告: the compliance table printed as a PDF names the late duties and who held them."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pdfplumber
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, at, load_into, scripted
from support import Deployment, LocalServer, command_id, login

from review.compliance import compliance
from review.log import fold
from review.pdf import ChainLine, FindingLine, document, render_pdf

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        return "\n".join(page.extract_text() or "" for page in opened.pages)


def _landscape_a4(pdf: bytes) -> bool:
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        return all(
            round(p.width / 72 * 25.4) == 297 and round(p.height / 72 * 25.4) == 210 for p in opened.pages
        )


def test_the_document_counts_outcomes_and_names_holders() -> None:
    events = scripted().events
    rows = compliance(INCIDENT, events, at(40))
    doc = document(
        fold(INCIDENT, events),
        rows,
        chain=ChainLine(True, 5, 30, "ab" * 32),
        findings=[FindingLine("通知领导超时3分钟", "复盘员")],
        generated_at=at(40),
        generated_by="复盘员",
        tz=SHANGHAI,
    )
    summary = dict(doc.summary)
    assert (summary["按时"], summary["逾期完成"], summary["未完成"]) == (4, 5, 11)
    notify = next(r for r in doc.rows if r.item.endswith("(notify_leader)"))
    # due 09:05 UTC is 17:05 in the office's zone; 王值班 held the early duty shift then
    assert (notify.due, notify.outcome, notify.minutes_late) == ("03-02 17:05:00", "逾期完成", "3.0")
    assert notify.holder == "王值班 (p-wang)" and notify.role == "值班员"
    # never done, its deadline passed: 未完成, naming who held the post when it fell due
    head = next(r for r in doc.rows if r.item.endswith("(notify_commission_head)"))
    assert (head.done, head.outcome, head.holder) == ("—", "未完成", "钱值班 (p-qian)")
    police = next(r for r in doc.rows if r.item.endswith("(alert_police_station)"))
    assert police.holder == "未能确定" and police.reason == "派出所民警已在现场"

    pdf = render_pdf(doc)
    assert _landscape_a4(pdf)
    text = _text(pdf)
    for expected in (
        "履职情况报告",
        "XF-2026-0001",
        "王值班 (p-wang)",
        "逾期完成",
        "未完成",
        "通知领导超时3分钟",
        "哈希链完整",
    ):
        assert expected in text, expected


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    load_into(deployment)
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_the_pdf_is_downloaded_by_readers_of_the_review(server: LocalServer) -> None:
    inspector, _ = login(server, "inspector")
    admin, csrf = login(server, "admin")
    scope = httpx.post(
        server.base + "/api/commands",
        json={
            "id": command_id(),
            "name": "review.set_inspector_units",
            "args": {"username": "inspector", "unit_ids": ["county"]},
        },
        cookies={"ic_session": admin},
        headers={"x-csrf-token": csrf},
    )
    assert scope.status_code == 200, scope.text
    duty, _ = login(server, "duty")
    path = f"/api/incidents/{INCIDENT}/compliance.pdf"
    reply = httpx.get(server.base + path, cookies={"ic_session": inspector}, timeout=60)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert "compliance-XF-2026-0001.pdf" in reply.headers["content-disposition"]
    text = _text(reply.content)
    assert "XF-2026-0001" in text and "王值班 (p-wang)" in text and "哈希链完整" in text
    assert httpx.get(server.base + path, cookies={"ic_session": duty}).status_code == 403
    missing = httpx.get(server.base + "/api/incidents/nope/compliance.pdf", cookies={"ic_session": inspector})
    assert missing.status_code == 404
    page = httpx.get(server.base + f"/incidents/{INCIDENT}/review", cookies={"ic_session": inspector})
    assert 'id="rv-pdf"' in page.text
