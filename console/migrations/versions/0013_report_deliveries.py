"""Report delivery records per recipient office and receipts confirmed by phone (issue 14: 报送记录).

电话确认: a receipt confirmed by phone (who at the office, when, who took the call).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("report_id", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("channel_index", sa.Integer, nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("due_at", sa.String(32), nullable=False),
        sa.Column("attempted_at", sa.String(32), nullable=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("reason", sa.String(400), nullable=True),
        sa.Column("lease_until", sa.String(32), nullable=True),
        sa.Column("claimed_by", sa.String(40), nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_report_deliveries_due", "report_deliveries", ["state", "due_at"])
    op.create_table(
        "report_receipts",
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("recipient", sa.String(64), primary_key=True),
        sa.Column("confirmed_by", sa.String(100), nullable=False),
        sa.Column("confirmed_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_receipts")
    op.drop_index("ix_report_deliveries_due", table_name="report_deliveries")
    op.drop_table("report_deliveries")
