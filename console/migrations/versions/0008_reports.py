"""Reports upward: one row per report and one per version (draft, frozen document, hash, witness).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_items",
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("obligation_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("drill", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_report_items_incident_id", "report_items", ["incident_id"])
    op.create_table(
        "report_versions",
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("draft", sa.Text, nullable=False),
        sa.Column("corrects", sa.Text, nullable=False),
        sa.Column("returned_reason", sa.Text, nullable=False),
        sa.Column("serial", sa.Integer, nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("signer", sa.String(200), nullable=True),
        sa.Column("document", sa.Text, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("witness_position", sa.BigInteger, nullable=True),
        sa.Column("witness_hash", sa.String(64), nullable=True),
        sa.Column("approved_at", sa.String(40), nullable=True),
        sa.Column("sent_at", sa.String(40), nullable=True),
        sa.Column("recipients", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("report_versions")
    op.drop_index("ix_report_items_incident_id", table_name="report_items")
    op.drop_table("report_items")
