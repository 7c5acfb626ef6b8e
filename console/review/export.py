"""Writing the inspector's bundle of one incident (review.bundle), and refusing one that would not verify."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime
from typing import Any

from playbooks.config import thresholds
from reports.document import ReportDocument
from reports.fonts import FontFiles, FontsMissing
from reports.render import render
from review.bundle import build, to_zip, verify
from review.compliance import compliance, to_csv

from ..db import Database
from ..events import VISIBILITY_ALL, VISIBILITY_AUDIT, VISIBILITY_PERSONAL, RecordedEvent
from ..incidents.events import ConfidentialRecorded
from ..registry import Registry
from ..reports.config import font_files
from ..settings import Settings
from .store import ApprovedVersion, approved_versions, chain_from, incident_by_number, incident_log, pages_of

# What a bundle may carry of a payload: what reviewers see, without confidential or personal values.
BUNDLE_CLASSES = frozenset({VISIBILITY_ALL, VISIBILITY_AUDIT})


class ExportError(Exception):
    """An export refused, with a bilingual message."""


def withheld_part(registry: Registry, event: RecordedEvent) -> dict[str, Any] | None:
    """The public form of an event whose payload holds values a bundle must not carry, else None.

    Those are the sealed confidential values (举报人信息, representatives' names) and staff's personal
    data; other shortened public forms (a registration without its playbook's text) stay whole.
    """
    cls = registry.event_types.get(event.type)
    if cls is None:
        return None
    public = cls.public_data(event.data, BUNDLE_CLASSES)
    if cls is ConfidentialRecorded or public != cls.public_data(
        event.data, BUNDLE_CLASSES | {VISIBILITY_PERSONAL}
    ):
        return public
    return None


COMPLIANCE_FILE = "compliance.csv"
REPORTS_INDEX = "reports/index.json"


def report_files(versions: list[ApprovedVersion], fonts: FontFiles) -> dict[str, bytes]:
    """报告: each approved version's frozen document (JSON, whose SHA-256 is the approval's content hash)
    and its PDF, and an index of them all; a version carrying approved confidential values is listed
    with neither (the bundle leaves confidential values out)."""
    files: dict[str, bytes] = {}
    index: list[dict[str, Any]] = []
    for v in versions:
        base = f"reports/{v.report_id}-v{v.version}"
        entry: dict[str, Any] = {
            "report_id": v.report_id,
            "version": v.version,
            "stage": v.stage,
            "sequence": v.sequence,
            "serial": v.serial,
            "year": v.year,
            "signer": v.signer,
            "content_hash": v.content_hash,
            "approved_at": v.approved_at,
            "sent_at": v.sent_at,
            "recipients": v.recipients,
            "document": None,
            "pdf": None,
            "withheld": None,
        }
        if v.confidential:
            entry["withheld"] = "confidential"
        else:
            files[f"{base}.json"] = v.document.encode()
            entry["document"] = f"{base}.json"
            try:
                pdf = render(ReportDocument.from_json(v.document), ".pdf", fonts)
            except FontsMissing:
                entry["withheld"] = "pdf: no CJK fonts on the exporting machine"
            else:
                files[f"{base}.pdf"] = pdf
                entry["pdf"] = f"{base}.pdf"
                entry["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
        index.append(entry)
    files[REPORTS_INDEX] = (json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    return files


async def export_bundle(
    db: Database, registry: Registry, settings: Settings, number: str, now: datetime, by: str
) -> bytes:
    """The bundle of incident `number` as of `now`: its events from its first on, the chain to the head,
    and the compliance table as the console computes it (from the whole organisation's log)."""
    async with db.read.connect() as conn:
        found = await incident_by_number(conn, number)
        if found is None:
            raise ExportError(f"没有该编号的事件 no incident numbered {number}")
        log = await incident_log(conn, *found)
        own = [e for e in log.events if e.stream.startswith("incident-") or "incident_id" in e.data]
        first = min((e.position for e in own), default=1)
        chain = await chain_from(conn, first)
        pages = await conn.run_sync(pages_of, log.incident_id)
        versions = await conn.run_sync(approved_versions, log.incident_id)
    events = [e for e in log.events if e.position >= first]
    rows = compliance(log.incident_id, log.events, now, thresholds=thresholds(settings), pages=pages)
    table = to_csv(rows)
    reports = await asyncio.to_thread(report_files, versions, font_files(settings))
    withheld = {e.position: w for e in events if (w := withheld_part(registry, e)) is not None}
    files = build(
        incident_id=log.incident_id,
        number=log.number,
        events=events,
        withheld=withheld,
        chain=chain,
        exported_at=now,
        exported_by=by,
        extra={COMPLIANCE_FILE: ("\ufeff" + table).encode(), **reports},
    )
    verdict = verify(files)
    if not verdict.ok:
        raise ExportError(
            f"日志已被破坏，拒绝导出 the log is broken, export refused: {verdict.file}: {verdict.reason}"
        )
    return to_zip(files)
