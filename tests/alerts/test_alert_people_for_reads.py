"""Who a page reaches is read from the rows its targets can match only (a registration's alert runs in the
writer's transaction, among thousands of people): for every kind of target the people are those the whole
organisation gives — roles holding LIKE's wildcard characters, a unit and the units under it, a post whose
shifts were swapped and overridden beside shifts of other posts, a person who is not in the organisation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from support import Deployment

from alerts.policy import Target, resolve
from console.alerts.store import people_for
from console.clock import utc_iso
from console.db import open_database
from console.responders.store import roster
from console.responders.tables import org_people, org_units, roster_changes, roster_shifts
from responders.roster import running

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

UNITS = [("county", None), ("town", "county"), ("village", "town"), ("office", None)]
# (id, unit, roles): "leader_in_charge" has LIKE's "_" in it; "leaderXin_charge" would match an unescaped
# pattern, "leader_in_charge_deputy" and "x,leader_in" a careless substring test.
PEOPLE = [
    ("p1", "county", "leader_in_charge"),
    ("p2", "town", "leaderXin_charge"),
    ("p3", "village", "leader_in_charge_deputy,duty_officer"),
    ("p4", "office", "duty_officer,leader_in_charge"),
    ("p5", "village", ""),
    ("p6", "town", "petition_staff,leader_in_charge,contact"),
    ("p7", "office", "50%_off"),
]
H = timedelta(hours=1)
# (id, post, start, end, holder): leader_on_duty's shifts are swapped and overridden; standby ones too.
SHIFTS = [
    ("s1", "leader_on_duty", NOW - 2 * H, NOW + 2 * H, "p1"),
    ("s2", "leader_on_duty", NOW - H, NOW + 3 * H, "p6"),
    ("s3", "leader_on_duty", NOW + 5 * H, NOW + 9 * H, "p4"),
    ("s4", "duty_officer", NOW - H, NOW + H, "p3"),
    ("s5", "duty_officer", NOW - 3 * H, NOW + H, "p4"),
    ("s6", "standby", NOW - H, NOW + H, "p5"),
    ("s7", "standby", NOW + H, NOW + 2 * H, "p2"),
]
# (id, kind, shift, other shift, new holder), in the order made
CHANGES = [
    ("c1", "swap", "s2", "s3", None),  # s2 (running) is now held by p4, s3 by p6
    ("c2", "override", "s1", None, "p7"),
    ("c3", "swap", "s6", "s7", None),
    ("c4", "swap", "s3", "s1", None),  # s1 now p6, s3 p7
]

# (targets, the people they page now, worked out by hand from the data above)
CASES = [
    ((Target(role="leader_in_charge"),), ["p1", "p4", "p6"]),
    ((Target(role="50%_off"),), ["p7"]),
    ((Target(role="duty_officer"), Target(role="leader_in_charge")), ["p3", "p4", "p1", "p6"]),
    ((Target(person="p5"), Target(person="nobody"), Target(person="p2")), ["p5", "p2"]),
    ((Target(unit="town"),), ["p2", "p3", "p5", "p6"]),
    ((Target(unit="town", below=False),), ["p2", "p6"]),
    ((Target(unit="county"), Target(unit="office")), ["p1", "p2", "p3", "p5", "p6", "p4", "p7"]),
    # drawn as p6 (s2) and p1 (s1): c1 gives s2 to p4, c2 and c4 give s1 to p6
    ((Target(post="leader_on_duty"),), ["p4", "p6"]),
    ((Target(post="duty_officer"), Target(post="standby"), Target(post="reception")), ["p3", "p4", "p2"]),
    (
        (
            Target(post="leader_on_duty"),
            Target(role="duty_officer"),
            Target(unit="village"),
            Target(person="p7"),
        ),
        ["p4", "p6", "p3", "p5", "p7"],
    ),
]


def seed(conn: Connection) -> None:
    conn.execute(
        insert(org_units),
        [
            {"id": u, "name": u, "kind": "township", "parent_id": p, "phone": None, "last_position": 1}
            for u, p in UNITS
        ],
    )
    conn.execute(
        insert(org_people),
        [
            {"id": i, "name": i, "unit_id": u, "post": None, "roles": r, "skills": "", "phone": None,
             "channels": "console", "base_place_id": None, "last_position": 1}
            for i, u, r in PEOPLE
        ],
    )  # fmt: skip
    conn.execute(
        insert(roster_shifts),
        [
            {"id": i, "unit_id": "county", "post": p, "start_at": utc_iso(s), "end_at": utc_iso(e),
             "holder_id": h, "last_position": 1}
            for i, p, s, e, h in SHIFTS
        ],
    )  # fmt: skip
    conn.execute(
        insert(roster_changes),
        [
            {"id": i, "kind": k, "shift_id": s, "other_shift_id": o, "new_holder_id": n, "made_by": "duty",
             "made_by_name": "值班员", "made_at": utc_iso(NOW - 10 * H + n_ * H), "reason": "换班",
             "position": n_ + 1}
            for n_, (i, k, s, o, n) in enumerate(CHANGES)
        ],
    )  # fmt: skip


def whole_organisation(conn: Connection, targets: tuple[Target, ...]) -> list[str]:
    """The people the targets name, resolved from every person, unit and shift (what a page used to read)."""
    roles = {i: frozenset(x for x in r.split(",") if x) for i, _u, r in PEOPLE}
    units: dict[str, str | None] = {i: u for i, u, _r in PEOPLE}
    posts: dict[str, list[str]] = {}
    for e in sorted(running(roster(conn), NOW), key=lambda e: e.shift.start, reverse=True):
        holders = posts.setdefault(e.shift.post.value, [])
        if e.holder_id not in holders:
            holders.append(e.holder_id)
    return resolve(targets, roles, posts, units, dict(UNITS))


async def test_a_page_reaches_the_people_the_whole_organisation_gives(deployment: Deployment) -> None:
    db = open_database(deployment.settings)
    try:
        await db.run_write(seed)

        def each(conn: Connection) -> list[tuple[list[str], list[str]]]:
            return [
                (people_for(conn, "no-such-incident", targets, NOW), whole_organisation(conn, targets))
                for targets, _paged in CASES
            ]

        answers = await db.read_off_loop(each)
    finally:
        await db.dispose()
    for (targets, paged), (found, whole) in zip(CASES, answers, strict=True):
        assert (whole, found) == (paged, paged), targets
