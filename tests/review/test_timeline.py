"""The timeline SVG of the scripted sit-in: a lane per person in move order, late reports hatched,
step deadlines and resolutions drawn, and it parses as SVG."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from script import INCIDENT, at, scripted

from review.compliance import compliance
from review.log import fold
from review.timeline import person_stretches, render

EVENTS = scripted().events
NS = {"s": "http://www.w3.org/2000/svg"}


def test_person_lanes_follow_the_moves_and_mark_the_late_report() -> None:
    lanes = person_stretches(fold(INCIDENT, EVENTS), at(40))
    chen = [
        (s.status, s.start.strftime("%M"), s.end.strftime("%M"), s.place_id, s.late) for s in lanes["p-chen"]
    ]
    assert chen == [
        ("dispatched", "05", "09", "gate", False),
        ("acknowledged", "09", "16", "gate", False),
        ("on_scene", "16", "40", "gate", True),  # entered at 09:31
    ]
    assert [s.status for s in lanes["p-liu"]] == ["dispatched", "acknowledged"]


def test_the_svg_draws_every_lane() -> None:
    record = fold(INCIDENT, EVENTS)
    rows = compliance(INCIDENT, EVENTS, at(40))
    svg = ET.fromstring(render(record, rows, at(40), {"title": "时间轴"}))
    people = svg.findall(".//s:g[@class='lane person']", NS)
    assert [g.get("data-person") for g in people] == ["p-chen", "p-liu"]
    assert [r.get("data-status") for r in people[0].findall("s:rect[@class='stretch']", NS)] == [
        "dispatched",
        "acknowledged",
        "on_scene",
    ]
    assert len(people[0].findall("s:rect[@class='late']", NS)) == 1
    steps = {g.get("data-step"): g for g in svg.findall(".//s:g[@class='lane step']", NS)}
    assert steps["notify_leader"].get("data-outcome") == "late"
    assert steps["notify_leader"].find("s:circle", NS) is not None
    assert steps["local_unit"].find("s:rect[@class='lateness']", NS) is not None  # still overdue
    assert steps["local_unit"].find("s:circle", NS) is None
