"""Which units each inspector (上级督查) oversees: the review shows them those units' incidents only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_inspector_units",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_inspector_units")
