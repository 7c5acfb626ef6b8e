"""Who an incident's events name (review_involvement): a person's 工作记录 reads only their incidents.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

Filled from the log by `python -m console rebuild` (run it after upgrading: the table starts empty,
and a person's activity over a period lists only the incidents it holds).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_involvement",
        sa.Column("who", sa.String(80), primary_key=True),
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_involvement")
