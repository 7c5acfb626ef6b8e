"""The report delivery worker of a process: claim due attempts, send each report to its office, record it.

The same shape as the alerts outbox (console.alerts.timer): a claim is a lease in one short write
transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), the send runs off the event loop through the
alerts' apprise adapter, and the outcome is recorded through an internal command whose id is derived
from the row, so it is recorded once however many processes raced. A channel that can carry a file
gets the frozen PDF attached; one that cannot gets a content-free notice with a signed, expiring link.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.engine import Connection

from alerts.adapter import Delivery, send
from alerts.channels import fingerprint
from alerts.links import make_token
from alerts.message import Message
from reports.document import ReportDocument
from reports.render import render

from ..clock import utc_iso
from ..commands import CommandEnvelope
from ..timer_loop import TIMER_ACTOR, TimerHost
from . import config
from .tables import report_deliveries, report_versions

log = logging.getLogger("console.reports")
LEASE_SECONDS = 120.0
LOOK_SECONDS = 1.0
BATCH = 8


@dataclass(frozen=True)
class Claimed:
    id: str
    url: str | None
    mode: str
    message: Message
    document: ReportDocument
    filename: str


def record_command_id(delivery_id: str) -> str:
    return f"report-delivery-{delivery_id}"


def link_token(
    key: str, report_id: str, version: int, recipient: str, via: str, now: datetime, hours: float
) -> str:
    """A signed download link's token (alerts.links): which report version, for which office, until when."""
    return make_token(key, f"{report_id}-v{version}", recipient, via, now, timedelta(hours=hours))


def message_for(doc: ReportDocument, mode: str, link: str | None, row_id: str, hours: float) -> Message:
    """What the office receives: the document's number and title with the PDF, or a notice with a link."""
    number = doc.doc_number
    mark = "【演练】" if doc.drill else ""
    if mode == "attachment":
        title = f"{mark}{number} {doc.title}".strip()
        body = (
            f"{mark}{doc.title}\n文号：{number}\n正文见附件（PDF），内容哈希 {doc.content_hash()}。\n"
            f"请收到后回电确认。参考码：{row_id}"
        )
    else:  # content-free: the channel may be read by anyone near the phone
        title = f"{mark}信访应急指挥台：您有一份报告待接收"
        body = (
            f"{mark}您有一份报告待接收，请凭以下链接下载（{hours:g}小时内有效）：\n{link}\n"
            f"请收到后回电确认。参考码：{row_id}"
        )
    return Message(title=title, body=body)


def _due(at: str) -> ColumnElement[bool]:
    """A pending attempt whose time has come and that no process holds (or whose lease ran out)."""
    c = report_deliveries.c
    return (c.state == "pending") & (c.due_at <= at) & (c.lease_until.is_(None) | (c.lease_until < at))


class DeliveryWorker:
    def __init__(self, host: TimerHost) -> None:
        self.db = host.db
        self.service = host.service
        self.clock = host.clock
        self._settings = host.settings
        self.name = uuid.uuid4().hex[:12]

    async def tick(self) -> int:
        now = self.clock.now()
        at = utc_iso(now)
        async with self.db.read.connect() as conn:
            due = await conn.scalar(select(report_deliveries.c.id).where(_due(at)).limit(1))
        if due is None:
            return 0
        claimed = await self.db.run_write(self._claim, now, self.db.is_postgres)
        for c in claimed:
            await self._send_one(c)
        return len(claimed)

    def _claim(self, conn: Connection, now: datetime, postgres: bool) -> list[Claimed]:
        at = utc_iso(now)
        query = (
            select(report_deliveries)
            .where(_due(at))
            .order_by(report_deliveries.c.due_at, report_deliveries.c.id)
            .limit(BATCH)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        if not rows:
            return []
        lease = utc_iso(now + timedelta(seconds=LEASE_SECONDS))
        conn.execute(
            update(report_deliveries)
            .where(report_deliveries.c.id.in_([r.id for r in rows]))
            .values(lease_until=lease, claimed_by=self.name)
        )
        settings = self._settings
        book = config.offices(settings)
        hours = config.link_hours(settings)
        base = settings.extra.get("CONSOLE_ALERT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        out = []
        for r in rows:
            frozen = conn.scalar(
                select(report_versions.c.document).where(
                    (report_versions.c.report_id == r.report_id) & (report_versions.c.version == r.version)
                )
            )
            if frozen is None:  # cannot happen: only approved versions are sent
                continue
            doc = ReportDocument.from_json(frozen)
            urls = book.channels(r.recipient) if book is not None else ()
            url = next((u for u in urls if fingerprint(u) == r.fingerprint), None)
            link = None
            if r.mode == "link":
                token = link_token(
                    settings.secret_key, r.report_id, r.version, r.recipient, r.kind, now, hours
                )
                link = f"{base}/r/{token}"
            name = f"report-{r.report_id}-v{r.version}-{doc.content_hash()[:12]}.pdf"
            out.append(Claimed(r.id, url, r.mode, message_for(doc, r.mode, link, r.id, hours), doc, name))
        return out

    async def _send_one(self, c: Claimed) -> None:
        if c.url is None:
            delivery = Delivery(False, "FAILURE", "the channel was removed from the offices file", 0)
        elif c.mode == "attachment":
            delivery = await asyncio.to_thread(self._send_with_pdf, c)
        else:
            delivery = await asyncio.to_thread(send, c.url, c.message)
        envelope = CommandEnvelope(
            id=record_command_id(c.id),
            name="report.record_delivery",
            args={
                "delivery_id": c.id,
                "ok": delivery.ok,
                "status": delivery.status[:20],
                "reason": delivery.reason[:400],
            },
        )
        result = await self.service.submit(envelope, TIMER_ACTOR, internal=True)
        if not result.ok:
            log.warning("report_delivery_not_recorded", extra={"delivery": c.id})

    def _send_with_pdf(self, c: Claimed) -> Delivery:
        assert c.url is not None
        try:
            pdf = render(c.document, ".pdf", config.font_files(self._settings))
        except Exception as exc:  # fonts missing or a renderer bug: a failed attempt, not a dead worker
            return Delivery(False, "FAILURE", f"rendering failed ({type(exc).__name__})", 0)
        with tempfile.TemporaryDirectory(prefix="report-") as tmp:
            path = Path(tmp) / c.filename
            path.write_bytes(pdf)
            return send(c.url, c.message, (str(path),))


async def delivery_worker(host: TimerHost) -> None:
    """The reports' delivery timer of a process (off with CONSOLE_REPORT_DELIVERY_WORKER=off)."""
    worker = DeliveryWorker(host)
    if not config.delivery_worker(host.settings):
        return
    while True:
        try:
            busy = await worker.tick()
        except Exception:
            log.exception("report_delivery_failed")
            busy = 0
        await asyncio.sleep(0 if busy >= BATCH else LOOK_SECONDS)
