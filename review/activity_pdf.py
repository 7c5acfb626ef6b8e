"""工作记录 printed: the incident's ICS-214 activity log, person by person, as a PDF (WeasyPrint, the
reports' fonts), like the compliance report beside it (review.pdf). Times in the office's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from reports.fonts import NO_FILES, FontChoice, FontFiles, choose_fonts

from .activity import Entry, people
from .labels import ZH, Words
from .pdf import ChainLine, render_html


@dataclass(frozen=True)
class PrintedEntry:
    """One line as printed: every value already a text."""

    time: str
    recorded: str  # when the console learned it, printed only when it came in late (迟报)
    place: str
    activity: str
    activity_code: str
    subject: str
    detail: str
    positions: str


@dataclass(frozen=True)
class PrintedPerson:
    person_id: str
    name: str
    entries: tuple[PrintedEntry, ...]


@dataclass(frozen=True)
class ActivityDocument:
    """What the printed activity log holds."""

    number: str
    generated_at: str
    generated_by: str
    drill: bool
    chain: ChainLine
    people: tuple[PrintedPerson, ...]
    count: int
    words: Words = ZH  # the language it is printed in (the entries were written in it too)


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%m-%d %H:%M:%S")


def document(
    number: str,
    entries: Sequence[Entry],
    *,
    drill: bool,
    chain: ChainLine,
    generated_at: datetime,
    generated_by: str,
    tz: ZoneInfo,
    words: Words = ZH,
) -> ActivityDocument:
    """The printed activity log of an incident's entries (review.activity.activity) as of `generated_at`."""
    printed = tuple(
        PrintedPerson(
            person_id,
            name,
            tuple(
                PrintedEntry(
                    time=_local(e.at, tz),
                    recorded=_local(e.recorded_at, tz) if e.reported_late else "",
                    place=e.place or "—",
                    activity=words.activity(e.activity.value),
                    activity_code=e.activity.value,
                    subject=e.subject,
                    detail=e.detail,
                    positions=", ".join(str(p) for p in e.positions),
                )
                for e in rows
            ),
        )
        for person_id, name, rows in people(entries)
    )
    return ActivityDocument(
        number=number,
        generated_at=generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
        generated_by=generated_by,
        drill=drill,
        chain=chain,
        people=printed,
        count=len(entries),
        words=words,
    )


def activity_html(doc: ActivityDocument, fonts: FontChoice) -> str:
    """The activity log as HTML, as WeasyPrint lays it out."""
    return render_html("activity.html", "activity.css", fonts, doc.words, doc=doc)


def render_pdf(doc: ActivityDocument, files: FontFiles = NO_FILES) -> bytes:
    """The PDF (raises reports.fonts.FontsMissing, naming what to install, without CJK fonts)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=activity_html(doc, choose_fonts(files))).write_pdf()
    return pdf
