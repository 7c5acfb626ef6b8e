"""The review's findings (发现问题) and follow-up actions (整改措施) (issue 15: accountability review).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_findings",
        sa.Column("finding_id", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(64), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("added_by_name", sa.String(200), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "review_actions",
        sa.Column("action_id", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(64), nullable=False, index=True),
        sa.Column("finding_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due_at", sa.String(32), nullable=False),
        sa.Column("added_by_name", sa.String(200), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("done_at", sa.String(32), nullable=True),
        sa.Column("done_by_name", sa.String(200), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_actions")
    op.drop_table("review_findings")
