"""Which offices receive which reports, and how (报送单位): the organisation's own configuration.

A YAML file (CONSOLE_REPORT_OFFICES_FILE) lists the offices; each names the report stages it receives,
optionally the response levels at which it does, and its channels (apprise URLs) in the order they
are tried. A drill's reports go only to the offices marked `drill: true`. For example:

    offices:
      - name: 县委办公室
        stages: [initial, followup, final, daily]
        levels: [larger, major, extraordinary]     # omitted: at every level
        channels: ["mailtos://user:pass@mail.example.gov.cn?to=xwb@example.gov.cn"]
      - name: 市纪委监委信访室
        stages: [initial, final, statistics]
        channels: ["mailto://…", "dingtalk://…"]   # e-mail first, then a DingTalk notice with a link
      - name: 演练观摩组
        drill: true
        stages: [initial, followup, final]
        channels: ["mailto://…"]

Pure: text in, an `OfficeBook` out, or `OfficesInvalid` saying in Chinese and English what is wrong
and where.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from playbooks.facts import Level

from .model import Stage

# The stages an office may receive: the incident reports and the periodic statistics.
STATISTICS = "statistics"
STAGE_NAMES = frozenset({*(s.value for s in Stage), STATISTICS})
LEVEL_NAMES = frozenset(level.value for level in Level)


class OfficesInvalid(ValueError):
    """The offices file cannot be used; the message says where and why (zh-CN, then English)."""


@dataclass(frozen=True)
class Office:
    name: str
    stages: frozenset[str]
    levels: frozenset[str] | None  # None: at every level
    channels: tuple[str, ...]
    drill: bool = False


@dataclass(frozen=True)
class OfficeBook:
    offices: tuple[Office, ...]

    def recipients(self, stage: str, level: str | None, *, drill: bool) -> tuple[str, ...]:
        """The offices that receive a report of this stage at this level (a drill's: the drill offices)."""
        return tuple(
            o.name
            for o in self.offices
            if o.drill == drill
            and stage in o.stages
            and (o.levels is None or level is None or level in o.levels)
        )

    def channels(self, name: str) -> tuple[str, ...]:
        for office in self.offices:
            if office.name == name:
                return office.channels
        return ()


def _fail(where: str, zh: str, en: str) -> OfficesInvalid:
    return OfficesInvalid(f"报送单位配置有误（{where}）：{zh} / offices file, {where}: {en}")


def _names(value: object, where: str, field: str, known: frozenset[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"{field} 应为非空列表", f"{field} must be a non-empty list of names")
    unknown = sorted(set(value) - known)
    if unknown:
        raise _fail(
            where,
            f"{field} 中有未知项 {', '.join(unknown)}（可用：{', '.join(sorted(known))}）",
            f"unknown {field} {', '.join(unknown)} (known: {', '.join(sorted(known))})",
        )
    return frozenset(value)


def parse_offices(text: str, check_url: object = None) -> OfficeBook:
    """The offices a YAML text lists; `check_url(url) -> reason | None` vets each channel if given."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark is not None else "文件"
        raise _fail(where, "不是有效的 YAML", "not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("offices"), list) or not data["offices"]:
        raise _fail("offices", "应有非空的 offices 列表", "expected a non-empty list under `offices`")
    offices: list[Office] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["offices"], start=1):
        where = f"offices 第{i}项"
        if not isinstance(raw, dict):
            raise _fail(where, "应为键值表", "expected a mapping")
        extra = sorted(set(raw) - {"name", "stages", "levels", "channels", "drill"})
        if extra:
            raise _fail(where, f"未知字段 {', '.join(extra)}", f"unknown keys {', '.join(extra)}")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise _fail(
                where, "name 应为 1–64 字的单位名称", "name must be an office name of 1–64 characters"
            )
        name = name.strip()
        if name in seen:
            raise _fail(where, f"单位 {name} 重复", f"office {name} is listed twice")
        seen.add(name)
        where = f"{where}（{name}）"
        stages = _names(raw.get("stages"), where, "stages", STAGE_NAMES)
        levels = None if raw.get("levels") is None else _names(raw["levels"], where, "levels", LEVEL_NAMES)
        channels = raw.get("channels", [])
        if not isinstance(channels, list) or not all(isinstance(c, str) and c.strip() for c in channels):
            raise _fail(where, "channels 应为 apprise 地址列表", "channels must be a list of apprise URLs")
        for n, url in enumerate(channels, start=1):
            reason = check_url(url) if callable(check_url) else None
            if reason:
                raise _fail(
                    f"{where} channels 第{n}项", f"地址无法使用（{reason}）", f"unusable URL ({reason})"
                )
        drill = raw.get("drill", False)
        if not isinstance(drill, bool):
            raise _fail(where, "drill 应为 true 或 false", "drill must be true or false")
        offices.append(Office(name, stages, levels, tuple(c.strip() for c in channels), drill))
    return OfficeBook(tuple(offices))
