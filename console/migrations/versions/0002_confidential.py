"""Confidential parts of incidents and the people assigned to them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_confidential",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "incident_members",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incident_members")
    op.drop_table("incident_confidential")
