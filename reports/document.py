"""The document a report becomes: the edited draft laid out as an official document, frozen and hashed.

What a leader approves (签发) is this object; its hash is recorded in the approval event, and rendering
it again (PDF or DOCX) gives the same content. The witness line carries the log position and chain hash
at approval, so every recipient holds a copy of the chain head (`verify-log --witness`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from .draft import ordinal
from .model import FIELD_LABELS, Draft, FieldKey, Stage

# Which fields go under which heading (一、（一）…), in order.
_SECTIONS: tuple[tuple[str, tuple[FieldKey, ...]], ...] = (
    (
        "基本情况",
        (FieldKey.RECEIVED_AT, FieldKey.SOURCE, FieldKey.TIME_PLACE, FieldKey.NATURE, FieldKey.HEAD_COUNT),
    ),
    ("现场情况", (FieldKey.DEMANDS, FieldKey.CAUSE, FieldKey.CASUALTIES, FieldKey.TREND)),
    ("领导到位和处置情况", (FieldKey.LEADERS, FieldKey.MEASURES, FieldKey.OUTCOME)),
    ("下一步工作", (FieldKey.NEXT_STEPS, FieldKey.REQUESTS)),
    ("联系人", (FieldKey.LEAD, FieldKey.CONFIDENTIAL)),
)
_FOLLOWUP_SECTIONS: tuple[tuple[str, tuple[FieldKey, ...]], ...] = (
    (
        "新进展",
        (FieldKey.TIME_PLACE, FieldKey.HEAD_COUNT, FieldKey.LEADERS, FieldKey.MEASURES, FieldKey.CASUALTIES),
    ),
    ("发展趋势", (FieldKey.TREND,)),
    ("下一步工作", (FieldKey.NEXT_STEPS, FieldKey.REQUESTS)),
    ("联系人", (FieldKey.LEAD, FieldKey.CONFIDENTIAL)),
)


# A statistics report (统计报告): each field its own section, each line of it a paragraph; a figure's
# line "突发事件总数：3起。" is numbered （一）突发事件总数。3起。
_STATISTICS_SECTIONS: tuple[tuple[FieldKey, bool], ...] = (
    (FieldKey.PERIOD, False),
    (FieldKey.OVERVIEW, True),
    (FieldKey.BY_TYPE, True),
    (FieldKey.BY_LEVEL, True),
    (FieldKey.ANALYSIS, False),
    (FieldKey.NEXT_STEPS, False),
)


class Template:
    """The two layouts: the 文件 format with issuing-organ mark, and the 信息快报 bulletin."""

    DOCUMENT = "document"
    BULLETIN = "bulletin"


@dataclass(frozen=True)
class Header:
    """The office's part of a document (from settings): who issues it and who it goes to."""

    organ: str  # 发文机关标志, e.g. 中共××县纪律检查委员会
    organ_short: str  # 落款 and 印发机关, e.g. 县纪委监委信访室
    number_prefix: str  # 县纪发
    addressees: tuple[str, ...]  # 主送
    copies: tuple[str, ...] = ()  # 抄送
    bulletin_name: str = "信息快报"


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; `heading` is its run-in heading (（一）接报时间。) or empty."""

    heading: str
    text: str


@dataclass(frozen=True)
class Section:
    """A first-level section (一、基本情况) and its paragraphs."""

    heading: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class ReportDocument:
    """Everything printed on a report, and nothing else: the hash covers exactly this."""

    template: str
    organ: str
    organ_short: str
    doc_number: str  # 县纪发〔2026〕5号
    signer: str  # 签发人 ("" until approved: the preview shows a blank)
    title: str
    addressees: tuple[str, ...]
    sections: tuple[Section, ...]
    date: str  # 成文日期, 2026年12月2日
    copies: tuple[str, ...]
    printed_on: str  # 印发日期
    witness: str  # "日志位置 N 链哈希 H" at approval, "" in a draft
    drill: bool
    version: int
    corrects: str = ""  # a correction says what it corrects
    bulletin_name: str = "信息快报"
    issue: int = 1  # 信息快报 第N期

    def canonical_json(self) -> str:
        """The document's one JSON text: sorted keys, no spaces, UTF-8 kept (what the hash covers)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def content_hash(self) -> str:
        """SHA-256 of the document's canonical JSON: the hash an approval records."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> ReportDocument:
        """The document of its canonical JSON (a frozen version read back)."""
        data = json.loads(text)
        sections = tuple(
            Section(s["heading"], tuple(Paragraph(p["heading"], p["text"]) for p in s["paragraphs"]))
            for s in data.pop("sections")
        )
        data["addressees"] = tuple(data["addressees"])
        data["copies"] = tuple(data["copies"])
        return cls(sections=sections, **data)


def date_of(dt: datetime, tz: tzinfo) -> str:
    """成文日期 in Arabic numerals: 2026年12月2日."""
    local = dt.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


def _statistics_sections(draft: Draft) -> tuple[Section, ...]:
    out: list[Section] = []
    for key, figures in _STATISTICS_SECTIONS:
        found = draft.field(key)
        lines = [line.strip() for line in (found.text if found else "").splitlines() if line.strip()]
        if not lines:
            continue
        paragraphs: list[Paragraph] = []
        for n, line in enumerate(lines, start=1):
            label, colon, value = line.partition("：")
            if figures and colon and label and value:
                paragraphs.append(Paragraph(f"（{ordinal(n)}）{label}。", value))
            elif figures:
                paragraphs.append(Paragraph(f"（{ordinal(n)}）", line))
            else:
                paragraphs.append(Paragraph("", line))
        out.append(Section(f"{ordinal(len(out) + 1)}、{FIELD_LABELS[key]}", tuple(paragraphs)))
    return tuple(out)


def sections_of(draft: Draft) -> tuple[Section, ...]:
    """The draft's fields under the headings of its stage; empty optional fields are left out."""
    if draft.stage is Stage.STATISTICS:
        return _statistics_sections(draft)
    plan = _FOLLOWUP_SECTIONS if draft.stage in (Stage.FOLLOWUP, Stage.DAILY) else _SECTIONS
    out: list[Section] = []
    for title, keys in plan:
        paragraphs: list[Paragraph] = []
        for key in keys:
            found = draft.field(key)
            if found is None or not found.text.strip():
                continue
            paragraphs.append(Paragraph(f"（{ordinal(len(paragraphs) + 1)}）{found.label}。", found.text))
        if paragraphs:
            out.append(Section(f"{ordinal(len(out) + 1)}、{title}", tuple(paragraphs)))
    return tuple(out)


def document_of(
    draft: Draft,
    header: Header,
    *,
    serial: int,
    at: datetime,
    tz: tzinfo,
    version: int = 1,
    signer: str = "",
    witness: str = "",
    corrects: str = "",
    template: str = Template.DOCUMENT,
) -> ReportDocument:
    """The document of a draft as of `at` (its date), numbered `serial` in the office's year."""
    year = at.astimezone(tz).year
    date = date_of(at, tz)
    return ReportDocument(
        template=template,
        organ=header.organ,
        organ_short=header.organ_short,
        doc_number=f"{header.number_prefix}〔{year}〕{serial or '　'}号",  # 0: not yet numbered
        signer=signer,
        title=draft.title,
        addressees=header.addressees,
        sections=sections_of(draft),
        date=date,
        copies=header.copies,
        printed_on=date,
        witness=witness,
        drill=draft.drill,
        version=version,
        corrects=corrects,
        bulletin_name=header.bulletin_name,
        issue=serial,
    )
