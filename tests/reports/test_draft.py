"""The draft builder: a sit-in's 首报, a 续报 of only what changed, the 终报 with its outcome."""

from __future__ import annotations

from datetime import timedelta

from reports.demo import START, TZ, demo_facts
from reports.draft import build_draft
from reports.facts import Closed, Dispatched, HeadCountChanged, Inclusion
from reports.model import FieldKey, Stage

NOW = START + timedelta(minutes=40)


def _text(draft: object, key: FieldKey) -> str:
    found = draft.field(key)  # type: ignore[attr-defined]
    assert found is not None, key
    return str(found.text)


def test_a_sit_in_drafts_a_first_report_with_its_facts_and_their_positions() -> None:
    draft = build_draft(Stage.INITIAL, demo_facts(), NOW, TZ)
    assert draft.title == "关于县委机关大门群众静坐事件的首报"
    assert _text(draft, FieldKey.RECEIVED_AT) == "2026年3月2日9时25分。"
    assert "县委机关大门" in _text(draft, FieldKey.TIME_PLACE)
    head = draft.field(FieldKey.HEAD_COUNT)
    assert head is not None
    assert head.text == "接报时约30人；9时40分由30人增至45人（又有群众陆续聚集）。"
    assert head.sources == (101, 110)
    leaders = draft.field(FieldKey.LEADERS)
    assert leaders is not None and leaders.sources == (112,)
    assert leaders.text == "县纪委副书记陈刚于9时45分到达县委机关大门。"
    measures = draft.field(FieldKey.MEASURES)
    assert measures is not None and measures.sources == (104, 105, 115, 118)
    assert "派遣李明（县纪委监委信访室主任）前往县委机关大门，任现场指挥" in measures.text
    assert "理由：人数较多，集中接谈便于了解诉求" in measures.text
    assert _text(draft, FieldKey.LEAD) == "李明（县纪委监委信访室主任），联系电话13800000000。"
    # What the log cannot know is left to the officer, and blocks approval until written.
    assert set(draft.missing) == {FieldKey.DEMANDS, FieldKey.CASUALTIES, FieldKey.TREND}
    filled = draft.edited({k: "已核实。" for k in draft.missing})
    assert filled.missing == ()
    assert filled.edited({FieldKey.TREND: " "}).missing == (FieldKey.TREND,)


def test_a_followup_lists_only_what_changed_since_the_previous_sent_report() -> None:
    facts = [
        *demo_facts(),
        HeadCountChanged(position=130, at=START + timedelta(minutes=60), head_count=20, note="部分群众离开"),
        Dispatched(position=131, at=START + timedelta(minutes=62), name="赵强", post="干部", role="安全保卫"),
    ]
    draft = build_draft(Stage.FOLLOWUP, facts, NOW, TZ, since=120, sequence=2)
    assert draft.title == "关于县委机关大门群众静坐事件的续报（二）"
    keys = [f.key for f in draft.fields]
    assert FieldKey.RECEIVED_AT not in keys and FieldKey.SOURCE not in keys
    assert FieldKey.LEADERS not in keys and FieldKey.LEAD not in keys  # nothing new there
    assert _text(draft, FieldKey.HEAD_COUNT) == "10时20分由45人减至20人（部分群众离开）。"
    measures = draft.field(FieldKey.MEASURES)
    assert measures is not None and measures.sources == (131,)
    every_source = {p for f in draft.fields for p in f.sources}
    assert every_source == {130, 131}
    assert draft.missing == (FieldKey.TREND,)


def test_closing_yields_a_final_report_with_the_outcome() -> None:
    closed = Closed(position=140, at=START + timedelta(hours=2), outcome="已劝离", summary="群众已全部离开。")
    draft = build_draft(Stage.FINAL, [*demo_facts(), closed], NOW, TZ)
    assert draft.title.endswith("终报")
    outcome = draft.field(FieldKey.OUTCOME)
    assert outcome is not None and outcome.sources == (140,)
    assert "已劝离" in outcome.text
    assert draft.field(FieldKey.TREND) is None
    assert FieldKey.CAUSE in draft.missing
    # Without the close there is no outcome to state: the 终报 cannot be approved.
    assert FieldKey.OUTCOME in build_draft(Stage.FINAL, demo_facts(), NOW, TZ).missing


