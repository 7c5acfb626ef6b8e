"""The outbox worker of one process: claim due attempts, send them off the event loop, record each.

Claiming is one short write transaction: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two processes
never claim the same row; on SQLite the single writer serialises claims. A claim is a lease: a process
killed mid-send leaves the row pending with a lease that runs out, and another process (or this one,
restarted) sends it again with the same dedupe key. The attempt is recorded through an internal
command whose id is derived from the row, so it is recorded once however many processes raced.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select, update
from sqlalchemy.engine import Connection

from alerts.adapter import Delivery
from alerts.channels import ChannelKind
from alerts.links import make_token
from alerts.message import AlertFacts, Ask, Message, compose

from ..clock import Clock, parse_iso, utc_iso
from ..commands import CommandEnvelope
from ..db import Database
from ..hub import Hub
from ..service import CommandService
from ..settings import Settings
from ..timer_loop import TIMER_ACTOR, TimerHost, movable
from .config import AlertSettings, WorkerMode, alert_settings
from .queries import incident_levels
from .sending import TASK_ATTEMPTS, Senders
from .store import PROJECTORS
from .tables import alert_channels, alert_incidents, alert_outbox, alert_people, alerts

if TYPE_CHECKING:
    from .heartbeat import Heartbeat

log = logging.getLogger("console.alerts")

# The events after which something may be due: those the alerts' projectors follow.
WAKE_TYPES = frozenset(str(getattr(cls, "event_type", "")) for cls in PROJECTORS)

# The longest the worker goes without looking, whatever it expects: a safety net for writes that bypass
# the log (an operator's repair) and for clocks that drift. Everything the log does wakes it at once.
IDLE_LOOK_SECONDS = 30.0

# How long the attempts of a claimed batch wait for each other to be recorded in one command.
RECORD_WINDOW_SECONDS = 1.0
# The most attempts one record command carries (what its arguments allow), and how many the worker puts
# in one: a record is bookkeeping written in the writer's background lane (console.service), and a
# person's command that arrives while one is written waits for it, so each is kept short (8 attempts
# are about 20 ms of the writer on SQLite, 32 were about 90 ms).
MAX_RECORDED = 256
RECORD_ATTEMPTS = 8
# A claim and a record (Python work of this process: statements, composing, sealing, the records' fan-out)
# begin in a pause of people's commands: GIVE_WAY_GAP_SECONDS after the last one was published, and
# after GIVE_WAY_MOST_SECONDS at the latest. With a command every 100 ms and 1,000 clients, work started
# during a registration's write and fan-out (about 20 ms) made its p99 1.4–1.9× (bench/README §1).
GIVE_WAY_GAP_SECONDS = 0.03
GIVE_WAY_MOST_SECONDS = 0.2


@dataclass(frozen=True)
class Claimed:
    """One attempt this process holds: where it goes and what it says (the URL stays in memory)."""

    id: str
    kind: str
    url: str | None
    message: Message


def _due_at(at: str) -> Any:
    """Pending attempts due at `at` that no process holds (never claimed, or their lease ran out)."""
    return (
        (alert_outbox.c.state == "pending")
        & (alert_outbox.c.due_at <= at)
        & (alert_outbox.c.lease_until.is_(None) | (alert_outbox.c.lease_until < at))
    )


def attempt_command_id(outbox_id: str) -> str:
    return f"alert-attempt-{outbox_id}"


def attempts_command_id(outbox_ids: list[str]) -> str:
    """Derived from the batch's outbox rows: the same batch recorded twice is one command. A different
    batch holding an attempt already recorded (another sender, a repeat after a crash) is a different
    command, and the decision leaves that attempt out: each attempt is recorded once either way."""
    digest = hashlib.sha256("|".join(sorted(outbox_ids)).encode("ascii")).hexdigest()[:32]
    return f"alert-attempts-{digest}"


def escalate_command_id(alert_id: str, level: int, round_: int) -> str:
    return f"alert-esc-{alert_id}-{level}-{round_}"


class Worker:
    """Sends what is due and records it; escalates what timed out."""

    def __init__(
        self,
        db: Database,
        service: CommandService,
        clock: Clock,
        settings: Settings,
        *,
        escalates: bool = True,
        sends: bool = True,
    ) -> None:
        self.db = db
        self.service = service
        self.clock = clock
        self.settings = settings
        self.config: AlertSettings = alert_settings(settings)
        self.name = uuid.uuid4().hex[:12]
        # What this process does of the two (CONSOLE_ALERT_WORKER): a serve process beside alert-worker
        # processes escalates only; an alert-worker process sends only.
        self.escalates = escalates
        self.sends = sends
        self.sent = 0
        # Processes (or threads) of its own: a batch of slow gateways must not take the loop's default
        # executor, and apprise's Python work must not take the GIL from the screens (sending.py).
        self.senders = Senders(self.config.send_processes, self.config.batch)
        # An alert-worker process's proof of life for `alert-worker --health` (heartbeat.py).
        self.heartbeat: Heartbeat | None = None

    async def tick(self) -> int:
        """One look: escalations due, then attempts due. Returns how many attempts were sent."""
        if self.escalates:
            await self.escalate_due()
        return await self.send_due() if self.sends else 0

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
        # Submitted together, so they share one commit and one publish.
        envelopes = [
            CommandEnvelope(
                id=escalate_command_id(row.id, row.level, row.round),
                name="alert.escalate",
                args={"alert_id": row.id, "level": row.level, "round": row.round},
            )
            for row in rows
        ]
        await asyncio.gather(*(self.service.submit(e, TIMER_ACTOR, internal=True) for e in envelopes))

    # --- sending ---

    async def send_due(self) -> int:
        now = self.clock.now()
        at = utc_iso(now)
        # A read first: the write transaction (the single writer, on SQLite) is taken only when work is due.
        async with self.db.read.connect() as conn:
            due = (
                await conn.execute(
                    select(alert_outbox.c.id, alert_outbox.c.kind)
                    .where(_due_at(at))
                    .order_by(alert_outbox.c.due_at, alert_outbox.c.id)
                    .limit(self.config.batch)
                )
            ).all()
        if not due:
            return 0
        # In-app attempts are written delivered by the projector that pages (console.alerts.store); one
        # still pending here was written before that, and is recorded as it was then: nothing to send
        # or lease.
        shown = Delivery(True, "SUCCESS", "shown in the console", 0)
        outcomes = [(r.id, shown) for r in due if r.kind == ChannelKind.IN_APP.value]
        in_app = len(outcomes)
        claimed: list[Claimed] = []
        if in_app < len(due):
            await self.service.give_way(GIVE_WAY_GAP_SECONDS, GIVE_WAY_MOST_SECONDS)
            leased = await self.db.run_write(self._claim, now, self.db.is_postgres)
            if leased:
                claimed = await self.db.read_off_loop(self._prepare, leased, now)
        # The batch's attempts are recorded together: one command, one transaction, one commit and one
        # publish for all that answered within RECORD_WINDOW_SECONDS (with a local or healthy gateway,
        # the whole batch), instead of one of each per attempt; a slow gateway holds the others back no
        # longer than the window, and what answers later is recorded as it answers.
        external: list[tuple[str, str, Message]] = []
        for c in claimed:  # never in-app: the claim leaves those out (above)
            if c.url is None:
                outcomes.append((c.id, Delivery(False, "FAILURE", "the channel was removed", 0)))
            else:
                external.append((c.id, c.url, c.message))
        # A few attempts per task, so a slow gateway holds back only the others of its task.
        tasks = [external[i : i + TASK_ATTEMPTS] for i in range(0, len(external), TASK_ATTEMPTS)]
        sending = {asyncio.ensure_future(self._deliver(task)): task for task in tasks}
        window: float | None = RECORD_WINDOW_SECONDS
        while sending or outcomes:
            if sending:
                done, _ = await asyncio.wait(
                    sending,
                    timeout=window,
                    return_when=asyncio.ALL_COMPLETED if window else asyncio.FIRST_COMPLETED,
                )
                window = None
                for future in done:
                    task = sending.pop(future)
                    outcomes += [(i, d) for (i, _u, _m), d in zip(task, future.result(), strict=True)]
            if outcomes:
                await self._record(outcomes)
                outcomes = []
        self.sent += len(claimed) + in_app
        return len(claimed) + in_app

    async def next_due(self) -> datetime | None:
        """When the next escalation, attempt or lease expiry falls due (None: nothing waits)."""
        open_alerts = select(func.min(alerts.c.next_at)).where(alerts.c.state == "open")
        pending = alert_outbox.c.state == "pending"
        unleased = select(func.min(alert_outbox.c.due_at)).where(
            pending & alert_outbox.c.lease_until.is_(None)
        )
        # A leased attempt falls due again when its lease runs out (and not before it is due itself).
        later = case(
            (alert_outbox.c.due_at > alert_outbox.c.lease_until, alert_outbox.c.due_at),
            else_=alert_outbox.c.lease_until,
        )
        leased = select(func.min(later)).where(pending & alert_outbox.c.lease_until.is_not(None))
        parts = [open_alerts] if self.escalates else []
        parts += [unleased, leased] if self.sends else []
        if not parts:
            return None
        async with self.db.read.connect() as conn:
            row = (await conn.execute(select(*(p.scalar_subquery() for p in parts)))).one()
        times = [parse_iso(t) for t in row if t]
        return min(times) if times else None

    def _claim(self, conn: Connection, now: datetime, postgres: bool) -> list[Any]:
        """Lease the due attempts. The write transaction holds no more than that (on SQLite it is the one
        writer every command waits for); what they say and where they go is read after it (`_prepare`)."""
        at = utc_iso(now)
        query = (
            select(alert_outbox)
            .where(_due_at(at) & (alert_outbox.c.kind != ChannelKind.IN_APP.value))
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
        return list(rows)

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
        # The level the message says is the run's now, as the board and the banner show it.
        levels = incident_levels(conn, sorted(incident_rows), self.settings)
        valid = timedelta(minutes=self.config.link_minutes)
        out = []
        for r in rows:
            alert = alert_rows[r.alert_id]
            incident = incident_rows[alert.incident_id]
            url = urls.get((r.person_id, r.fingerprint))  # a claimed attempt is never in-app (`_claim`)
            token = make_token(self.settings.secret_key, alert.id, r.person_id, r.kind, now, valid)
            facts = AlertFacts(
                ask=Ask(alert.ask),
                number=incident.number,
                incident_type=incident.type,
                level=levels.get(incident.incident_id, incident.level),
                place=alert.place,
                drill=alert.drill,
                escalation_level=r.level + 1,
                link=f"{self.config.base_url}/a/{token}",
                dedupe_key=r.id,
            )
            message = compose(facts, locales.get(r.person_id) or self.settings.locale)
            out.append(Claimed(id=r.id, kind=r.kind, url=url, message=message))
        return out

    async def _deliver(self, task: list[tuple[str, str, Message]]) -> list[Delivery]:
        # apprise blocks: off the event loop (and its GIL), so fan-out to the live screens never waits.
        return await self.senders.send([(url, message) for _id, url, message in task])

    async def _record(self, outcomes: list[tuple[str, Delivery]]) -> None:
        for start in range(0, len(outcomes), RECORD_ATTEMPTS):
            chunk = outcomes[start : start + RECORD_ATTEMPTS]
            envelope = CommandEnvelope(
                id=attempts_command_id([i for i, _ in chunk]),
                name="alert.record_attempts",
                args={
                    "attempts": [
                        {
                            "outbox_id": outbox_id,
                            "ok": delivery.ok,
                            "status": delivery.status[:20],
                            "reason": delivery.reason[:400],
                            "latency_ms": delivery.latency_ms,
                        }
                        for outbox_id, delivery in chunk
                    ]
                },
            )
            # Bookkeeping: written when no person's command waits (console.service, `background`), and
            # submitted in the pause after one (`give_way`).
            await self.service.give_way(GIVE_WAY_GAP_SECONDS, GIVE_WAY_MOST_SECONDS)
            result = await self.service.submit(envelope, TIMER_ACTOR, internal=True, background=True)
            if not result.ok:
                log.warning("alert_attempts_not_recorded", extra={"attempts": len(chunk)})


def wakes(hub: Hub, seen: int) -> bool:
    """Whether the log moved on since position `seen` with an event that may give the worker work: one
    the alerts' projectors follow (a trigger, an attempt recorded, an escalation), in any process. Other
    events (notes, moves of runs, reports) cost it nothing; when the hub's memory does not reach back
    to `seen`, it looks."""
    if hub.published == seen:
        return False
    ring = hub.ring
    if not ring or ring[0][0].position > seen + 1:
        return True
    for event, _frames in reversed(ring):
        if event.position <= seen:
            return False
        if event.type in WAKE_TYPES:
            return True
    return False


async def alert_worker(host: TimerHost) -> None:
    """The alerts timer of a serve process (CONSOLE_ALERT_WORKER): `on`, it escalates and sends;
    `process`, it escalates only, and `python -m console alert-worker` processes send; `off`, nothing."""
    mode = alert_settings(host.settings).worker
    if mode is WorkerMode.OFF:
        return
    sends = mode is WorkerMode.ON
    await run_worker(host, Worker(host.db, host.service, host.clock, host.settings, sends=sends))


async def sender(host: TimerHost) -> None:
    """The outbox worker of an alert-worker process: it sends (claims, apprise, records) and leaves
    escalation to the serve processes, so an escalation's in-app page is published where its screens are."""
    from .heartbeat import Heartbeat, path_for

    worker = Worker(host.db, host.service, host.clock, host.settings, escalates=False)
    worker.heartbeat = Heartbeat(path_for(host.settings.data_dir))
    await run_worker(host, worker)


