"""The review's commands: findings (发现问题) and follow-up actions (整改措施) until they are done."""

from __future__ import annotations

from pydantic import Field

from ..commands import CommandArgs, Instant

IncidentId = Field(min_length=1, max_length=64)
ItemId = Field(min_length=1, max_length=64)
Body = Field(min_length=1, max_length=2000)


class AddFinding(CommandArgs):
    """发现问题: something the review found wrong in the response."""

    incident_id: str = IncidentId
    text: str = Body


class AddAction(CommandArgs):
    """整改措施: what must be done about a finding, by whom and by when."""

    incident_id: str = IncidentId
    finding_id: str = ItemId
    text: str = Body
    owner: str = Field(min_length=1, max_length=200)  # the person or unit answerable (责任人/责任单位)
    due_at: Instant


class CompleteAction(CommandArgs):
    """整改完成: a follow-up action was carried out."""

    incident_id: str = IncidentId
    action_id: str = ItemId
    note: str = Field(default="", max_length=2000)


class SetInspectorUnits(CommandArgs):
    """督查范围: the units an inspector oversees; the review shows them the incidents of those units and
    of every unit under them, and nothing else (an empty list: none)."""

    username: str = Field(min_length=1, max_length=100)
    unit_ids: list[str] = Field(max_length=200)
