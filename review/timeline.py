"""The review's timeline as server-rendered SVG: a lane per person, a lane per step with its deadline.

Person lanes run dispatched → acknowledged → en route → on scene → cleared, each stretch labelled with
its place; a stretch reported late is hatched. Step lanes show the deadline (a tick) and when the step
was resolved (a dot, red when late). Pure: the record and the compliance rows in, SVG text out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from xml.sax.saxutils import escape

from .activity import Activity, Entry, ack_route, activity
from .compliance import Kind, Outcome, Page, Row
from .labels import ZH, Words
from .log import IncidentRecord, LoggedEvent

LATE_AFTER = timedelta(minutes=1)
COLOURS = {
    "dispatched": "#f0ad4e",
    "acknowledged": "#5bc0de",
    "en_route": "#337ab7",
    "on_scene": "#5cb85c",
    "cleared": "#bbbbbb",
}
_LANE, _LABEL, _WIDTH, _TOP = 26, 150, 1000, 30


@dataclass(frozen=True)
class Stretch:
    person_id: str
    status: str
    start: datetime
    end: datetime
    place_id: str | None
    late: bool
    position: int


def person_stretches(record: IncidentRecord, now: datetime) -> dict[str, list[Stretch]]:
    """Each person's statuses at the incident as stretches of time (until the next move, or `now`)."""
    moves = sorted(record.moves, key=lambda m: (m.occurred_at, m.position))
    lanes: dict[str, list[Stretch]] = {}
    for m in moves:
        if m.occurred_at > now:
            continue
        lane = lanes.setdefault(m.person_id, [])
        place = m.place_id if m.place_id is not None else (lane[-1].place_id if lane else None)
        if lane:
            last = lane[-1]
            lane[-1] = Stretch(
                last.person_id,
                last.status,
                last.start,
                m.occurred_at,
                last.place_id,
                last.late,
                last.position,
            )
        late = m.by.recorded_at - m.occurred_at > LATE_AFTER
        lane.append(Stretch(m.person_id, m.status, m.occurred_at, now, place, late, m.position))
    for lane in lanes.values():
        if lane and lane[-1].status == "cleared":
            last = lane[-1]
            lane[-1] = Stretch(
                last.person_id, last.status, last.start, last.start, last.place_id, last.late, last.position
            )
    return lanes


# What fits in the label column (11 px text, 150 px): 12 Chinese characters, or about twice as many
# Latin letters (an English title); a longer title is cut, in full on hover.
_LABEL_WIDTH = 24


def _width(text: str) -> int:
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


def _fit(text: str) -> str:
    if _width(text) <= _LABEL_WIDTH:
        return text
    cut = text
    while cut and _width(cut) > _LABEL_WIDTH - 2:
        cut = cut[:-1]
    return cut.rstrip() + "…"


# Marks of the page and report lanes: (shape, colour) per activity.
PAGE_COLOURS = {"paged": "#f0ad4e", "delivered": "#5cb85c", "failed": "#d9534f", "acked": "#117a65"}
REPORT_COLOURS = {
    Activity.REPORT_DRAFTED: "#999999",
    Activity.REPORT_EDITED: "#bbbbbb",
    Activity.REPORT_SUBMITTED: "#5bc0de",
    Activity.REPORT_RETURNED: "#f0ad4e",
    Activity.REPORT_APPROVED: "#8e44ad",
    Activity.REPORT_SENT: "#1f3a93",
    Activity.REPORT_DELIVERED: "#5cb85c",
    Activity.REPORT_UNDELIVERED: "#d9534f",
    Activity.REPORT_CONFIRMED: "#2e7d32",
}
# The verb of a report's mark (review.labels.PHRASES "rw_…"), by its activity.
REPORT_WORDS = {a: "rw_" + a.value.removeprefix("report_") for a in REPORT_COLOURS}
GROUPS = ("people", "steps", "pages", "reports")  # the headings: PHRASES "group_…"
_HEADING = 20


@dataclass(frozen=True)
class Mark:
    """One instant on a page or report lane."""

    kind: str  # paged, delivered, failed, acked; or a report activity's value
    at: datetime
    title: str  # the tooltip, in the reader's language


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    done_at: datetime | None
    late: bool
    late_by: timedelta | None
    item: str  # obligation id#occurrence


