"""What the draft builder reads: typed facts, each naming the log position it came from.

The console's reports domain translates events into these (console.reports.sources); the builder
never sees an event, a table or the clock. Confidential values are not among them: they reach a report
only through an `Inclusion` a leader approved for that version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Fact:
    """Something the log recorded at `position`, as of `at` (when it happened)."""

    position: int
    at: datetime


@dataclass(frozen=True)
class Registered(Fact):
    """接报: the incident was registered."""

    number: str
    type_label: str  # 事件性质, e.g. 静坐
    place: str
    head_count: int
    summary: str
    source: str  # 信息来源, e.g. 来访 / 来电 / 上级交办
    started_at: datetime  # 事发时间
    drill: bool


@dataclass(frozen=True)
class HeadCountChanged(Fact):
    """参与人数变化."""

    head_count: int
    note: str = ""


@dataclass(frozen=True)
class Amended(Fact):
    """A fact other than the head count was corrected (place, type…)."""

    label: str  # what changed, e.g. 地点
    value: str
    reason: str = ""


@dataclass(frozen=True)
class StepDone(Fact):
    """A playbook step was completed (已采取措施)."""

    title: str
    note: str = ""


@dataclass(frozen=True)
class DecisionMade(Fact):
    """A decision with its reason (管辖、请求公安协助、选派代表…)."""

    title: str
    option: str
    reason: str = ""


@dataclass(frozen=True)
class Dispatched(Fact):
    """派遣: a person was sent to the incident."""

    name: str
    post: str
    role: str  # the playbook role label, e.g. 现场指挥
    place: str = ""
    phone: str = ""
    lead: bool = False  # the on-site lead (现场指挥)


@dataclass(frozen=True)
class Arrived(Fact):
    """到位: a person reached the scene (the movement log)."""

    name: str
    post: str
    place: str = ""
    leader: bool = False  # a leader (分管领导 / 领导), listed under 领导到位情况
    person_id: str = ""  # who, so a person reported on site twice (moved, and ticked by hand) is one


@dataclass(frozen=True)
class Closed(Fact):
    """The incident was closed with its outcome."""

    outcome: str  # e.g. 已劝离
    summary: str


LogFact = Registered | HeadCountChanged | Amended | StepDone | DecisionMade | Dispatched | Arrived | Closed


@dataclass(frozen=True)
class Inclusion:
    """A leader approved including confidential values in one version of a report (with the reason)."""

    approved_by: str
    reason: str
    values: tuple[tuple[str, str], ...]  # (label, value), e.g. ("举报人", "张三")
    position: int  # the event recording the approval
