"""Who recorded each record of a run, facts proposed for confirmation (issue 9: regrades), and an
index to page an incident's notes from the latest (issue 9: bounded reads).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_notes_incident_position", "incident_notes", ["incident_id", "position"])
    with op.batch_alter_table("playbook_runs") as batch:
        batch.add_column(sa.Column("actors", sa.Text, nullable=False, server_default="[]"))
    op.create_table(
        "run_fact_proposals",
        sa.Column("proposal_id", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(64), nullable=False, index=True),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("based_on", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("level_from", sa.String(20), nullable=False),
        sa.Column("level_to", sa.String(20), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_by_name", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_by_name", sa.String(200), nullable=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_incident_notes_incident_position", table_name="incident_notes")
    op.drop_table("run_fact_proposals")
    with op.batch_alter_table("playbook_runs") as batch:
        batch.drop_column("actors")