@dataclass(frozen=True)
class Lane:
    """A page lane (one alert to one person) or a report lane (one report, every version)."""

    key: str  # alert id/person id, or report id (or obligation item for a report never drafted)
    label: str
    start: datetime | None  # the bar: paged until acknowledged; drafted until sent (or the end)
    end: datetime | None
    open: bool  # not acknowledged (a page) or not sent (a report) by the end of the chart
    marks: tuple[Mark, ...]
    deadline: Deadline | None = None
    span_title: str = ""


# What the page and report lanes read of the log: the alerts', the reports' and the organisation's
# events (names of people and units); a person's moves and the run's steps are the other lanes'.
_LANE_TYPES = ("alert.", "report.", "org.")


def lane_entries(
    incident_id: str, events: Iterable[LoggedEvent], pages: Sequence[Page], words: Words = ZH
) -> list[Entry]:
    """The activity log's entries (review.activity) the page and report lanes draw, read from only
    the events they come from (the whole 工作记录 of a long incident costs more than the chart)."""
    wanted = [e for e in events if e.type.startswith(_LANE_TYPES)]
    return activity(incident_id, wanted, pages=pages, words=words)


def _minutes(delta: timedelta, words: Words = ZH) -> str:
    return words.text("minutes", n=f"{max(delta.total_seconds(), 0) / 60:.0f}")


def page_lanes(
    record: IncidentRecord,
    pages: Sequence[Page],
    entries: Sequence[Entry],
    now: datetime,
    tz: tzinfo = UTC,
    words: Words = ZH,
) -> list[Lane]:
    """A lane per alert and person paged (告警): when it was paged (each level and round), each delivery
    attempt by channel kind, and when and how it was acknowledged, with the wait; up to `now`."""
    by_lane: dict[tuple[str, str], list[Page]] = {}
    for p in sorted(pages, key=lambda p: (p.paged_at, p.alert_id, p.person_id, p.level, p.round)):
        if p.paged_at <= now:
            by_lane.setdefault((p.alert_id, p.person_id), []).append(p)
    kinds = {Activity.PAGE_DELIVERED: "delivered", Activity.PAGE_FAILED: "failed"}
    lanes: list[Lane] = []
    for (alert_id, person_id), paged in by_lane.items():
        name = record.person_name(person_id)
        ask = words.role(paged[0].ask)
        first = paged[0].paged_at
        marks = [
            Mark(
                "paged",
                p.paged_at,
                words.text(
                    "tl_paged",
                    name=name,
                    ask=ask,
                    round=words.text("round", level=p.level + 1, round=p.round + 1),
                    at=_local(p.paged_at, tz),
                ),
            )
            for p in paged
        ]
        mine = [e for e in entries if e.ref == alert_id and e.person_id == person_id and e.at <= now]
        for e in mine:
            if e.activity in kinds:
                key = "tl_delivered" if e.activity is Activity.PAGE_DELIVERED else "tl_failed"
                tip = words.text(key, channel=e.detail, at=_local(e.at, tz))
                marks.append(Mark(kinds[e.activity], e.at, tip))
        ack = next((e for e in mine if e.activity is Activity.PAGE_ACKNOWLEDGED), None)
        acked_at = ack.at if ack is not None else min((p.acked_at for p in paged if p.acked_at), default=None)
        if acked_at is not None and acked_at > now:
            acked_at = None
        if acked_at is not None:
            route = next((p.ack_route for p in paged if p.ack_route), "") or ""
            how = ack.detail if ack is not None else ack_route(route, words)
            wait = _minutes(acked_at - first, words)
            tip = words.text("tl_acked", name=name, at=_local(acked_at, tz), how=how, wait=wait)
            marks.append(Mark("acked", acked_at, tip))
            span = words.text("tl_ack_span", wait=wait)
        else:
            span = words.text("tl_unacked", wait=_minutes(now - first, words))
        lanes.append(
            Lane(
                key=f"{alert_id}/{person_id}",
                label=f"{name}·{ask}",
                start=first,
                end=acked_at or now,
                open=acked_at is None,
                marks=tuple(sorted(marks, key=lambda m: m.at)),
                span_title=span,
            )
        )
    return lanes


