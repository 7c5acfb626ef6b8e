"""The alerts domain as the spine sees it: channels, the outbox worker, escalation and acknowledgement."""

from __future__ import annotations

from ..commands import CommandSpec
from ..i18n import N_
from ..registry import Domain
from . import decide, store
from .commands import (
    Acknowledge,
    AcknowledgeByLink,
    Escalate,
    RecordAttempt,
    RecordAttempts,
    Resend,
    SetChannels,
)
from .config import check_settings
from .events import EVENTS
from .permissions import GRANTS, Permission
from .queries import SNAPSHOT_PARTS
from .tables import ALERT_TABLES
from .timer import alert_worker

COMMANDS = (
    CommandSpec(
        "alert.set_channels",
        SetChannels,
        Permission.CHANNELS_SET,
        store.load_channels,
        decide.decide_set_channels,
        "设置通知渠道 Set a person's alert channels (apprise URLs, checked on entry)",
    ),
    CommandSpec(
        "alert.acknowledge",
        Acknowledge,
        Permission.ACKNOWLEDGE,
        store.load_ack,
        decide.decide_ack,
        "确认收到 Acknowledge a page",
    ),
    CommandSpec(
        "alert.acknowledge_link",
        AcknowledgeByLink,
        Permission.INTERNAL,
        store.load_ack_link,
        decide.decide_ack_link,
        "（链接）确认收到 Acknowledge through a signed link",
        internal=True,
    ),
    CommandSpec(
        "alert.record_attempt",
        RecordAttempt,
        Permission.INTERNAL,
        store.load_attempt,
        decide.decide_record_attempt,
        "（发送）记录投递结果 Record what one attempt came to",
        internal=True,
    ),
    CommandSpec(
        "alert.record_attempts",
        RecordAttempts,
        Permission.INTERNAL,
        store.load_attempts,
        decide.decide_record_attempts,
        "（发送）记录一批投递结果 Record what a claimed batch's attempts came to, in one transaction",
        internal=True,
    ),
    CommandSpec(
        "alert.escalate",
        Escalate,
        Permission.INTERNAL,
        store.load_escalation,
        decide.decide_escalate,
        "（定时）逐级升级 Escalate an unacknowledged alert",
        internal=True,
    ),
    CommandSpec(
        "alert.resend",
        Resend,
        Permission.RESEND,
        store.load_resend,
        decide.decide_resend,
        "重新发送 Send a failed page again",
    ),
)

MESSAGES = {
    "channel_refused": N_("A channel cannot be used, nothing was saved: {detail}"),
    "quiet_hours_refused": N_("Quiet hours cannot be used, nothing was saved: {detail}"),
    "alert_not_found": N_("Alert not found"),
    "attempt_closed": N_("This attempt is already recorded"),
    "escalation_stale": N_("This escalation has already moved on"),
    "escalation_not_due": N_("This escalation is not due yet"),
    "not_paged": N_("You were not paged for this alert"),
    "already_acknowledged": N_("Already acknowledged"),
    "link_invalid": N_("This link is not valid"),
    "link_expired": N_("This link has expired"),
    "link_used": N_("This link has already been used"),
    "too_many_tries": N_("Too many tries; please wait a minute"),
    "resend_not_failed": N_("Only an attempt that failed can be sent again"),
    "resend_in_flight": N_("This page is still being sent; wait for the result before sending it again"),
    "resend_acknowledged": N_("This alert is already acknowledged; there is nothing to send again"),
    "resend_closed": N_("This alert has ended (the incident is closed); there is nothing to send again"),
}

DOMAIN = Domain(
    name="alerts",
    commands=COMMANDS,
    events=EVENTS,
    projectors=store.PROJECTORS,
    tables=ALERT_TABLES,
    snapshot_parts=SNAPSHOT_PARTS,
    messages=MESSAGES,
    grants=GRANTS,
    timers=(("alert-worker", alert_worker),),
    check_settings=check_settings,
)
