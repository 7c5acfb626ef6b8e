"""The pure decisions of delivery: recording an attempt (and choosing the next), and 电话确认.

A failed attempt is tried again on the same channel with a growing pause, then on the office's next
channel; when every channel is spent the record stays failed and the duty officer telephones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..clock import utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, InvalidInput, NotFound
from ..events import NewEvent
from .commands import ConfirmReceipt, RecordDelivery
from .config import DeliveryRetry, delivery_retry
from .events import NextDelivery, ReportDeliveryAttempted, ReportReceiptConfirmed, stream_of_report


def delivery_id(report_id: str, version: int, recipient: str, channel: int, attempt: int) -> str:
    """The attempt's dedupe key: the same attempt always has the same id."""
    material = f"{report_id}|{version}|{recipient}|{channel}|{attempt}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class ChannelPlan:
    """One of an office's channels as shown (kind, fingerprint) and how it carries the report."""

    kind: str
    fingerprint: str
    mode: str  # attachment or link


@dataclass(frozen=True)
class DeliveryState:
    """One attempt's row and the office's channels now."""

    id: str
    report_id: str
    version: int
    recipient: str
    channel_index: int
    attempt_no: int
    state: str
    channels: tuple[ChannelPlan, ...]


DEFAULT_RETRY = DeliveryRetry()


def next_attempt(
    state: DeliveryState, now: datetime, retry: DeliveryRetry = DEFAULT_RETRY
) -> NextDelivery | None:
    """After a failure: again on the same channel after a pause, else the next channel at once."""
    if state.attempt_no < retry.attempts_per_channel and state.channel_index < len(state.channels):
        channel, index, attempt = (
            state.channels[state.channel_index],
            state.channel_index,
            state.attempt_no + 1,
        )
        pause = min(retry.base_seconds * 2 ** (state.attempt_no - 1), retry.cap_seconds)
    elif state.channel_index + 1 < len(state.channels):
        index, attempt, pause = state.channel_index + 1, 1, 0.0
        channel = state.channels[index]
    else:
        return None
    return NextDelivery(
        id=delivery_id(state.report_id, state.version, state.recipient, index, attempt),
        channel_index=index,
        attempt_no=attempt,
        kind=channel.kind,
        fingerprint=channel.fingerprint,
        mode=channel.mode,
        due_at=utc_iso(now + timedelta(seconds=pause)),
    )


def decide_record_delivery(state: DeliveryState | None, args: RecordDelivery, ctx: Context) -> Decision:
    if state is None:
        raise NotFound("report_delivery_not_found")
    if state.state != "pending":
        return Decision(events=[])  # recorded already (another process raced this one)
    payload = ReportDeliveryAttempted(
        delivery_id=state.id,
        report_id=state.report_id,
        version=state.version,
        recipient=state.recipient,
        ok=args.ok,
        status=args.status,
        reason=args.reason,
        next=None if args.ok else next_attempt(state, ctx.now, delivery_retry(ctx.settings)),
    )
    return Decision(events=[NewEvent(stream=stream_of_report(state.report_id), payload=payload)])


@dataclass(frozen=True)
class ReceiptState:
    """The report's sent version and its recipients (None: never sent)."""

    report_id: str
    version: int | None
    recipients: tuple[str, ...]


def decide_confirm(state: ReceiptState | None, args: ConfirmReceipt, ctx: Context) -> Decision:
    if state is None:
        raise NotFound("report_not_found")
    if state.version is None:
        raise DomainError("report_illegal_move", detail="尚未报送 not sent yet")
    if args.recipient not in state.recipients:
        raise DomainError("report_recipient_unknown", detail=args.recipient)
    at = args.confirmed_at or ctx.now
    if at > ctx.now + timedelta(minutes=5):
        raise InvalidInput("invalid_command", detail="confirmed_at")
    payload = ReportReceiptConfirmed(
        report_id=state.report_id,
        version=state.version,
        recipient=args.recipient,
        confirmed_by=args.confirmed_by,
        confirmed_at=utc_iso(at),
        note=args.note,
    )
    return Decision(
        events=[NewEvent(stream=stream_of_report(state.report_id), payload=payload)],
        result={"recipient": args.recipient, "version": state.version},
    )
