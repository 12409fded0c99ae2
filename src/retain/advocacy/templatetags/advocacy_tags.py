"""Presentation helpers for the advocacy pages (no business rules)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(share: float | None) -> str:
    """``33%`` for 0.333; a dash when there is nothing to divide by."""
    if share is None:
        return "—"
    return f"{share * 100:.0f}%"
