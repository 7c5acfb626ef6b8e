"""Incident facts, response levels and grading thresholds shared by playbooks and the engine."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator


class IncidentType(StrEnum):
    """Kind of incident a playbook serves (seed §10, §11, §20, §22)."""

    COLLECTIVE_VISIT = "collective_visit"  # 集体访
    CROSS_LEVEL_VISIT = "cross_level_visit"  # 越级集体访
    SIT_IN = "sit_in"  # 静坐、围堵、冲击机关大门、拦截领导车辆
    VIOLENCE = "violence"  # 行凶、自杀、携带危险品或爆炸物品
    SCREENING = "screening"  # 重要节日、重大活动前排查
    REPEAT_PETITIONER = "repeat_petitioner"  # 信访老户
    OTHER = "other"


class PlaceType(StrEnum):
    """Where the incident is happening."""

    PARTY_GOV_GATE = "party_gov_gate"  # 党政机关大门
    RECEPTION_HALL = "reception_hall"  # 信访接待场所
    LEADER_CAR = "leader_car"  # 领导车辆所在处
    PUBLIC_PLACE = "public_place"  # 公共场所
    TOWNSHIP_OFFICE = "township_office"  # 乡镇（街道）机关
    OTHER = "other"


class UnitLevel(StrEnum):
    """Level of the unit handling the incident; a township may not transfer (seed §3, 只办不转)."""

    COUNTY = "county"  # 县级
    TOWNSHIP = "township"  # 乡镇、街道社区、国有控股企业


class Level(StrEnum):
    """The office's internal response tier (应急响应级别): Ⅳ级响应 < Ⅲ级 < Ⅱ级 < Ⅰ级响应.

    It says how hard the office turns out, with thresholds a county sets for its own scale; it is not
    the event grade (事件等级, `EventGrade`) that an upward report states. The value names are kept
    from the national scale they mirror (general … extraordinary) so stored runs read back unchanged.
    """

    GENERAL = "general"  # 一般 (IV)
    LARGER = "larger"  # 较大 (III)
    MAJOR = "major"  # 重大 (II)
    EXTRAORDINARY = "extraordinary"  # 特别重大 (I)

    @property
    def rank(self) -> int:
        """Order of severity, 0 for general up to 3 for extraordinary."""
        return _LEVEL_RANK[self]

    @property
    def roman(self) -> str:
        """The level as a Roman numeral (I is the most severe)."""
        return ("IV", "III", "II", "I")[self.rank]

    @property
    def zh(self) -> str:
        """The tier's Chinese name (Ⅳ级响应 … Ⅰ级响应)."""
        return ("Ⅳ级响应", "Ⅲ级响应", "Ⅱ级响应", "Ⅰ级响应")[self.rank]


_LEVEL_ORDER = (Level.GENERAL, Level.LARGER, Level.MAJOR, Level.EXTRAORDINARY)
# Ranks are read for every condition and grade the engine judges: looked up, not searched for.
_LEVEL_RANK = {level: i for i, level in enumerate(_LEVEL_ORDER)}


class EventGrade(StrEnum):
    """事件等级: the grade of the event itself on the model mass-incident scale (一般 Ⅳ … 特别重大 Ⅰ).

    This is what a 首报 states; it is graded from the head count and the place with the office's
    `event_*` thresholds (docs/playbooks.md gives the model values and their source).
    """

    GENERAL = "general"  # 一般 (Ⅳ级)
    LARGER = "larger"  # 较大 (Ⅲ级)
    MAJOR = "major"  # 重大 (Ⅱ级)
    EXTRAORDINARY = "extraordinary"  # 特别重大 (Ⅰ级)

    @property
    def rank(self) -> int:
        """Order of severity, 0 for general up to 3 for extraordinary."""
        return _GRADE_RANK[self]

    @property
    def roman(self) -> str:
        """The grade as a Roman numeral (I is the most severe)."""
        return ("IV", "III", "II", "I")[self.rank]

    @property
    def zh(self) -> str:
        """The grade's Chinese name."""
        return ("一般", "较大", "重大", "特别重大")[self.rank]


