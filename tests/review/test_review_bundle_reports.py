"""The inspector's bundle carries the incident's approved reports (PDF and frozen document) and its
alerts' events, and the compliance table holds every page with its acknowledgement (real stack)."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

from review.bundle import read_zip, to_zip, verify, verify_zip

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import LocalServer


def test_the_bundle_holds_the_approved_reports_and_the_pages(server: LocalServer) -> None:
    duty, leader, inspector = Api(server, "duty"), Api(server, "leader"), Api(server, "inspector")
    import_organisation(duty)
    registered = duty.ok(
        "incident.register",
        {
            "type": "sit_in",
            "place": "机关大门",
            "head_count": 30,
            "summary": "群众在机关大门前静坐",
            "channel": "phone",
            "confidential": {"informant_name": "赵密"},
        },
    )
    incident = registered["incident_id"]
    duty.ok(
        "responder.dispatch",
        {"incident_id": incident, "person_ids": ["r1"], "role": "field_commander", "destination_id": "gate"},
    )
    report_id = duty.ok(
        "report.draft", {"incident_id": incident, "stage": "initial", "obligation_id": "initial"}
    )["report_id"]
    fields = duty.get(f"/api/reports/{report_id}").json()["report"]["fields"]
    missing = {f["key"]: f"已核实（{f['key']}）。" for f in fields if f["missing"]}
    duty.ok("report.edit", {"report_id": report_id, "texts": missing})
    duty.ok("report.submit", {"report_id": report_id})
    leader.ok("report.approve", {"report_id": report_id})
    Api(server, "admin").ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["county"]})
    duty.ok("report.send", {"report_id": report_id})

    review = inspector.get(f"/api/incidents/{incident}/review").json()
    pages = [r for r in review["compliance"] if r["kind"] == "page_ack"]
    assert pages, "the dispatch pages r1"
    assert all(r["holder"] is None or r["holder"]["source"] == "self" for r in pages)
    assert any(r["item"].split("/")[1].startswith("r1@") for r in pages)

    reply = inspector.get(f"/api/incidents/{incident}/bundle.zip")
    assert reply.status_code == 200, reply.text
    assert verify_zip(reply.content).ok
    files = read_zip(reply.content, "bundle.zip")
    index = json.loads(files["reports/index.json"])
    [entry] = index
    assert entry["report_id"] == report_id and entry["version"] == 1 and entry["withheld"] is None
    # the frozen document is the one the approval hashed; its PDF is in the manifest like every file
    assert hashlib.sha256(files[entry["document"]]).hexdigest() == entry["content_hash"]
    pdf = files[entry["pdf"]]
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == entry["pdf_sha256"]
    assert b"\xe8\xb5\xb5\xe5\xaf\x86" not in files[entry["document"]]  # 赵密: never included
    types = {json.loads(line)["type"] for line in files["events.jsonl"].splitlines()}
    assert {"report.drafted", "report.approved", "report.sent"} <= types
    manifest = json.loads(files["manifest.json"])
    assert entry["pdf"] in manifest["files"] and "reports/index.json" in manifest["files"]

    # a changed byte in the report's PDF is found and the file named
    tampered = dict(files)
    tampered[entry["pdf"]] = pdf[:-8] + b"%%EOF  \n"
    verdict = verify(tampered)
    assert not verdict.ok and verdict.file == entry["pdf"]
    assert not verify_zip(to_zip(tampered)).ok
    with zipfile.ZipFile(io.BytesIO(reply.content)) as zf:
        assert entry["pdf"] in zf.namelist()
