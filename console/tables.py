"""The spine's schema, in SQLAlchemy Core: the log, accepted commands, people and access.

Domains declare their own tables on the same `metadata` (console.<domain>.tables); Alembic migrations
create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
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
    Column("last_used_at", Instant, nullable=True),
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

# Failed (and in-flight) sign-ins, shared by every process: the login throttle (console.auth).
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempt", String(32), nullable=False, index=True),
    Column("key", String(400), nullable=False),
    Column("at", Float, nullable=False, index=True),
    Index("ix_login_failures_key_at", "key", "at"),
)

# Browsers a user signed in with (the ic_device cookie, stored as a hash): their owner is never
# throttled by anybody else's failures.
login_devices = Table(
    "login_devices",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("created_at", Instant, nullable=False),
    Column("used_at", Instant, nullable=False),
)
