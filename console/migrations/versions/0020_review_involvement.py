"""Who an incident's events name (review_involvement) and which events of other streams belong with
its log (review_log_index): a person's 工作记录 reads only their incidents, an incident's log is read
by index. Both are filled here from the events already in the log (as `rebuild` would fill them).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from console.domains import registry
from console.review.involvement_store import backfill

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_involvement",
        sa.Column("who", sa.String(80), primary_key=True),
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "review_log_index",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True),
    )
    backfill(op.get_bind(), registry().decode)


def downgrade() -> None:
    op.drop_table("review_log_index")
    op.drop_table("review_involvement")
