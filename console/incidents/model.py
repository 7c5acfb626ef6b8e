"""Vocabulary shared by the incident decisions and the confidential parts: status, streams, sealed events."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from playbooks.facts import PlaceType, UnitLevel

from ..commands import CommandArgs
from ..events import EventPayload, NewEvent, event_type


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def stream_of(incident_id: str) -> str:
    return f"incident-{incident_id}"


class GradingFacts(CommandArgs):
    """定级要素: the facts beyond type and head count that set the response level (DESIGN §4)."""

    place_type: PlaceType = PlaceType.OTHER  # 地点类型（党政机关大门等）
    leader_car_involved: bool = False  # 拦截领导车辆
    dangerous_items: bool = False  # 携带危险品、爆炸物品
    violence_or_self_harm: bool = False  # 行凶、自杀或以自伤相威胁
    sensitive_date: bool = False  # 敏感节点
    cross_level: bool = False  # 越级
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


@event_type("incident.confidential_recorded")
class ConfidentialRecorded(EventPayload):
    incident_id: str
    values: dict[str, str | bool]

    @classmethod
    def public_data(cls, data: dict[str, Any]) -> dict[str, Any]:
        # Sealed: clients learn that something was recorded, never what (nor whether it is real-name).
        return {"incident_id": data["incident_id"], "fields": sorted(data["values"])}


@event_type("incident.member_assigned")
class MemberAssigned(EventPayload):
    incident_id: str
    user_id: str


def sealed(incident_id: str, values: dict[str, Any]) -> NewEvent:
    """The event that records confidential values (never sent to clients with them)."""
    payload = ConfidentialRecorded(incident_id=incident_id, values=values)
    return NewEvent(stream=stream_of(incident_id), payload=payload)


def assigned(incident_id: str, user_id: str) -> NewEvent:
    return NewEvent(
        stream=stream_of(incident_id), payload=MemberAssigned(incident_id=incident_id, user_id=user_id)
    )
