"""Writing the inspector's bundle of one incident (review.bundle), and refusing one that would not verify."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playbooks.config import thresholds
from review.bundle import build, to_zip, verify
from review.compliance import compliance, to_csv

from ..db import Database
from ..events import VISIBILITY_ALL, VISIBILITY_AUDIT, VISIBILITY_PERSONAL, RecordedEvent
from ..incidents.events import ConfidentialRecorded
from ..registry import Registry
from ..settings import Settings
from .store import chain_from, incident_by_number, incident_log

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
    events = [e for e in log.events if e.position >= first]
    table = to_csv(compliance(log.incident_id, log.events, now, thresholds=thresholds(settings)))
    withheld = {e.position: w for e in events if (w := withheld_part(registry, e)) is not None}
    files = build(
        incident_id=log.incident_id,
        number=log.number,
        events=events,
        withheld=withheld,
        chain=chain,
        exported_at=now,
        exported_by=by,
        extra={COMPLIANCE_FILE: ("\ufeff" + table).encode()},
    )
    verdict = verify(files)
    if not verdict.ok:
        raise ExportError(
            f"日志已被破坏，拒绝导出 the log is broken, export refused: {verdict.file}: {verdict.reason}"
        )
    return to_zip(files)
