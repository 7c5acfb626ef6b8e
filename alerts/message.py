"""What an alert says (seed §7): number, type, level, place, what is asked, and a signed link.

Nothing else can reach a channel: `AlertFacts` holds enums, an incident number, a place from the
organisation's own list of places and a link the console made, so a summary, a note, an informant's
name or anything else a user typed has no field to travel in (tests/alerts/test_message_leaks.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

DRILL_MARK = "【演练】"
_NUMBER = re.compile(r"^[A-Za-z0-9\-]{1,40}$")


class Ask(StrEnum):
    """What is asked of the recipient."""

    GO_TO_SCENE = "go_to_scene"  # 请立即赶赴现场
    DISPATCHED = "dispatched"  # 您已被派遣
    STEP_OVERDUE = "step_overdue"  # 事项逾期提醒
    ESCALATED = "escalated"  # 逾期升级
    ROLLCALL_OVERDUE = "rollcall_overdue"  # 清点超时
    REPORT_DUE = "report_due"  # 报告到期
    TEST = "test"  # 测试消息


_ASKS: dict[Ask, tuple[str, str]] = {
    Ask.GO_TO_SCENE: ("请立即赶赴{place}", "Please go to {place} at once"),
    Ask.DISPATCHED: ("您已被派遣，请确认并赶赴{place}", "You are dispatched: confirm and go to {place}"),
    Ask.STEP_OVERDUE: ("处置事项已逾期，请立即处理", "A response step is overdue: please act now"),
    Ask.ESCALATED: ("处置事项逾期未办，请督办", "A response step is still overdue: please see to it"),
    Ask.ROLLCALL_OVERDUE: ("清点人数超时，有人员未确认到位", "Roll call overdue: some have not confirmed"),
    Ask.REPORT_DUE: ("报告已到期，请及时报送", "A report is due: please file it"),
    Ask.TEST: ("这是一条测试消息，无需处理", "This is a test message; nothing to do"),
}

TYPE_LABELS: dict[str, tuple[str, str]] = {
    "collective_visit": ("集体访", "collective visit"),
    "cross_level_visit": ("越级集体访", "cross-level visit"),
    "sit_in": ("静坐围堵", "sit-in"),
    "violence": ("暴力事件", "violence"),
    "screening": ("排查", "screening"),
    "repeat_petitioner": ("信访老户", "repeat petitioner"),
    "other": ("其他", "other"),
}

LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "general": ("一般(IV级)", "general (IV)"),
    "larger": ("较大(III级)", "larger (III)"),
    "major": ("重大(II级)", "major (II)"),
    "extraordinary": ("特别重大(I级)", "extraordinary (I)"),
}


@dataclass(frozen=True)
class AlertFacts:
    """Everything a message may say; each field is from a closed vocabulary or made by the console."""

    ask: Ask
    number: str | None = None
    incident_type: str | None = None
    level: str | None = None
    place: str | None = None  # the name of a place from the organisation's list, never typed free text
    drill: bool = False
    escalation_level: int = 1
    link: str | None = None
    dedupe_key: str = ""


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _pick(pair: tuple[str, str], english: bool) -> str:
    return pair[1] if english else pair[0]


def ask_text(ask: str, place: str | None, locale: str = "zh_CN") -> str:
    """What is asked of the recipient, as the message says it (the in-app banner shows the same)."""
    en = locale.lower().startswith("en")
    known = _ASKS.get(Ask(ask)) if ask in Ask._value2member_map_ else None
    if known is None:
        return ""
    return _pick(known, en).format(place=place or ("the scene" if en else "现场"))


def level_text(level: str | None, locale: str = "zh_CN") -> str:
    """An incident's response level as the message names it ('' when not graded yet)."""
    pair = LEVEL_LABELS.get(level or "")
    return _pick(pair, locale.lower().startswith("en")) if pair else ""


def compose(facts: AlertFacts, locale: str = "zh_CN") -> Message:
    """The title and body sent to every channel (zh-CN unless the person chose English)."""
    en = locale.lower().startswith("en")
    number = facts.number if facts.number and _NUMBER.match(facts.number) else None
    kind = TYPE_LABELS.get(facts.incident_type or "")
    level = LEVEL_LABELS.get(facts.level or "")
    place = facts.place or ("the scene" if en else "现场")
    ask = _pick(_ASKS[facts.ask], en).format(place=place)
    mark = DRILL_MARK if facts.drill else ""
    head = "Incident Console" if en else "信访应急指挥台"
    title = f"{mark}{head}: {ask}" if en else f"{mark}{head}：{ask}"
    lines = [f"{mark}{ask}"]
    if number:
        lines.append(f"{'Incident' if en else '事件编号'}: {number}")
    if kind:
        lines.append(f"{'Type' if en else '类型'}: {_pick(kind, en)}")
    if level:
        lines.append(f"{'Level' if en else '等级'}: {_pick(level, en)}")
    if facts.place:
        lines.append(f"{'Place' if en else '地点'}: {facts.place}")
    if facts.ask is not Ask.TEST:
        lines.append(f"{'Escalation level' if en else '通知级别'}: {facts.escalation_level}")
    if facts.link:
        lines.append(f"{'Acknowledge' if en else '确认收到'}: {facts.link}")
    if facts.dedupe_key:
        lines.append(f"{'Ref' if en else '参考码'}: {facts.dedupe_key}")
    return Message(title=title, body="\n".join(lines))
