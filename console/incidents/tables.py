"""The incident projections: incidents, their notes, sealed confidential parts and who is assigned."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from ..tables import Instant, metadata

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("place", String(200), nullable=False),
    Column("head_count", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("outcome", String(40), nullable=True),
    Column("outcome_summary", Text, nullable=True),
    Column("occurred_at", Instant, nullable=False),
    Column("opened_at", Instant, nullable=False),
    Column("closed_at", Instant, nullable=True),
    Column("registered_by", String(64), nullable=False),
    Column("last_position", BigInteger, nullable=False),
    # 回避: a report about this commission's own head (console.incidents.recusal); never cleared
    Column("about_commission_head", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("year", "seq", name="uq_incidents_year_seq"),
)

incident_notes = Table(
    "incident_notes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
    Column("author_id", String(64), nullable=False),
    Column("author_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("occurred_at", Instant, nullable=False),
    # The latest notes of an incident, page by page (queries.notes_page), without sorting them all.
    Index("ix_incident_notes_incident_position", "incident_id", "position"),
)

incident_confidential = Table(
    "incident_confidential",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("values", Text, nullable=False),  # JSON of the confidential fields; never sent to clients
    Column("last_position", BigInteger, nullable=False),
)

incident_members = Table(
    "incident_members",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)