_GRADE_RANK = {grade: i for i, grade in enumerate(EventGrade)}

ThresholdName = Literal[
    "head_count_collective", "head_count_larger", "head_count_major", "head_count_extraordinary"
]

# Deadlines a step or report may take from the settings (`due: {setting: local_unit_township}`).
DeadlineSetting = Literal[
    "emergency_call",
    "leader_ack",
    "local_unit_town",
    "local_unit_township",
    "first_report_phone",
    "first_report_written",
    "send_up",  # in working days: material sent up to the higher commission (2020 rules art. 15)
    "send_up_direct",  # in working days: a report about this commission's head, straight to the higher one
]
# Deadline settings counted in working days (Monday to Friday in the office's time zone), not minutes.
WORKING_DAY_SETTINGS = frozenset({"send_up", "send_up_direct"})


class GradingThresholds(BaseModel):
    """Settings the playbooks refer to by name, so an office tunes numbers without editing YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    head_count_collective: int = Field(default=5, ge=1)  # 5 人以上即为集体访
    head_count_larger: int = Field(default=30, ge=1)
    head_count_major: int = Field(default=50, ge=1)
    head_count_extraordinary: int = Field(default=100, ge=1)
    max_representatives: int = Field(default=5, ge=1, le=5)  # 群众代表人数上限（不超过5人）
    due_soon_minutes: int = Field(default=5, ge=0)  # a step turns "due soon" this long before its deadline
    # 时限 that `due: {setting: ...}` names (minutes), so an office sets them without editing YAML.
    emergency_call_minutes: int = Field(default=2, ge=0)  # 110/120/119 once weapons or self-harm appear
    leader_ack_minutes: int = Field(default=10, ge=0)  # the leader in charge acknowledges (领导签收)
    local_unit_town_minutes: int = Field(default=20, ge=0)  # 属地 street / county unit on the scene
    local_unit_township_minutes: int = Field(default=30, ge=0)  # 属地 township on the scene
    first_report_phone_minutes_major: int = Field(default=15, ge=0)  # 首报 by phone, 重大 and above
    first_report_written_minutes_major: int = Field(default=30, ge=0)  # 首报 in writing, 重大 and above
    first_report_phone_minutes_larger: int = Field(default=30, ge=0)  # 首报 by phone, below 重大
    first_report_written_minutes_larger: int = Field(default=60, ge=0)  # 首报 in writing, below 重大
    send_up_working_days: int = Field(default=5, ge=0)  # 报送上级: material within 5 working days
    # 径送上一级: a report about this commission's own head (art. 15 names no period of its own; its
    # 5 working days are the outer bound, counted from the disposition, with no head to tell first).
    send_up_direct_working_days: int = Field(default=5, ge=0)
    # 日报: once a run passes `daily_report_after_hours`, reports with `schedule: daily` are owed at these
    # hours of the office's time zone, and `schedule: first_day` ones (the two-hourly 续报) stop.
    daily_report_after_hours: int = Field(default=24, ge=1)
    daily_report_morning_hour: int = Field(default=8, ge=0, le=23)
    daily_report_afternoon_hour: int = Field(default=17, ge=0, le=23)
    timezone: str = "Asia/Shanghai"  # the console's CONSOLE_TIMEZONE; daily hours are read in it
    # 事件等级 (EventGrade): one gathering anywhere, and at a sensitive site (党政机关大门). The Ⅰ and Ⅱ
    # values are the model plan's (docs/playbooks.md); Ⅲ is the office's own choice.
    event_head_count_larger: int = Field(default=100, ge=1)
    event_head_count_major: int = Field(default=1000, ge=1)
    event_head_count_extraordinary: int = Field(default=3000, ge=1)
    event_sensitive_site_larger: int = Field(default=50, ge=1)
    event_sensitive_site_major: int = Field(default=100, ge=1)
    event_sensitive_site_extraordinary: int = Field(default=200, ge=1)

    @model_validator(mode="after")
    def _ascending(self) -> GradingThresholds:
        counts = [self.value(name) for name in get_args(ThresholdName)]
        if counts != sorted(counts):
            raise ValueError("head-count thresholds must not decrease from collective to extraordinary")
        if self.daily_report_morning_hour >= self.daily_report_afternoon_hour:
            raise ValueError("the morning daily report hour must come before the afternoon one")
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        for where in ("head_count", "sensitive_site"):
            grades = [getattr(self, f"event_{where}_{g}") for g in ("larger", "major", "extraordinary")]
            if grades != sorted(grades):
                raise ValueError(f"event_{where} thresholds must not decrease from larger to extraordinary")
        return self

    def value(self, name: ThresholdName) -> int:
        """The threshold called `name`."""
        return int(getattr(self, name))

    def deadline_minutes(self, name: DeadlineSetting, level: Level | None) -> int:
        """The minutes (working days for WORKING_DAY_SETTINGS) of the deadline setting `name`; 首报
        settings depend on the response tier."""
        if name in WORKING_DAY_SETTINGS:
            return int(getattr(self, f"{name}_working_days"))
        if name in ("first_report_phone", "first_report_written"):
            tier = "major" if level is not None and level.rank >= Level.MAJOR.rank else "larger"
            return int(getattr(self, f"{name}_minutes_{tier}"))
        return int(getattr(self, f"{name}_minutes"))


DEFAULT_THRESHOLDS = GradingThresholds()


class IncidentFacts(BaseModel):
    """What is known about an incident; grading rules and step conditions read only these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_type: IncidentType
    head_count: int = Field(default=1, ge=0)
    place_type: PlaceType = PlaceType.OTHER
    leader_car_involved: bool = False  # 拦截领导车辆
    dangerous_items: bool = False  # 携带危险品、爆炸物品
    violence_or_self_harm: bool = False  # 行凶、自杀或以自伤相威胁
    sensitive_date: bool = False  # 重要节日、重大活动、敏感节点
    cross_level: bool = False  # 越级
    to_beijing: bool = False  # 进京 (a cross-level visit to the capital)
    requested_by_higher: bool = False  # 上级机关交办或要求查报结果 (seed §9: the county handles it itself)
    repeat_petitioner: bool = False  # 信访老户
    unit_level: UnitLevel = UnitLevel.COUNTY
    # 反映本机关主要负责人问题: the report is about this commission's own head (2020 rules art. 15). Set
    # by the incident's marking (console.incidents), never cleared: the head's steps stand aside (回避).
    about_commission_head: bool = False


