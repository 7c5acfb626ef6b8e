"""履职情况 of a scripted sit-in with known lateness: exactly these duties are late, and whose they were."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from script import INCIDENT, at, scripted

from review.compliance import Outcome, compliance, to_csv

OVERRIDE = "领导研判升级响应"
# (kind, item, due, done, recorded by, outcome, minutes late, holder when due, reason); times are 09:MM.
EXPECTED = [
    ("step", "start_response", "03", "02", "王值班", "on_time", None, None, ""),
    # 王值班 held the early duty shift at 09:05; 钱值班 the day shift from 09:10 (顶班 for 赵值班).
    ("step", "notify_leader", "05", "08", "王值班", "late", 3, "p-wang", ""),
    # the leader shift was overridden to 李书记; its deadline is tiered, so the override's reason is given.
    ("step", "leader_ack", "10", "12", "李书记", "late", 2, "p-li", OVERRIDE),
    ("step", "notify_commission_head", "15", None, None, "overdue", 25, "p-qian", ""),
    # the field commander is whoever was dispatched with that role (陈队长), not who recorded it.
    ("step", "dispatch_team", "15", "20", "钱值班", "late", 5, "p-chen", ""),
    ("step", "local_unit", "10", None, None, "overdue", 30, "p-qian", ""),
    # no police liaison was assigned and no roster post holds the role: nobody is named.
    ("step", "alert_police_station", "10", "25", "钱值班", "late", 15, None, "派出所民警已在现场"),
    ("step", "keep_gate_open", "20", None, None, "overdue", 20, None, ""),
    ("step", "leader_on_site", "30", None, None, "overdue", 10, "p-li", ""),
    ("step", "persuade", "30", None, None, "overdue", 10, "p-liu", ""),
    ("step", "record_scene", "15", None, None, "overdue", 25, None, ""),
    ("step", "separate_organisers", "40", None, None, "overdue", 0, "p-liu", ""),
    ("step", "medical_standby", "20", None, None, "overdue", 20, None, ""),
    ("step", "logistics_support", "30", None, None, "overdue", 10, None, ""),
    ("report", "initial_phone#1", "15", "14", "钱值班", "on_time", None, None, ""),
    ("report", "initial#1", "30", None, None, "overdue", 10, None, OVERRIDE),
    ("dispatch_ack", "p-chen", "10", "09", "陈队长", "on_time", None, None, ""),
    ("dispatch_ack", "p-liu", "26", "30", "刘干部", "late", 4, "p-liu", ""),
    ("rollcall", "rc-1/p-chen", "37", "33", "陈队长", "on_time", None, None, ""),
    ("rollcall", "rc-1/p-liu", "37", None, None, "overdue", 3, "p-liu", ""),
]
QUIET = {Outcome.BLOCKED, Outcome.NOT_APPLICABLE, Outcome.PENDING}


def _mm(value: object) -> str | None:
    return None if value is None else value.strftime("%M")  # type: ignore[attr-defined]


def test_the_table_names_the_late_duties_and_who_held_them() -> None:
    rows = compliance(INCIDENT, scripted().events, at(40))
    seen = [
        (
            r.kind.value,
            r.item,
            _mm(r.due_at),
            _mm(r.done_at),
            r.done_by.name if r.done_by else None,
            r.outcome.value,
            None if r.late_by is None else r.late_by.total_seconds() / 60,
            r.holder.person_id if r.holder else None,
            r.reason,
        )
        for r in rows
        if r.outcome not in QUIET
    ]
    assert seen == EXPECTED
    # every other step is blocked, not applicable or not yet due, and names nobody
    assert all(r.holder is None and r.late_by is None for r in rows if r.outcome in QUIET)


def test_an_earlier_now_sees_fewer_late_duties() -> None:
    rows = {(r.kind.value, r.item): r for r in compliance(INCIDENT, scripted().events, at(7))}
    assert rows[("step", "notify_leader")].outcome is Outcome.OVERDUE
    assert rows[("step", "notify_leader")].holder is not None
    assert rows[("step", "notify_leader")].holder.name == "王值班"
    assert rows[("dispatch_ack", "p-chen")].outcome is Outcome.PENDING
    assert ("dispatch_ack", "p-liu") not in rows


def test_the_csv_has_one_line_per_duty_with_the_holders_name() -> None:
    rows = compliance(INCIDENT, scripted().events, at(40))
    lines = list(csv.reader(io.StringIO(to_csv(rows))))
    assert len(lines) == len(rows) + 1
    ack = next(line for line in lines if line[1] == "leader_ack")
    assert ack[6:] == ["late", "2.0", "李书记 (p-li)", OVERRIDE]


def test_every_page_is_a_duty_to_acknowledge_in_its_levels_time() -> None:
    from review.compliance import Kind, Page

    def page(person: str, level: int, paged: float, due: float, acked: float | None) -> Page:
        acked_at = at(acked) if acked is not None else None
        route = "link" if acked is not None else None
        return Page("a7", person, level, 0, "go_to_scene", at(paged), at(due), acked_at, route, 40 + level)

    pages = [
        page("p-sun", 0, 1, 6, 4),  # acknowledged in time
        page("p-li", 1, 6, 11, 13),  # two minutes late, through the signed link
        page("p-qian", 1, 6, 11, None),  # never acknowledged
        page("p-chen", 0, 45, 50, None),  # paged after the table's instant: not yet a duty
    ]
    rows = [
        r for r in compliance(INCIDENT, scripted().events, at(40), pages=pages) if r.kind is Kind.PAGE_ACK
    ]
    seen = [
        (
            r.item,
            r.outcome.value,
            r.late_by and r.late_by.total_seconds() / 60,
            r.holder and r.holder.name,
            r.reason,
        )
        for r in rows
    ]
    assert seen == [
        ("a7/p-sun@1.1", "on_time", None, None, "via link"),
        ("a7/p-li@2.1", "late", 2.0, "李书记", "via link"),
        ("a7/p-qian@2.1", "overdue", 29.0, "钱值班", ""),
    ]
    assert rows[1].done_by is not None and rows[1].done_by.name == "李书记" and rows[1].positions == (41,)
