"""履职情况报告: the compliance table of one incident as a printable PDF (WeasyPrint, like the reports).

A pure model (`ComplianceDocument`, built from the table's rows and what the page shows beside them)
rendered through a Jinja2 template with the reports' fonts (reports.fonts: the office's licensed fonts
when configured, else Noto CJK). Times are printed in the office's time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined, select_autoescape

from reports.fonts import NO_FILES, FontChoice, FontFiles, choose_fonts

from .activity import ack_route
from .compliance import Kind, Outcome, Row
from .labels import ZH, Words, printed
from .log import IncidentRecord

# The outcomes a summary counts, in the order printed.
SUMMARY_ORDER = (
    Outcome.ON_TIME,
    Outcome.LATE,
    Outcome.OVERDUE,
    Outcome.SKIPPED,
    Outcome.RELEASED,
    Outcome.PENDING,
    Outcome.BLOCKED,
    Outcome.NO_DEADLINE,
)


@dataclass(frozen=True)
class ChainLine:
    """The hash-chain status of the range the review covers."""

    ok: bool
    first: int | None
    last: int | None
    head_hash: str | None


@dataclass(frozen=True)
class ActionLine:
    text: str
    owner: str
    due_at: str
    status: str


@dataclass(frozen=True)
class FindingLine:
    text: str
    added_by: str
    actions: tuple[ActionLine, ...] = ()


@dataclass(frozen=True)
class PrintedRow:
    """One row as printed: every value already a text."""

    kind: str
    item: str
    role: str
    due: str
    done: str
    by: str
    outcome: str
    outcome_code: str
    minutes_late: str
    holder: str
    reason: str
    positions: str


@dataclass(frozen=True)
class ComplianceDocument:
    """What the printed compliance report holds."""

    number: str
    generated_at: str
    generated_by: str
    drill: bool
    chain: ChainLine
    rows: tuple[PrintedRow, ...]
    summary: tuple[tuple[str, int], ...]
    findings: tuple[FindingLine, ...] = field(default_factory=tuple)
    words: Words = ZH  # the language it is printed in


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%m-%d %H:%M:%S") if at is not None else "—"


def item_label(record: IncidentRecord, row: Row, *, ids: bool = True, words: Words = ZH) -> str:
    """The duty's title: a step's or report's from the pinned playbook, else a person's name. The
    printed table keeps each duty's id beside it (`ids`), to be found in the CSV and the log; the
    review page shows the words alone, in the reader's language (`words`)."""
    snapshot = record.snapshot
    if row.kind is Kind.STEP and snapshot is not None:
        for s in snapshot.playbook.steps:
            if s.id == row.item:
                title = words.local(s.title.zh, s.title.en)
                return f"{title} ({row.item})" if ids else title
    if row.kind is Kind.REPORT and snapshot is not None:
        obligation, _, occurrence = row.item.partition("#")
        for r in snapshot.playbook.reports:
            if r.id == obligation:
                title = words.text("occurrence", title=words.local(r.title.zh, r.title.en), n=occurrence)
                return title + (f" ({obligation})" if ids else "")
    if row.kind is Kind.DISPATCH_ACK:
        return record.person_name(row.item)
    if row.kind is Kind.PAGE_ACK:
        alert, _, rest = row.item.partition("/")
        person_id, _, attempt = rest.partition("@")
        level, _, round_ = attempt.partition(".")
        page = alert if ids else words.text("page")
        return words.text(
            "page_item", name=record.person_name(person_id), page=page, level=level, round=round_
        )
    if row.kind is Kind.ROLLCALL:
        call, _, person_id = row.item.partition("/")
        return f"{call if ids else words.text('rollcall')} · {record.person_name(person_id)}"
    return row.item


def reason_text(row: Row, words: Words = ZH) -> str:
    """A row's reason as a reader reads it: what was typed as typed; the route a page was acknowledged
    by (review.compliance writes `via ROUTE`) in words."""
    route = row.reason.removeprefix("via ") if row.kind is Kind.PAGE_ACK else ""
    if route and route != row.reason:
        return ack_route(route, words)
    return row.reason


