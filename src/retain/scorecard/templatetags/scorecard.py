"""How the scorecard writes a figure of each kind (tables.py and drilldown.py name them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from retain.core.templatetags.formats import MONTHS, day, money

register = template.Library()


@register.filter
def figure(value: Any, kind: str) -> str:
    """``value`` as its kind reads: money, count, percent (one decimal below 10%),
    score (two decimals), NPS (signed, whole), hours, month, day or text; an em dash for none."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        return money(value)
    if kind == "count":
        return f"{value:,}"
    if kind == "percent":
        share = 100 * value
        return f"{share:.1f}%" if abs(share) < 10 else f"{share:.0f}%"
    if kind == "score":
        return f"{value:.2f}"
    if kind == "nps":
        return f"{value:+.0f}" if round(value) else "0"
    if kind == "hours":
        return f"{value:,.1f} h"
    if kind == "month" and isinstance(value, date):
        return f"{MONTHS[value.month - 1]} {value.year}"
    if kind == "day" and isinstance(value, date | datetime):
        return day(value)
    return str(value)
