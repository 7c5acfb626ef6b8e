"""The outbox worker of one process: claim due attempts, send them off the event loop, record each.

Claiming is one short write transaction: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two processes
never claim the same row; on SQLite the single writer serialises claims. A claim is a lease: a process
killed mid-send leaves the row pending with a lease that runs out, and another process (or this one,
restarted) sends it again with the same dedupe key. The attempt is recorded through an internal
command whose id is derived from the row, so it is recorded once however many processes raced.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from alerts.adapter import Delivery, send
from alerts.channels import IN_APP, ChannelKind
from alerts.links import make_token
from alerts.message import AlertFacts, Ask, Message, compose

from ..clock import Clock, utc_iso
from ..commands import CommandEnvelope
from ..db import Database
from ..service import CommandService
from ..settings import Settings
from ..timer_loop import TIMER_ACTOR, TimerHost
from .config import AlertSettings, alert_settings
from .tables import alert_channels, alert_incidents, alert_outbox, alert_people, alerts

log = logging.getLogger("console.alerts")


@dataclass(frozen=True)
class Claimed:
    """One attempt this process holds: where it goes and what it says (the URL stays in memory)."""

    id: str
    kind: str
    url: str | None
    message: Message


def attempt_command_id(outbox_id: str) -> str:
    return f"alert-attempt-{outbox_id}"


def escalate_command_id(alert_id: str, level: int, round_: int) -> str:
    return f"alert-esc-{alert_id}-{level}-{round_}"


class Worker:
    """Sends what is due and records it; escalates what timed out."""

    def __init__(self, db: Database, service: CommandService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.service = service
        self.clock = clock
        self.settings = settings
        self.config: AlertSettings = alert_settings(settings)
        self.name = uuid.uuid4().hex[:12]
        self.sent = 0
        # Threads of its own: a batch of slow gateways must not take the loop's default executor.
        self._senders = ThreadPoolExecutor(max_workers=self.config.batch, thread_name_prefix="alert-send")

    async def tick(self) -> int:
        """One look: escalations due, then attempts due. Returns how many attempts were sent."""
        await self.escalate_due()
        return await self.send_due()

    # --- escalation ---

    async def escalate_due(self) -> None:
        now = utc_iso(self.clock.now())
        async with self.db.read.connect() as conn:
            rows = (
                await conn.execute(
                    select(alerts.c.id, alerts.c.level, alerts.c.round).where(
                        (alerts.c.state == "open") & (alerts.c.next_at <= now)
                    )
                )
            ).all()
        for row in rows:
            envelope = CommandEnvelope(
                id=escalate_command_id(row.id, row.level, row.round),
                name="alert.escalate",
                args={"alert_id": row.id, "level": row.level, "round": row.round},
            )
            await self.service.submit(envelope, TIMER_ACTOR, internal=True)

    # --- sending ---

    async def send_due(self) -> int:
        now = self.clock.now()
        at = utc_iso(now)
        # A read first: the write transaction (the single writer, on SQLite) is taken only when work is due.
        async with self.db.read.connect() as conn:
            due = await conn.scalar(
                select(alert_outbox.c.id)
                .where(
                    (alert_outbox.c.state == "pending")
                    & (alert_outbox.c.due_at <= at)
                    & (alert_outbox.c.lease_until.is_(None) | (alert_outbox.c.lease_until < at))
                )
                .limit(1)
            )
        if due is None:
            return 0
        claimed = await self.db.run_write(self._claim, now, self.db.is_postgres)
        if not claimed:
            return 0
        await asyncio.gather(*(self._send_one(c) for c in claimed))
        self.sent += len(claimed)
        return len(claimed)

    def _claim(self, conn: Connection, now: datetime, postgres: bool) -> list[Claimed]:
        at = utc_iso(now)
        query = (
            select(alert_outbox)
            .where(
                (alert_outbox.c.state == "pending")
                & (alert_outbox.c.due_at <= at)
                & (alert_outbox.c.lease_until.is_(None) | (alert_outbox.c.lease_until < at))
            )
            .order_by(alert_outbox.c.due_at, alert_outbox.c.id)
            .limit(self.config.batch)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        if not rows:
            return []
        lease = utc_iso(now + timedelta(seconds=self.config.lease_seconds))
        conn.execute(
            update(alert_outbox)
            .where(alert_outbox.c.id.in_([r.id for r in rows]))
            .values(lease_until=lease, claimed_by=self.name)
        )
        return self._prepare(conn, list(rows), now)

    def _prepare(self, conn: Connection, rows: list[Any], now: datetime) -> list[Claimed]:
        """What each claimed attempt says and where it goes, read in a few queries for the whole batch."""
        people = sorted({r.person_id for r in rows})
        urls = {
            (c.person_id, c.fingerprint): c.url
            for c in conn.execute(select(alert_channels).where(alert_channels.c.person_id.in_(people)))
        }
        locales = dict(
            conn.execute(
                select(alert_people.c.person_id, alert_people.c.locale).where(
                    alert_people.c.person_id.in_(people)
                )
            ).all()
        )
        alert_rows = {
            a.id: a
            for a in conn.execute(select(alerts).where(alerts.c.id.in_(sorted({r.alert_id for r in rows}))))
        }
        incident_rows = {
            i.incident_id: i
            for i in conn.execute(
                select(alert_incidents).where(
                    alert_incidents.c.incident_id.in_(sorted({a.incident_id for a in alert_rows.values()}))
                )
            )
        }
        valid = timedelta(minutes=self.config.link_minutes)
        out = []
        for r in rows:
            alert = alert_rows[r.alert_id]
            incident = incident_rows[alert.incident_id]
            url = IN_APP if r.kind == ChannelKind.IN_APP.value else urls.get((r.person_id, r.fingerprint))
            token = make_token(self.settings.secret_key, alert.id, r.person_id, r.kind, now, valid)
            facts = AlertFacts(
                ask=Ask(alert.ask),
                number=incident.number,
                incident_type=incident.type,
                level=incident.level,
                place=alert.place,
                drill=alert.drill,
                escalation_level=r.level + 1,
                link=f"{self.config.base_url}/a/{token}",
                dedupe_key=r.id,
            )
            message = compose(facts, locales.get(r.person_id) or self.settings.locale)
            out.append(Claimed(id=r.id, kind=r.kind, url=url, message=message))
        return out

    async def _send_one(self, claimed: Claimed) -> None:
        if claimed.url == IN_APP:
            # The recorded event itself is what the person's open pages show (console.alerts.queries).
            delivery = Delivery(True, "SUCCESS", "shown in the console", 0)
        elif claimed.url is None:
            delivery = Delivery(False, "FAILURE", "the channel was removed", 0)
        else:
            # apprise blocks: off the event loop, so fan-out to the live screens never waits for it.
            loop = asyncio.get_running_loop()
            delivery = await loop.run_in_executor(self._senders, send, claimed.url, claimed.message)
        envelope = CommandEnvelope(
            id=attempt_command_id(claimed.id),
            name="alert.record_attempt",
            args={
                "outbox_id": claimed.id,
                "ok": delivery.ok,
                "status": delivery.status[:20],
                "reason": delivery.reason[:400],
                "latency_ms": delivery.latency_ms,
            },
        )
        result = await self.service.submit(envelope, TIMER_ACTOR, internal=True)
        if not result.ok:
            log.warning("alert_attempt_not_recorded", extra={"outbox": claimed.id})


async def alert_worker(host: TimerHost) -> None:
    """The alerts timer of a process: look every CONSOLE_ALERT_LOOK_SECONDS (sooner while work remains)."""
    worker = Worker(host.db, host.service, host.clock, host.settings)
    if not worker.config.worker:
        return
    while True:
        try:
            busy = await worker.tick()
        except Exception:
            log.exception("alert_worker_failed")
            busy = 0
        await asyncio.sleep(0 if busy >= worker.config.batch else worker.config.look_seconds)
