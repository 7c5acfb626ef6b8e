"""Reports through the real stack: drafted from a sit-in's log, approved, sent; refusals over HTTP and WS."""

from __future__ import annotations

import asyncio
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import Deployment, LiveClient, LocalServer, login

from console.cli import main
from console.db import open_database
from console.domains import registry
from console.maintenance import rebuild


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def _fields(api: Api, report_id: str) -> dict[str, dict[str, Any]]:
    r = api.get(f"/api/reports/{report_id}")
    assert r.status_code == 200, r.text
    return {f["key"]: f for f in r.json()["report"]["fields"]}


def _refused(api: Api, name: str, args: dict[str, Any], code: str) -> None:
    r = api.command(name, args)
    assert r.status_code >= 400 and r.json()["error"]["code"] == code, (name, r.status_code, r.text)


def _fill(api: Api, report_id: str) -> None:
    missing = [k for k, f in _fields(api, report_id).items() if f["missing"]]
    api.ok("report.edit", {"report_id": report_id, "texts": {k: f"已核实（{k}）。" for k in missing}})


def test_a_sit_in_is_reported_first_then_only_its_changes_then_finally(
    server: LocalServer,
    deployment: Deployment,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    duty, leader = Api(server, "duty"), Api(server, "leader")
    import_organisation(duty)
    registered = duty.ok(
        "incident.register",
        {
            "type": "sit_in",
            "place": "机关大门",
            "head_count": 30,
            "summary": "群众在机关大门前静坐",
            "channel": "phone",
            "confidential": {"informant_name": "赵密", "report_content": "举报某某收受红包"},
        },
    )
    incident = registered["incident_id"]
    duty.ok(
        "responder.dispatch",
        {"incident_id": incident, "person_ids": ["r1"], "role": "field_commander", "destination_id": "gate"},
    )
    duty.ok(
        "responder.dispatch", {"incident_id": incident, "person_ids": ["leader"], "destination_id": "gate"}
    )
    for move in ("acknowledge", "depart", "arrive"):
        duty.ok(
            "responder.move",
            {"move": move, "person_id": "leader", "incident_id": incident, "place_id": "gate"},
        )

    first = duty.ok("report.draft", {"incident_id": incident, "stage": "initial", "obligation_id": "initial"})
    report_id = first["report_id"]
    fields = _fields(duty, report_id)
    assert "机关大门" in fields["time_place"]["text"]
    assert fields["head_count"]["text"].startswith("接报时约30人")
    assert "李书记于" in fields["leaders"]["text"] and fields["leaders"]["sources"]
    assert "派遣张一（干部）前往机关大门，任现场指挥" in fields["measures"]["text"]
    assert fields["lead"]["text"] == "张一（干部），联系电话13800000001。"
    assert fields["source"]["text"] == "来电。"
    # Redaction: nothing of the informant or the report content reaches the report.
    detail = duty.get(f"/api/reports/{report_id}").text
    assert "赵密" not in detail and "红包" not in detail
    docx = duty.get(f"/api/reports/{report_id}/document.docx")
    assert docx.status_code == 200
    import docx as python_docx

    text = "\n".join(p.text for p in python_docx.Document(io.BytesIO(docx.content)).paragraphs)
    assert "关于机关大门静坐、围堵事件的首报" in text and "赵密" not in text

    # Nothing unapproved can be sent, nor approved with required fields empty.
    _refused(duty, "report.send", {"report_id": report_id}, "report_illegal_move")
    _refused(duty, "report.submit", {"report_id": report_id}, "report_fields_missing")
    _fill(duty, report_id)
    duty.ok("report.submit", {"report_id": report_id})
    _refused(duty, "report.approve", {"report_id": report_id}, "forbidden")  # 签发 is a leader's
    leader.ok("report.return", {"report_id": report_id, "reason": "诉求写得不清楚"})
    _refused(duty, "report.send", {"report_id": report_id}, "report_illegal_move")

    async def over_ws() -> dict[str, Any]:
        cookie, _ = login(server, "duty")
        client = LiveClient(server.ws_url, cookie)
        await client.connect()
        try:
            return await client.wait_result(await client.send("report.send", {"report_id": report_id}))
        finally:
            await client.close()

    frame = asyncio.run(over_ws())
    assert frame["ok"] is False and frame["error"]["code"] == "report_illegal_move", frame

    duty.ok("report.edit", {"report_id": report_id, "texts": {"demands": "要求解决征地补偿。"}})
    duty.ok("report.submit", {"report_id": report_id})
    approved = leader.ok("report.approve", {"report_id": report_id})
    assert re.fullmatch(r"县纪发〔20\d\d〕1号", approved["doc_number"]), approved
    version = duty.get(f"/api/reports/{report_id}").json()["report"]["versions"][0]
    assert version["content_hash"] == approved["content_hash"] and version["signer"]
    _refused(duty, "report.edit", {"report_id": report_id, "texts": {"demands": "改"}}, "report_illegal_move")
    duty.ok("report.send", {"report_id": report_id})
    run = duty.get(f"/api/incidents/{incident}/run").json()["run"]
    initial = next(r for r in run["reports"] if r["id"] == "initial")
    assert initial["filed_count"] == 1, initial  # sending fulfilled the obligation

    # The witness printed on the approved report checks out against the log.
    witness = version["witness"]
    for name, value in deployment.env.items():
        if name.startswith("CONSOLE_") or name == "DATABASE_URL":
            monkeypatch.setenv(name, value)
    assert main(["verify-log", "--witness", witness]) == 0
    assert "witness matches" in capsys.readouterr().out
    position = witness.split(":")[0]
    assert main(["verify-log", "--witness", f"{position}:{'0' * 64}"]) == 2
    assert "witness does not match" in capsys.readouterr().out

    # A head-count change and a dispatch: the 续报 lists those and nothing else.
    duty.ok("incident.amend", {"incident_id": incident, "head_count": 55, "reason": "又有群众聚集"})
    duty.ok("responder.dispatch", {"incident_id": incident, "person_ids": ["r3"], "role": "police_liaison"})
    follow = duty.ok(
        "report.draft", {"incident_id": incident, "stage": "followup", "obligation_id": "followup"}
    )
    fields = _fields(duty, follow["report_id"])
    assert set(fields) == {"head_count", "trend", "measures", "requests", "next_steps"}, set(fields)
    assert fields["head_count"]["text"].endswith("由30人增至55人（又有群众聚集）。")
    assert "派遣王三（民警）前往机关大门，任安全保卫" in fields["measures"]["text"]
    assert "张一" not in fields["measures"]["text"]

    _refused(duty, "report.draft", {"incident_id": incident, "stage": "final"}, "report_final_needs_close")
    duty.ok("incident.close", {"incident_id": incident, "outcome": "dispersed", "summary": "群众已离开。"})
    final = duty.ok("report.draft", {"incident_id": incident, "stage": "final", "obligation_id": "final"})
    fields = _fields(duty, final["report_id"])
    assert "人员已劝离" in fields["outcome"]["text"] and fields["outcome"]["sources"]
    assert "55人" in fields["head_count"]["text"]

    # A leader approves including the informant's name in this version, with the reason: the values come
    # from the sealed record, reach only those who may read them, and never travel in the stream.
    inclusion = {
        "report_id": final["report_id"],
        "fields": ["informant_name"],
        "reason": "市纪委要求核实举报人",
    }
    _refused(duty, "report.include_confidential", inclusion, "forbidden")
    leader.ok("report.include_confidential", inclusion)
    assert _fields(leader, final["report_id"])["confidential"]["text"] == "举报人姓名：赵密。"
    hidden = _fields(duty, final["report_id"])["confidential"]
    assert hidden["text"] == "" and hidden["hidden"] is True
    assert duty.get(f"/api/reports/{final['report_id']}/document.docx").status_code == 403
    assert "赵密" not in duty.get("/api/events?after=0").text
    _refused(
        duty,
        "report.edit",
        {"report_id": final["report_id"], "texts": {"confidential": "x"}},
        "report_field_unknown",
    )

    pdf = duty.get(f"/api/reports/{report_id}/document.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    # Every download is logged in the reader's name, for reviewers (下载登记).
    audit = Api(server, "reviewer").get("/api/events?after=0&limit=1000").json()["events"]
    downloads = [e for e in audit if e["event"] == "report.downloaded"]
    assert {(e["actor"]["name"], e["data"]["format"]) for e in downloads} >= {
        ("duty", "pdf"),
        ("duty", "docx"),
    }, [(e["event"], e["position"]) for e in audit]
    assert "report.downloaded" not in duty.get("/api/events?after=0&limit=1000").text
    png = duty.get(f"/api/reports/{report_id}/preview/1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert duty.get(f"/api/reports/{report_id}/preview/99.png").status_code == 404

    # render-report writes a stored report by the incident's number; the suffix picks the format.
    output = tmp_path / "首报.docx"
    assert main(["render-report", registered["number"], "--stage", "initial", "--output", str(output)]) == 0
    assert "关于机关大门静坐、围堵事件的首报" in "\n".join(
        p.text for p in python_docx.Document(str(output)).paragraphs
    )
    assert main(["render-report", registered["number"], "--stage", "daily", "--output", str(output)]) == 1
    assert main(["render-report", "--demo", "--output", str(tmp_path / "demo.txt")]) == 2
    capsys.readouterr()

    # The projection is the log's: replaying every event gives the same report tables.
    before = deployment.dump_projections()
    assert before["report_items"] and before["report_versions"]

    async def rebuild_all() -> None:
        db = open_database(deployment.settings)
        try:
            await rebuild(db, registry())
        finally:
            await db.dispose()

    asyncio.run(rebuild_all())
    assert deployment.dump_projections() == before
