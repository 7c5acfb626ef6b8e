"""The organisation's own escalation policies as an import table (`policies`): YAML in, YAML out.

A policy nests (levels of targets), so the table is YAML only; every item is checked first and one bad
item refuses the file, naming the item and the field, in Chinese and English (like the other tables).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from playbooks.facts import IncidentType
from responders.io import Format, RowError

from .policy import ImportedPolicy

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
class PolicyImport:
    """Checked policies, or the errors; `items` is empty whenever there is an error."""

    items: tuple[ImportedPolicy, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def _error(row: int, column: str | None, zh: str, en: str) -> RowError:
    return RowError(row=row, column=column, message=en, message_zh=zh)


def _refused(*errors: RowError) -> PolicyImport:
    return PolicyImport((), tuple(errors))


def import_policies(text: str, fmt: Format) -> PolicyImport:
    """Parse the organisation's policies (items count from 1, 0 is the file)."""
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
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(loaded, start=1):
        if not isinstance(raw, dict):
            errors.append(_error(number, None, "该项须为键值对", "item is not a mapping"))
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
        items.append(policy)
    if errors:
        return _refused(*errors)
    if not items:
        return PolicyImport((), ())
    return PolicyImport(tuple(items), ())


def export_policies(policies: Iterable[ImportedPolicy]) -> str:
    """The organisation's policies as YAML, readable by `import_policies`."""
    listed = [p.model_dump(mode="json", exclude_defaults=True) for p in policies]
    return yaml.safe_dump({TABLE: listed}, allow_unicode=True, sort_keys=False)