def report_lanes(
    entries: Sequence[Entry],
    rows: Sequence[Row],
    now: datetime,
    labels: dict[str, str],
    tz: tzinfo = UTC,
    words: Words = ZH,
) -> list[Lane]:
    """A lane per report (首报、续报、终报、日报): drafted, submitted, returned, approved (签发), sent, each
    recipient's delivery and phone confirmation, and its obligation's deadline; an obligation owed and
    never drafted has a lane of its own with the deadline alone."""
    reports: dict[str, list[Entry]] = {}
    for e in entries:
        if e.ref and e.activity in REPORT_COLOURS and e.at <= now:
            reports.setdefault(e.ref, []).append(e)
    owed: dict[str, list[Row]] = {}
    for r in sorted((r for r in rows if r.kind is Kind.REPORT and r.due_at is not None),
                    key=lambda r: (r.due_at, r.item)):  # fmt: skip
        owed.setdefault(r.item.split("#")[0], []).append(r)

    def deadline(r: Row) -> Deadline:
        assert r.due_at is not None
        return Deadline(r.due_at, r.done_at, r.late, r.late_by, r.item)

    lanes: list[Lane] = []
    for report_id, mine in sorted(reports.items(), key=lambda kv: (kv[1][0].at, kv[0])):
        mine.sort(key=lambda e: (e.at, e.positions))
        # "首报 第2版" → 首报, "Initial report v2" → Initial report
        label = mine[0].subject.rsplit(" v" if words.english else " 第", 1)[0]
        marks = tuple(
            Mark(e.activity.value, e.at,
                 words.text("tl_report_mark", subject=e.subject, word=words.text(REPORT_WORDS[e.activity]),
                            at=_local(e.at, tz))
                 + (f" {e.name}" if e.activity is not Activity.REPORT_DELIVERED else "")
                 + (words.text("via", channel=e.detail) if e.detail else ""))
            for e in mine
        )  # fmt: skip
        sent = next((e.at for e in mine if e.activity is Activity.REPORT_SENT), None)
        queue = owed.get(mine[0].obligation, [])
        due = deadline(queue.pop(0)) if queue else None
        lanes.append(
            Lane(
                key=report_id,
                label=label,
                start=mine[0].at,
                end=sent or now,
                open=sent is None,
                marks=marks,
                deadline=due,
                span_title=words.text("tl_report_span", label=label, wait=_minutes(sent - mine[0].at, words))
                if sent
                else words.text("tl_report_unsent", label=label),
            )
        )
    for obligation, left in owed.items():
        for r in left:
            title = labels.get(f"obligation:{obligation}", obligation)
            lanes.append(Lane(r.item, title, None, None, True, (), deadline(r)))
    return lanes


