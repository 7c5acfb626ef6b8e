"""A named place's place type (地点类型), and what a run learns from the responders' moves (issue 11).

`org_places.place_type` is the register form's vocabulary (playbooks.facts.PlaceType); places imported
or added before it are "other". `playbook_runs.field` is who was sent to the incident and who arrived
(console.runs.follow.FieldLog), which ticks the team's dispatch step and the leader's step on site;
`rebuild` refills it from the log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("org_places") as batch:
        batch.add_column(sa.Column("place_type", sa.String(40), nullable=False, server_default="other"))
    with op.batch_alter_table("playbook_runs") as batch:
        batch.add_column(sa.Column("field", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("playbook_runs") as batch:
        batch.drop_column("field")
    with op.batch_alter_table("org_places") as batch:
        batch.drop_column("place_type")
