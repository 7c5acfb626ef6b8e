"""A made-up sit-in and its 首报: what `render-report --demo` prints, with no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .document import Header, ReportDocument, document_of
from .draft import build_draft
from .facts import Arrived, DecisionMade, Dispatched, HeadCountChanged, LogFact, Registered, StepDone
from .model import Draft, FieldKey, Stage

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 1, 20, tzinfo=UTC)  # 9时20分 in Beijing

DEMO_HEADER = Header(
    organ="中共示例县纪律检查委员会",
    organ_short="示例县纪委监委信访室",
    number_prefix="县纪发",
    addressees=("县委办公室", "县政府办公室", "市纪委监委信访室"),
    copies=("县委政法委", "县公安局", "县信访局"),
)


def demo_facts() -> list[LogFact]:
    """The log of a sit-in at the county committee's gate, as the report builder reads it."""

    def at(minutes: int) -> datetime:
        return START + timedelta(minutes=minutes)

    return [
        Registered(
            position=101,
            at=at(5),
            number="XF-2026-0005",
            type_label="群众静坐",
            place="县委机关大门",
            head_count=30,
            summary="部分群众因征地补偿问题在县委机关大门前静坐，情绪较为激动",
            source="来电（县委机关门卫报告）",
            started_at=at(0),
            drill=False,
        ),
        Dispatched(
            position=104,
            at=at(8),
            name="李明",
            post="县纪委监委信访室主任",
            role="现场指挥",
            place="县委机关大门",
            phone="13800000000",
            lead=True,
        ),
        Dispatched(position=105, at=at(8), name="王芳", post="信访室干部", role="现场处置"),
        HeadCountChanged(position=110, at=at(20), head_count=45, note="又有群众陆续聚集"),
        Arrived(position=112, at=at(25), name="陈刚", post="县纪委副书记", place="县委机关大门", leader=True),
        StepDone(position=115, at=at(30), title="现场劝导，宣传信访法规", note="引导群众依法逐级反映"),
        DecisionMade(
            position=118,
            at=at(35),
            title="选派群众代表",
            option="选派代表5人到接待室反映诉求",
            reason="人数较多，集中接谈便于了解诉求",
        ),
    ]


NOW = START + timedelta(minutes=40)


def demo_draft() -> Draft:
    """The demo's 首报 draft, filled in as a duty officer would before approval."""
    draft = build_draft(Stage.INITIAL, demo_facts(), NOW, TZ, open_steps=("劝导疏散", "接谈群众代表"))
    return draft.edited(
        {
            FieldKey.DEMANDS: "要求提高征地补偿标准，并公开补偿款发放明细。",
            FieldKey.CASUALTIES: "暂无人员伤亡。",
            FieldKey.TREND: "群众情绪逐步平稳，暂无冲击机关迹象，仍有聚集可能。",
            FieldKey.REQUESTS: "请县公安局加派警力维护现场秩序。",
        }
    )


def demo_document() -> ReportDocument:
    """The demo's 首报 as approved."""
    return document_of(demo_draft(), DEMO_HEADER, serial=5, at=NOW, tz=TZ, signer="陈刚")