def _local(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%m-%d %H:%M")


def render(
    record: IncidentRecord,
    rows: Sequence[Row],
    now: datetime,
    labels: dict[str, str],
    tz: tzinfo = UTC,
    *,
    pages: Sequence[Page] = (),
    entries: Sequence[Entry] = (),
    words: Words = ZH,
) -> str:
    """The SVG; `labels` gives statuses', steps', obligations' (`obligation:ID`) and places'
    (`place:ID`) names (people's are the record's), times in `tz`; `pages` and `entries` (the
    activity log's, review.activity, in the same `words`) draw the page and report lanes; every
    word the chart writes itself is `words`'."""

    def hm(at: datetime) -> str:
        return at.astimezone(tz).strftime("%H:%M")

    start = record.registered_at or now
    stretches = person_stretches(record, now)
    quiet = (Outcome.BLOCKED, Outcome.NOT_APPLICABLE)
    steps = [r for r in rows if r.kind is Kind.STEP and r.due_at is not None and r.outcome not in quiet]
    paging = page_lanes(record, pages, entries, now, tz, words)
    reporting = report_lanes(entries, rows, now, labels, tz, words)
    instants = [start, now, *(r.due_at for r in steps if r.due_at), *(r.done_at for r in steps if r.done_at)]
    for lane in (*paging, *reporting):
        instants += [m.at for m in lane.marks]
        if lane.deadline is not None:
            instants.append(lane.deadline.due_at)
    lo, hi = min(instants), max(instants)
    span = max((hi - lo).total_seconds(), 60.0)

    def x(at: datetime) -> float:
        return round(_LABEL + (at - lo).total_seconds() / span * (_WIDTH - _LABEL - 10), 1)

    groups = [
        g
        for g, n in (("people", stretches), ("steps", steps), ("pages", paging), ("reports", reporting))
        if n
    ]
    lanes = len(stretches) + len(steps) + len(paging) + len(reporting)
    legend_top = _TOP + lanes * _LANE + len(groups) * _HEADING + 10
    legend = _legend(labels, words)
    per_row = _legend_per_row(legend)
    legend_rows = (len(legend) + per_row - 1) // per_row
    height = legend_top + legend_rows * 18 + 6
    grid_bottom = legend_top - 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(labels.get("title", "timeline"))}" '
        'font-size="11" font-family="sans-serif">',
        '<defs><pattern id="late" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#d9534f" opacity="0.5"/>'
        "</pattern></defs>",
    ]
    for i in range(7):
        at = lo + timedelta(seconds=span * i / 6)
        # The last tick sits 10 units from the right edge: centred, its time would be cut off there.
        anchor = "end" if i == 6 else "middle"
        out.append(
            f'<line x1="{x(at)}" y1="{_TOP - 8}" x2="{x(at)}" y2="{grid_bottom}" stroke="#eee"/>'
            f'<text x="{x(at)}" y="{_TOP - 12}" text-anchor="{anchor}" fill="#666">{hm(at)}</text>'
        )
    y = _TOP

    def heading(group: str) -> None:
        nonlocal y
        text = escape(labels.get(f"group:{group}", words.text(f"group_{group}")))
        out.append(
            f'<g class="heading" data-group="{group}"><line x1="0" y1="{y + 1}" x2="{_WIDTH}" y2="{y + 1}" '
            f'stroke="#ccc"/><text x="4" y="{y + 14}" font-weight="bold" fill="#333">{text}</text></g>'
        )
        y += _HEADING

    if stretches:
        heading("people")
    for person_id in sorted(stretches):
        name = escape(record.person_name(person_id))
        out.append(f'<g class="lane person" data-person="{escape(person_id)}">')
        out.append(f'<text x="4" y="{y + 16}">{name}</text>')
        for s in stretches[person_id]:
            width = max(x(s.end) - x(s.start), 2)
            colour = COLOURS.get(s.status, "#999")
            named = labels.get(f"place:{s.place_id}", s.place_id or "") if s.place_id else ""
            place = escape(named)
            title = escape(f"{labels.get(s.status, s.status)} {hm(s.start)} {named}")
            out.append(
                f'<rect class="stretch" data-status="{escape(s.status)}" data-position="{s.position}" '
                f'data-at="{s.start.isoformat()}" '
                f'x="{x(s.start)}" y="{y + 4}" width="{width}" height="{_LANE - 8}" fill="{colour}">'
                f"<title>{title}</title></rect>"
            )
            if s.late:
                out.append(
                    f'<rect class="late" x="{x(s.start)}" y="{y + 4}" width="{width}" height="{_LANE - 8}" '
                    'fill="url(#late)" pointer-events="none"/>'
                )
            if place and width > 40:
                out.append(
                    f'<text x="{x(s.start) + 3}" y="{y + 16}" fill="#fff" pointer-events="none">'
                    f"{place}</text>"
                )
        out.append("</g>")
        y += _LANE
    if steps:
        heading("steps")
    for r in steps:
        assert r.due_at is not None
        late = r.outcome in (Outcome.LATE, Outcome.OVERDUE)
        out.append(f'<g class="lane step" data-step="{escape(r.item)}" data-outcome="{r.outcome.value}">')
        title = labels.get(r.item, r.item)
        out.append(f'<text x="4" y="{y + 16}">{escape(_fit(title))}<title>{escape(title)}</title></text>')
        end = r.done_at or now
        tip = words.text("tl_due", title=title, at=_local(r.due_at, tz))
        out.append(
            f'<line x1="{x(r.due_at)}" y1="{y + 3}" x2="{x(r.due_at)}" y2="{y + _LANE - 3}" '
            f'stroke="#333" stroke-width="2" class="deadline"><title>{escape(tip)}</title></line>'
        )
        if late:
            overdue = (
                words.text("tl_overdue_by", title=title, wait=_minutes(r.late_by, words))
                if r.late_by is not None
                else words.text("tl_overdue", title=title)
            )
            out.append(
                f'<rect x="{x(r.due_at)}" y="{y + 9}" width="{max(x(end) - x(r.due_at), 1)}" height="8" '
                f'fill="#d9534f" opacity="0.6" class="lateness"><title>{escape(overdue)}</title></rect>'
            )
        if r.done_at is not None:
            fill = "#d9534f" if late else "#5cb85c"
            who = f" {r.done_by.name}" if r.done_by is not None else ""
            done = words.text("tl_done", title=title, at=_local(r.done_at, tz), who=who)
            out.append(
                f'<circle cx="{x(r.done_at)}" cy="{y + 13}" r="5" fill="{fill}" class="done" '
                f'data-at="{r.done_at.isoformat()}">'
                f"<title>{escape(done)}</title></circle>"
            )
        out.append("</g>")
        y += _LANE
    if paging:
        heading("pages")
    for lane in paging:
        out.append(
            f'<g class="lane page" data-page="{escape(lane.key)}" data-open="{str(lane.open).lower()}">'
        )
        out += _lane_label(lane.label, y)
        out += _bar(lane, x, y, "#f0ad4e" if lane.open else "#cfe3f3")
        for m in lane.marks:
            out.append(_page_mark(m, x(m.at), y))
        out.append("</g>")
        y += _LANE
    if reporting:
        heading("reports")
    for lane in reporting:
        late = lane.deadline is not None and lane.deadline.late
        out.append(
            f'<g class="lane report" data-report="{escape(lane.key)}" data-late="{str(late).lower()}">'
        )
        out += _lane_label(lane.label, y)
        if lane.start is not None:
            out += _bar(lane, x, y, "#e8e8e8")
        if lane.deadline is not None:
            out += _deadline(lane.deadline, x, y, now, tz, words)
        for m in lane.marks:
            colour = REPORT_COLOURS[Activity(m.kind)]
            out.append(
                f'<circle class="mark" data-kind="{m.kind}" data-at="{m.at.isoformat()}" cx="{x(m.at)}" '
                f'cy="{y + 13}" r="4" fill="{colour}" stroke="#fff"><title>{escape(m.title)}</title></circle>'
            )
        out.append("</g>")
        y += _LANE
    out += _legend_svg(legend, legend_top)
    out.append("</svg>")
    return "".join(out)


