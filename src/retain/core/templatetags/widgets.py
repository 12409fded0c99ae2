"""Form controls written straight to HTML where Django's widget templates are too slow.

Django renders each ``<option>`` of a ``<select>`` through its own template, about
50 µs apiece; the client list's filters have a hundred options on every page view.
Values are escaped as Django's autoescape does.
"""

from __future__ import annotations

import html

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


@register.simple_tag
def select_field(field: BoundField) -> SafeString:
    """``<select>`` for a choice field with its current value selected (flat choices)."""
    value = field.value()
    current = "" if value is None else str(value)
    options = "".join(
        f'<option value="{_text(choice)}"{" selected" if str(choice) == current else ""}>'
        f"{_text(label)}</option>"
        for choice, label in field.field.choices  # type: ignore[attr-defined]
    )
    return mark_safe(
        f'<select name="{_text(field.html_name)}" id="{_text(field.auto_id)}">{options}</select>'
    )
