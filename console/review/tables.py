"""The review's projections: findings and follow-up actions (rebuilt from the log like the rest)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text

from ..tables import metadata

review_findings = Table(
    "review_findings",
    metadata,
    Column("finding_id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("added_by_name", String(200), nullable=False),
    Column("added_at", String(32), nullable=False),
    Column("position", BigInteger, nullable=False),
)

# 督查范围: the units an inspector oversees (with every unit under them in the organisation tree).
review_inspector_units = Table(
    "review_inspector_units",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

review_actions = Table(
    "review_actions",
    metadata,
    Column("action_id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("finding_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due_at", String(32), nullable=False),
    Column("added_by_name", String(200), nullable=False),
    Column("added_at", String(32), nullable=False),
    Column("done_at", String(32), nullable=True),
    Column("done_by_name", String(200), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("position", BigInteger, nullable=False),
)

# 谁参与了哪起事件: who an incident's events name (the user who recorded one, the person it concerns,
# the people a page went to), one row per (who, incident), kept as events arrive. A person's 工作记录
# over a period reads the logs of these incidents only, not of every incident of the period.
review_involvement = Table(
    "review_involvement",
    metadata,
    Column("who", String(80), primary_key=True),  # "user:ID" (a console user) or "person:ID"
    Column("incident_id", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),  # the first event naming them at the incident
)

# 事件日志索引: the events of other streams a review reads with an incident's own — the moves and roll
# calls that name it (in the people's streams), and the organisation's events (names, the roster as it
# was; under ORGANISATION, every incident's) — by position, so an incident's log is read by index and
# never by scanning every payload of the log (console.review.store.incident_log).
ORGANISATION = ""  # review_log_index's key of the organisation's events
review_log_index = Table(
    "review_log_index",
    metadata,
    Column("incident_id", String(64), primary_key=True),  # "" (ORGANISATION): the organisation's
    Column("position", BigInteger, primary_key=True),
)
