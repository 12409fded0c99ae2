"""The value report's formulas, as pure functions: no database, no Django.

Kept apart so the numbers a client sees can be checked by hand (docs/value-reports.md
states each formula) and reused by any output (the page, the PDF, a CLI).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date


def change_percent(current: float, previous: float) -> float | None:
    """Change from ``previous`` to ``current`` in percent: ``(current - previous) / previous
    * 100``, so 80 events after 100 is -20.0. Nothing after nothing is 0.0; something after
    nothing is None (no percentage describes it: the page says "new").
    """
    if previous == 0:
        return 0.0 if current == 0 else None
    return (current - previous) / previous * 100


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank_percentile(values: Sequence[float], percent: float) -> float | None:
    """The smallest value with at least ``percent`` % of the values at or below it.

    The nearest-rank method: the value at rank ``ceil(percent / 100 * n)`` of the sorted
    values. Always one of the values themselves, so "90 % were resolved within X hours"
    holds exactly for the p90. None if empty.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def share(part: int, whole: int) -> float | None:
    """``part`` out of ``whole`` as a fraction from 0 to 1; None when ``whole`` is 0."""
    return None if whole == 0 else part / whole


def nps(promoters: int, detractors: int, responses: int) -> int | None:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), rounded, -100..100.

    As Bain & Company define it, and as the survey pages compute it. None without answers.
    """
    if responses == 0:
        return None
    return round(100 * (promoters - detractors) / responses)


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every calendar month from ``start``'s month to ``end``'s month."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` calendar months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