_LEGEND_PER_ROW = 8
# 11 px sans-serif: about 6 px a Latin letter, 11 a Chinese character (`_width` counts them 1 and 2).
_PX_PER_WIDTH = 6


def _legend_per_row(legend: list[tuple[str, str]]) -> int:
    """As many legend items to a row as fit the widest one (an English legend's are longer), at most 8."""
    widest = max((_width(text) for _, text in legend), default=0) * _PX_PER_WIDTH + 16 + 10
    return max(1, min(_LEGEND_PER_ROW, int((_WIDTH - 8) // widest)))


def _legend(labels: dict[str, str], words: Words = ZH) -> list[tuple[str, str]]:
    """(colour, what it means) for every colour the chart uses."""
    people = [(COLOURS[s], labels.get(s, s)) for s in COLOURS]
    return [
        *people,
        ("url(#late)", words.text("lg_late_report")),
        ("#333333", words.text("lg_deadline")),
        ("#d9534f", words.text("lg_late")),
        (PAGE_COLOURS["paged"], words.text("lg_paged")),
        (PAGE_COLOURS["delivered"], words.text("lg_delivered")),
        (PAGE_COLOURS["failed"], words.text("lg_failed")),
        (PAGE_COLOURS["acked"], words.text("lg_acked")),
        (REPORT_COLOURS[Activity.REPORT_DRAFTED], words.text("lg_drafted")),
        (REPORT_COLOURS[Activity.REPORT_SUBMITTED], words.text("lg_submitted")),
        (REPORT_COLOURS[Activity.REPORT_RETURNED], words.text("lg_returned")),
        (REPORT_COLOURS[Activity.REPORT_APPROVED], words.text("lg_approved")),
        (REPORT_COLOURS[Activity.REPORT_SENT], words.text("lg_sent")),
        (REPORT_COLOURS[Activity.REPORT_CONFIRMED], words.text("lg_confirmed")),
    ]


def _legend_svg(legend: list[tuple[str, str]], top: float) -> list[str]:
    out = ['<g class="legend">']
    per_row = _legend_per_row(legend)
    step = (_WIDTH - 8) / per_row
    for i, (colour, text) in enumerate(legend):
        lx = 4 + (i % per_row) * step
        ly = top + (i // per_row) * 18
        out.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="12" height="10" fill="{colour}"/>'
            f'<text x="{lx + 16:.1f}" y="{ly + 9}">{escape(text)}</text>'
        )
    out.append("</g>")
    return out


def _lane_label(label: str, y: float) -> list[str]:
    return [
        f'<text class="label" x="4" y="{y + 16}">{escape(_fit(label))}<title>{escape(label)}</title></text>'
    ]


def _bar(lane: Lane, x: Callable[[datetime], float], y: float, colour: str) -> list[str]:
    assert lane.start is not None and lane.end is not None
    width = max(x(lane.end) - x(lane.start), 2)
    dash = ' stroke="#c77c0e" stroke-dasharray="3,2"' if lane.open else ""
    return [
        f'<rect class="span" x="{x(lane.start)}" y="{y + 8}" width="{width}" height="10" fill="{colour}"'
        f"{dash}><title>{escape(lane.span_title)}</title></rect>"
    ]


def _page_mark(m: Mark, cx: float, y: float) -> str:
    colour = PAGE_COLOURS[m.kind]
    title = f"<title>{escape(m.title)}</title>"
    common = f'class="mark" data-kind="{m.kind}" data-at="{m.at.isoformat()}" fill="{colour}"'
    cy = y + 13
    if m.kind == "paged":  # a triangle: the page went out
        points = f"{cx - 5},{cy + 6} {cx + 5},{cy + 6} {cx},{cy - 6}"
        return f'<polygon {common} points="{points}" stroke="#fff">{title}</polygon>'
    if m.kind == "acked":  # a diamond
        points = f"{cx},{cy - 7} {cx + 6},{cy} {cx},{cy + 7} {cx - 6},{cy}"
        return f'<polygon {common} points="{points}" stroke="#fff">{title}</polygon>'
    return f'<circle {common} cx="{cx}" cy="{cy}" r="3.5" stroke="#fff">{title}</circle>'


def _deadline(
    d: Deadline, x: Callable[[datetime], float], y: float, now: datetime, tz: tzinfo, words: Words = ZH
) -> list[str]:
    colour = "#d9534f" if d.late else "#333"
    late = (
        words.text("tl_late_by", wait=_minutes(d.late_by, words)) if d.late and d.late_by is not None else ""
    )
    done = (
        words.text("tl_done_at", at=_local(d.done_at, tz))
        if d.done_at is not None
        else words.text("tl_not_done" if d.late else "tl_not_due")
    )
    tip = words.text("tl_report_due", at=_local(d.due_at, tz), done=done, late=late)
    out = [
        f'<line class="deadline" data-late="{str(d.late).lower()}" data-due="{d.due_at.isoformat()}" '
        f'x1="{x(d.due_at)}" y1="{y + 3}" x2="{x(d.due_at)}" y2="{y + _LANE - 3}" stroke="{colour}" '
        f'stroke-width="2"><title>{escape(tip)}</title></line>'
    ]
    if d.late:
        end = d.done_at or now
        out.append(
            f'<rect class="lateness" x="{x(d.due_at)}" y="{y + 20}" width="{max(x(end) - x(d.due_at), 1)}" '
            'height="3" fill="#d9534f" opacity="0.6"/>'
        )
    return out
