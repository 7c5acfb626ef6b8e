"""重新发送: an outbox row says which resend by hand it belongs to, the attempt it sends again, and who asked.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_outbox", sa.Column("resend", sa.Integer, nullable=False, server_default="0"))
    op.add_column("alert_outbox", sa.Column("resend_of", sa.String(32), nullable=True))
    op.add_column("alert_outbox", sa.Column("resent_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("resent_by")
        batch.drop_column("resend_of")
        batch.drop_column("resend")
