"""How the value report writes its figures, on the page and in the PDF alike."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(hours: float | None) -> str:
    """``45 min``, ``5.5 h`` under two days, ``3.2 days`` after; an em dash for none."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


@register.filter
def change(percent: float | None) -> str:
    """``+12%``, ``-5%``, ``±0%``; ``new`` when there was nothing before."""
    if percent is None:
        return "new"
    rounded = round(percent)
    if rounded == 0:
        return "±0%"
    return f"+{rounded}%" if rounded > 0 else f"{rounded}%"


@register.filter
def change_class(percent: float | None) -> str:
    """``up``, ``down`` or ``flat``, for the CSS colour of a change."""
    if percent is None or round(percent) == 0:
        return "flat"
    return "up" if percent > 0 else "down"
