"""The organisation (组织架构): units as a tree, the people in them, and the named places they go to."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from playbooks.facts import PlaceType
from responders.text import LabelledEnum, Text

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 \-]{2,30}$")]


class Frozen(BaseModel):
    """Base of the organisation's records: immutable, and unknown fields are an error rather than ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class UnitKind(LabelledEnum):
    """What kind of unit this is; outside departments are contacts, not part of the petition network."""

    COUNTY_COMMISSION = "county_commission"
    PETITION_OFFICE = "petition_office"
    TOWNSHIP = "township"
    STREET = "street"
    STATE_ENTERPRISE = "state_enterprise"
    PUBLIC_SECURITY = "public_security"
    HEALTH = "health"
    PARTY_COMMITTEE_OFFICE = "party_committee_office"
    GOVERNMENT_OFFICE = "government_office"
    OTHER_DEPARTMENT = "other_department"

    @classmethod
    def labels(cls) -> dict[UnitKind, Text]:
        """Bilingual label of every unit kind."""
        return _UNIT_KIND_LABELS

    @property
    def is_outside(self) -> bool:
        """True for departments outside the commission (公安、卫健、县委办、政府办 …)."""
        return self in _OUTSIDE_KINDS


_UNIT_KIND_LABELS = {
    UnitKind.COUNTY_COMMISSION: Text("县纪委监委", "County discipline commission"),
    UnitKind.PETITION_OFFICE: Text("信访室（举报中心）", "Petition office"),
    UnitKind.TOWNSHIP: Text("乡镇", "Township"),
    UnitKind.STREET: Text("街道（社区）", "Street / community"),
    UnitKind.STATE_ENTERPRISE: Text("国有企业", "State-owned enterprise"),
    UnitKind.PUBLIC_SECURITY: Text("公安机关", "Public security"),
    UnitKind.HEALTH: Text("卫生健康部门", "Health department"),
    UnitKind.PARTY_COMMITTEE_OFFICE: Text("县委办公室", "Party committee office"),
    UnitKind.GOVERNMENT_OFFICE: Text("县政府办公室", "Government office"),
    UnitKind.OTHER_DEPARTMENT: Text("其他职能部门", "Other department"),
}
_OUTSIDE_KINDS = frozenset(
    {
        UnitKind.PUBLIC_SECURITY,
        UnitKind.HEALTH,
        UnitKind.PARTY_COMMITTEE_OFFICE,
        UnitKind.GOVERNMENT_OFFICE,
        UnitKind.OTHER_DEPARTMENT,
    }
)


class Role(LabelledEnum):
    """What a person may be asked to act as in an incident."""

    PETITION_STAFF = "petition_staff"
    DUTY_OFFICER = "duty_officer"
    LEADER_IN_CHARGE = "leader_in_charge"
    COMMISSION_LEADER = "commission_leader"
    INCIDENT_LEAD = "incident_lead"
    LIAISON = "liaison"
    PETITION_SUPERVISOR = "petition_supervisor"
    CONTACT = "contact"

    @classmethod
    def labels(cls) -> dict[Role, Text]:
        """Bilingual label of every role."""
        return _ROLE_LABELS


_ROLE_LABELS = {
    Role.PETITION_STAFF: Text("信访干部", "Petition staff"),
    Role.DUTY_OFFICER: Text("值班员", "Duty officer"),
    Role.LEADER_IN_CHARGE: Text("分管领导", "Leader in charge"),
    Role.COMMISSION_LEADER: Text("委领导", "Commission leader"),
    Role.INCIDENT_LEAD: Text("现场负责人", "Incident lead"),
    Role.LIAISON: Text("联络员", "Liaison"),
    Role.PETITION_SUPERVISOR: Text("信访监督员", "Petition supervisor"),
    Role.CONTACT: Text("外部联系人", "Outside contact"),
}


class Skill(LabelledEnum):
    """A skill the dispatcher may ask for."""

    RECEPTION = "reception"
    COUNSELLING = "counselling"
    POLICE_LIAISON = "police_liaison"
    MEDICAL = "medical"
    LEGAL_POLICY = "legal_policy"

    @classmethod
    def labels(cls) -> dict[Skill, Text]:
        """Bilingual label of every skill."""
        return _SKILL_LABELS


