"""Charts drawn on the server as SVG: no script, nothing fetched, allowed by the strict
Content-Security-Policy (colours are presentation attributes, not inline styles).

Each chart is an accessible image (``role="img"`` with a title and a description); the
page shows the same figures in a table beside it, for screen readers and for copying.
"""

from __future__ import annotations

import hashlib
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

# Text on the charts, and the two ends of the sequential scale of the heatmap: one hue
# (the palette's blue) from nearly white to full strength, so that order reads as
# lightness alone and survives colour-blind vision and greyscale printing.
_INK = "#222222"
_SCALE_LIGHT = (0xE6, 0xF0, 0xF7)
_SCALE_DARK = (0x00, 0x72, 0xB2)  # PALETTE[0]


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
    def fit(
        cls, width: int, height: int, series: Sequence[Series], count: int, unit: str = ""
    ) -> _Plot:
        peak = max((v for s in series for v in s.values if v is not None), default=0.0)
        y_top = _nice_top(peak)
        # Room for the widest y label (about 7 px a character at 11 px), at least 48 px.
        left = max(48, 12 + 7 * len(_number(y_top) + unit))
        top, right, bottom = 12, 12, 48
        plot_w = width - left - right
        return cls(left, top, plot_w, height - top - bottom, y_top, plot_w / max(1, count))


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


