"""Charts drawn on the server as SVG: no script, nothing fetched, allowed by the strict
Content-Security-Policy (colours are presentation attributes, not inline styles).

Each chart is an accessible image (``role="img"`` with a title and a description); the
page shows the same figures in a table beside it, for screen readers and for copying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Distinguishable in colour-blind vision (Okabe-Ito), then greys.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#777777",
    "#AAAAAA",
)


@dataclass(frozen=True)
class Series:
    """A named line or set of bars; None is a gap (no value for that point)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class _Plot:
    """Where the data goes inside the chart, and the value at the top of the y axis."""

    left: int
    top: int
    width: int
    height: int
    y_top: float
    slot: float  # the width given to each label along x

    @classmethod
    def fit(cls, width: int, height: int, series: Sequence[Series], count: int) -> _Plot:
        left, top, right, bottom = 48, 12, 12, 48
        peak = max((v for s in series for v in s.values if v is not None), default=0.0)
        plot_w = width - left - right
        return cls(
            left, top, plot_w, height - top - bottom, _nice_top(peak), plot_w / max(1, count)
        )


def _nice_top(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"


def _frame(width: int, height: int, title: str, description: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{_id(title)}-t {_id(title)}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_id(title)}-t">{escape(title)}</title>'
        f'<desc id="{_id(title)}-d">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]


def _axes(
    left: int, top: int, plot_w: int, plot_h: int, y_top: float, unit: str, labels: Sequence[str]
) -> list[str]:
    parts = []
    for n in range(5):
        value = y_top * n / 4
        y = top + plot_h - plot_h * n / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#444">{escape(_number(value) + unit)}</text>'
        )
    step = max(1, math.ceil(len(labels) / 12))
    slot = plot_w / max(1, len(labels))
    for n, label in enumerate(labels):
        if n % step:
            continue
        x = left + slot * (n + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" '
            f'fill="#444">{escape(label)}</text>'
        )
    return parts


def _legend(series: Sequence[Series], left: int, y: int) -> list[str]:
    parts, x = [], left
    for n, item in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y}" font-size="11" fill="#222">{escape(item.name)}</text>'
        )
        x += 24 + 7 * len(item.name)
    return parts


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    width: int = 960,
    height: int = 260,
) -> SafeString:
    """Lines over ``labels`` (months, say), one per series, with a legend."""
    plot = _Plot.fit(width, height, series, len(labels))
    left, top, plot_h, y_top, slot = plot.left, plot.top, plot.height, plot.y_top, plot.slot
    body = _axes(left, top, plot.width, plot_h, y_top, unit, labels)
    for n, item in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for i, value in enumerate(item.values):
            if value is None:
                segments.append([])
                continue
            x = left + slot * (i + 0.5)
            y = top + plot_h - plot_h * value / y_top
            segments[-1].append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(f'{item.name}, {labels[i]}: {_number(value)}{unit}')}</title>"
                "</circle>"
            )
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
    body += _legend(series, left, height - 8)
    return _frame(width, height, title, description, body)


def bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    width: int = 960,
    height: int = 260,
) -> SafeString:
    """Bars grouped by ``labels`` (departments, say), one bar per series in each group."""
    plot = _Plot.fit(width, height, series, len(labels))
    left, top, plot_h, y_top, slot = plot.left, plot.top, plot.height, plot.y_top, plot.slot
    body = _axes(left, top, plot.width, plot_h, y_top, unit, labels)
    bar = slot * 0.8 / max(1, len(series))
    for n, item in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        for i, value in enumerate(item.values):
            if value is None:
                continue
            x = left + slot * i + slot * 0.1 + bar * n
            h = plot_h * value / y_top
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(f'{item.name}, {labels[i]}: {_number(value)}{unit}')}</title>"
                "</rect>"
            )
    body += _legend(series, left, height - 8)
    return _frame(width, height, title, description, body)
