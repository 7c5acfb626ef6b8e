"""Who went where: a sit-in at the gate, three people sent, one moves to the hall, all cleared."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from responders.figures import leader_arrivals, leader_ids, response_figures
from responders.movement import (
    MovementKind,
    MovementRecord,
    activity_log,
    assigned_people,
    last_known_places,
    movement_board,
    movement_log,
    unacknowledged,
)
from responders.movement_csv import activity_log_csv, figures_csv, movement_log_csv
from responders.organisation import Person, Place
from responders.status import PersonState, ResponderStatus, check_move

CST = timezone(timedelta(hours=8))
INCIDENT = "INC-2024-0007"
OPENED = datetime(2024, 5, 6, 8, 55, tzinfo=CST)
K, S = MovementKind, ResponderStatus


def at(hh: int, mm: int) -> datetime:
    return datetime(2024, 5, 6, hh, mm, tzinfo=CST)


def rec(
    person: str,
    kind: MovementKind,
    when: datetime,
    *,
    actor: str | None = None,
    place: str | None = None,
    recorded: datetime | None = None,
    role: str | None = None,
    note: str | None = None,
    incident: str = INCIDENT,
) -> MovementRecord:
    return MovementRecord(
        person_id=person,
        incident_id=incident,
        kind=kind,
        actor_id=actor or person,
        occurred_at=when,
        recorded_at=recorded or when,
        place_id=place,
        assignment_role=role,
        note=note,
    )


# Given in the order they were typed, not the order they happened: li's move was entered late (补录).
SIT_IN = [
    rec("zhang", K.DISPATCHED, at(9, 0), actor="duty01", place="gate", role="现场负责人"),
    rec("li", K.DISPATCHED, at(9, 0), actor="duty01", place="gate", role="接待疏导"),
    rec("wang", K.DISPATCHED, at(9, 0), actor="duty01", place="gate", role="分管领导"),
    rec("zhang", K.ACKNOWLEDGED, at(9, 2), place="hall"),
    rec("li", K.ACKNOWLEDGED, at(9, 3)),
    rec("zhang", K.EN_ROUTE, at(9, 4), place="gate"),
    rec("li", K.ON_SCENE, at(9, 5), place="gate"),
    rec("zhang", K.ON_SCENE, at(9, 9), place="gate"),
    rec("wang", K.ACKNOWLEDGED, at(9, 10), actor="duty01", recorded=at(9, 12)),
    rec("wang", K.EN_ROUTE, at(9, 15), place="gate"),
    rec("wang", K.ON_SCENE, at(9, 30), place="gate"),
    rec("wang", K.CLEARED, at(10, 30), place="gate"),
    rec(
        "li",
        K.MOVED,
        at(9, 45),
        place="hall",
        recorded=at(10, 40),
        actor="zhang",
        note="带3名代表到接待大厅座谈",
    ),
    rec("zhang", K.CLEARED, at(11, 0), place="gate"),
    rec("li", K.CLEARED, at(11, 10), place="hall"),
]


def happened_by(moment: datetime) -> list[MovementRecord]:
    return [r for r in SIT_IN if r.occurred_at <= moment]


def test_the_log_is_a_legal_run_of_the_status_machine() -> None:
    states = {p: PersonState(p, base=S.AVAILABLE) for p in ("zhang", "li", "wang")}
    for r in movement_log(SIT_IN, INCIDENT):
        states[r.person_id] = check_move(states[r.person_id], r.incident_id, r.kind.move, place_id=r.place_id)
        assert states[r.person_id].status is r.kind.status
    assert {s.status for s in states.values()} == {S.CLEARED}


def test_board_while_people_arrive() -> None:
    board = movement_board(happened_by(at(9, 20)), INCIDENT, at(9, 20))
    rows = {r.person_id: (r.status, r.place_id, r.destination_id) for r in board}
    assert rows == {
        "li": (S.ON_SCENE, "gate", "gate"),
        "zhang": (S.ON_SCENE, "gate", "gate"),
        "wang": (S.EN_ROUTE, None, "gate"),
    }
    assert [r.person_id for r in board] == ["li", "zhang", "wang"]
    wang = board[-1]
    assert wang.age == timedelta(minutes=5) and wang.assignment_role == "分管领导" and wang.is_open


def test_board_after_the_move_and_at_the_end() -> None:
    board = {r.person_id: r for r in movement_board(happened_by(at(10, 0)), INCIDENT, at(10, 0))}
    assert (board["li"].status, board["li"].place_id) == (S.ON_SCENE, "hall")
    assert board["li"].since == at(9, 45)
    final = movement_board(SIT_IN, INCIDENT, at(12, 0))
    assert {r.person_id: (r.status, r.is_open, r.place_id) for r in final} == {
        "li": (S.CLEARED, False, "hall"),
        "zhang": (S.CLEARED, False, "gate"),
        "wang": (S.CLEARED, False, "gate"),
    }
    assert movement_board(SIT_IN, "another-incident", at(12, 0)) == []


def test_unacknowledged_dispatch_shows_its_age() -> None:
    waiting = unacknowledged(happened_by(at(9, 5)), INCIDENT, at(9, 6))
    assert [(r.person_id, r.age) for r in waiting] == [("wang", timedelta(minutes=6))]
    assert unacknowledged(SIT_IN, INCIDENT, at(12, 0)) == []


def test_assigned_people_and_last_known_places() -> None:
    assert assigned_people(happened_by(at(9, 20)), INCIDENT) == ["li", "wang", "zhang"]
    assert assigned_people(SIT_IN, INCIDENT) == []
    assert last_known_places(SIT_IN) == {"li": "hall", "zhang": "gate", "wang": "gate"}


def test_activity_log_of_the_person_who_moved(places: dict[str, Place]) -> None:
    log = activity_log(SIT_IN, "li", start=at(9, 0), end=at(12, 0), places=places)
    assert [(e.time, e.kind, e.place_name) for e in log] == [
        (at(9, 0), K.DISPATCHED, "机关大门"),
        (at(9, 3), K.ACKNOWLEDGED, None),
        (at(9, 5), K.ON_SCENE, "机关大门"),
        (at(9, 45), K.MOVED, "接待大厅"),
        (at(11, 10), K.CLEARED, "接待大厅"),
    ]
    moved = log[3]
    assert moved.on_behalf and moved.recorded_at == at(10, 40)
    assert moved.activity.zh == "转移至接待大厅。带3名代表到接待大厅座谈（由 zhang 代为登记）"
    assert moved.activity.en == "moved to 接待大厅. 带3名代表到接待大厅座谈 (recorded by zhang)"
    assert log[0].activity.zh == f"受派参与事件 {INCIDENT} 处置（机关大门），任务：接待疏导（duty01 下达）"
    assert not log[0].on_behalf


def test_activity_log_period_is_half_open() -> None:
    log = activity_log(SIT_IN, "zhang", start=at(9, 2), end=at(9, 9))
    assert [e.kind for e in log] == [K.ACKNOWLEDGED, K.EN_ROUTE]
    assert log[0].place_name == "hall"  # no place names given: the id stands in


def test_response_figures() -> None:
    figures = {f.person_id: f for f in response_figures(SIT_IN, incident_id=INCIDENT)}
    minutes = {
        pid: tuple(
            None if d is None else d / timedelta(minutes=1)
            for d in (f.time_to_acknowledge, f.time_to_arrive, f.time_on_scene)
        )
        for pid, f in figures.items()
    }
    assert minutes == {"zhang": (2, 9, 111), "li": (3, 5, 125), "wang": (10, 30, 60)}
    assert all(f.ended_by is K.CLEARED and not f.on_scene_now for f in figures.values())


def test_open_time_on_scene_counts_to_now() -> None:
    figures = {f.person_id: f for f in response_figures(happened_by(at(10, 0)), now=at(10, 0))}
    assert figures["zhang"].on_scene_now and figures["zhang"].time_on_scene == timedelta(minutes=51)
    assert figures["wang"].time_on_scene == timedelta(minutes=30)
    unsure = {f.person_id: f for f in response_figures(happened_by(at(10, 0)))}
    assert unsure["zhang"].time_on_scene is None


def test_redispatch_counts_as_a_second_assignment() -> None:
    records = [
        rec("zhao", K.DISPATCHED, at(9, 0), actor="duty01", place="gate"),
        rec("zhao", K.RELEASED, at(9, 5), actor="duty01"),
        rec("zhao", K.DISPATCHED, at(9, 20), actor="duty01", place="hall"),
        rec("zhao", K.ACKNOWLEDGED, at(9, 21)),
    ]
    first, second = response_figures(records)
    assert (first.number, first.ended_by, first.time_to_acknowledge) == (1, K.RELEASED, None)
    assert (second.number, second.time_to_acknowledge) == (2, timedelta(minutes=1))


def test_leader_arrival(people: dict[str, Person]) -> None:
    leaders = leader_ids(people.values())
    assert leaders == {"wang"}
    arrivals = leader_arrivals(SIT_IN, incident_id=INCIDENT, leaders=leaders, opened_at=OPENED)
    assert [(a.person_id, a.arrived_at, a.place_id, a.after_open) for a in arrivals] == [
        ("wang", at(9, 30), "gate", timedelta(minutes=35))
    ]
    assert arrivals[0].dispatched_at == at(9, 0)
    assert leader_arrivals(happened_by(at(9, 20)), incident_id=INCIDENT, leaders=leaders) == []


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_exports(people: dict[str, Person], places: dict[str, Place]) -> None:
    log = read(movement_log_csv(movement_log(SIT_IN, INCIDENT), people=people, places=places))
    assert log[0][:6] == ["发生时间", "登记时间", "事件", "人员编号", "姓名", "动态"]
    assert len(log) == 1 + len(SIT_IN)
    moved = next(row for row in log if row[5] == "转移地点")
    assert moved[4] == "李强" and moved[7] == "接待大厅" and moved[12] == "1"
    assert moved[0] == "2024-05-06T09:45:00+08:00" and moved[1] == "2024-05-06T10:40:00+08:00"

    activity = read(
        activity_log_csv(activity_log(SIT_IN, "li", start=at(9, 0), end=at(12, 0), places=places), lang="en")
    )
    assert activity[0] == ["time", "place", "activity", "incident_id", "recorded_by", "recorded_at"]
    assert activity[4][1:3] == ["接待大厅", "moved to 接待大厅. 带3名代表到接待大厅座谈 (recorded by zhang)"]

    figures = read(figures_csv(response_figures(SIT_IN), people=people, lang="en"))
    by_person = {row[1]: row for row in figures[1:]}
    assert figures[0][-3:] == ["time_to_acknowledge_s", "time_to_arrive_s", "time_on_scene_s"]
    assert by_person["li"][2] == "李强" and by_person["li"][-3:] == ["180", "300", "7500"]


def test_csv_defuses_spreadsheet_formulas() -> None:
    record = rec("li", K.ON_SCENE, at(9, 0), place="gate", note='=HYPERLINK("http://x")')
    row = read(movement_log_csv([record]))[1]
    assert row[-1] == '\'=HYPERLINK("http://x")'


def test_moved_record_must_name_the_place() -> None:
    with pytest.raises(ValueError, match="names that place"):
        rec("li", K.MOVED, at(9, 0))