def test_confidential_values_appear_only_through_an_approved_inclusion() -> None:
    plain = build_draft(Stage.INITIAL, demo_facts(), NOW, TZ)
    assert plain.field(FieldKey.CONFIDENTIAL) is None
    inclusion = Inclusion(approved_by="陈刚", reason="上级要求", values=(("举报人", "张某"),), position=150)
    shown = build_draft(Stage.INITIAL, demo_facts(), NOW, TZ, inclusion=inclusion)
    confidential = shown.field(FieldKey.CONFIDENTIAL)
    assert confidential is not None and confidential.text == "举报人：张某。"
    assert confidential.sources == (150,)


def test_the_stages_are_the_playbooks_report_stages_plus_the_daily_report() -> None:
    from playbooks.model import ReportStage

    assert {s.value for s in ReportStage} | {"daily", "statistics"} == {s.value for s in Stage}


def test_a_leader_seen_arriving_who_also_ticked_the_step_by_hand_is_listed_once_at_the_earliest() -> None:
    from reports.facts import Arrived

    def arrived(position: int, minutes: int, person: str, name: str, place: str = "") -> Arrived:
        at = START + timedelta(minutes=minutes)
        return Arrived(
            position=position, at=at, name=name, post="县纪委常委", place=place, leader=True, person_id=person
        )

    facts = [
        *demo_facts(),  # 陈刚 arrives at 9时45分 (position 112, no person id: told apart by name and post)
        arrived(113, 22, "wang", "王敏"),  # 王敏 ticks 分管领导到场指挥 by hand at 9时42分 …
        arrived(116, 30, "wang", "王敏", "县委机关大门"),  # … and the movement log sees her arrive later
    ]
    draft = build_draft(Stage.INITIAL, facts, NOW, TZ)
    leaders = draft.field(FieldKey.LEADERS)
    assert leaders is not None
    assert leaders.text == "县纪委常委王敏于9时42分到达现场；县纪委副书记陈刚于9时45分到达县委机关大门。"
    assert leaders.sources == (112, 113)
    # A 续报 does not list again a leader whose first arrival the previous report stated.
    later = [*facts, arrived(125, 38, "wang", "王敏", "接待室")]
    follow = build_draft(Stage.FOLLOWUP, later, NOW, TZ, since=120, sequence=2)
    assert follow.field(FieldKey.LEADERS) is None


def test_a_long_incident_is_summed_up_so_the_report_stays_short_yet_every_position_is_a_source() -> None:
    """Twenty head-count changes and twelve dispatches: the peak, the latest and how often it changed;
    the first five people by name and how many in all; every one of those events still a source."""
    facts = list(demo_facts())
    counts = [
        HeadCountChanged(position=200 + n, at=START + timedelta(minutes=30 + n), head_count=c, note="")
        for n, c in enumerate(
            [50, 60, 90, 120, 80, 70, 65, 64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52]
        )
    ]
    sent = [
        Dispatched(
            position=300 + n, at=START + timedelta(minutes=35 + n), name=f"干部{n}", post="", role="处置"
        )
        for n in range(12)
    ]
    draft = build_draft(Stage.INITIAL, [*facts, *counts, *sent], START + timedelta(hours=2), TZ)
    head = draft.field(FieldKey.HEAD_COUNT)
    assert head is not None
    # 9时20分 + 30 + 3 minutes is the peak of 120; the latest is 52, at 10时09分.
    assert head.text == "接报时约30人；9时53分最多约120人；10时09分约52人；期间人数变化21次。"
    assert set(head.sources) == {101, 110} | {c.position for c in counts}
    measures = draft.field(FieldKey.MEASURES)
    assert measures is not None
    assert (
        "先后派遣李明（县纪委监委信访室主任）、王芳（信访室干部）、干部0、干部1、干部2等14人次赶赴现场"
        in (measures.text)
    )
    assert "干部3" not in measures.text and "干部11" not in measures.text
    assert {104, 105} | {d.position for d in sent} <= set(measures.sources)
    assert "理由：人数较多，集中接谈便于了解诉求" in measures.text  # decisions are still listed
    followup = build_draft(Stage.FOLLOWUP, [*facts, *counts], START + timedelta(hours=2), TZ, since=150)
    assert _text(followup, FieldKey.HEAD_COUNT) == (
        "9时53分最多约120人；10时09分约52人；期间人数变化20次（上次报告时约45人）。"
    )
