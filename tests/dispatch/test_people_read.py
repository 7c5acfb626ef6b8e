"""People and shifts read back from the organisation tables: built once per row content, never stale."""

from __future__ import annotations

from sqlalchemy import create_engine, insert, update

from console.domains import registry
from console.responders import store
from console.responders.tables import org_people, org_places, roster_shifts
from console.tables import metadata


def test_a_changed_row_is_read_as_the_changed_person_and_shift() -> None:
    registry()  # every domain's tables on the metadata
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    person = {
        "id": "p1", "name": "张三", "unit_id": "u1", "post": None, "roles": "petition_staff",
        "skills": "medical", "phone": None, "channels": "console", "base_place_id": None, "last_position": 1,
    }  # fmt: skip
    shift = {
        "id": "s1", "unit_id": "u1", "post": "standby", "start_at": "2026-01-01T00:00:00.000000Z",
        "end_at": "2026-01-01T08:00:00.000000Z", "holder_id": "p1", "last_position": 1,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(org_people), person)
        conn.execute(insert(roster_shifts), shift)
        first = store.people(conn)
        assert [p.name for p in first] == ["张三"]
        assert store.people(conn)[0] is first[0]  # the same row: the object built the first time
        assert store.roster(conn).shifts[0].holder_id == "p1"
        conn.execute(update(org_people).values(name="李四", skills="legal_policy", last_position=2))
        conn.execute(update(roster_shifts).values(holder_id="p2", last_position=2))
        again = store.people(conn)
        assert [p.name for p in again] == ["李四"]
        assert [str(s) for s in again[0].skills] == ["legal_policy"]
        assert store.roster(conn).shifts[0].holder_id == "p2"
    engine.dispose()


def test_places_are_kept_like_people_and_a_changed_place_is_read_as_changed() -> None:
    registry()
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    place = {"id": "pl1", "name": "接待大厅", "unit_id": "u1", "lat": 30.1, "lon": 120.2, "added_by": None,
             "last_position": 1}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(org_places), [place, {**place, "id": "pl2", "name": "机关大门"}])
        first = store.places(conn)
        assert [p.name for p in first.values()] == ["接待大厅", "机关大门"]
        assert store.places(conn)["pl1"] is first["pl1"]  # unchanged rows: the objects built the first time
        conn.execute(update(org_places).where(org_places.c.id == "pl1").values(name="信访大厅", lat=30.3))
        again = store.places(conn)
        assert (again["pl1"].name, again["pl1"].lat) == ("信访大厅", 30.3)
        assert again["pl2"] is first["pl2"]
        conn.execute(update(org_places).where(org_places.c.id == "pl1").values(name="接待大厅", lat=30.1))
        assert store.places(conn)["pl1"] is first["pl1"]  # back as it was: the object built for that row
    engine.dispose()
