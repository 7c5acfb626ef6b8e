"""The alerts events. A channel's URL is in the log (the outbox is rebuilt from it) but never on the
wire: `ChannelsSet.public_data` gives clients the kinds and fingerprints only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from alerts.channels import kind_of, masked
from alerts.quiet import QuietHours

from ..events import EventPayload, event_type
from .commands import AckRoute


def alert_stream(incident_id: str) -> str:
    return f"alerts-{incident_id}"


@event_type("alert.channels_set")
class ChannelsSet(EventPayload):
    person_id: str
    channels: list[str]
    locale: str
    quiet_hours: QuietHours | None = None

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # Channel URLs hold bot keys: no view of the stream carries them (admins read them on the
        # person's page).
        shown = [{"kind": kind_of(u).value, "masked": masked(u)} for u in data["channels"]]
        return {
            "person_id": data["person_id"],
            "channels": shown,
            "locale": data["locale"],
            "quiet_hours": data.get("quiet_hours"),
        }


class NextTry(BaseModel):
    """The attempt a failure leads to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    channel_index: int
    attempt_no: int
    kind: str
    fingerprint: str
    due_at: str


@event_type("alert.attempt_recorded")
class AttemptRecorded(EventPayload):
    """投递记录: one attempt on one channel (its kind and fingerprint, never its URL)."""

    outbox_id: str
    alert_id: str
    incident_id: str
    person_id: str
    kind: str
    fingerprint: str
    attempt_no: int
    ok: bool
    status: str
    reason: str
    latency_ms: int
    next: NextTry | None = None
    exhausted: bool = False  # every channel of this person failed for this page


@event_type("alert.escalated")
class AlertEscalated(EventPayload):
    """升级: nobody acknowledged in time; these people are paged at this level (none: the chain ran out)."""

    alert_id: str
    incident_id: str
    level: int
    round: int
    people: list[str]
    next_at: str | None
    exhausted: bool = False


@event_type("alert.acknowledged")
class AlertAcknowledged(EventPayload):
    alert_id: str
    incident_id: str
    person_id: str
    level: int
    route: AckRoute
    via: str = ""  # the channel kind the link came through


@event_type("alert.resent")
class AlertResent(EventPayload):
    """重新发送: someone (the event's actor) asked for a failed attempt to go out again. The new attempt
    has a dedupe key of its own and names the one it sends again (`resend_of`)."""

    outbox_id: str
    resend_of: str
    alert_id: str
    incident_id: str
    person_id: str
    level: int
    round: int
    channel_index: int
    kind: str
    fingerprint: str
    resend: int  # the how-many-th resend of this page (the dedupe keys of its tries include it)


EVENTS: tuple[type[EventPayload], ...] = (
    ChannelsSet,
    AttemptRecorded,
    AlertEscalated,
    AlertAcknowledged,
    AlertResent,
)
