"""Calendar months as the measures and reports count them (no Django)."""

from __future__ import annotations

from datetime import date


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_count(first: date, last: date) -> int:
    """How many calendar months run from ``first``'s month to ``last``'s, both counted."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
