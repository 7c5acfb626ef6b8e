"""The §25 figures' projections (目标管理): each incident's row, each dispatch until on scene, targets.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_fig_incidents",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("head_count", sa.Integer, nullable=False),
        sa.Column("drill", sa.Boolean, nullable=False),
        sa.Column("cross_level", sa.Boolean, nullable=False),
        sa.Column("repeat", sa.Boolean, nullable=False),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("closed_at", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("first_arrival_at", sa.String(32), nullable=True),
        sa.Column("filings", sa.Text, nullable=False, server_default="[]"),
        sa.Column("open_reports", sa.Text, nullable=False, server_default="[]"),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_review_fig_incidents_opened_at", "review_fig_incidents", ["opened_at"])
    op.create_table(
        "review_fig_responses",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("dispatched_at", sa.String(32), nullable=False),
        sa.Column("arrived_at", sa.String(32), nullable=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "review_targets",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("figure", sa.String(40), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("set_by_name", sa.String(200), nullable=False),
        sa.Column("set_at", sa.String(32), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_targets")
    op.drop_table("review_fig_responses")
    op.drop_index("ix_review_fig_incidents_opened_at", "review_fig_incidents")
    op.drop_table("review_fig_incidents")
