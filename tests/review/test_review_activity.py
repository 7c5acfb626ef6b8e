"""工作记录 (ICS-214): every person's activity at the scripted sit-in, in order, each naming its events."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from script import INCIDENT, Logged, at, scripted

from review.activity import SYSTEM, Activity, Entry, activity, people, to_csv
from review.compliance import Page
from review.labels import ACTIVITY_LABELS
from review.log import LoggedEvent

POLICE = "通报辖区公安机关做好协助准备（alert_police_station）"
# Console users and the people they are (person id = user name in the console; here the script's ids).
PERSONS = {"u-wang": "p-wang", "u-qian": "p-qian", "u-li": "p-li", "u-chen": "p-chen", "u-liu": "p-liu"}

# (person, 09:MM occurred, activity, subject, place, detail) per person, in the order of the log.
EXPECTED = {
    "p-wang": [
        ("00", "registered", "XF-2026-0001", "机关大门", "60人 · 群众在机关大门静坐"),
        ("02", "step_done", "接报并启动预案（start_response）", "", ""),
        ("05", "sent_someone", "陈队长（现场指挥）", "", "前往gate"),
        ("08", "step_done", "报告分管领导（notify_leader）", "", ""),
    ],
    "p-chen": [
        ("05", "dispatched", "现场指挥", "gate", "由王值班派遣"),
        ("09", "acknowledged", "", "", ""),
        ("16", "on_scene", "", "gate", ""),
        # where he was when he answered the roll call: the place of his last move
        ("33", "rollcall_confirmed", "rc-1", "gate", ""),
    ],
    "p-li": [
        ("06", "level_set", "Ⅰ级响应", "", "理由：领导研判升级响应"),
        ("12", "step_done", "分管领导签收并明确处置要求（leader_ack）", "", ""),
        ("32", "rollcall_started", "rc-1", "", "应到2人"),
    ],
    "p-qian": [
        ("14", "report_filed", "首报（电话）（initial_phone）", "", ""),
        ("20", "step_done", "现场处置组赶赴现场（dispatch_team）", "", ""),
        ("21", "sent_someone", "刘干部（现场处置）", "", "前往gate"),
        ("25", "step_skipped", POLICE, "", "理由：派出所民警已在现场"),
    ],
    "p-liu": [
        ("21", "dispatched", "现场处置", "gate", "由钱值班派遣"),
        ("30", "acknowledged", "", "", ""),
    ],
}


def _seen(entries: list[Entry]) -> dict[str, list[tuple[str, str, str, str, str]]]:
    return {
        pid: [(e.at.strftime("%M"), e.activity.value, e.subject, e.place, e.detail) for e in rows]
        for pid, _name, rows in people(entries)
    }


def test_every_person_has_their_activity_in_order() -> None:
    entries = activity(INCIDENT, scripted().events, persons=PERSONS)
    seen = _seen(entries)
    assert list(seen) == list(EXPECTED)  # people in the order they first acted
    assert seen == EXPECTED
    names = {pid: name for pid, name, _ in people(entries)}
    assert names == {
        "p-wang": "王值班",
        "p-chen": "陈队长",
        "p-li": "李书记",
        "p-qian": "钱值班",
        "p-liu": "刘干部",
    }


def test_each_entry_names_the_event_it_comes_from() -> None:
    events = scripted().events
    by_position = {e.position: e for e in events}
    for entry in activity(INCIDENT, events, persons=PERSONS):
        assert entry.positions, entry
        for p in entry.positions:
            assert datetime.fromisoformat(by_position[p].occurred_at) == entry.at, entry
    arrived = next(e for e in activity(INCIDENT, events, persons=PERSONS) if e.activity is Activity.ON_SCENE)
    # reached the gate at 09:16, entered at 09:31: a fact reported late
    assert arrived.reported_late and arrived.recorded_at == at(31)
    assert by_position[arrived.positions[0]].type == "responder.moved"


def test_a_user_who_is_no_person_is_named_as_the_console_knows_them() -> None:
    entries = activity(INCIDENT, scripted().events, persons={})
    keys = [pid for pid, _name, _rows in people(entries)]
    # what 王值班 recorded is under the console user; 陈队长's own moves under the person
    assert keys[:2] == ["user:u-wang", "p-chen"]
    assert people(entries)[0][1] == "王值班"


def _at(minutes: float) -> str:
    stamp: str = at(minutes).isoformat()
    return stamp


def _reports_and_pages() -> list[Logged]:
    r = "report-r1"
    a = "alerts-" + INCIDENT
    draft = {"stage": "initial", "sequence": 1, "number": "XF-2026-0001", "drill": False}
    return [
        Logged(900, "org", "org.imported", "u-admin", "管理员", _at(-100), _at(-100),
               {"table": "units", "units": [{"id": "party-office", "name": "县委办"}]}),
        Logged(901, r, "report.drafted", "u-qian", "钱值班", _at(22), _at(22),
               {"report_id": "r1", "incident_id": INCIDENT, "obligation_id": "initial", "version": 1,
                "draft": draft}),
        Logged(902, r, "report.submitted", "u-qian", "钱值班", _at(24), _at(24),
               {"report_id": "r1", "version": 1}),
        Logged(903, r, "report.returned", "u-li", "李书记", _at(26), _at(26),
               {"report_id": "r1", "version": 1, "reason": "人数不准"}),
        Logged(904, r, "report.drafted", "u-qian", "钱值班", _at(27), _at(27),
               {"report_id": "r1", "incident_id": INCIDENT, "obligation_id": "initial", "version": 2,
                "draft": draft}),
        Logged(905, r, "report.approved", "u-li", "李书记", _at(28), _at(28),
               {"report_id": "r1", "version": 2, "signer": "李书记", "serial": 7, "year": 2026}),
        Logged(906, r, "report.sent", "u-qian", "钱值班", _at(29), _at(29),
               {"report_id": "r1", "incident_id": INCIDENT, "version": 2, "recipients": ["party-office"]}),
        Logged(907, r, "report.delivery_attempted", SYSTEM, "系统", _at(29.5), _at(29.5),
               {"report_id": "r1", "version": 2, "recipient": "party-office", "ok": True, "status": "sent",
                "reason": ""}),
        Logged(908, r, "report.receipt_confirmed", "u-qian", "钱值班", _at(35), _at(35),
               {"report_id": "r1", "version": 2, "recipient": "party-office", "confirmed_by": "县委办张某"}),
        Logged(909, r, "report.downloaded", "u-insp", "钱督查", _at(99), _at(99),
               {"report_id": "r1", "version": 2, "format": "pdf"}),
        Logged(910, a, "alert.attempt_recorded", SYSTEM, "系统", _at(6.2), _at(6.2),
               {"alert_id": "al1", "incident_id": INCIDENT, "person_id": "p-sun", "kind": "dingtalk",
                "ok": True, "status": "sent", "reason": ""}),
        Logged(911, a, "alert.acknowledged", "u-sun", "孙主任", _at(9), _at(9),
               {"alert_id": "al1", "incident_id": INCIDENT, "person_id": "p-sun", "level": 0,
                "route": "link", "via": "dingtalk"}),
    ]  # fmt: skip


def test_reports_pages_and_their_delivery_are_someones_activity() -> None:
    events: list[LoggedEvent] = [*scripted().events, *_reports_and_pages()]
    page = Page("al1", "p-sun", 0, 0, "go_to_scene", at(6), at(11), at(9), "link", 911)
    entries = activity(INCIDENT, events, pages=[page], persons=PERSONS | {"u-sun": "p-sun"})
    seen = _seen(entries)
    assert seen["p-qian"] == [
        ("14", "report_filed", "首报（电话）（initial_phone）", "", ""),
        ("20", "step_done", "现场处置组赶赴现场（dispatch_team）", "", ""),
        ("21", "sent_someone", "刘干部（现场处置）", "", "前往gate"),
        ("22", "report_drafted", "首报 第1版", "", ""),
        ("24", "report_submitted", "首报 第1版", "", ""),
        ("25", "step_skipped", POLICE, "", "理由：派出所民警已在现场"),
        ("27", "report_drafted", "首报 第2版", "", ""),
        ("29", "report_sent", "首报 第2版", "", "报送 县委办"),
        # the worker's delivery is logged in the name of who sent the version
        ("29", "report_delivered", "首报 第2版", "", "已送达 县委办"),
        ("35", "report_confirmed", "首报 第2版", "", "县委办 县委办张某 确认收到"),
    ]
    assert [x[1:] for x in seen["p-li"] if x[1].startswith("report")] == [
        ("report_returned", "首报 第1版", "", "理由：人数不准"),
        ("report_approved", "首报 第2版", "", "文号 2026-7"),
    ]
    # the page: received at 09:06 (the level override's event), delivered by DingTalk, acknowledged by link
    assert seen["p-sun"] == [
        ("06", "paged", "赶赴现场", "", "第1级第1轮"),
        ("06", "page_delivered", "赶赴现场", "", "钉钉"),
        ("09", "page_acknowledged", "赶赴现场", "", "通过短信/消息链接确认（钉钉）"),
    ]
    paged = next(e for e in entries if e.activity is Activity.PAGED)
    assert paged.positions == (8,)
    delivered = next(e for e in entries if e.activity is Activity.REPORT_DELIVERED)
    assert delivered.positions == (907,)
    # a read of a report is no activity at the incident
    assert all(909 not in e.positions for e in entries)


def test_the_csv_has_a_line_per_entry_with_its_positions() -> None:
    entries = activity(INCIDENT, scripted().events, persons=PERSONS)
    labels = {k: zh for k, (zh, _en) in ACTIVITY_LABELS.items()}
    lines = list(csv.reader(io.StringIO(to_csv(entries, labels))))
    assert len(lines) == len(entries) + 1
    arrived = next(line for line in lines if line[5] == "到达现场")
    assert arrived[:2] == ["p-chen", "陈队长"] and arrived[4] == "gate" and arrived[8] == "13"
    assert set(ACTIVITY_LABELS) == {a.value for a in Activity}


def test_the_consoles_reminders_and_escalations_name_the_step_or_report_in_words() -> None:
    """A timer's action is recorded by its key (remind:step:ID); the activity log says what it was."""
    from console.runs.events import RunActionFired
    from console.timer_loop import TIMER_ACTOR
    from playbooks.history import ActionFired
    from playbooks.state import ActionKind

    script = scripted()
    for n, (key, kind) in enumerate(
        [
            ("remind:step:notify_leader", ActionKind.REMIND),
            ("escalate:step:notify_leader", ActionKind.ESCALATE),
            ("report_due:initial_phone:1", ActionKind.REPORT_DUE),
            ("escalate:report:initial_phone:1", ActionKind.ESCALATE),
        ]
    ):
        fired = RunActionFired(
            incident_id=INCIDENT,
            record=ActionFired(at=at(40 + n), key=key),
            kind=kind,
            role="duty_officer",
            due_at=at(40 + n).isoformat(),
            drill=False,
        )
        script.event(TIMER_ACTOR, f"run-{INCIDENT}", fired, 40 + n)
    entries = activity(INCIDENT, script.events, persons=PERSONS)
    reminders = [e.subject for e in entries if e.activity is Activity.REMINDER]
    assert reminders == [
        "提醒 · 报告分管领导（notify_leader）",
        "升级 · 报告分管领导（notify_leader）",
        "报告到期 · 首报（电话）（initial_phone）",
        "升级 · 首报（电话）（initial_phone）",
    ], reminders