def printed_rows(
    record: IncidentRecord, rows: Sequence[Row], tz: ZoneInfo, words: Words = ZH
) -> tuple[PrintedRow, ...]:
    """The table's rows as texts, in the table's order (steps that did not apply left out)."""
    out: list[PrintedRow] = []
    for r in rows:
        if r.outcome is Outcome.NOT_APPLICABLE:
            continue  # steps whose condition never held: not duties of this incident
        minutes = f"{r.late_by / timedelta(minutes=1):.1f}" if r.late_by is not None else ""
        holder = f"{r.holder.name} ({r.holder.person_id})" if r.holder is not None else ""
        if r.late and r.holder is None:
            holder = words.nobody
        out.append(
            PrintedRow(
                kind=words.kind(r.kind),
                item=item_label(record, r, words=words),
                role=words.role(r.role) or "—",
                due=_local(r.due_at, tz),
                done=_local(r.done_at, tz),
                by=r.done_by.name if r.done_by else "—",
                outcome=words.outcome(r.outcome),
                outcome_code=r.outcome.value,
                minutes_late=minutes,
                holder=holder,
                reason=reason_text(r, words),
                positions=", ".join(str(p) for p in r.positions),
            )
        )
    return tuple(out)


def summary_of(rows: Sequence[Row], words: Words = ZH) -> tuple[tuple[str, int], ...]:
    """How many duties had each outcome (the ones a reader counts), and in all."""
    counts: Counter[Outcome] = Counter(r.outcome for r in rows if r.outcome is not Outcome.NOT_APPLICABLE)
    shown = tuple((words.outcome(o), counts[o]) for o in SUMMARY_ORDER)
    return (*shown, (words.text("total"), sum(counts.values())))


def document(
    record: IncidentRecord,
    rows: Sequence[Row],
    *,
    chain: ChainLine,
    findings: Sequence[FindingLine],
    generated_at: datetime,
    generated_by: str,
    tz: ZoneInfo,
    words: Words = ZH,
) -> ComplianceDocument:
    """The printed report of an incident's compliance table as of `generated_at`, in `words`' language."""
    return ComplianceDocument(
        number=record.number,
        generated_at=generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
        generated_by=generated_by,
        drill=record.drill,
        chain=chain,
        rows=printed_rows(record, rows, tz, words),
        summary=summary_of(rows, words),
        findings=tuple(findings),
        words=words,
    )


@cache
def _environment() -> Environment:
    return Environment(autoescape=select_autoescape(default=True), undefined=StrictUndefined)


def _template(name: str) -> str:
    # beside this module (not importlib.resources: the tests' own `review` folder shares the name)
    return (Path(__file__).parent / "templates" / name).read_text(encoding="utf-8")


def render_html(page: str, stylesheet: str, fonts: FontChoice, words: Words = ZH, **context: object) -> str:
    """One of the review's printed documents as HTML (its template and stylesheet beside this module),
    its own words (`t`) in `words`' language."""
    # The stylesheet is ours (font paths come from the settings): rendered without HTML escaping.
    css = Environment(undefined=StrictUndefined).from_string(_template(stylesheet)).render(fonts=fonts)
    lang = "en" if words.english else "zh-CN"
    return _environment().from_string(_template(page)).render(css=css, t=printed(words), lang=lang, **context)


def compliance_html(doc: ComplianceDocument, fonts: FontChoice) -> str:
    """The report as HTML, as WeasyPrint lays it out."""
    return render_html("compliance.html", "compliance.css", fonts, doc.words, doc=doc)


def render_pdf(doc: ComplianceDocument, files: FontFiles = NO_FILES) -> bytes:
    """The PDF (raises reports.fonts.FontsMissing, naming what to install, without CJK fonts)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=compliance_html(doc, choose_fonts(files))).write_pdf()
    return pdf
