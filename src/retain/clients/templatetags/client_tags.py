"""Presentation helpers for the client pages (no business rules)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from retain.accounts.models import User
from retain.clients.models import Client, TimelineEntry
from retain.clients.selectors import days_since as _days_since
from retain.core.templatetags.formats import day, iso, moment, money

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


# Table rows written in Python. A list page has 50 rows of 7 cells; through the template
# engine each row costs ~250 µs (a variable lookup and filter is 15-25 µs), here ~15 µs.
# Same markup as a template would write, with every value escaped by format_html.


def _renewal_cell(renewal_on: date | None, today: date) -> SafeString:
    if renewal_on is None:
        return mark_safe("—")
    due = ' class="due"' if (renewal_on - today).days < 91 else ""
    return format_html("<span{}>{}</span>", mark_safe(due), day(renewal_on))


def _contact_cell(last_contact_at: datetime | None, today: date) -> SafeString:
    days = _days_since(last_contact_at, today)
    if days is None:
        return mark_safe('<span class="due">never</span>')
    return format_html("<span{}>{}</span>", mark_safe(' class="due"' if days > 30 else ""), days)


@register.simple_tag
def my_client_rows(clients: Iterable[Client], user: User) -> SafeString:
    """The rows of My clients: role, status, MRR, renewal (due within 90 days marked),
    days since contact (over 30 marked), handoff to acknowledge."""
    today = timezone.localdate()
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td class="num">{}</td>'
        '<td>{}</td><td class="num">{}</td><td>{}</td></tr>',
        (
            (
                reverse("client-detail", args=[client.pk]),
                client.name,
                "Owner" if client.owner_id == user.pk else "Backup",
                client.get_status_display(),
                money(client.mrr),
                _renewal_cell(client.renewal_on, today),
                _contact_cell(getattr(client, "last_contact_at", None), today),
                mark_safe('<span class="badge warn">to acknowledge</span>')
                if getattr(client, "pending_handoff", False)
                else "",
            )
            for client in clients
        ),
    )


@register.simple_tag
def client_list_rows(clients: Iterable[Client]) -> SafeString:
    """The rows of the client list: name, external id, segment, status, owner, MRR, renewal."""
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="num">{}</td><td>{}</td></tr>',
        (
            (
                reverse("client-detail", args=[client.pk]),
                client.name,
                client.external_id,
                client.segment,
                client.get_status_display(),
                client.owner or "—",
                money(client.mrr),
                day(client.renewal_on) or "—",
            )
            for client in clients
        ),
    )


@register.simple_tag
def timeline_items(entries: Iterable[TimelineEntry]) -> SafeString:
    """The timeline's entries: when, kind, department, author, subject and body."""
    return format_html_join(
        "\n",
        '<li class="entry kind-{}"><p class="meta"><time datetime="{}">{}</time> · '
        '<span class="badge">{}</span> · {} · {}</p><p class="subject">{}</p>{}</li>',
        (
            (
                entry.kind,
                iso(entry.occurred_at),
                moment(entry.occurred_at),
                entry.get_kind_display(),
                entry.department or "—",
                entry.author or "system",
                entry.subject,
                format_html('<p class="body">{}</p>', linebreaksbr(entry.body, autoescape=True))
                if entry.body
                else "",
            )
            for entry in entries
        ),
    )
