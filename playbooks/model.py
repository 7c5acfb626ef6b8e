"""The playbook schema (应急预案): grading, roles, steps, decisions and report obligations."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from playbooks.conditions import Condition
from playbooks.facts import (
    WORKING_DAY_SETTINGS,
    DeadlineSetting,
    GradingThresholds,
    IncidentType,
    Level,
)

# Ids of steps, decisions, roles and report obligations; commands naming them are held to the same form.
SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

ACTIVATION = "activation"  # `due.after` for a deadline counted from the moment the playbook starts
CLOSE = "close"  # `due.after` for a report counted from the moment the incident is closed


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ResponseRole(StrEnum):
    """Who owns a step on the scene (应急角色), distinct from console login roles."""

    FIELD_COMMANDER = "field_commander"  # 现场指挥
    INFO_REPORTER = "info_reporter"  # 信息报送
    FIELD_RESPONDER = "field_responder"  # 现场处置
    POLICE_LIAISON = "police_liaison"  # 安全保卫 / 公安联络
    MEDICAL = "medical"  # 医疗救护
    LOGISTICS = "logistics"  # 后勤保障
    LEADER_IN_CHARGE = "leader_in_charge"  # 分管领导
    COMMISSION_HEAD = "commission_head"  # 主要负责同志 (纪委书记、监委主任), seed §4: 要亲自抓
    DUTY_OFFICER = "duty_officer"  # 值班员


class StepKind(StrEnum):
    """What doing a step means; `wait` steps complete themselves when their time is up."""

    CHECKLIST = "checklist"
    DECISION = "decision"
    DISPATCH = "dispatch"
    NOTIFY = "notify"
    REPORT = "report"
    WAIT = "wait"


class DecisionKind(StrEnum):
    """Decisions the seed names (§10, §22) plus a free choice with options given in the YAML."""

    JURISDICTION = "jurisdiction"  # 分办决定: 本级办理 / 报送上级 / 移送有关部门
    POLICE_ASSISTANCE = "police_assistance"  # 请公安部门协助
    REPRESENTATIVES = "representatives"  # 选派群众代表
    CHOICE = "choice"


class ReportStage(StrEnum):
    """Stage of an upward report."""

    INITIAL = "initial"  # 首报
    FOLLOWUP = "followup"  # 续报
    FINAL = "final"  # 终报


class ReportSchedule(StrEnum):
    """When a report is owed: as its `due` says, only in the first day, or at the daily hours after it."""

    DUE = "due"  # by `due` and `repeat_every_hours`
    FIRST_DAY = "first_day"  # as DUE, until the run passes daily_report_after_hours (then 日报 takes over)
    DAILY = "daily"  # 日报: at the morning and afternoon hours, once the run passes daily_report_after_hours


class Recipient(StrEnum):
    """Who an upward report goes to (seed §5, §10, §22)."""

    PARTY_COMMITTEE_OFFICE = "party_committee_office"  # 同级党委办公室
    GOVERNMENT_OFFICE = "government_office"  # 同级政府办公室
    HIGHER_COMMISSION = "higher_commission"  # 上级纪检监察机关
    RELEVANT_DEPARTMENTS = "relevant_departments"  # 有关部门


class LocalText(_Frozen):
    """A text in Chinese and English."""

    zh: Text
    en: Text


class Due(_Frozen):
    """A deadline: so long after activation, after another step or report, or after close.

    `setting` adds the minutes of a named setting (docs/playbooks.md), so limits stay settings.
    """

    minutes: int = Field(default=0, ge=0)
    hours: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)
    setting: DeadlineSetting | None = None
    after: Slug = ACTIVATION
    # The step whose completion may give this deadline as an instant (以上级要求为准); until then, or
    # when it gives none, the deadline above counts.
    set_by: Slug | None = None
    # A date the `set_by` step records (e.g. `event_date`, 活动日期): the deadline is counted back from
    # it by the length above (倒排时限). The `set_by` step cannot be completed without the date.
    before: Slug | None = None

    @property
    def delta(self) -> timedelta:
        """The deadline's fixed length (without any setting)."""
        return timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    def deadline(self, anchor: datetime, thresholds: GradingThresholds, level: Level | None) -> datetime:
        """The deadline counted from `anchor`, with the settings of this process and the current tier."""
        extra = 0 if self.setting is None else thresholds.deadline_minutes(self.setting, level)
        if self.setting in WORKING_DAY_SETTINGS:
            return add_working_days(anchor + self.delta, extra, ZoneInfo(thresholds.timezone))
        return anchor + self.delta + timedelta(minutes=extra)


def add_working_days(start: datetime, days: int, tz: ZoneInfo) -> datetime:
    """`days` working days (Monday to Friday in `tz`) after `start`, at the same time of day; public
    holidays are not known to the console and count as working days."""
    local = start.astimezone(tz)
    while days > 0:
        local = (local + timedelta(days=1)).replace(tzinfo=tz)
        if local.weekday() < 5:
            days -= 1
    return local.astimezone(start.tzinfo)