FactName = Literal[
    "incident_type",
    "head_count",
    "place_type",
    "leader_car_involved",
    "dangerous_items",
    "violence_or_self_harm",
    "sensitive_date",
    "cross_level",
    "to_beijing",
    "requested_by_higher",
    "repeat_petitioner",
    "unit_level",
    "about_commission_head",
]

# Which comparisons make sense for a fact: counts compare with thresholds, enums with their values.
FACT_ENUMS: dict[str, type[StrEnum]] = {
    "incident_type": IncidentType,
    "place_type": PlaceType,
    "unit_level": UnitLevel,
}
COUNT_FACTS = frozenset({"head_count"})
BOOL_FACTS = frozenset(set(get_args(FactName)) - set(FACT_ENUMS) - COUNT_FACTS)


def event_grade(facts: IncidentFacts, thresholds: GradingThresholds) -> EventGrade:
    """事件等级 of `facts`: the grade the head count reaches anywhere, or at a sensitive site."""
    sensitive = facts.place_type is PlaceType.PARTY_GOV_GATE
    # The model plan puts a collective visit that may go to the capital (有可能进京) at 重大 at least.
    floor = EventGrade.MAJOR if facts.to_beijing else EventGrade.GENERAL
    for grade in (EventGrade.EXTRAORDINARY, EventGrade.MAJOR, EventGrade.LARGER):
        if grade.rank < floor.rank:
            return floor
        anywhere = getattr(thresholds, f"event_head_count_{grade.value}")
        at_site = getattr(thresholds, f"event_sensitive_site_{grade.value}")
        if facts.head_count >= anywhere or (sensitive and facts.head_count >= at_site):
            return grade
    return floor
