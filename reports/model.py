"""The report model: stages, the fields of a draft, and where each figure came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Stage(StrEnum):
    """Stage of an upward report; the first three are playbooks.model.ReportStage's values."""

    INITIAL = "initial"  # 首报
    FOLLOWUP = "followup"  # 续报
    FINAL = "final"  # 终报
    DAILY = "daily"  # 日报 (an incident that runs past a day)
    STATISTICS = "statistics"  # 统计报告: a month's or a quarter's figures (reports.statistics), no incident


STAGE_LABELS: dict[Stage, str] = {
    Stage.INITIAL: "首报",
    Stage.FOLLOWUP: "续报",
    Stage.FINAL: "终报",
    Stage.DAILY: "日报",
    Stage.STATISTICS: "统计报告",
}


class FieldKey(StrEnum):
    """The fields of a report, in the order they are written."""

    RECEIVED_AT = "received_at"  # 接报时间
    SOURCE = "source"  # 信息来源
    TIME_PLACE = "time_place"  # 事发时间和地点
    NATURE = "nature"  # 事件性质
    HEAD_COUNT = "head_count"  # 参与人数及变化
    DEMANDS = "demands"  # 诉求
    CAUSE = "cause"  # 原因
    CASUALTIES = "casualties"  # 伤亡
    TREND = "trend"  # 发展趋势
    LEADERS = "leaders"  # 领导到位情况
    MEASURES = "measures"  # 已采取措施
    OUTCOME = "outcome"  # 处置结果 (终报)
    REQUESTS = "requests"  # 请求事项
    NEXT_STEPS = "next_steps"  # 下一步工作
    LEAD = "lead"  # 现场负责人及联系方式
    CONFIDENTIAL = "confidential"  # 经批准载明的保密事项
    # The fields of a periodic statistics report (统计报告): one figure a line, "label：value。".
    PERIOD = "period"  # 统计期间
    OVERVIEW = "overview"  # 总体情况
    BY_TYPE = "by_type"  # 按事件类型
    BY_LEVEL = "by_level"  # 按响应级别
    ANALYSIS = "analysis"  # 情况分析 (the officer's)


FIELD_LABELS: dict[FieldKey, str] = {
    FieldKey.RECEIVED_AT: "接报时间",
    FieldKey.SOURCE: "信息来源",
    FieldKey.TIME_PLACE: "事发时间和地点",
    FieldKey.NATURE: "事件性质",
    FieldKey.HEAD_COUNT: "参与人数",
    FieldKey.DEMANDS: "主要诉求",
    FieldKey.CAUSE: "事件原因",
    FieldKey.CASUALTIES: "伤亡情况",
    FieldKey.TREND: "发展趋势",
    FieldKey.LEADERS: "领导到位情况",
    FieldKey.MEASURES: "已采取措施",
    FieldKey.OUTCOME: "处置结果",
    FieldKey.REQUESTS: "请求事项",
    FieldKey.NEXT_STEPS: "下一步工作",
    FieldKey.LEAD: "现场负责人",
    FieldKey.CONFIDENTIAL: "经批准载明事项",
    FieldKey.PERIOD: "统计期间",
    FieldKey.OVERVIEW: "总体情况",
    FieldKey.BY_TYPE: "按事件类型",
    FieldKey.BY_LEVEL: "按响应级别",
    FieldKey.ANALYSIS: "情况分析",
}


@dataclass(frozen=True)
class ReportField:
    """One field of a draft: its text, the log positions it came from, and whether it must be filled."""

    key: FieldKey
    text: str
    sources: tuple[int, ...] = ()
    required: bool = False
    edited: bool = False  # the officer's text, not the log's
    # Where a field is one figure a line (a statistics report), the positions each line counted, so
    # every figure links to its own incidents; dropped when the officer rewrites the text.
    lines: tuple[tuple[int, ...], ...] = ()

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.key]

    @property
    def missing(self) -> bool:
        """Required and still empty: the report cannot be approved."""
        return self.required and not self.text.strip()


@dataclass(frozen=True)
class Draft:
    """A report drafted from the log: what a duty officer edits and a leader approves (签发)."""

    stage: Stage
    sequence: int  # 续报 number (1, 2, …); 1 for the other stages
    number: str  # the incident's number
    title: str
    drill: bool
    fields: tuple[ReportField, ...]
    through: int  # the last log position the draft read
    since: int | None = None  # a 续报 / 日报 states only what came after this position
    notes: tuple[str, ...] = field(default_factory=tuple)

    def field(self, key: FieldKey) -> ReportField | None:
        """The field called `key`, if the draft has it."""
        return next((f for f in self.fields if f.key is key), None)

    @property
    def missing(self) -> tuple[FieldKey, ...]:
        """Required fields still empty."""
        return tuple(f.key for f in self.fields if f.missing)

    def with_field(self, new: ReportField) -> Draft:
        """The draft with `new` in place of the field of its key (or added at the end)."""
        kept = tuple(f for f in self.fields if f.key is not new.key)
        return replace(self, fields=(*kept, new))

    def without(self, key: FieldKey) -> Draft:
        """The draft without the field called `key`."""
        return replace(self, fields=tuple(f for f in self.fields if f.key is not key))

    def edited(self, texts: dict[FieldKey, str]) -> Draft:
        """The draft with the officer's texts in place of the log's (an empty text clears a field)."""
        fields = tuple(
            ReportField(
                f.key,
                texts[f.key],
                f.sources,
                f.required,
                edited=True,
                lines=f.lines if texts[f.key] == f.text else (),
            )
            if f.key in texts
            else f
            for f in self.fields
        )
        return Draft(
            self.stage,
            self.sequence,
            self.number,
            self.title,
            self.drill,
            fields,
            self.through,
            self.since,
            self.notes,
        )
