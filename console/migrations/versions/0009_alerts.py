"""Alerts: channels per person, incidents' snapshotted policies, alerts, pages and the outbox.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INSTANT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "alert_channels",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "alert_people",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "alert_incidents",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("level", sa.String(20), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("drill", sa.Boolean, nullable=False),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(64), nullable=False, index=True),
        sa.Column("ask", sa.String(30), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("chain", sa.Text, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("next_at", INSTANT, nullable=True),
        sa.Column("drill", sa.Boolean, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("acked_by", sa.String(64), nullable=True),
        sa.Column("acked_at", INSTANT, nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_alerts_due", "alerts", ["state", "next_at"])
    op.create_table(
        "alert_pages",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("paged_at", INSTANT, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("delivered_at", INSTANT, nullable=True),
        sa.Column("acked_at", INSTANT, nullable=True),
        sa.Column("ack_route", sa.String(20), nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_alert_pages_person", "alert_pages", ["person_id"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("alert_id", sa.String(64), nullable=False, index=True),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("channel_index", sa.Integer, nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("attempted_at", INSTANT, nullable=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("reason", sa.String(400), nullable=True),
        sa.Column("latency_ms", sa.Integer, nullable=True),
        sa.Column("lease_until", INSTANT, nullable=True),
        sa.Column("claimed_by", sa.String(40), nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_alert_outbox_due", "alert_outbox", ["state", "due_at"])


def downgrade() -> None:
    for table in (
        "alert_outbox",
        "alert_pages",
        "alerts",
        "alert_incidents",
        "alert_people",
        "alert_channels",
    ):
        op.drop_table(table)
