"""The §25 trend charts as server-rendered SVG, drawn like the review's timeline (review.timeline).

One chart per figure: a bar per month (counts) or a line through the months (rates and times), the
year's target as a dashed line, a month missing its target drawn red. Pure: the points in, SVG out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

_W, _H, _LEFT, _TOP, _BOTTOM = 360, 180, 40, 28, 26
_OK, _BAD, _NEUTRAL, _TARGET = "#5cb85c", "#d9534f", "#337ab7", "#333"


@dataclass(frozen=True)
class Point:
    label: str  # the month, 1月 … 12月
    value: float | None
    met: bool | None = None  # None: no target to judge against


def _nice_top(value: float) -> float:
    """The smallest 4 × (1, 2 or 5 × 10ⁿ) at or above `value`: four gridlines at round numbers."""
    step = 1.0
    while step * 4 < value:
        for m in (2.0, 2.5, 2.0):
            step *= m
            if step * 4 >= value:
                break
    return step * 4


def _fmt(value: float, rate: bool) -> str:
    return f"{value * 100:.0f}%" if rate else (f"{value:.0f}" if value == int(value) else f"{value:.1f}")


def render(
    title: str,
    points: Sequence[Point],
    *,
    rate: bool,
    bars: bool,
    target: float | None = None,
    target_label: str = "",
) -> str:
    """The chart's SVG (a tooltip on each month; the page links the months, where a finger can hit them)."""
    values = [p.value for p in points if p.value is not None]
    top = 1.0 if rate else _nice_top(max([*values, target or 0.0, 1.0]) * 1.1)
    inner_w, inner_h = _W - _LEFT - 10, _H - _TOP - _BOTTOM
    step = inner_w / max(len(points), 1)

    def y(v: float) -> float:
        return round(_TOP + inner_h - v / top * inner_h, 1)

    def x(i: int) -> float:
        return round(_LEFT + step * i + step / 2, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-size="12" font-family="sans-serif" class="trend">',
        f'<text x="4" y="16" font-weight="bold" font-size="14">{escape(title)}</text>',
    ]
    for i in range(5):
        v = top * i / 4
        out.append(
            f'<line x1="{_LEFT}" y1="{y(v)}" x2="{_W - 10}" y2="{y(v)}" stroke="#eee"/>'
            f'<text x="{_LEFT - 4}" y="{y(v) + 4}" text-anchor="end" fill="#666">{_fmt(v, rate)}</text>'
        )
    line: list[str] = []
    marks: list[str] = []
    for i, p in enumerate(points):
        out.append(
            f'<text x="{x(i)}" y="{_H - 10}" text-anchor="middle" fill="#666">{escape(p.label)}</text>'
        )
        if p.value is None:
            continue
        colour = _NEUTRAL if p.met is None else (_OK if p.met else _BAD)
        tip = f"<title>{escape(f'{p.label} {_fmt(p.value, rate)}')}</title>"
        if bars:
            h = round(max(inner_h * p.value / top, 0.0), 1)
            mark = (
                f'<rect class="bar" x="{round(x(i) - step * 0.3, 1)}" y="{y(p.value)}" '
                f'width="{round(step * 0.6, 1)}" height="{h}" fill="{colour}">{tip}</rect>'
            )
        else:
            line.append(f"{x(i)},{y(p.value)}")
            mark = f'<circle class="dot" cx="{x(i)}" cy="{y(p.value)}" r="4" fill="{colour}">{tip}</circle>'
        marks.append(mark)
    if line:
        out.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="{_NEUTRAL}" stroke-width="1.5"/>'
        )
    out += marks
    if target is not None:
        out.append(
            f'<line class="target" x1="{_LEFT}" y1="{y(target)}" x2="{_W - 10}" y2="{y(target)}" '
            f'stroke="{_TARGET}" stroke-dasharray="5,3"/>'
            f'<text x="{_W - 12}" y="{y(target) - 4}" text-anchor="end" fill="{_TARGET}">'
            f"{escape(target_label)} {_fmt(target, rate)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