class OnOverdue(_Frozen):
    """What happens once a deadline passes: remind the owner, later escalate."""

    remind_after_minutes: int = Field(default=0, ge=0)
    escalate_after_minutes: int | None = Field(default=None, ge=0)
    escalate_to: ResponseRole = ResponseRole.LEADER_IN_CHARGE
    # 逐级通知策略 of the escalation: the policy (of the console's book) that pages `escalate_to`; without
    # one, a notify step's own policy, else the incident's. Checked when an incident starts the playbook.
    escalate_policy: str | None = Field(default=None, pattern=r"^[a-z0-9_\-]{1,40}$")

    @model_validator(mode="after")
    def _escalate_after_remind(self) -> OnOverdue:
        escalate = self.escalate_after_minutes
        if escalate is not None and escalate < self.remind_after_minutes:
            raise ValueError("escalate_after_minutes must not come before remind_after_minutes")
        return self


class DecisionOption(_Frozen):
    """One answer to a decision."""

    id: Slug
    title: LocalText


def _options(*items: tuple[str, str, str]) -> tuple[DecisionOption, ...]:
    return tuple(DecisionOption(id=i, title=LocalText(zh=zh, en=en)) for i, zh, en in items)


BUILTIN_OPTIONS: dict[DecisionKind, tuple[DecisionOption, ...]] = {
    DecisionKind.JURISDICTION: _options(
        ("handle_here", "本级办理", "Handle here"),
        ("send_up", "报送上级", "Send up to the higher level"),
        ("transfer", "移送有关部门", "Transfer to the departments concerned"),
    ),
    DecisionKind.POLICE_ASSISTANCE: _options(
        ("requested", "请公安部门协助处理", "Ask the police to assist"),
        ("not_needed", "暂不需要", "Not needed"),
    ),
    DecisionKind.REPRESENTATIVES: _options(
        ("chosen", "已选定群众代表", "Representatives chosen"),
        ("none", "不选派代表", "No representatives"),
    ),
}


class DecisionSpec(_Frozen):
    """The decision a `decision` step records; options are built in except for `choice`."""

    kind: DecisionKind
    options: tuple[DecisionOption, ...] = ()
    reason_required: bool = True

    @model_validator(mode="after")
    def _options_fit_kind(self) -> DecisionSpec:
        if self.kind is DecisionKind.CHOICE and len(self.options) < 2:
            raise ValueError("a 'choice' decision needs at least two options")
        if self.kind is not DecisionKind.CHOICE and self.options:
            raise ValueError(f"'{self.kind}' has built-in options; list options only for 'choice'")
        return self

    def all_options(self) -> tuple[DecisionOption, ...]:
        """The options a person can pick."""
        return self.options or BUILTIN_OPTIONS[self.kind]


class Step(_Frozen):
    """One step of a playbook, owned by a role, with a deadline."""

    id: Slug
    title: LocalText
    guidance: LocalText | None = None
    role: ResponseRole
    kind: StepKind
    due: Due = Due()
    depends_on: tuple[Slug, ...] = ()
    when: Condition | None = None
    on_overdue: OnOverdue | None = None
    decision: DecisionSpec | None = None
    # (notify steps) 逐级通知策略: the escalation policy (alerts/policies.yaml) that pages the step's role
    # when it is overdue; without one, the incident's own policy. The name is checked when loading.
    policy: str | None = Field(default=None, pattern=r"^[a-z0-9_\-]{1,40}$")
    # 回避: while the playbook's `recusal` holds, the step is skipped with its reason; `replaced_by`
    # names the step that does its job instead (报送上级 → 径送上一级).
    stands_aside: bool = False
    replaced_by: Slug | None = None


class GradingRule(_Frozen):
    """Facts that put an incident at least at `level`."""

    id: Slug
    level: Level
    when: Condition
    title: LocalText | None = None


class Grading(_Frozen):
    """Levels from facts: the highest matching rule wins, else the default."""

    default_level: Level = Level.GENERAL
    rules: tuple[GradingRule, ...] = ()


class ReportObligation(_Frozen):
    """An upward report the run owes, once or repeatedly (首报 / 续报 / 终报)."""

    id: Slug
    stage: ReportStage
    title: LocalText
    due: Due
    repeat_every_hours: float | None = Field(default=None, gt=0)
    schedule: ReportSchedule = ReportSchedule.DUE
    recipients: tuple[Recipient, ...] = Field(min_length=1)
    role: ResponseRole = ResponseRole.INFO_REPORTER
    when: Condition | None = None
    on_overdue: OnOverdue | None = None


class Recusal(_Frozen):
    """回避: when `when` holds (a report about the person who holds `role`), the steps marked
    `stands_aside` are skipped with `reason`, and nothing is asked of `role` (no reminder, no escalation).

    The 2020 rules on handling reports and complaints (art. 15): a report about this commission's own
    head is sent straight to the higher commission, and the head is not told.
    """

    when: Condition
    role: ResponseRole
    reason: LocalText


