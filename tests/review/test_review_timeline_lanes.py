"""The timeline's page and report lanes (通知、报告) of the scripted sit-in: a page delivered on its
second try and acknowledged, a page never acknowledged, a report drafted → approved → sent → delivered
on time and a late one; every mark with its tooltip in local time, lanes under their headings, a
legend, and the chart growing with its lanes."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))

from script import INCIDENT, Logged, at, scripted

from review.activity import SYSTEM, Entry, activity
from review.compliance import Page, compliance
from review.log import LoggedEvent, fold
from review.timeline import lane_entries, page_lanes, render, report_lanes

NS = {"s": "http://www.w3.org/2000/svg"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = at(40)


def _at(minutes: float) -> str:
    stamp: str = at(minutes).isoformat()
    return stamp


def _page(alert_id: str, person_id: str, minute: float, acked: float | None, route: str | None) -> Page:
    return Page(
        alert_id=alert_id,
        person_id=person_id,
        level=0,
        round=0,
        ask="go_to_scene",
        paged_at=at(minute),
        due_at=at(minute) + timedelta(minutes=5),
        acked_at=at(acked) if acked is not None else None,
        ack_route=route,
        position=0,
    )


PAGES = [_page("al1", "p-chen", 6, 9, "link"), _page("al2", "p-liu", 21, None, None)]


def _extra() -> list[Logged]:
    a = "alerts-" + INCIDENT
    phone = {"stage": "initial", "sequence": 1, "number": "XF-2026-0001", "drill": False}
    r1, r2 = "report-r1", "report-r2"
    return [
        Logged(900, "org", "org.imported", "u-admin", "管理员", _at(-100), _at(-100),
               {"table": "units", "units": [{"id": "party-office", "name": "县委办"}]}),
        Logged(901, a, "alert.attempt_recorded", SYSTEM, "系统", _at(6.1), _at(6.1),
               {"alert_id": "al1", "incident_id": INCIDENT, "person_id": "p-chen", "kind": "wecom",
                "ok": False, "status": "error", "reason": "HTTP 502"}),
        Logged(902, a, "alert.attempt_recorded", SYSTEM, "系统", _at(7), _at(7),
               {"alert_id": "al1", "incident_id": INCIDENT, "person_id": "p-chen", "kind": "dingtalk",
                "ok": True, "status": "sent", "reason": ""}),
        Logged(903, a, "alert.acknowledged", "u-chen", "陈队长", _at(9), _at(9),
               {"alert_id": "al1", "incident_id": INCIDENT, "person_id": "p-chen", "level": 0,
                "route": "link", "via": "dingtalk"}),
        Logged(904, a, "alert.attempt_recorded", SYSTEM, "系统", _at(21.2), _at(21.2),
               {"alert_id": "al2", "incident_id": INCIDENT, "person_id": "p-liu", "kind": "dingtalk",
                "ok": True, "status": "sent", "reason": ""}),
        Logged(910, r1, "report.drafted", "u-qian", "钱值班", _at(10), _at(10),
               {"report_id": "r1", "incident_id": INCIDENT, "obligation_id": "initial_phone",
                "version": 1, "draft": phone}),
        Logged(911, r1, "report.approved", "u-li", "李书记", _at(12), _at(12),
               {"report_id": "r1", "version": 1, "signer": "李书记", "serial": 7, "year": 2026}),
        Logged(912, r1, "report.sent", "u-qian", "钱值班", _at(13), _at(13),
               {"report_id": "r1", "incident_id": INCIDENT, "version": 1, "recipients": ["party-office"]}),
        Logged(913, r1, "report.delivery_attempted", SYSTEM, "系统", _at(13.5), _at(13.5),
               {"report_id": "r1", "version": 1, "recipient": "party-office", "ok": True,
                "status": "sent", "reason": ""}),
        Logged(920, r2, "report.drafted", "u-qian", "钱值班", _at(35), _at(35),
               {"report_id": "r2", "incident_id": INCIDENT, "obligation_id": "initial", "version": 1,
                "draft": {**phone, "stage": "followup", "sequence": 2}}),
    ]  # fmt: skip


def _svg() -> ET.Element:
    events: list[LoggedEvent] = [*scripted().events, *_extra()]
    record = fold(INCIDENT, events)
    rows = compliance(INCIDENT, events, NOW)
    entries = activity(INCIDENT, events, pages=PAGES)
    labels = {"title": "时间轴", "obligation:initial": "书面首报（initial）"}
    text = render(record, rows, NOW, labels, SHANGHAI, pages=PAGES, entries=entries)
    return ET.fromstring(text)


def _titles(lane: ET.Element, kind: str) -> list[str]:
    return [m.findtext("s:title", "", NS) for m in lane.findall(f"*[@data-kind='{kind}']", NS)]


def test_a_page_delivered_on_its_second_try_and_acknowledged() -> None:
    svg = _svg()
    lanes = {g.get("data-page"): g for g in svg.findall(".//s:g[@class='lane page']", NS)}
    assert list(lanes) == ["al1/p-chen", "al2/p-liu"]
    chen = lanes["al1/p-chen"]
    assert chen.get("data-open") == "false"
    assert chen.findtext("s:text/s:title", "", NS) == "陈队长·赶赴现场"
    assert _titles(chen, "paged") == ["告警 陈队长（赶赴现场）第1级第1轮 03-02 17:06"]
    # the channel by its kind (企业微信, 钉钉), never its address
    assert _titles(chen, "failed") == ["未送达（企业微信：HTTP 502）03-02 17:06"]
    assert _titles(chen, "delivered") == ["送达（钉钉）03-02 17:07"]
    assert _titles(chen, "acked") == ["陈队长确认 03-02 17:09 通过短信/消息链接确认（钉钉），距告警3分钟"]
    # marks in the order they happened
    kinds = [m.get("data-kind") for m in chen.findall("*[@class='mark']", NS)]
    assert kinds == ["paged", "failed", "delivered", "acked"]
    bar = chen.find("s:rect[@class='span']", NS)
    assert bar is not None and bar.findtext("s:title", "", NS) == "告警至确认 3分钟"


def test_a_page_never_acknowledged_stays_open_to_the_end_of_the_chart() -> None:
    svg = _svg()
    liu = svg.find(".//s:g[@data-page='al2/p-liu']", NS)
    assert liu is not None and liu.get("data-open") == "true"
    assert _titles(liu, "acked") == []
    assert _titles(liu, "delivered") == ["送达（钉钉）03-02 17:21"]
    bar = liu.find("s:rect[@class='span']", NS)
    assert bar is not None and bar.findtext("s:title", "", NS) == "未确认（已19分钟）"
    assert bar.get("stroke-dasharray")  # drawn open
    # it reaches `now`, as a person still on scene does
    end = float(bar.get("x", "0")) + float(bar.get("width", "0"))
    on_scene = svg.findall(".//s:g[@data-person='p-chen']/s:rect[@class='stretch']", NS)[-1]
    assert on_scene.get("data-status") == "on_scene"
    assert end == round(float(on_scene.get("x", "0")) + float(on_scene.get("width", "0")), 1)


def test_report_lanes_show_every_step_and_their_deadlines() -> None:
    svg = _svg()
    lanes = {g.get("data-report"): g for g in svg.findall(".//s:g[@class='lane report']", NS)}
    assert list(lanes) == ["r1", "r2"]
    r1 = lanes["r1"]
    assert r1.findtext("s:text/s:title", "", NS) == "首报"
    kinds = [m.get("data-kind") for m in r1.findall("s:circle[@class='mark']", NS)]
    assert kinds == ["report_drafted", "report_approved", "report_sent", "report_delivered"]
    assert _titles(r1, "report_approved") == ["首报 第1版 签发 03-02 17:12 李书记（文号 2026-7）"]
    assert _titles(r1, "report_delivered") == ["首报 第1版 送达 03-02 17:13（已送达 县委办）"]
    assert r1.get("data-late") == "false"
    tick = r1.find("s:line[@class='deadline']", NS)
    assert tick is not None and tick.get("stroke") == "#333"
    assert tick.findtext("s:title", "", NS) == "报告时限 03-02 17:15，03-02 17:14完成"
    r2 = lanes["r2"]  # drafted after the 首报's deadline and never sent
    assert r2.findtext("s:text/s:title", "", NS) == "续报（第2次）"
    assert r2.get("data-late") == "true"
    tick = r2.find("s:line[@class='deadline']", NS)
    assert tick is not None and tick.get("stroke") == "#d9534f"
    assert tick.findtext("s:title", "", NS) == "报告时限 03-02 17:30，未完成，逾期10分钟"
    assert r2.find("s:rect[@class='lateness']", NS) is not None
    bar = r2.find("s:rect[@class='span']", NS)
    assert bar is not None and bar.findtext("s:title", "", NS) == "续报（第2次） 起草至报送（未报送）"


def test_an_obligation_owed_and_never_drafted_has_its_own_lane() -> None:
    events: list[LoggedEvent] = [*scripted().events, *_extra()[:5]]  # no report drafted
    rows = compliance(INCIDENT, events, NOW)
    lanes = report_lanes(activity(INCIDENT, events), rows, NOW, {"obligation:initial": "书面首报"})
    assert [(lane.key, lane.label, lane.deadline.late if lane.deadline else None) for lane in lanes] == [
        ("initial_phone#1", "initial_phone", False),
        ("initial#1", "书面首报", True),
    ]


def test_lanes_are_grouped_under_headings_with_a_legend_and_the_chart_grows() -> None:
    svg = _svg()
    headings = [g.findtext("s:text", "", NS) for g in svg.findall("s:g[@class='heading']", NS)]
    assert headings == ["人员", "步骤", "通知", "报告"]
    legend = [t.text for t in svg.findall("s:g[@class='legend']/s:text", NS)]
    assert {"告警送达", "未送达", "告警已确认", "签发", "报送", "逾期"} <= set(legend)
    # every mark carries a tooltip
    for mark in svg.findall(".//*[@class='mark']", NS):
        assert mark.findtext("s:title", "", NS), ET.tostring(mark)
    events = scripted().events
    bare = ET.fromstring(render(fold(INCIDENT, events), compliance(INCIDENT, events, NOW), NOW, {}))
    assert float(svg.get("viewBox", "").split()[3]) > float(bare.get("viewBox", "").split()[3])
    assert bare.find(".//s:g[@class='lane page']", NS) is None


def test_page_lanes_end_at_now() -> None:
    record = fold(INCIDENT, scripted().events)
    lanes = page_lanes(record, PAGES, [], at(8))  # before 陈队长 acknowledged, before 刘干部 was paged
    assert [(lane.key, lane.open) for lane in lanes] == [("al1/p-chen", True)]


def test_an_acknowledgement_the_log_has_no_event_for_is_named_by_its_route() -> None:
    record = fold(INCIDENT, scripted().events)
    [chen, _liu] = page_lanes(record, PAGES, [], at(30), SHANGHAI)
    assert [m.title for m in chen.marks if m.kind == "acked"] == [
        "陈队长确认 03-02 17:09 通过短信/消息链接确认，距告警3分钟"
    ]
    assert not chen.open and chen.end == at(9)


def test_the_lanes_read_the_same_entries_as_the_activity_log() -> None:
    events: list[LoggedEvent] = [*scripted().events, *_extra()]

    def drawn(entries: list[Entry]) -> list[tuple[object, ...]]:
        # what the lanes draw of an entry (its place and positions are the activity log's)
        seen = [
            (e.ref, e.person_id, e.name, e.at, e.activity, e.subject, e.detail, e.obligation) for e in entries
        ]
        return sorted(seen, key=repr)

    # 2 pages, 3 delivery attempts, 1 acknowledgement; 5 report entries
    full = [e for e in activity(INCIDENT, events, pages=PAGES) if e.ref]
    assert len(full) == 11 and drawn(lane_entries(INCIDENT, events, PAGES)) == drawn(full)
