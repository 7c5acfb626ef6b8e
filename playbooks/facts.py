"""Incident facts, response levels and grading thresholds shared by playbooks and the engine."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

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
    """Response level: 一般 IV < 较大 III < 重大 II < 特别重大 I."""

    GENERAL = "general"  # 一般 (IV)
    LARGER = "larger"  # 较大 (III)
    MAJOR = "major"  # 重大 (II)
    EXTRAORDINARY = "extraordinary"  # 特别重大 (I)

    @property
    def rank(self) -> int:
        """Order of severity, 0 for general up to 3 for extraordinary."""
        return _LEVEL_ORDER.index(self)

    @property
    def roman(self) -> str:
        """The level as a Roman numeral (I is the most severe)."""
        return ("IV", "III", "II", "I")[self.rank]

    @property
    def zh(self) -> str:
        """The level's Chinese name."""
        return ("一般", "较大", "重大", "特别重大")[self.rank]


_LEVEL_ORDER = (Level.GENERAL, Level.LARGER, Level.MAJOR, Level.EXTRAORDINARY)

ThresholdName = Literal[
    "head_count_collective", "head_count_larger", "head_count_major", "head_count_extraordinary"
]


class GradingThresholds(BaseModel):
    """Settings the playbooks refer to by name, so an office tunes numbers without editing YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    head_count_collective: int = Field(default=5, ge=1)  # 5 人以上即为集体访
    head_count_larger: int = Field(default=30, ge=1)
    head_count_major: int = Field(default=50, ge=1)
    head_count_extraordinary: int = Field(default=100, ge=1)
    max_representatives: int = Field(default=5, ge=1, le=5)  # 群众代表人数上限（不超过5人）
    due_soon_minutes: int = Field(default=5, ge=0)  # a step turns "due soon" this long before its deadline

    @model_validator(mode="after")
    def _ascending(self) -> GradingThresholds:
        counts = [self.value(name) for name in get_args(ThresholdName)]
        if counts != sorted(counts):
            raise ValueError("head-count thresholds must not decrease from collective to extraordinary")
        return self

    def value(self, name: ThresholdName) -> int:
        """The threshold called `name`."""
        return int(getattr(self, name))


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
    requested_by_higher: bool = False  # 上级机关交办或要求查报结果 (seed §9: the county handles it itself)
    repeat_petitioner: bool = False  # 信访老户
    unit_level: UnitLevel = UnitLevel.COUNTY


FactName = Literal[
    "incident_type",
    "head_count",
    "place_type",
    "leader_car_involved",
    "dangerous_items",
    "violence_or_self_harm",
    "sensitive_date",
    "cross_level",
    "requested_by_higher",
    "repeat_petitioner",
    "unit_level",
]

# Which comparisons make sense for a fact: counts compare with thresholds, enums with their values.
FACT_ENUMS: dict[str, type[StrEnum]] = {
    "incident_type": IncidentType,
    "place_type": PlaceType,
    "unit_level": UnitLevel,
}
COUNT_FACTS = frozenset({"head_count"})
BOOL_FACTS = frozenset(set(get_args(FactName)) - set(FACT_ENUMS) - COUNT_FACTS)