def _frame(
    width: int,
    height: int,
    title: str,
    description: str,
    body: list[str],
    *,
    css_class: str = "chart",
    fixed_size: bool = False,
    ident: str | None = None,
) -> SafeString:
    """The ``<svg>`` element: a fluid chart by default, or drawn at its own size
    (``fixed_size``) for small inline images such as sparklines."""
    ident = ident or _id(title)
    size = f'width="{width}" height="{height}"' if fixed_size else 'width="100%"'
    return mark_safe(
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" {size} role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>' + "".join(body) + "</svg>"
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
    plot = _Plot.fit(width, height, series, len(labels), unit)
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
    plot = _Plot.fit(width, height, series, len(labels), unit)
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


def _percent(share: float) -> str:
    """A share in 0..1 as a whole percentage: 0.874 is "87%"."""
    return f"{share * 100:.0f}%"


def _shade(fraction: float) -> str:
    """The colour at ``fraction`` of the sequential scale, clamped to 0..1."""
    t = min(1.0, max(0.0, fraction))
    r, g, b = (round(a + (z - a) * t) for a, z in zip(_SCALE_LIGHT, _SCALE_DARK, strict=True))
    return f"#{r:02X}{g:02X}{b:02X}"


def _luminance(colour: str) -> float:
    """Relative luminance of a ``#RRGGBB`` colour (WCAG 2.2, "relative luminance")."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink_on(fill: str) -> str:
    """White or dark text, whichever has the higher WCAG contrast ratio against ``fill``."""
    background = _luminance(fill) + 0.05
    on_white = 1.05 / background
    on_dark = background / (_luminance(_INK) + 0.05)
    return "#FFFFFF" if on_white > on_dark else _INK


def heatmap(
    *,
    title: str,
    description: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    unit: str = "%",
    scale_max: float | None = None,
    width: int = 960,
) -> SafeString:
    """A grid of shaded cells: a cohort retention triangle, say, with one row per cohort
    month and one column per month since the start.

    ``values[i][j]`` is the cell for ``row_labels[i]`` and ``column_labels[j]``. Rows may be
    shorter than ``column_labels`` (a triangle: later cohorts have fewer months), and None
    is a cell without a value; both are left empty. With ``unit="%"`` the values are
    *fractions* (0.87 is shown as "87%"); with any other unit they are shown as they are,
    followed by the unit.

    The shade runs from nearly white at 0 to the palette's blue at ``scale_max`` (by
    default the largest value, and at least 1 for percentages); values above it get the
    darkest shade, values below 0 the lightest. The figures are printed in the cells when
    the cells are wide enough for the longest of them (all or none, so the grid reads
    evenly), in dark or white text for contrast; every cell has a tooltip.
    The height follows the number of rows.
    """
    if len(values) != len(row_labels):
        raise ValueError(f"{len(values)} rows of values for {len(row_labels)} row labels")
    if any(len(row) > len(column_labels) for row in values):
        raise ValueError(f"a row has more values than the {len(column_labels)} column labels")
    peak = max((v for row in values for v in row if v is not None), default=0.0)
    if scale_max is None:
        scale_max = max(1.0, peak) if unit == "%" else (peak if peak > 0 else 1.0)
    if scale_max <= 0:
        raise ValueError("scale_max must be above 0")

    def shown(value: float) -> str:
        return _percent(value) if unit == "%" else _number(value) + unit

    row_h, top, right = 22, 22, 12
    left = max(40, round(6.5 * max((len(label) for label in row_labels), default=0)) + 12)
    cell_w = (width - left - right) / max(1, len(column_labels))
    grid_h = row_h * len(row_labels)
    height = top + grid_h + 32
    longest = max((len(shown(v)) for row in values for v in row if v is not None), default=0)
    print_figures = 6.5 * longest + 4 <= cell_w
    body = []
    widest = max((len(label) for label in column_labels), default=0)
    step = max(1, math.ceil((6.5 * widest + 6) / cell_w))
    for j, label in enumerate(column_labels):
        if j % step:
            continue
        body.append(
            f'<text x="{left + cell_w * (j + 0.5):.1f}" y="{top - 7}" text-anchor="middle" '
            f'font-size="11" fill="#444">{escape(label)}</text>'
        )
    for i, (label, row) in enumerate(zip(row_labels, values, strict=True)):
        y = top + row_h * i
        body.append(
            f'<text x="{left - 6}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#444">{escape(label)}</text>'
        )
        for j, value in enumerate(row):
            if value is None:
                continue
            x = left + cell_w * j
            fill = _shade(value / scale_max)
            figure = shown(value)
            body.append(
                f'<rect x="{x + 0.5:.1f}" y="{y + 0.5:.1f}" width="{cell_w - 1:.1f}" '
                f'height="{row_h - 1}" fill="{fill}">'
                f"<title>{escape(f'{label}, {column_labels[j]}: {figure}')}</title></rect>"
            )
            if print_figures:
                # Not a target for the pointer, so the cell's tooltip shows over the figure too.
                body.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + row_h / 2 + 4:.1f}" '
                    f'text-anchor="middle" font-size="11" fill="{_ink_on(fill)}" '
                    f'pointer-events="none">{escape(figure)}</text>'
                )
    # The key: the scale from 0 to scale_max in five steps ("+" when values are clamped).
    key_y = top + grid_h + 12
    low_text, high_text = shown(0), shown(scale_max) + ("+" if peak > scale_max else "")
    body.append(
        f'<text x="{left}" y="{key_y + 9}" font-size="11" fill="#444">{escape(low_text)}</text>'
    )
    x = left + 6.5 * len(low_text) + 6
    for n in range(5):
        body.append(
            f'<rect x="{x + 18 * n:.1f}" y="{key_y}" width="18" height="10" '
            f'fill="{_shade(n / 4)}"/>'
        )
    body.append(
        f'<text x="{x + 96:.1f}" y="{key_y + 9}" font-size="11" fill="#444">'
        f"{escape(high_text)}</text>"
    )
    return _frame(width, height, title, description, body)


def _interpolate(x: Sequence[float], y: Sequence[float | None], at: float) -> float | None:
    """The y of the drawn line at ``at``: straight between neighbouring points, None where
    there is no line (outside the points, or across a gap)."""
    for i, (x0, y0) in enumerate(zip(x, y, strict=True)):
        if y0 is None:
            continue
        if x0 == at:
            return y0
        if i + 1 < len(x) and (y1 := y[i + 1]) is not None and x0 < at < x[i + 1]:
            return y0 + (y1 - y0) * (at - x0) / (x[i + 1] - x0)
    return None


def share_curve(
    *,
    title: str,
    description: str,
    x: Sequence[float],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    marker_x: float | None = 0.2,
    marker_label: str = "{x} → {y}",
    width: int = 480,
    height: int = 320,
) -> SafeString:
    """Cumulative share against cumulative share: a Pareto or Lorenz curve, say the share
    of MRR held by the top share of clients.

    ``x`` and each series' values are shares in 0..1 (x ascending; None is a gap), drawn
    as 0-100% on both axes with gridlines every 25%. A dashed grey diagonal shows equal
    shares. Give the point (0, 0) for a curve to start at the origin.

    With ``marker_x``, a vertical marker stands at that share, with a dot on the first
    curve at its value there (straight between the neighbouring points) and a label above
    the plot: ``marker_label`` with ``{x}`` and ``{y}`` replaced by the two percentages,
    e.g. ``"top {x} → {y} of MRR"`` gives "top 20% → 74% of MRR". The marker is left out
    where the first curve has no value at ``marker_x``.
    """
    for item in series:
        if len(item.values) != len(x):
            raise ValueError(f"{item.name!r} has {len(item.values)} values for {len(x)} x")
    left, top, right = 56, 28, 16
    bottom = 48 + (18 if len(series) > 1 else 0)
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(share: float) -> float:
        return left + plot_w * share

    def py(share: float) -> float:
        return top + plot_h - plot_h * share

    body = []
    for n in range(5):
        share = n / 4
        body.append(
            f'<line x1="{px(share):.1f}" x2="{px(share):.1f}" y1="{top}" y2="{top + plot_h}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(share):.1f}" y2="{py(share):.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{px(share):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'font-size="11" fill="#444">{_percent(share)}</text>'
            f'<text x="{left - 6}" y="{py(share) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#444">{_percent(share)}</text>'
        )
    middle = top + plot_h / 2
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 34}" text-anchor="middle" '
        f'font-size="12" fill="{_INK}">{escape(x_label)}</text>'
        f'<text x="14" y="{middle:.1f}" transform="rotate(-90 14 {middle:.1f})" '
        f'text-anchor="middle" font-size="12" fill="{_INK}">{escape(y_label)}</text>'
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" stroke="#999" '
        'stroke-width="1.5" stroke-dasharray="5 4"><title>Equal shares</title></line>'
    )
    for n, item in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for at, value in zip(x, item.values, strict=True):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{px(at):.1f},{py(value):.1f}")
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5" stroke-linejoin="round">'
                    f"<title>{escape(item.name)}</title></polyline>"
                )
    reached = (
        None if marker_x is None or not series else _interpolate(x, series[0].values, marker_x)
    )
    if marker_x is not None and reached is not None:
        label = marker_label.replace("{x}", _percent(marker_x)).replace("{y}", _percent(reached))
        mx, my = px(marker_x), py(reached)
        # The label sits above the plot, clear of any curve, on the side with more room.
        anchor, offset = ("start", 5) if marker_x <= 0.5 else ("end", -5)
        body.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top + plot_h}" y2="{top - 18}" '
            'stroke="#444" stroke-width="1"/>'
            f'<line x1="{left}" x2="{mx:.1f}" y1="{my:.1f}" y2="{my:.1f}" stroke="#444" '
            'stroke-width="1" stroke-dasharray="3 3"/>'
            f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="4.5" fill="{PALETTE[0]}" stroke="#fff" '
            f'stroke-width="1.5"><title>{escape(label)}</title></circle>'
            f'<text x="{mx + offset:.1f}" y="{top - 8}" text-anchor="{anchor}" font-size="12" '
            f'font-weight="bold" fill="{_INK}">{escape(label)}</text>'
        )
    if len(series) > 1:
        body += _legend(series, left, height - 8)
    return _frame(width, height, title, description, body)


def sparkline(
    *,
    title: str,
    values: Sequence[float | None],
    width: int = 120,
    height: int = 28,
    low: float | None = None,
    high: float | None = None,
    unit: str = "",
) -> SafeString:
    """A small inline trend (a health score over twelve weeks, say): one line, split where
    a value is None, with a dot on the last value; no axes and no legend.

    The line fills the height between ``low`` and ``high`` when given (values beyond them
    are drawn at the edge), else between the data's own minimum and maximum; flat data is
    drawn across the middle. The description gives the first, last, lowest and highest
    values, followed by ``unit``. The image keeps its size (``class="sparkline"``) and its
    ids are unique to its title and values, so many can share a page.
    """
    if low is not None and high is not None and low >= high:
        raise ValueError("low must be below high")
    present = [v for v in values if v is not None]
    if present:
        first, latest, lowest, highest = (
            _number(v) + unit for v in (present[0], present[-1], min(present), max(present))
        )
        description = f"First {first}, last {latest}; lowest {lowest}, highest {highest}."
    else:
        description = "No values."
    bottom = low if low is not None else min(present, default=0.0)
    top = high if high is not None else max(present, default=0.0)
    pad = 3  # room for the last dot at the edges
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def px(i: int) -> float:
        return pad + inner_w * (i / (len(values) - 1) if len(values) > 1 else 1.0)

    def py(value: float) -> float:
        if top <= bottom:
            return height / 2
        return pad + inner_h * (1 - min(1.0, max(0.0, (value - bottom) / (top - bottom))))

    colour = PALETTE[0]
    segments: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            segments.append([])
        else:
            segments[-1].append((px(i), py(value)))
    last = next((points[-1] for points in reversed(segments) if points), None)
    body = []
    for points in segments:
        if len(points) > 1:
            body.append(
                f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}" '
                f'fill="none" stroke="{colour}" stroke-width="1.5" stroke-linejoin="round"/>'
            )
        elif points and points[0] != last:
            # A value alone between gaps has no line to be part of: a small dot keeps it.
            x, y = points[0]
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.2" fill="{colour}"/>')
    if last is not None:
        x, y = last
        body.append(f'<circle class="last" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
    digest = hashlib.blake2s(f"{title}\n{description}".encode(), digest_size=4).hexdigest()
    return _frame(
        width,
        height,
        title,
        description,
        body,
        css_class="sparkline",
        fixed_size=True,
        ident=f"{_id(title)[:30]}-{digest}",
    )