class PlaybookDefaults(_Frozen):
    """Values for steps and reports that do not set their own."""

    on_overdue: OnOverdue = OnOverdue(remind_after_minutes=0, escalate_after_minutes=15)


class Playbook(_Frozen):
    """A whole playbook as written in YAML; cross-references are checked on construction."""

    id: Slug
    version: int = Field(ge=1)
    title: LocalText
    summary: LocalText | None = None
    serves: tuple[IncidentType, ...] = Field(min_length=1)
    grading: Grading = Grading()
    roles: tuple[ResponseRole, ...] = Field(min_length=1)
    defaults: PlaybookDefaults = PlaybookDefaults()
    steps: tuple[Step, ...] = Field(min_length=1)
    reports: tuple[ReportObligation, ...] = ()
    recusal: Recusal | None = None

    @model_validator(mode="after")
    def _cross_references(self, info: ValidationInfo) -> Playbook:
        # The loader checks these itself so that each problem gets its own file line.
        if isinstance(info.context, dict) and info.context.get("skip_cross_checks"):
            return self
        from playbooks.validation import playbook_problems

        problems = playbook_problems(self)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return self

    def step(self, step_id: str) -> Step | None:
        """The step called `step_id`, if any."""
        return next((s for s in self.steps if s.id == step_id), None)

    def report(self, obligation_id: str) -> ReportObligation | None:
        """The report obligation called `obligation_id`, if any."""
        return next((r for r in self.reports if r.id == obligation_id), None)

    def named_policies(self) -> tuple[tuple[tuple[str | int, ...], str], ...]:
        """Every escalation policy the playbook names, with where: notify steps' `policy`, and the
        `escalate_policy` of the default, each step's and each report's `on_overdue`."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        default = self.defaults.on_overdue.escalate_policy
        if default is not None:
            found.append((("defaults", "on_overdue", "escalate_policy"), default))
        for i, step in enumerate(self.steps):
            if step.policy is not None:
                found.append((("steps", i, "policy"), step.policy))
            if step.on_overdue is not None and step.on_overdue.escalate_policy is not None:
                found.append((("steps", i, "on_overdue", "escalate_policy"), step.on_overdue.escalate_policy))
        for i, report in enumerate(self.reports):
            if report.on_overdue is not None and report.on_overdue.escalate_policy is not None:
                found.append(
                    (("reports", i, "on_overdue", "escalate_policy"), report.on_overdue.escalate_policy)
                )
        return tuple(found)

    def on_overdue_for(self, item: Step | ReportObligation) -> OnOverdue:
        """The overdue policy of a step or report, falling back to the playbook default.

        An escalation never goes back to the owner it is about: a step of the leader in charge that is
        overdue escalates to the commission head (主要负责同志) when the playbook has that role.
        """
        policy = item.on_overdue or self.defaults.on_overdue
        if policy.escalate_to is item.role and ResponseRole.COMMISSION_HEAD in self.roles:
            return policy.model_copy(update={"escalate_to": ResponseRole.COMMISSION_HEAD})
        return policy


def content_hash(playbook: Playbook) -> str:
    """SHA-256 of the playbook's canonical JSON: comments and key order do not change it."""
    data = playbook.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Playbooks already found to match a hash, by identity (holding the object, so its id is not reused while
# listed). Every registration builds its event around the library's snapshot, and pydantic runs the check
# below again for it each time: a dump and a hash of the whole playbook, a tenth of the command writer's
# work. A playbook is frozen all the way down (tuples, frozen models), so one found to match stays
# matching; a copy (`model_copy`) is another object and is checked afresh.
_CHECKED: dict[int, tuple[Playbook, str]] = {}
_CHECKED_MAX = 256


class PlaybookSnapshot(_Frozen):
    """A playbook pinned by content hash; a run keeps the snapshot it started with."""

    playbook: Playbook
    content_hash: str

    @classmethod
    def pin(cls, playbook: Playbook) -> PlaybookSnapshot:
        """Pin `playbook` as it is now."""
        return cls(playbook=playbook, content_hash=content_hash(playbook))

    @model_validator(mode="after")
    def _hash_matches(self) -> PlaybookSnapshot:
        seen = _CHECKED.get(id(self.playbook))
        if seen is not None and seen[0] is self.playbook and seen[1] == self.content_hash:
            return self
        if content_hash(self.playbook) != self.content_hash:
            raise ValueError("content_hash does not match the playbook: the snapshot was altered")
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()
        _CHECKED[id(self.playbook)] = (self.playbook, self.content_hash)
        return self

    @property
    def ref(self) -> str:
        """Human-readable pin, e.g. `sit_in@v1#3f2a9c0d1b2e`."""
        return f"{self.playbook.id}@v{self.playbook.version}#{self.content_hash[:12]}"
