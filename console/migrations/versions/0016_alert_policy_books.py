"""Alerts: the policy book pinned at registration, the books by hash, the organisation's own policies.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_incidents", sa.Column("book_hash", sa.String(64), nullable=True))
    op.create_table(
        "alert_books",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("book", sa.Text, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "alert_policies",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_policies")
    op.drop_table("alert_books")
    with op.batch_alter_table("alert_incidents") as batch:
        batch.drop_column("book_hash")
