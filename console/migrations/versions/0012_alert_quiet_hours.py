"""Alerts: who paged (shown on the in-app banner), quiet hours per person, attempts held for them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("paged_by", sa.String(200), nullable=True))
    op.add_column("alert_people", sa.Column("quiet_hours", sa.Text, nullable=True))
    op.add_column("alert_outbox", sa.Column("held_until", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("held_until")
    with op.batch_alter_table("alert_people") as batch:
        batch.drop_column("quiet_hours")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("paged_by")
