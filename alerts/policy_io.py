"""The organisation's own escalation policies as an import table (`policies`): YAML in, YAML out.

A policy nests (levels of targets), so the table is YAML only; every item is checked first and one bad
item refuses the file, naming the item and the field, in Chinese and English (like the other tables).

An import adds or replaces policies by id; the policies it does not mention stay (the other tables are
imported the same way). An item `{id: x, removed: true}` removes the organisation's policy `x`: refused
when `x` is not one of them, or when a playbook still names it and the YAML book has no policy of that
id to fall back on (removing an imported policy that replaced one of the book's gives the book's back).

Targets are checked against the organisation as it is (`PolicyOrg`): a person or unit id it does not
have, or a role or roster post that does not exist, refuses the item naming the target; without that
check such a level pages nobody and the escalation goes on at once, which would be found out in an
incident, too late.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml
from pydantic import ValidationError

from playbooks.facts import IncidentType
from responders.io import Format, RowError

from .policy import ImportedPolicy, Target

TABLE = "policies"
_TYPES = frozenset(t.value for t in IncidentType)
_ZH = {
    "missing": "必填项缺失",
    "extra_forbidden": "未知的字段",
    "enum": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不正确",
    "greater_than_equal": "超出允许范围",
    "less_than_equal": "超出允许范围",
    "too_short": "不能为空",
    "too_long": "项数过多",
}


@dataclass(frozen=True, slots=True)
class PolicyOrg:
    """What an imported policy is checked against: the organisation's ids, the roles and roster posts
    that exist, the organisation's policies already imported, the YAML book's policy ids, and where
    the playbooks name each policy (`{policy: ("collective_visit / notify_leader", …)}`)."""

    person_ids: frozenset[str]
    unit_ids: frozenset[str]
    roles: frozenset[str]
    posts: frozenset[str]
    imported: frozenset[str] = frozenset()
    book: frozenset[str] = frozenset()
    named_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PolicyImport:
    """Checked policies and removals, or the errors; both are empty whenever there is an error."""

    items: tuple[ImportedPolicy, ...]
    errors: tuple[RowError, ...]
    removed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _target_errors(number: int, policy: ImportedPolicy, org: PolicyOrg) -> list[RowError]:
    """Each target the organisation does not have, named with where it is in the item."""
    errors: list[RowError] = []
    for i, level in enumerate(policy.levels):
        for j, target in enumerate(level.targets):
            problem = _unknown_target(target, org)
            if problem is not None:
                kind, zh, en = problem
                errors.append(_error(number, f"levels.{i}.targets.{j}.{kind}", zh, en))
    return errors


def _unknown_target(target: Target, org: PolicyOrg) -> tuple[str, str, str] | None:
    if target.person is not None and target.person not in org.person_ids:
        return (
            "person",
            f"人员「{target.person}」不在组织架构中",
            f"no person {target.person!r} in the organisation",
        )
    if target.unit is not None and target.unit not in org.unit_ids:
        return "unit", f"单位「{target.unit}」不在组织架构中", f"no unit {target.unit!r} in the organisation"
    if target.role is not None and target.role not in org.roles:
        return "role", f"角色「{target.role}」不存在", f"no role {target.role!r}"
    if target.post is not None and target.post not in org.posts:
        return "post", f"值班岗位「{target.post}」不存在", f"no roster post {target.post!r}"
    return None


def _removal(
    number: int, raw: dict[object, object], org: PolicyOrg | None
) -> tuple[str | None, list[RowError]]:
    """An item `{id, removed: true}`: the id it removes, or the errors."""
    extra = sorted(str(k) for k in raw if k not in ("id", "removed"))
    if extra:
        zh = f"删除项只能有 id 和 removed（多了：{'、'.join(extra)}）"
        return None, [_error(number, extra[0], zh, f"a removal has only id and removed, not {extra}")]
    if raw.get("removed") is not True:
        return None, [_error(number, "removed", "removed 只能为 true", "removed must be true")]
    policy_id = raw.get("id")
    if not isinstance(policy_id, str) or not policy_id:
        return None, [_error(number, "id", "必填项缺失（id）", "a removal names the policy's id")]
    if org is None:
        return policy_id, []
    if policy_id not in org.imported:
        zh = f"「{policy_id}」不是已导入的通知策略，无法删除"
        return None, [_error(number, "id", zh, f"{policy_id!r} is not one of the imported policies")]
    named = org.named_by.get(policy_id, ())
    if named and policy_id not in org.book:
        where = "、".join(named)
        zh = f"「{policy_id}」仍被预案引用，不能删除：{where}"
        en = f"{policy_id!r} is still named by a playbook: {', '.join(named)}"
        return None, [_error(number, "id", zh, en)]
    return policy_id, []


def _error(row: int, column: str | None, zh: str, en: str) -> RowError:
    return RowError(row=row, column=column, message=en, message_zh=zh)


def _refused(*errors: RowError) -> PolicyImport:
    return PolicyImport((), tuple(errors))


def import_policies(text: str, fmt: Format, org: PolicyOrg | None = None) -> PolicyImport:
    """Parse the organisation's policies (items count from 1, 0 is the file), checked against `org`
    when given (the console always gives it; without it only the form is checked)."""
    if fmt is not Format.YAML:
        zh = "通知策略须以 YAML 导入（各级次为嵌套结构）"
        return _refused(_error(0, None, zh, "policies are imported as YAML only"))
    try:
        loaded = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: a date like 2026-02-30
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f"line {line + 1}: " if line is not None else ""
        return _refused(_error(0, None, f"YAML 格式错误：{where}{exc}", f"not valid YAML: {where}{exc}"))
    if isinstance(loaded, dict) and set(loaded) == {TABLE}:
        loaded = loaded[TABLE]
    if not isinstance(loaded, list):
        return _refused(
            _error(0, None, "文件内容须为通知策略列表", "expected a list of policies or {policies: [...]}")
        )
    items: list[ImportedPolicy] = []
    removed: list[str] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(loaded, start=1):
        if not isinstance(raw, dict):
            errors.append(_error(number, None, "该项须为键值对", "item is not a mapping"))
            continue
        if "removed" in raw:
            gone, problems = _removal(number, raw, org)
            errors += problems
            if gone is not None:
                if gone in seen:
                    zh, en = f"「{gone}」与第 {seen[gone]} 项重复", f"id {gone!r} repeats item {seen[gone]}"
                    errors.append(_error(number, "id", zh, en))
                seen.setdefault(gone, number)
                removed.append(gone)
            continue
        try:
            policy = ImportedPolicy.model_validate(raw)
        except ValidationError as exc:
            for d in exc.errors(include_url=False):
                where = ".".join(str(p) for p in d["loc"])
                zh = _ZH.get(d["type"], "取值无效")
                errors.append(_error(number, where or None, f"{zh}（{d['msg']}）", d["msg"]))
            continue
        if policy.id in seen:
            first = seen[policy.id]
            zh, en = f"「{policy.id}」与第 {first} 项重复", f"id {policy.id!r} repeats item {first}"
            errors.append(_error(number, "id", zh, en))
        seen.setdefault(policy.id, number)
        for kind in policy.incident_types:
            if kind not in _TYPES:
                zh, en = f"事件类型「{kind}」不存在", f"unknown incident type {kind!r}"
                errors.append(_error(number, "incident_types", zh, en))
        if org is not None:
            errors += _target_errors(number, policy, org)
        items.append(policy)
    if errors:
        return _refused(*errors)
    return PolicyImport(tuple(items), (), tuple(removed))


def export_policies(policies: Iterable[ImportedPolicy]) -> str:
    """The organisation's policies as YAML, readable by `import_policies`."""
    listed = [p.model_dump(mode="json", exclude_defaults=True) for p in policies]
    return yaml.safe_dump({TABLE: listed}, allow_unicode=True, sort_keys=False)
