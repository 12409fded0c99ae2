"""Small presentation helpers for the client pages (no business rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode

from django import template
from django.utils import timezone

from retain.clients.selectors import days_since as _days_since

register = template.Library()


@register.filter
def days_since(moment: datetime | None) -> int | None:
    """Whole days since ``moment``; None when there is none."""
    return _days_since(moment)


@register.filter
def days_until(day: date | None) -> int | None:
    """Whole days from today until ``day``."""
    return None if day is None else (day - timezone.localdate()).days


@register.filter
def without_sort(query: str) -> str:
    """The query string without its sort parameter, ready for another to be appended."""
    kept = [
        (k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in {"sort", "page"}
    ]
    return urlencode(kept) + "&" if kept else ""


@dataclass(frozen=True)
class SortLink:
    next: str
    arrow: str
    aria: str


@register.simple_tag
def sort_link(current: str, key: str) -> SortLink:
    """Where a column header's link sorts to, and how the header shows the current order."""
    if current == key:
        return SortLink(next=f"-{key}", arrow="▲", aria="ascending")
    if current == f"-{key}":
        return SortLink(next=key, arrow="▼", aria="descending")
    return SortLink(next=f"-{key}" if key == "mrr" else key, arrow="", aria="none")
