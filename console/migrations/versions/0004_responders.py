"""Responders and dispatch: organisation, places, roster, statuses, assignments and roll calls.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INSTANT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "org_units",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "org_people",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("post", sa.String(200), nullable=True),
        sa.Column("roles", sa.String(400), nullable=False),
        sa.Column("skills", sa.String(400), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("channels", sa.String(200), nullable=False),
        sa.Column("base_place_id", sa.String(64), nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "org_places",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("added_by", sa.String(64), nullable=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "roster_shifts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("post", sa.String(40), nullable=False),
        sa.Column("start_at", INSTANT, nullable=False),
        sa.Column("end_at", INSTANT, nullable=False),
        sa.Column("holder_id", sa.String(64), nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "roster_changes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("shift_id", sa.String(64), nullable=False),
        sa.Column("other_shift_id", sa.String(64), nullable=True),
        sa.Column("new_holder_id", sa.String(64), nullable=True),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("made_by_name", sa.String(200), nullable=False),
        sa.Column("made_at", INSTANT, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "responder_status",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("base", sa.String(20), nullable=False),
        sa.Column("unavailable_reason", sa.String(500), nullable=True),
        sa.Column("since", INSTANT, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("role", sa.String(200), nullable=True),
        sa.Column("destination_id", sa.String(64), nullable=True),
        sa.Column("place_id", sa.String(64), nullable=True),
        sa.Column("dispatched_at", INSTANT, nullable=False),
        sa.Column("dispatched_by", sa.String(200), nullable=False),
        sa.Column("since", INSTANT, nullable=False),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_assignments_person", "assignments", ["person_id"])
    op.create_table(
        "rollcalls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", INSTANT, nullable=False),
        sa.Column("deadline", INSTANT, nullable=False),
        sa.Column("expected", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_rollcalls_incident_id", "rollcalls", ["incident_id"])
    op.create_table(
        "rollcall_answers",
        sa.Column("rollcall_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("confirmed_at", INSTANT, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("place_id", sa.String(64), nullable=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rollcall_answers")
    op.drop_table("rollcalls")
    op.drop_table("assignments")
    op.drop_table("responder_status")
    op.drop_table("roster_changes")
    op.drop_table("roster_shifts")
    op.drop_table("org_places")
    op.drop_table("org_people")
    op.drop_table("org_units")
