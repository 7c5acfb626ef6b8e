"""The draft builder: the log's facts and `now` in, a 首报 / 续报 / 终报 / 日报 draft out (pure).

Every field names the log positions it was filled from. A 续报 or 日报 reads only the facts after the
previous sent report (`since`) and leaves out what did not change; a 终报 reads everything and states the
outcome. What the log cannot know (demands, cause, casualties, trend) is left empty and required, so the
report cannot be approved until the officer writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from .facts import (
    Amended,
    Arrived,
    Closed,
    DecisionMade,
    Dispatched,
    HeadCountChanged,
    Inclusion,
    LogFact,
    Registered,
    StepDone,
)
from .model import STAGE_LABELS, Draft, FieldKey, ReportField, Stage

CHINESE_ORDINALS = "一二三四五六七八九十"
# A report upward is read in a minute: past these many, head-count changes are summed up (at report,
# the peak, now, how often it changed) and dispatches name the first few and count the rest. Every
# position still stands among the field's sources.
HEAD_COUNTS_LISTED = 6
DISPATCHES_LISTED = 8
DISPATCHES_NAMED = 5


class DraftError(ValueError):
    """The facts cannot make a report (no registration among them)."""


def when(dt: datetime, tz: tzinfo) -> str:
    """A date and time in Arabic numerals as official documents write it: 2026年12月2日9时30分."""
    local = dt.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def clock(dt: datetime, tz: tzinfo) -> str:
    """The time of day only: 9时30分."""
    local = dt.astimezone(tz)
    return f"{local.hour}时{local.minute:02d}分"


def ordinal(n: int) -> str:
    """一, 二, … 十, then Arabic numerals."""
    return CHINESE_ORDINALS[n - 1] if 1 <= n <= len(CHINESE_ORDINALS) else str(n)


def _field(key: FieldKey, parts: Sequence[tuple[str, int]], *, required: bool = False) -> ReportField:
    # A part with no text only names a source (a change summed up in the part before it).
    text = "；".join(t for t, _ in parts if t)
    sources = tuple(sorted({p for _, p in parts if p > 0}))
    return ReportField(key, f"{text}。" if text and not text.endswith("。") else text, sources, required)


def _latest(facts: Iterable[LogFact], label: str) -> Amended | None:
    found = [f for f in facts if isinstance(f, Amended) and f.label == label]
    return found[-1] if found else None


def build_draft(
    stage: Stage,
    facts: Sequence[LogFact],
    now: datetime,
    tz: tzinfo,
    *,
    since: int | None = None,
    sequence: int = 1,
    open_steps: Sequence[str] = (),
    inclusion: Inclusion | None = None,
) -> Draft:
    """The draft of one report of an incident, as of `now`, from its facts in log order."""
    ordered = sorted(facts, key=lambda f: f.position)
    registered = next((f for f in ordered if isinstance(f, Registered)), None)
    if registered is None:
        raise DraftError("no registration among the facts")
    incremental = stage in (Stage.FOLLOWUP, Stage.DAILY) and since is not None
    new = [f for f in ordered if not incremental or f.position > (since or 0)]
    fields: list[ReportField] = []

    place = _latest(ordered, "地点")
    place_text = place.value if place else registered.place
    nature = _latest(ordered, "事件性质")
    type_text = nature.value if nature else registered.type_label

    if not incremental:
        fields.append(_field(FieldKey.RECEIVED_AT, [(when(registered.at, tz), registered.position)]))
        fields.append(_field(FieldKey.SOURCE, [(registered.source, registered.position)]))
    place_parts = [(f"{f.label}更正为{f.value}", f.position) for f in new if isinstance(f, Amended)]
    if not incremental:
        base = (f"{when(registered.started_at, tz)}，{registered.place}", registered.position)
        fields.append(_field(FieldKey.TIME_PLACE, [base, *(place_parts if place else [])]))
        summary = f"{type_text}。{registered.summary}" if registered.summary else type_text
        fields.append(_field(FieldKey.NATURE, [(summary, registered.position)]))
    elif place_parts:
        fields.append(_field(FieldKey.TIME_PLACE, place_parts))

    counts = [f for f in new if isinstance(f, HeadCountChanged)]
    previous = registered.head_count
    if incremental:
        before = [f for f in ordered if isinstance(f, HeadCountChanged) and f.position <= (since or 0)]
        previous = before[-1].head_count if before else registered.head_count
    head_parts: list[tuple[str, int]] = []
    if not incremental:
        head_parts.append((f"接报时约{registered.head_count}人", registered.position))
    if len(counts) > HEAD_COUNTS_LISTED:
        head_parts.extend(_head_count_summary(counts, previous if incremental else None, tz))
    for change in counts if len(counts) <= HEAD_COUNTS_LISTED else ():
        verb = "增至" if change.head_count > previous else "减至"
        note = f"（{change.note}）" if change.note else ""
        head_parts.append(
            (f"{clock(change.at, tz)}由{previous}人{verb}{change.head_count}人{note}", change.position)
        )
        previous = change.head_count
    if head_parts:
        fields.append(_field(FieldKey.HEAD_COUNT, head_parts))

    if not incremental:
        fields.append(ReportField(FieldKey.DEMANDS, "", required=True))
        fields.append(ReportField(FieldKey.CAUSE, "", required=stage is not Stage.INITIAL))
        fields.append(ReportField(FieldKey.CASUALTIES, "", required=True))
    if stage is not Stage.FINAL:
        fields.append(ReportField(FieldKey.TREND, "", required=True))

    # Each leader once, at their earliest arrival (a leader seen arriving who also ticked the leader's
    # step by hand is two facts); a 续报 names only the leaders who first arrived since the last report.
    first: dict[str, Arrived] = {}
    for f in ordered:
        if isinstance(f, Arrived) and f.leader:
            key = f.person_id or f"{f.post}|{f.name}"
            if key not in first or f.at < first[key].at:
                first[key] = f
    fresh = {f.position for f in new}
    arrivals = sorted((f for f in first.values() if f.position in fresh), key=lambda f: (f.at, f.position))
    leader_parts = [
        (f"{f.post}{f.name}于{clock(f.at, tz)}到达{f.place or '现场'}", f.position) for f in arrivals
    ]
    if leader_parts:
        fields.append(_field(FieldKey.LEADERS, leader_parts))
    elif not incremental:
        fields.append(ReportField(FieldKey.LEADERS, "尚无领导到达现场。"))

    measures: list[tuple[str, int]] = []
    dispatches = [f for f in new if isinstance(f, Dispatched)]
    summed = len(dispatches) > DISPATCHES_LISTED
    for f in new:
        if summed and isinstance(f, Dispatched):
            if f is dispatches[0]:
                measures.extend(_dispatch_summary(dispatches, tz))
            continue
        if isinstance(f, StepDone):
            note = f"（{f.note}）" if f.note else ""
            measures.append((f"{clock(f.at, tz)}{f.title}{note}", f.position))
        elif isinstance(f, DecisionMade):
            reason = f"，理由：{f.reason}" if f.reason else ""
            measures.append((f"{clock(f.at, tz)}决定{f.title}：{f.option}{reason}", f.position))
        elif isinstance(f, Dispatched):
            post = f"（{f.post}）" if f.post else ""
            where = f"前往{f.place}" if f.place else "赶赴现场"
            measures.append((f"{clock(f.at, tz)}派遣{f.name}{post}{where}，任{f.role}", f.position))
    if measures:
        fields.append(_field(FieldKey.MEASURES, measures))
    elif not incremental:
        fields.append(ReportField(FieldKey.MEASURES, "", required=True))

    if stage is Stage.FINAL:
        closed = next((f for f in reversed(ordered) if isinstance(f, Closed)), None)
        if closed is not None:
            text = f"{when(closed.at, tz)}事件处置完毕，{closed.outcome}。{closed.summary}"
            fields.append(_field(FieldKey.OUTCOME, [(text, closed.position)], required=True))
        else:
            fields.append(ReportField(FieldKey.OUTCOME, "", required=True))
    else:
        fields.append(ReportField(FieldKey.REQUESTS, ""))
        steps = "、".join(open_steps)
        fields.append(ReportField(FieldKey.NEXT_STEPS, f"继续做好{steps}等工作。" if steps else ""))

    leads = [f for f in ordered if isinstance(f, Dispatched) and f.lead]
    lead = leads[-1] if leads else None
    if lead is not None and (not incremental or lead.position > (since or 0)):
        phone = f"，联系电话{lead.phone}" if lead.phone else ""
        fields.append(_field(FieldKey.LEAD, [(f"{lead.name}（{lead.post}）{phone}", lead.position)]))
    elif not incremental:
        fields.append(ReportField(FieldKey.LEAD, "", required=True))

    if inclusion is not None and inclusion.values:
        text = "；".join(f"{label}：{value}" for label, value in inclusion.values)
        fields.append(ReportField(FieldKey.CONFIDENTIAL, f"{text}。", (inclusion.position,)))

    through = max((f.position for f in ordered), default=0)
    return Draft(
        stage=stage,
        sequence=sequence,
        number=registered.number,
        title=title_of(stage, sequence, place_text, type_text),
        drill=registered.drill,
        fields=tuple(fields),
        through=through,
        since=since if incremental else None,
    )


def _head_count_summary(
    counts: Sequence[HeadCountChanged], before: int | None, tz: tzinfo
) -> list[tuple[str, int]]:
    """Many changes in a few words: the peak and when, the latest, how often it changed; each change's
    position kept among the sources (a part with position 0 names none)."""
    peak = max(counts, key=lambda f: (f.head_count, -f.position))
    last = counts[-1]
    parts = [(f"{clock(peak.at, tz)}最多约{peak.head_count}人", peak.position)]
    if last is not peak:
        parts.append((f"{clock(last.at, tz)}约{last.head_count}人", last.position))
    since = f"（上次报告时约{before}人）" if before is not None else ""
    parts.append((f"期间人数变化{len(counts)}次{since}", 0))
    parts.extend(("", f.position) for f in counts if f is not peak and f is not last)
    return parts


def _dispatch_summary(dispatches: Sequence[Dispatched], tz: tzinfo) -> list[tuple[str, int]]:
    """Many dispatches in one sentence: from when to when, the first few by name, how many in all."""
    named = "、".join(f"{f.name}（{f.post}）" if f.post else f.name for f in dispatches[:DISPATCHES_NAMED])
    first, last = dispatches[0], dispatches[-1]
    span = f"{clock(first.at, tz)}至{clock(last.at, tz)}"
    parts = [(f"{span}先后派遣{named}等{len(dispatches)}人次赶赴现场", first.position)]
    parts.extend(("", f.position) for f in dispatches[1:])
    return parts


def title_of(stage: Stage, sequence: int, place: str, type_label: str) -> str:
    """关于县委机关大门前群众静坐事件的首报 / 续报（二）."""
    label = STAGE_LABELS[stage]
    if stage is Stage.FOLLOWUP:
        label = f"{label}（{ordinal(sequence)}）"
    return f"关于{place}{type_label}事件的{label}"
