"""How Retain writes money, days and moments on its pages.

One place for these formats, and fast: a list page writes a few hundred of them, and
Django's ``floatformat`` and ``date`` filters (built for any locale) cost about 30 µs
each, where these cost a few. Retain's pages are in English, so month names are fixed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone

register = template.Library()

CENT = Decimal("0.01")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def money(amount: Decimal | int | float | None) -> str:
    """``12,345.60``: two decimals (halves round up), comma thousands; empty for none."""
    if amount is None or amount == "":
        return ""
    cents = Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)
    return f"{cents:,.2f}"


@register.filter
def day(value: date | datetime | None) -> str:
    """``5 Nov 2026``; a moment is first turned to the local time zone. Empty for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@register.filter
def moment(value: datetime | None) -> str:
    """``5 Nov 2026, 09:30`` in the local time zone. Empty for none."""
    if value is None or value == "":
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


@register.filter
def iso(value: datetime | None) -> str:
    """ISO 8601 in the local time zone, for ``<time datetime>``. Empty for none."""
    if value is None or value == "":
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()


@register.filter
def thousands(number: int | None) -> str:
    """``12,345``: a whole number with comma thousands. Empty for none."""
    if number is None or number == "":
        return ""
    return f"{number:,}"


@register.filter
def percent(fraction: float | None) -> str:
    """A fraction from 0 to 1 as a whole percentage (``87%``); an em dash for none."""
    return "—" if fraction is None else f"{round(100 * fraction)}%"