async def run_worker(host: TimerHost, worker: Worker) -> None:
    """The loop of a worker. It looks (reads the database) only when something may be due: an
    event that may page someone or schedule a try was published (`wakes`, in any process), the earliest
    escalation, attempt or lease expiry it found last time came, or IDLE_LOOK_SECONDS passed (the safety
    net of DESIGN §3 for writes that bypass the log). While nothing waits it costs no query at all; while
    work remains it looks again at once. A movable clock (tests, drills) makes it look every
    CONSOLE_ALERT_LOOK_SECONDS, since time may jump."""
    if worker.sends:
        await worker.senders.start()
    try:
        await _loop(host, worker)
    finally:
        worker.senders.close()


async def _loop(host: TimerHost, worker: Worker) -> None:
    look = worker.config.look_seconds
    seen = -1
    due: datetime | None = None
    last = -float("inf")
    while True:
        now = time.monotonic()
        woken = wakes(host.hub, seen)
        if not woken:
            seen = host.hub.published  # nothing for the worker in what was published
        if (
            movable(host.clock)
            or woken
            or (due is not None and host.clock.now() >= due)
            or now - last >= IDLE_LOOK_SECONDS
        ):
            seen, last = host.hub.published, now
            try:
                # One query says whether anything is due; only then the escalation and sending reads.
                due = await worker.next_due()
                if worker.heartbeat is not None:
                    worker.heartbeat.looked()  # the database answered
                if due is not None and due <= host.clock.now():
                    if await worker.tick() >= worker.config.batch:
                        seen = -1  # more is waiting: look again at once
                        await asyncio.sleep(0)
                        continue
                    due = await worker.next_due()
            except Exception:
                log.exception("alert_worker_failed")
                due, seen = None, -1  # look again next time rather than trust a half-done look
        await asyncio.sleep(look)
