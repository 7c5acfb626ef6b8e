"""The §25 figures' projections (目标管理): what each incident counts for, the dispatches timed, and
the targets set; rebuilt from the log like every projection (console.maintenance.rebuild)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, String, Table, Text

from ..tables import Instant, metadata

# One row per incident, kept by the projectors of its events (registration, amendments, the run's
# records, the close, the arrivals): a period's figures read these rows, never the log.
review_fig_incidents = Table(
    "review_fig_incidents",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),  # its registration in the log
    Column("opened_at", Instant, nullable=False, index=True),
    Column("place", String(200), nullable=False),  # the unit is its place's (resolved when read)
    Column("type", String(40), nullable=False),
    Column("head_count", Integer, nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("cross_level", Boolean, nullable=False),
    Column("repeat", Boolean, nullable=False),
    Column("level", String(40), nullable=False),
    Column("closed_at", Instant, nullable=True),
    Column("outcome", String(40), nullable=True),
    Column("first_arrival_at", Instant, nullable=True),
    # [[due_at, filed_at], …]: every report filing with the deadline it had just before it was filed
    Column("filings", Text, nullable=False, server_default="[]"),
    # [due_at, …]: the deadlines of the report obligations open as the run stands
    Column("open_reports", Text, nullable=False, server_default="[]"),
    Column("last_position", BigInteger, nullable=False),
)

# Each dispatch of a person to an incident (派遣) and when that person first arrived on scene after it.
review_fig_responses = Table(
    "review_fig_responses",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("number", Integer, primary_key=True),  # the person's n-th dispatch to the incident
    Column("dispatched_at", Instant, nullable=False),
    Column("arrived_at", Instant, nullable=True),
    Column("position", BigInteger, nullable=False),
)

# 年度目标: a year's target of a unit for a figure (a rate in percent, a count, minutes).
review_targets = Table(
    "review_targets",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("figure", String(40), primary_key=True),
    Column("value", Float, nullable=False),
    Column("set_by_name", String(200), nullable=False),
    Column("set_at", Instant, nullable=False),
    Column("position", BigInteger, nullable=False),
)
