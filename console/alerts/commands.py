"""The alerts commands' arguments."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ..commands import CommandArgs

ID = r"^[A-Za-z0-9_.\-]{1,64}$"


class AckRoute(StrEnum):
    """By which route an acknowledgement came."""

    CONSOLE = "console"  # a console page (board, room, phone), signed in
    LINK = "link"  # the signed link in a message, without signing in


class SetChannels(CommandArgs):
    """设置通知渠道: a person's ordered channels (apprise URLs, `console://` for in-app) and locale."""

    person_id: str | None = Field(default=None, pattern=ID, description="default: the caller's person")
    channels: list[str] = Field(max_length=10)
    locale: str = Field(default="zh_CN", pattern=r"^(zh_CN|en)$")
    quiet_hours: str = Field(
        default="", max_length=40, description="免打扰时段 'HH:MM-HH:MM' local time (22:00-07:00); '' none"
    )


class Acknowledge(CommandArgs):
    """确认收到: the caller acknowledges their page of an alert."""

    alert_id: str = Field(pattern=ID)


class AcknowledgeByLink(CommandArgs):
    """(internal) an acknowledgement through a signed link the web route has verified."""

    alert_id: str = Field(pattern=ID)
    person_id: str = Field(pattern=ID)
    via: str = Field(default="", max_length=20)


class RecordAttempt(CommandArgs):
    """(internal) what one attempt came to, from the worker that sent it."""

    outbox_id: str = Field(pattern=ID)
    ok: bool
    status: str = Field(max_length=20)
    reason: str = Field(max_length=400)
    latency_ms: int = Field(ge=0)


class RecordAttempts(CommandArgs):
    """(internal) what a claimed batch's attempts came to, from the worker that sent them: one command,
    one transaction and one commit for the batch (an `alert.attempt_recorded` event per attempt)."""

    attempts: list[RecordAttempt] = Field(min_length=1, max_length=256)


class Escalate(CommandArgs):
    """(internal) the acknowledge timeout of this level and round passed with nobody acknowledging."""

    alert_id: str = Field(pattern=ID)
    level: int = Field(ge=0)
    round: int = Field(ge=0)


class Resend(CommandArgs):
    """重新发送: send a failed attempt again (a page whose attempts all failed: from that channel on)."""

    outbox_id: str = Field(pattern=ID, description="the failed attempt's dedupe key (the delivery log's)")
