"""统计报告 on time: when a month (or a quarter) is over, the console drafts its statistics itself.

The duty officer then completes the analysis, a leader approves it and it is sent like any report;
the list of statistics reports shows by which day each is to be sent and which are late
(CONSOLE_REPORT_STATISTICS_AUTO, CONSOLE_REPORT_STATISTICS_SEND_DAYS).

Like every timer, this one keeps no state the log does not: the draft is a command whose id names the
period, so every process may look and the period is still drafted once; one drafted by hand first is
left alone. Periods that ended before the log began are not drafted: the console was not in use then.
"""

from __future__ import annotations

import asyncio
import logging

from reports.statistics import Period, latest_ended

from ..commands import CommandEnvelope
from ..timer_loop import LOOK_SECONDS, TIMER_ACTOR, TimerHost
from .config import statistics_schedule
from .queries import log_began, statistics_periods

log = logging.getLogger("console.reports.statistics")


def statistics_command_id(period: Period) -> str:
    """One id a period: a second process, or a restart, drafting the same period is a duplicate."""
    return f"statistics-{period.key}"


async def draft_due_statistics(host: TimerHost) -> list[str]:
    """Draft the statistics of the periods that ended last, where nobody has; the periods drafted."""
    schedule = statistics_schedule(host.settings)
    tz = host.settings.tz
    due = latest_ended(host.clock.now(), tz, months=schedule.months, quarters=schedule.quarters)
    async with host.db.read.connect() as conn:
        drafted = await conn.run_sync(statistics_periods)
        began = await conn.run_sync(log_began)
    out = []
    for period in due:
        if period.key in drafted or began is None or began >= period.ended_at(tz):
            continue
        envelope = CommandEnvelope(
            id=statistics_command_id(period), name="report.draft_statistics", args={"period": period.key}
        )
        result = await host.service.submit(envelope, TIMER_ACTOR, internal=True)
        if result.ok and not result.duplicate:
            out.append(period.key)
    # Once a period in each process: which periods it looked at and which it drafted itself.
    looked = ",".join(p.key for p in due)
    log.info("statistics_looked", extra={"periods": looked, "drafted": ",".join(out)})
    return out


async def statistics_timer(host: TimerHost) -> None:
    """The statistics schedule of a process: a look whenever the periods that ended last change."""
    schedule = statistics_schedule(host.settings)
    if not (schedule.months or schedule.quarters):
        return
    looked: tuple[str, ...] | None = None
    while True:
        now = host.clock.now()
        ended = tuple(
            p.key
            for p in latest_ended(now, host.settings.tz, months=schedule.months, quarters=schedule.quarters)
        )
        if ended != looked:
            try:
                await draft_due_statistics(host)
                looked = ended
            except Exception:
                log.exception("timer_tick_failed", extra={"timer": "report-statistics"})
        await asyncio.sleep(LOOK_SECONDS)