_SKILL_LABELS = {
    Skill.RECEPTION: Text("信访接待", "Reception"),
    Skill.COUNSELLING: Text("谈话疏导", "Counselling"),
    Skill.POLICE_LIAISON: Text("公安联络", "Police liaison"),
    Skill.MEDICAL: Text("医疗", "Medical"),
    Skill.LEGAL_POLICY: Text("法律政策解释", "Law and policy explanation"),
}


class Channel(LabelledEnum):
    """How a person can be reached."""

    CONSOLE = "console"
    SMS = "sms"
    VOICE = "voice"
    IM = "im"

    @classmethod
    def labels(cls) -> dict[Channel, Text]:
        """Bilingual label of every channel."""
        return _CHANNEL_LABELS


_CHANNEL_LABELS = {
    Channel.CONSOLE: Text("指挥台", "Console"),
    Channel.SMS: Text("短信", "SMS"),
    Channel.VOICE: Text("电话", "Voice call"),
    Channel.IM: Text("政务即时通讯", "Government IM"),
}


class Unit(Frozen):
    """A unit (单位) of the organisation tree."""

    id: Id
    name: Name
    kind: UnitKind
    parent_id: Id | None = None
    phone: Phone | None = None


class Person(Frozen):
    """A person (人员) who can be sent or contacted."""

    id: Id
    name: Name
    unit_id: Id
    post: Name | None = None
    roles: frozenset[Role] = frozenset()
    skills: frozenset[Skill] = frozenset()
    phone: Phone | None = None
    channels: tuple[Channel, ...] = ()
    base_place_id: Id | None = None


# 地点类型 by their Chinese names (the register form's words), for import files written by hand.
PLACE_TYPE_NAMES: Mapping[str, PlaceType] = {
    "党政机关大门": PlaceType.PARTY_GOV_GATE,
    "机关大门": PlaceType.PARTY_GOV_GATE,
    "信访接待场所": PlaceType.RECEPTION_HALL,
    "接待场所": PlaceType.RECEPTION_HALL,
    "领导车辆所在处": PlaceType.LEADER_CAR,
    "公共场所": PlaceType.PUBLIC_PLACE,
    "乡镇（街道）机关": PlaceType.TOWNSHIP_OFFICE,
    "乡镇机关": PlaceType.TOWNSHIP_OFFICE,
    "其他": PlaceType.OTHER,
    "其他地点": PlaceType.OTHER,
}


