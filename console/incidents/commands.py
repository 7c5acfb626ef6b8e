"""The incident commands' arguments: register, amend, note, close, and the confidential parts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from playbooks.facts import IncidentType, PlaceType, UnitLevel

from ..commands import CommandArgs, Instant


class Channel(StrEnum):
    WALK_IN = "walk_in"  # 来访
    PHONE = "phone"  # 来电
    LETTER = "letter"  # 来信
    WEB = "web"  # 网络
    FROM_ABOVE = "assigned_from_above"  # 上级交办
    EARLY_WARNING = "early_warning"  # 预警信息


class Outcome(StrEnum):
    RESOLVED = "resolved"  # 已化解
    DISPERSED = "dispersed"  # 已劝离
    SENT_UP = "sent_up"  # 已上报
    TRANSFERRED = "transferred"  # 已移交
    OTHER = "other"  # 其他


Place = Field(min_length=1, max_length=200)


class GradingFacts(CommandArgs):
    """定级要素: the facts beyond type and head count that set the response level (DESIGN §4)."""

    place_type: PlaceType = PlaceType.OTHER  # 地点类型（党政机关大门等）
    leader_car_involved: bool = False  # 拦截领导车辆
    dangerous_items: bool = False  # 携带危险品、爆炸物品
    violence_or_self_harm: bool = False  # 行凶、自杀或以自伤相威胁
    sensitive_date: bool = False  # 敏感节点
    cross_level: bool = False  # 越级
    to_beijing: bool = False  # 进京
    requested_by_higher: bool = False  # 上级交办、要求查报结果
    repeat_petitioner: bool = False  # 信访老户
    unit_level: UnitLevel = UnitLevel.COUNTY  # 承办单位层级（乡镇只办不转）


class Confidential(CommandArgs):
    """举报人信息与举报内容: what only the people involved may see (seed §7)."""

    informant_name: str | None = Field(default=None, max_length=100)  # 举报人姓名
    informant_id_number: str | None = Field(default=None, max_length=40)  # 身份证号
    informant_phone: str | None = Field(default=None, max_length=40)  # 联系电话
    informant_address: str | None = Field(default=None, max_length=300)  # 住址
    report_content: str | None = Field(default=None, max_length=8000)  # 举报内容
    real_name: bool | None = None  # 是否实名举报

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class RegisterIncident(CommandArgs):
    """登记事件: register an incident."""

    type: IncidentType
    place: str = Place
    head_count: int = Field(ge=0, le=100_000)
    summary: str = Field(default="", max_length=4000)
    channel: Channel = Channel.WALK_IN
    drill: bool = False
    started_at: Instant | None = None
    confidential: Confidential | None = None
    facts: GradingFacts | None = None  # 定级要素; the playbook grades the level from them
    # 反映本机关主要负责人问题 (回避): kept out of the general views, and the head is told nothing
    about_commission_head: bool = False


class AmendFacts(CommandArgs):
    """更正事实: amend the facts of an open incident, with a reason."""

    incident_id: str = Field(min_length=1, max_length=64)
    type: IncidentType | None = None
    place: str | None = Field(default=None, min_length=1, max_length=200)
    head_count: int | None = Field(default=None, ge=0, le=100_000)
    summary: str | None = Field(default=None, max_length=4000)
    channel: Channel | None = None
    # true marks the incident as a report about this commission's head (回避); false is refused once marked
    about_commission_head: bool | None = None
    reason: str = Field(default="", max_length=500)

    def changes(self) -> dict[str, str | int]:
        fields = ("type", "place", "head_count", "summary", "channel")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not None}


class AddNote(CommandArgs):
    """添加记录: add a note to the incident's timeline."""

    incident_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=4000)
    # Organisers' or representatives' names the writer marks (涉及组织者姓名): sealed, never in the timeline.
    sealed_names: tuple[Annotated[str, Field(min_length=1, max_length=50)], ...] = Field(
        default=(), max_length=20
    )


class CloseIncident(CommandArgs):
    """结案: close the incident with an outcome."""

    incident_id: str = Field(min_length=1, max_length=64)
    outcome: Outcome
    summary: str = Field(default="", max_length=4000)


class RecordConfidential(CommandArgs):
    """记录或更正举报人信息与举报内容."""

    incident_id: str = Field(min_length=1, max_length=64)
    confidential: Confidential


class AssignMember(CommandArgs):
    """指定承办人员: a person who may see the matter's confidential parts."""

    incident_id: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=64)


class RevealConfidential(CommandArgs):
    """查看 (internal): log that the actor is shown the confidential parts."""

    incident_id: str = Field(min_length=1, max_length=64)
