"""The value report as a one-page A4 PDF for sending to the client, drawn with fpdf2.

Everything is placed at fixed positions with a budget of lines per list (the rest
becomes "and N more") and every line is cut to its width with an ellipsis, so the report
is one page whatever the client's records; automatic page breaks are off.

Fonts. A Unicode TrueType font is used when an installed package provides one: DejaVu
Sans from matplotlib's bundled fonts or from the operating system's font packages
(Debian/Ubuntu ``fonts-dejavu-core``, Fedora ``dejavu-sans-fonts``, Alpine
``font-dejavu``), else Liberation Sans (``fonts-liberation``). No font file ships with
Retain. Without one, the PDF uses the built-in Helvetica, which only knows the
Windows-1252 characters (Western European letters, curly quotes, dashes, the euro);
every other character is written as its base letter (``ź`` as ``z``, ``Ł`` as ``L``)
or, when it has none (Chinese, say), as ``?``. Characters a TrueType font lacks are
replaced the same way. The page always shows the exact name.
"""

from __future__ import annotations

import importlib.util
import math
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from django.utils import timezone
from django.utils.text import slugify
from fpdf import FPDF, XPos, YPos

from retain.core.templatetags.formats import MONTHS, day, moment, money, percent, thousands
from retain.valuereports.selectors import Listing, MonthUsage, Upcoming, ValueReport
from retain.valuereports.templatetags.value_report import change, duration

# A4 portrait, in millimetres.
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 12.0
WIDTH = PAGE_W - 2 * MARGIN
COLUMN_GAP = 8.0
HALF = (WIDTH - COLUMN_GAP) / 2
LINE = 4.3  # one line of 8.5 pt text
FOOTER_TOP = PAGE_H - MARGIN - 5

INK = (27, 36, 48)
MUTED = (90, 102, 117)
RULE = (190, 198, 208)
PANEL = (238, 242, 246)
BAR = (0, 114, 178)  # the first colour of retain.core.charts.PALETTE, as on the page
BAR_PART = (128, 185, 217)  # a month the period covers only in part
GOOD = (30, 107, 58)
BAD = (179, 38, 30)

# Letters without a decomposition to a base letter, written as the nearest Latin ones.
_NEAREST = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "Ŀ": "L",
        "ŀ": "l",
        "Ŧ": "T",
        "ŧ": "t",
        "\N{MINUS SIGN}": "-",
        "→": "->",
        "≤": "<=",
        "≥": ">=",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class UnicodeFont:
    """A TrueType family with a regular and a bold face."""

    name: str
    regular: Path
    bold: Path


