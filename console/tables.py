"""The database schema, in SQLAlchemy Core. Alembic migrations create exactly these tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Instants are stored as the ISO text of console.clock.utc_iso: exact, sortable, and hashed verbatim.
Instant = String(32)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row. Writers lock it first; the lock is what makes position order equal commit order.
log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("stream", String(100), nullable=False),
    Column("type", String(100), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("occurred_at", Instant, nullable=False),
    Column("recorded_at", Instant, nullable=False),
    Column("visibility", String(64), nullable=False),
    Column("command_id", String(64), nullable=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_events_stream", events.c.stream, events.c.position)

# Every accepted command, so a repeated id returns the first result and appends nothing.
commands = Table(
    "commands",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("actor_id", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("first_position", BigInteger, nullable=True),
    Column("last_position", BigInteger, nullable=True),
    Column("result", Text, nullable=False),
    Column("recorded_at", Instant, nullable=False),
)

# --- projections (rebuilt from the log by `incident-console rebuild`) ---

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
)

PROJECTION_TABLES = (incident_notes, incidents)

# --- people and access (operational tables, not projections) ---

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("roles", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", Instant, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Instant, nullable=False),
    Column("revoked_at", Instant, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("expires_at", Instant, nullable=False),
)

# --- confidential parts and who is assigned (projections) ---

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