class Place(Frozen):
    """A named place (地点) such as 接待大厅 or 机关大门, with an optional position and its place type.

    The place type (地点类型) is the register form's vocabulary (playbooks.facts.PlaceType): choosing the
    place fills it in, so 机关大门 brings the playbook's gate steps.
    """

    id: Id
    name: Name
    unit_id: Id | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    added_by: Id | None = None
    place_type: PlaceType = PlaceType.OTHER

    @field_validator("place_type", mode="before")
    @classmethod
    def _place_type_by_name(cls, value: object) -> object:
        # An office's file may name the type as the form does (党政机关大门) rather than by its value.
        if isinstance(value, str):
            text = value.strip()
            return PLACE_TYPE_NAMES.get(text, text) if text else PlaceType.OTHER
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together: give both or neither")
        return self

    @property
    def position(self) -> tuple[float, float] | None:
        """(lat, lon) when known."""
        if self.lat is None or self.lon is None:
            return None
        return (self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class UnitProblem:
    """Why a unit cannot stand in the tree; `index` is its position in the input."""

    index: int
    unit_id: str
    field: str
    text: Text


class InvalidTree(ValueError):
    """The units do not form a valid tree."""

    def __init__(self, problems: list[UnitProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.unit_id}: {p.text}" for p in problems))


class DuplicatePlace(ValueError):
    """A new place repeats the id or the name of an existing one."""

    def __init__(self, place: Place, clash: Place) -> None:
        self.place, self.clash = place, clash
        self.text = Text(
            f"地点「{place.name}」与已有地点「{clash.name}」（{clash.id}）重复",
            f"place {place.name!r} clashes with existing place {clash.name!r} ({clash.id})",
        )
        super().__init__(str(self.text))


@dataclass(frozen=True, slots=True)
class OrgTree:
    """Units indexed by id with their children, built once by `build_tree`."""

    units: Mapping[str, Unit]
    children: Mapping[str, tuple[str, ...]]


def validate_units(units: Iterable[Unit]) -> list[UnitProblem]:
    """Every problem with the units as a tree: duplicate ids, missing parents, cycles, mixed kinds."""
    listed = list(units)
    problems: list[UnitProblem] = []
    by_id: dict[str, Unit] = {}
    index_of: dict[str, int] = {}
    for i, unit in enumerate(listed):
        if unit.id in by_id:
            problems.append(UnitProblem(i, unit.id, "id", Text("单位编号重复", "duplicate unit id")))
            continue
        by_id[unit.id], index_of[unit.id] = unit, i
    for unit_id, unit in by_id.items():
        i = index_of[unit_id]
        if unit.parent_id is None:
            continue
        parent = by_id.get(unit.parent_id)
        if parent is None:
            text = Text(
                f"上级单位「{unit.parent_id}」不存在", f"parent unit {unit.parent_id!r} does not exist"
            )
            problems.append(UnitProblem(i, unit_id, "parent_id", text))
        elif unit.kind is UnitKind.COUNTY_COMMISSION:
            text = Text(
                "县纪委监委是树的根，不能有上级单位", "the county commission is the root and has no parent"
            )
            problems.append(UnitProblem(i, unit_id, "parent_id", text))
        elif parent.kind.is_outside != unit.kind.is_outside:
            # Outside departments are contacts; hanging a township under the police would misroute dispatch.
            text = Text(
                "系统内单位与外部部门不能互为上下级", "an internal unit and an outside department cannot nest"
            )
            problems.append(UnitProblem(i, unit_id, "parent_id", text))
    problems.extend(_cycles(by_id, index_of))
    return sorted(problems, key=lambda p: p.index)


def _cycles(by_id: Mapping[str, Unit], index_of: Mapping[str, int]) -> list[UnitProblem]:
    # Walk each chain of parents once; a unit met again on the same walk closes a cycle.
    done: set[str] = set()
    problems: list[UnitProblem] = []
    for start in by_id:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current in by_id and current not in done:
            if current in on_path:
                loop = path[path.index(current) :]
                text = Text(
                    "上级单位形成循环：" + " → ".join(loop), "parent chain is a cycle: " + " → ".join(loop)
                )
                problems.extend(UnitProblem(index_of[u], u, "parent_id", text) for u in loop)
                break
            path.append(current)
            on_path.add(current)
            current = by_id[current].parent_id
        done.update(path)
    return problems


def build_tree(units: Iterable[Unit]) -> OrgTree:
    """Index the units as a tree, raising `InvalidTree` with every problem found."""
    listed = list(units)
    problems = validate_units(listed)
    if problems:
        raise InvalidTree(problems)
    children: dict[str, list[str]] = {u.id: [] for u in listed}
    for unit in listed:
        if unit.parent_id is not None:
            children[unit.parent_id].append(unit.id)
    return OrgTree(
        units={u.id: u for u in listed},
        children={k: tuple(sorted(v)) for k, v in children.items()},
    )


def roots(tree: OrgTree) -> list[Unit]:
    """Units with no parent: the county commission and the outside departments."""
    return [u for u in tree.units.values() if u.parent_id is None]


def ancestors(tree: OrgTree, unit_id: str) -> list[Unit]:
    """Parent, grandparent … up to the root, nearest first."""
    found: list[Unit] = []
    parent_id = tree.units[unit_id].parent_id
    while parent_id is not None:
        parent = tree.units[parent_id]
        found.append(parent)
        parent_id = parent.parent_id
    return found


def descendants(tree: OrgTree, unit_id: str) -> list[Unit]:
    """Every unit below this one, breadth first."""
    found: list[Unit] = []
    queue = deque(tree.children[unit_id])
    while queue:
        child_id = queue.popleft()
        found.append(tree.units[child_id])
        queue.extend(tree.children[child_id])
    return found


def within(tree: OrgTree, unit_id: str, ancestor_id: str) -> bool:
    """True when `unit_id` is `ancestor_id` itself or sits below it."""
    return unit_id == ancestor_id or any(u.id == ancestor_id for u in ancestors(tree, unit_id))


def check_new_place(places: Iterable[Place], place: Place) -> Place:
    """Accept a place added on the fly from the tablet unless its id or name is taken."""
    for existing in places:
        if existing.id == place.id or existing.name == place.name:
            raise DuplicatePlace(place, existing)
    return place