def _font_candidates() -> Iterator[UnicodeFont]:
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(location) / "mpl-data" / "fonts" / "ttf"
        yield UnicodeFont("DejaVu Sans", ttf / "DejaVuSans.ttf", ttf / "DejaVuSans-Bold.ttf")
    for directory in (
        "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
        "/usr/share/fonts/dejavu-sans-fonts",  # Fedora, RHEL
        "/usr/share/fonts/dejavu",  # Alpine
        "/usr/share/fonts/TTF",  # Arch
    ):
        folder = Path(directory)
        yield UnicodeFont("DejaVu Sans", folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf")
    for directory in ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/liberation-sans"):
        folder = Path(directory)
        yield UnicodeFont(
            "Liberation Sans",
            folder / "LiberationSans-Regular.ttf",
            folder / "LiberationSans-Bold.ttf",
        )


@cache
def find_unicode_font() -> UnicodeFont | None:
    """The first Unicode font an installed package provides, or None (then Helvetica)."""
    return next((f for f in _font_candidates() if f.regular.is_file() and f.bold.is_file()), None)


def latin_fallback(text: str, supported: Callable[[str], bool]) -> str:
    """``text`` with each character ``supported`` rejects written as its base letter
    (NFKD without the accents, or the nearest letter from a short table), else ``?``."""
    out = []
    for char in text:
        if supported(char):
            out.append(char)
            continue
        nearest = char.translate(_NEAREST)
        if nearest == char:
            nearest = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
        out.append(nearest if nearest and all(supported(c) for c in nearest) else "?")
    return "".join(out)


def _in_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def filename(report: ValueReport) -> str:
    """``value-report-<client-slug>-<YYYY-MM-DD>.pdf``, ASCII only (the date prepared)."""
    name = latin_fallback(report.header.name, str.isascii)
    slug = (
        slugify(name.replace("?", " "))
        or slugify(report.header.external_id)
        or f"client-{report.client_id}"
    )
    return f"value-report-{slug}-{timezone.localtime(report.generated_at):%Y-%m-%d}.pdf"


def render_value_report_pdf(
    report: ValueReport, *, font: UnicodeFont | Literal["auto"] | None = "auto"
) -> bytes:
    """The report as a one-page A4 PDF. ``font``: the Unicode font to use, None for the
    built-in Helvetica, "auto" for ``find_unicode_font()``."""
    return _Report(report, find_unicode_font() if font == "auto" else font).render()


class _Report:
    """Draws one report; each section method starts at a y and returns the y below it."""

    def __init__(self, report: ValueReport, font: UnicodeFont | None) -> None:
        self.report = report
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.c_margin = 0  # text starts exactly where it is placed
        if font is None:
            self.family = "Helvetica"
            # The core fonts are declared WinAnsiEncoding (Windows-1252) in the file.
            pdf.core_fonts_encoding = "windows-1252"
            self.supported: Callable[[str], bool] = _in_cp1252
        else:
            self.family = "Report"
            pdf.add_font(self.family, "", str(font.regular))
            pdf.add_font(self.family, "B", str(font.bold))
            # A character either face lacks is replaced, so bold and regular text agree.
            faces = [set(getattr(face, "cmap", {})) for face in pdf.fonts.values()]
            glyphs = set.intersection(*faces)
            self.supported = lambda char: ord(char) in glyphs
        pdf.set_title(self.safe(f"Value report: {report.header.name}"))
        pdf.set_creator("Retain")
        pdf.set_lang("en")
        pdf.add_page()
        self.pdf = pdf

    # --- text

    def safe(self, text: str) -> str:
        return latin_fallback(" ".join(text.split()), self.supported)

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis to ``width`` in the current font."""
        text = self.safe(text)
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def text(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        *,
        size: float = 8.5,
        bold: bool = False,
        color: tuple[int, int, int] = INK,
        align: Literal["L", "R", "C"] = "L",
        height: float = LINE,
    ) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)
        self.pdf.set_xy(x, y)
        self.pdf.cell(
            width,
            height,
            self.fit(text, width),
            align=align,
            new_x=XPos.RIGHT,
            new_y=YPos.TOP,
        )

    def heading(self, x: float, y: float, width: float, title: str) -> float:
        self.text(x, y, width, title, size=11, bold=True, height=5.5)
        self.pdf.set_draw_color(*RULE)
        self.pdf.set_line_width(0.3)
        self.pdf.line(x, y + 6, x + width, y + 6)
        return y + 8

    def label_value(self, x: float, y: float, width: float, label: str, value: str) -> float:
        """A line "label  value": the label muted on the left, the value after it."""
        label_w = min(width * 0.48, 40.0)
        self.text(x, y, label_w, label, color=MUTED)
        self.text(x + label_w, y, width - label_w, value, bold=True)
        return y + LINE

    def items(
        self,
        x: float,
        y: float,
        width: float,
        title: str,
        lines: Sequence[str],
        total: int,
        *,
        room: int,
        empty: str,
    ) -> float:
        """A small list: its title, at most ``room`` lines, then "and N more"."""
        self.text(x, y, width, title, bold=True)
        y += LINE
        if not total:
            self.text(x + 2, y, width - 2, empty, color=MUTED)
            return y + LINE
        shown = list(lines[:room]) if total <= room else list(lines[: room - 1])
        for line in shown:
            self.text(x, y, 2, "·", color=MUTED)
            self.text(x + 2.5, y, width - 2.5, line)
            y += LINE
        if total > len(shown):
            self.text(x + 2.5, y, width - 2.5, f"and {total - len(shown)} more", color=MUTED)
            y += LINE
        return y

    # --- the page

    def render(self) -> bytes:
        # The budget, in mm, when every list is full: title and facts 34, usage 50,
        # what we did together 108 (taller than incidents' 64), what comes next 61,
        # and the gaps 9: 274.5 of the 280 above the footer.
        y = self.title(MARGIN)
        y = self.usage(y + 3)
        left = self.outcomes(MARGIN, y + 3)
        right = self.incidents(MARGIN + HALF + COLUMN_GAP, y + 3)
        bottom = self.what_comes_next(max(left, right) + 3)
        # Every list has a fixed budget of lines, so this holds for any client; it guards
        # against a change to the layout that would run into the footer.
        if bottom > FOOTER_TOP:
            raise RuntimeError(f"The value report runs {bottom - FOOTER_TOP:.1f} mm too long.")
        self.footer()
        return bytes(self.pdf.output())

    def title(self, y: float) -> float:
        report, header = self.report, self.report.header
        # The client's own name: smaller type for a long one, cut only below 11 pt.
        size = 17.0
        self.pdf.set_font(self.family, "B", size)
        while size > 11 and self.pdf.get_string_width(self.safe(header.name)) > WIDTH:
            size -= 0.5
            self.pdf.set_font(self.family, "B", size)
        self.text(MARGIN, y, WIDTH, header.name, size=size, bold=True, height=8)
        period = f"{day(report.period.start)} \N{EN DASH} {day(report.period.end)}"
        if report.months:
            period += f" (the last {report.months} months)"
        previous = (
            f"{day(report.previous_period.start)} \N{EN DASH} {day(report.previous_period.end)}"
        )
        self.text(
            MARGIN,
            y + 8.5,
            WIDTH,
            f"Value report · {period} · compared with {previous}",
            size=9.5,
            color=MUTED,
        )
        facts = [
            ("Segment", header.segment or "—"),
            ("Stage", header.lifecycle_stage),
            ("Client since", day(header.client_since)),
            ("MRR", money(header.mrr)),
            ("Account owner", header.owner or "—"),
            ("Backup", header.backup_owner or "—"),
            ("Renewal", day(header.renewal_on) or "open-ended"),
            ("Prepared", day(report.generated_at)),
        ]
        top = y + 15
        self.pdf.set_fill_color(*PANEL)
        self.pdf.rect(MARGIN, top, WIDTH, 19, style="F")
        cell = WIDTH / 4
        for n, (label, value) in enumerate(facts):
            x = MARGIN + 3 + cell * (n % 4)
            row = top + 1.5 + 9 * (n // 4)
            self.text(x, row, cell - 5, label.upper(), size=6.5, color=MUTED, height=3.2)
            self.text(x, row + 3.2, cell - 5, value, size=9, bold=True, height=4.5)
        return top + 19

    def usage(self, y: float) -> float:
        usage = self.report.usage
        y = self.heading(MARGIN, y, WIDTH, "Usage")
        chart_w, chart_h = 112.0, 42.0
        self.chart(MARGIN, y, chart_w, chart_h, usage.months)
        x = MARGIN + chart_w + 8
        width = WIDTH - chart_w - 8
        row = self.big_figure(
            x, y, width, thousands(usage.events), "usage events", usage.change_percent
        )
        self.text(x, row, width, f"against {thousands(usage.previous_events)} before", color=MUTED)
        row += LINE + 1
        if usage.records_users:
            row = self.big_figure(
                x,
                row,
                width,
                thousands(usage.active_users),
                "active users",
                usage.active_users_change_percent,
            )
            row += 1
        if usage.purchases or usage.previous_purchases:
            row = self.label_value(
                x,
                row,
                width,
                "Purchases",
                f"{thousands(usage.purchases)} for {money(usage.purchases_total)}",
            )
        types = usage.by_type
        room = max(0, int((y + chart_h - row) // LINE) - 1)
        if types and room:
            self.text(x, row, width, "Most used", bold=True)
            row += LINE
            shown = types[:room] if len(types) <= room else types[: room - 1]
            for t in shown:
                self.text(x, row, width - 30, t.name)
                self.text(x + width - 30, row, 15, thousands(t.events), align="R")
                self.change(x + width - 14, row, 14, t.change_percent)
                row += LINE
            if len(types) > len(shown):
                self.text(x, row, width, f"and {len(types) - len(shown)} more", color=MUTED)
        return y + chart_h

    def big_figure(
        self, x: float, y: float, width: float, value: str, label: str, delta: float | None
    ) -> float:
        self.pdf.set_font(self.family, "B", 15)
        value_w = self.pdf.get_string_width(self.safe(value)) + 2
        self.text(x, y, value_w, value, size=15, bold=True, height=7)
        self.text(x + value_w, y + 1.6, width - value_w - 14, label, height=5)
        self.change(x + width - 14, y + 1.6, 14, delta, height=5)
        return y + 7

    def change(
        self, x: float, y: float, width: float, delta: float | None, *, height: float = LINE
    ) -> None:
        color = MUTED if delta is None or round(delta) == 0 else GOOD if delta > 0 else BAD
        self.text(x, y, width, change(delta), bold=True, color=color, align="R", height=height)

    def chart(
        self, x: float, y: float, width: float, height: float, months: Sequence[MonthUsage]
    ) -> None:
        """Usage events by month as bars, with a light bar for a month covered in part."""
        pdf = self.pdf
        axis_w, labels_h = 12.0, 5.0
        plot_x, plot_w, plot_h = x + axis_w, width - axis_w, height - labels_h - 2
        base = y + 2 + plot_h
        top = _axis_top(max((m.events for m in months), default=0))
        pdf.set_line_width(0.2)
        for n in range(3):
            line_y = base - plot_h * n / 2
            pdf.set_draw_color(*(RULE if n else MUTED))
            pdf.line(plot_x, line_y, plot_x + plot_w, line_y)
            self.text(
                x,
                line_y - 1.6,
                axis_w - 1.5,
                f"{top * n / 2:,.0f}" if top >= 2 else f"{top * n / 2:,.1f}",
                size=6.5,
                color=MUTED,
                align="R",
                height=3.2,
            )
        slot = plot_w / max(1, len(months))
        step = max(1, math.ceil(len(months) / 12))
        for n, month in enumerate(months):
            bar_h = plot_h * month.events / top
            if bar_h > 0:
                pdf.set_fill_color(*(BAR_PART if month.partial else BAR))
                pdf.rect(plot_x + slot * (n + 0.15), base - bar_h, slot * 0.7, bar_h, style="F")
            if n % step == 0:
                label = MONTHS[month.month.month - 1]
                if month.month.month == 1 or n == 0:
                    label += f" {month.month:%y}"
                self.text(
                    plot_x + slot * n,
                    base + 0.8,
                    slot * step,
                    label,
                    size=6.5,
                    color=MUTED,
                    align="C",
                    height=3.5,
                )

    def outcomes(self, x: float, y: float) -> float:
        outcomes = self.report.outcomes
        y = self.heading(x, y, HALF, "What we did together")
        kept = outcomes.promises_kept
        actions = outcomes.actions_completed
        tasks = outcomes.tasks_completed
        surveys = outcomes.surveys
        nps = (
            "no answers"
            if surveys.nps is None
            else f"{surveys.nps} ({surveys.nps_responses} answers)"
        )
        csat = (
            "no answers"
            if surveys.csat_average is None
            else f"{surveys.csat_average:.1f} of 5 ({percent(surveys.csat_satisfied_share)}"
            " satisfied)"
        )
        for label, value in (
            (
                " · ".join(label for label, _n in outcomes.touchpoints).capitalize(),
                " · ".join(str(n) for _label, n in outcomes.touchpoints),
            ),
            ("Reviews held", str(outcomes.reviews_held)),
            (
                "Promises kept",
                f"{kept.count} of {outcomes.promises_closed} ({kept.on_time} on time)",
            ),
            ("Review actions done", f"{actions.count} ({actions.on_time} on time)"),
            (
                "Feedback acted on",
                f"{outcomes.feedback_acted_on} of {outcomes.feedback_raised} raised at councils",
            ),
            ("Playbook tasks done", f"{tasks.count} ({tasks.on_time} on time)"),
            ("NPS", nps),
            ("CSAT", csat),
        ):
            y = self.label_value(x, y, HALF, label, value)
        y += 1.5
        for title, done, room in (
            ("Promises kept", kept, 3),
            ("Review actions completed", actions, 3),
            ("Playbook tasks completed", tasks, 2),
        ):
            y = self.items(
                x,
                y,
                HALF,
                title,
                [f"{day(i.done_on)} · {i.title}" for i in done.latest.items],
                done.count,
                room=room,
                empty="None in the period.",
            )
        # The feedback acted on comes first in the listing.
        acted = [f for f in outcomes.feedback.items if f.response]
        return self.items(
            x,
            y,
            HALF,
            "Feedback acted on",
            [f"{f.text}: {f.response}" for f in acted],
            outcomes.feedback_acted_on,
            room=3,
            empty="None in the period.",
        )

    def incidents(self, x: float, y: float) -> float:
        incidents = self.report.incidents
        y = self.heading(x, y, HALF, "Incidents")
        figures = [
            ("Opened", str(incidents.opened)),
            ("Resolved", str(incidents.resolved)),
            ("Within SLA", percent(incidents.sla_share)),
            ("Median to resolve", duration(incidents.median_hours)),
            ("90% resolved within", duration(incidents.p90_hours)),
            ("Open now", str(incidents.open_now.total)),
        ]
        cell = HALF / 3
        for n, (label, value) in enumerate(figures):
            cx, cy = x + cell * (n % 3), y + 10 * (n // 3)
            self.text(cx, cy, cell - 2, label.upper(), size=6.5, color=MUTED, height=3.2)
            self.text(cx, cy + 3.2, cell - 2, value, size=12, bold=True, height=5.5)
        y += 21
        if incidents.resolved:
            self.text(
                x,
                y,
                HALF,
                f"{incidents.within_sla} of {incidents.resolved} resolved within the time"
                " agreed for their severity.",
                color=MUTED,
            )
            y += LINE + 1
        self.text(x, y, HALF, "By responsible department", bold=True)
        y += LINE
        columns: tuple[tuple[float, str, Literal["L", "R"]], ...] = (
            (HALF - 54, "", "L"),
            (11, "Opened", "R"),
            (13, "Resolved", "R"),
            (16, "Median", "R"),
            (14, "Within SLA", "R"),
        )
        cx = x
        for width, label, align in columns:
            self.text(cx, y, width, label, size=7, color=MUTED, align=align)
            cx += width
        y += LINE
        departments = incidents.by_department
        room = 5
        shown = departments if len(departments) <= room else departments[: room - 1]
        if not departments:
            self.text(x, y, HALF, "No incidents in the period.", color=MUTED)
            y += LINE
        for d in shown:
            cx = x
            values = (
                d.department,
                str(d.opened),
                str(d.resolved),
                duration(d.median_hours),
                percent(d.sla_share),
            )
            for (width, _label, align), value in zip(columns, values, strict=True):
                self.text(cx, y, width - 1, value, align=align)
                cx += width
            y += LINE
        if len(departments) > len(shown):
            self.text(x, y, HALF, f"and {len(departments) - len(shown)} more", color=MUTED)
            y += LINE
        return y

    def what_comes_next(self, y: float) -> float:
        following = self.report.next
        y = self.heading(MARGIN, y, WIDTH, "What comes next")
        x_left, x_right = MARGIN, MARGIN + HALF + COLUMN_GAP
        left = y
        renewal = following.renewal
        if renewal is None:
            left = self.label_value(x_left, left, HALF, "Renewal", "none due")
        else:
            when = f"{day(renewal.on)} (in {renewal.days_away} days)"
            left = self.label_value(x_left, left, HALF, "Renewal", when)
            if renewal.products:
                self.text(
                    x_left,
                    left,
                    HALF,
                    f"{', '.join(renewal.products)}: {money(renewal.mrr)} a month",
                    color=MUTED,
                )
                left += LINE
        review = following.review
        left = self.label_value(
            x_left,
            left,
            HALF,
            "Next review",
            "none planned"
            if review is None
            else day(review.scheduled_for) + (" (overdue)" if review.overdue else ""),
        )
        meeting = following.council_meeting
        if meeting is None:
            left = self.label_value(x_left, left, HALF, "Next council meeting", "no invitation")
        else:
            left = self.label_value(
                x_left, left, HALF, "Next council meeting", moment(meeting.starts_at)
            )
            self.text(x_left, left, HALF, f"{meeting.council}: {meeting.title}", color=MUTED)
            invited = f"Invited: {', '.join(meeting.invited)}"
            self.text(x_left, left + LINE, HALF, invited, color=MUTED)
            left += 2 * LINE
        incidents = following.open_incidents
        left = self.items(
            x_left,
            left + 1.5,
            HALF,
            "Open incidents",
            [
                f"{day(i.due_at)}{' overdue' if i.overdue else ''} · {i.title} ({i.department})"
                for i in incidents.items
            ],
            incidents.total,
            room=5,
            empty="None.",
        )
        right = self.upcoming(x_right, y, "Open review actions", following.actions)
        right = self.upcoming(x_right, right + 1.5, "Open promises", following.promises)
        return max(left, right)

    def upcoming(self, x: float, y: float, title: str, listing: Listing[Upcoming]) -> float:
        """Open work, soonest due first: the due day leads, so a long title is what is cut."""
        return self.items(
            x,
            y,
            HALF,
            title,
            [
                f"{day(u.due_on)}{' overdue' if u.overdue else ''} · {u.title} ({u.who})"
                for u in listing.items
            ],
            listing.total,
            room=5,
            empty="None.",
        )

    def footer(self) -> None:
        self.pdf.set_draw_color(*RULE)
        self.pdf.line(MARGIN, FOOTER_TOP, PAGE_W - MARGIN, FOOTER_TOP)
        self.text(
            MARGIN,
            FOOTER_TOP + 1,
            WIDTH,
            f"Prepared {moment(self.report.generated_at)} · periods are whole days · changes"
            " compare with the period of the same length just before",
            size=6.5,
            color=MUTED,
            height=3.5,
        )


def _axis_top(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next((s * power for s in (1, 2, 2.5, 5) if value <= s * power), 10 * power)


__all__ = [
    "UnicodeFont",
    "filename",
    "find_unicode_font",
    "latin_fallback",
    "render_value_report_pdf",
]
