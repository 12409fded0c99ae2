"""Form controls written straight to HTML where Django's widget templates are too slow.

Django renders each ``<option>`` of a ``<select>`` through its own template, about
50 µs apiece; the client list's filters have a hundred options on every page view.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def select_field(field: BoundField) -> SafeString:
    """``<select>`` for a choice field with its current value selected (flat choices)."""
    value = field.value()
    current = "" if value is None else str(value)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (choice, " selected" if str(choice) == current else "", label)
            for choice, label in field.field.choices  # type: ignore[attr-defined]
        ),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>', field.html_name, field.auto_id, options
    )
