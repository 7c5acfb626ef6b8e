"""Tables of the alerts domain, all projections of the log (rebuilt by `incident-console rebuild`).

The outbox is a projection too: each row is one attempt (person × channel × try), written by the
projector of the event that caused it, inside that event's transaction, and closed by the event that
records the attempt. Only the lease columns are not from the log: they say which process holds an
attempt in flight, and a rebuild that clears them only lets an unrecorded attempt go out again.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from ..tables import Instant, metadata

# 通知渠道: a person's ordered channels. `url` is the secret; everything shown uses kind + fingerprint.
alert_channels = Table(
    "alert_channels",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("fingerprint", String(16), nullable=False),
    Column("last_position", BigInteger, nullable=False),
)

alert_people = Table(
    "alert_people",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("locale", String(10), nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Column("quiet_hours", Text, nullable=True),  # JSON of alerts.quiet.QuietHours (免打扰时段)
)

# The facts an alert may say about an incident, and the escalation policy snapshotted at its start.
alert_incidents = Table(
    "alert_incidents",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("type", String(40), nullable=False),
    Column("level", String(20), nullable=True),
    Column("place", String(200), nullable=True),  # a named place of the organisation, else none
    Column("drill", Boolean, nullable=False),
    Column("policy", Text, nullable=False),  # JSON of alerts.policy.Policy
    Column("last_position", BigInteger, nullable=False),
    # The policy book pinned at registration (alert_books): its policies page for the incident's whole
    # life (a notify step's named policy too), whatever the YAML or the organisation import says later.
    Column("book_hash", String(64), nullable=True),
)

# 通知策略库: every policy book an incident was registered under, keyed by its content hash.
alert_books = Table(
    "alert_books",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("book", Text, nullable=False),  # JSON of alerts.policy.PolicyBook
    Column("last_position", BigInteger, nullable=False),
)

# The organisation's own policies (org.import, table `policies`), added to the YAML book for new incidents.
alert_policies = Table(
    "alert_policies",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("policy", Text, nullable=False),  # JSON of alerts.policy.ImportedPolicy
    Column("last_position", BigInteger, nullable=False),
)

# 通知: one reason to reach people about an incident, escalating until someone acknowledges.
alerts = Table(
    "alerts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("ask", String(30), nullable=False),
    Column("place", String(200), nullable=True),
    Column("chain", Text, nullable=False),  # JSON of the alert's own Policy (its first level aimed)
    Column("level", Integer, nullable=False),
    Column("round", Integer, nullable=False),
    Column("state", String(20), nullable=False),  # open, acknowledged, exhausted, closed
    Column("next_at", Instant, nullable=True),
    Column("drill", Boolean, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("acked_by", String(64), nullable=True),
    Column("acked_at", Instant, nullable=True),
    Column("last_position", BigInteger, nullable=False),
    # Who caused it (the actor of the causing event: the dispatcher, the duty officer, the console's timer).
    Column("paged_by", String(200), nullable=True),
)
Index("ix_alerts_due", alerts.c.state, alerts.c.next_at)

# 呼叫: one person paged at one level (and round) of one alert.
alert_pages = Table(
    "alert_pages",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("paged_at", Instant, nullable=False),
    Column("state", String(20), nullable=False),  # sending, delivered, failed, acknowledged
    Column("delivered_at", Instant, nullable=True),
    Column("acked_at", Instant, nullable=True),
    Column("ack_route", String(20), nullable=True),
    Column("last_position", BigInteger, nullable=False),
)
Index("ix_alert_pages_person", alert_pages.c.person_id)

# 发送队列 / 投递记录: one row per attempt; the id is the dedupe key every message carries.
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("alert_id", String(64), nullable=False, index=True),
    Column("incident_id", String(64), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("level", Integer, nullable=False),
    Column("round", Integer, nullable=False),
    Column("channel_index", Integer, nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("fingerprint", String(16), nullable=False),
    Column("state", String(20), nullable=False),  # pending, delivered, failed, cancelled
    Column("created_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("attempted_at", Instant, nullable=True),
    Column("status", String(20), nullable=True),  # apprise's result status
    Column("reason", String(400), nullable=True),  # apprise's reason, scrubbed of the URL
    Column("latency_ms", Integer, nullable=True),
    Column("lease_until", Instant, nullable=True),
    Column("claimed_by", String(40), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    # Held back by quiet hours: `due_at` was put off to this instant (shown in the delivery log).
    Column("held_until", Instant, nullable=True),
    # 重新发送: the n-th resend by hand of this page (0: the first sending), the attempt it sends again,
    # and who asked (the tries that follow a resend carry the same three).
    Column("resend", Integer, nullable=False, server_default="0"),
    Column("resend_of", String(32), nullable=True),
    Column("resent_by", String(200), nullable=True),
)
Index("ix_alert_outbox_due", alert_outbox.c.state, alert_outbox.c.due_at)

ALERT_TABLES = (
    alert_channels,
    alert_people,
    alert_incidents,
    alert_books,
    alert_policies,
    alerts,
    alert_pages,
    alert_outbox,
)
