"""Tables of the responders domain (projections of the log), on the console's shared metadata.

Everything here is rebuilt from the event log by `incident-console rebuild`; movement and activity
logs are not tables at all but queries over the `events` table (console.responders.queries).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, String, Table, Text

from ..tables import Instant, metadata

# 单位: the organisation tree (parent_id is another unit, or none for the root).
org_units = Table(
    "org_units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("parent_id", String(64), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("last_position", BigInteger, nullable=False),
)

# 人员: a person's id is also their console user name when they sign in (the phone page finds them so).
org_people = Table(
    "org_people",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_id", String(64), nullable=False),
    Column("post", String(200), nullable=True),
    Column("roles", String(400), nullable=False),  # comma-separated responders.organisation.Role values
    Column("skills", String(400), nullable=False),  # comma-separated Skill values
    Column("phone", String(40), nullable=True),
    Column("channels", String(200), nullable=False),
    Column("base_place_id", String(64), nullable=True),
    Column("last_position", BigInteger, nullable=False),
)

# 地点: named places, imported or added on the fly from a tablet.
org_places = Table(
    "org_places",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("unit_id", String(64), nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("added_by", String(64), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    # 地点类型 (playbooks.facts.PlaceType): the register form takes it when the place is chosen.
    Column("place_type", String(40), nullable=False, server_default="other"),
)

# 值班表: shifts as drawn up; swaps and overrides are kept beside them, with who made them.
roster_shifts = Table(
    "roster_shifts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("unit_id", String(64), nullable=False),
    Column("post", String(40), nullable=False),
    Column("start_at", Instant, nullable=False),
    Column("end_at", Instant, nullable=False),
    Column("holder_id", String(64), nullable=False),
    Column("last_position", BigInteger, nullable=False),
)

roster_changes = Table(
    "roster_changes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("shift_id", String(64), nullable=False),
    Column("other_shift_id", String(64), nullable=True),
    Column("new_holder_id", String(64), nullable=True),
    Column("made_by", String(64), nullable=False),
    Column("made_by_name", String(200), nullable=False),
    Column("made_at", Instant, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("position", BigInteger, nullable=False),
)

# A person's own status (off duty / available / cleared / unavailable with a reason).
responder_status = Table(
    "responder_status",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("base", String(20), nullable=False),
    Column("unavailable_reason", String(500), nullable=True),
    Column("since", Instant, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)

# Open assignments (派遣): one row per person and incident until cleared or released.
assignments = Table(
    "assignments",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("role", String(200), nullable=True),
    Column("destination_id", String(64), nullable=True),
    Column("place_id", String(64), nullable=True),
    Column("dispatched_at", Instant, nullable=False),
    Column("dispatched_by", String(200), nullable=False),
    Column("since", Instant, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)
Index("ix_assignments_person", assignments.c.person_id)

# 清点人数: roll calls and their answers.
rollcalls = Table(
    "rollcalls",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("started_by", String(64), nullable=False),
    Column("started_at", Instant, nullable=False),
    Column("deadline", Instant, nullable=False),
    Column("expected", Text, nullable=False),  # comma-separated person ids
    Column("position", BigInteger, nullable=False),
)

rollcall_answers = Table(
    "rollcall_answers",
    metadata,
    Column("rollcall_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("confirmed_at", Instant, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("place_id", String(64), nullable=True),
    Column("position", BigInteger, nullable=False),
)

ORG_TABLES = (org_units, org_people, org_places, roster_shifts, roster_changes)
DISPATCH_TABLES = (responder_status, assignments, rollcalls, rollcall_answers)
