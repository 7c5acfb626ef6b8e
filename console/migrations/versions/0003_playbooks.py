"""Playbook runs: the pinned playbook, facts and history of each incident's run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playbook_runs",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("playbook_id", sa.String(64), nullable=False),
        sa.Column("playbook_version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("drill", sa.Boolean, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("playbook_runs")
