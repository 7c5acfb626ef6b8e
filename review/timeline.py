"""The review's timeline as server-rendered SVG: a lane per person, a lane per step with its deadline.

Person lanes run dispatched → acknowledged → en route → on scene → cleared, each stretch labelled with
its place; a stretch reported late is hatched. Step lanes show the deadline (a tick) and when the step
was resolved (a dot, red when late). Pure: the record and the compliance rows in, SVG text out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from xml.sax.saxutils import escape

from .compliance import Kind, Outcome, Row
from .log import IncidentRecord

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


# What fits in the label column (11 px text, 150 px): a longer title is cut, in full on hover.
_LABEL_CHARS = 12


def _fit(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def render(
    record: IncidentRecord, rows: Sequence[Row], now: datetime, labels: dict[str, str], tz: tzinfo = UTC
) -> str:
    """The SVG; `labels` gives statuses', steps' and places' (`place:ID`) names (people's are the
    record's), times in `tz`."""

    def hm(at: datetime) -> str:
        return at.astimezone(tz).strftime("%H:%M")

    start = record.registered_at or now
    stretches = person_stretches(record, now)
    quiet = (Outcome.BLOCKED, Outcome.NOT_APPLICABLE)
    steps = [r for r in rows if r.kind is Kind.STEP and r.due_at is not None and r.outcome not in quiet]
    instants = [start, now, *(r.due_at for r in steps if r.due_at), *(r.done_at for r in steps if r.done_at)]
    lo, hi = min(instants), max(instants)
    span = max((hi - lo).total_seconds(), 60.0)

    def x(at: datetime) -> float:
        return round(_LABEL + (at - lo).total_seconds() / span * (_WIDTH - _LABEL - 10), 1)

    lanes = len(stretches) + len(steps)
    height = _TOP + lanes * _LANE + 10
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
        out.append(
            f'<line x1="{x(at)}" y1="{_TOP - 8}" x2="{x(at)}" y2="{height}" stroke="#eee"/>'
            f'<text x="{x(at)}" y="{_TOP - 12}" text-anchor="middle" fill="#666">{hm(at)}</text>'
        )
    y = _TOP
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
                f'x="{x(s.start)}" y="{y + 4}" width="{width}" height="{_LANE - 8}" fill="{colour}">'
                f"<title>{title}</title></rect>"
            )
            if s.late:
                out.append(
                    f'<rect class="late" x="{x(s.start)}" y="{y + 4}" width="{width}" height="{_LANE - 8}" '
                    'fill="url(#late)"/>'
                )
            if place and width > 40:
                out.append(f'<text x="{x(s.start) + 3}" y="{y + 16}" fill="#fff">{place}</text>')
        out.append("</g>")
        y += _LANE
    for r in steps:
        assert r.due_at is not None
        late = r.outcome in (Outcome.LATE, Outcome.OVERDUE)
        out.append(f'<g class="lane step" data-step="{escape(r.item)}" data-outcome="{r.outcome.value}">')
        title = labels.get(r.item, r.item)
        out.append(f'<text x="4" y="{y + 16}">{escape(_fit(title))}<title>{escape(title)}</title></text>')
        end = r.done_at or now
        out.append(
            f'<line x1="{x(r.due_at)}" y1="{y + 3}" x2="{x(r.due_at)}" y2="{y + _LANE - 3}" '
            'stroke="#333" stroke-width="2" class="deadline"/>'
        )
        if late:
            out.append(
                f'<rect x="{x(r.due_at)}" y="{y + 9}" width="{max(x(end) - x(r.due_at), 1)}" height="8" '
                'fill="#d9534f" opacity="0.6" class="lateness"/>'
            )
        if r.done_at is not None:
            fill = "#d9534f" if late else "#5cb85c"
            out.append(f'<circle cx="{x(r.done_at)}" cy="{y + 13}" r="5" fill="{fill}" class="done"/>')
        out.append("</g>")
        y += _LANE
    out.append("</svg>")
    return "".join(out)
