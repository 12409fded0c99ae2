"""The page formats for money, days and moments, and the fast <select>."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.utils import timezone

from retain.core.templatetags.formats import day, iso, moment, money, thousands
from retain.core.templatetags.widgets import select_field


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (Decimal("1234.5"), "1,234.50"),
        (Decimal("2.345"), "2.35"),
        (Decimal("-1234.565"), "-1,234.57"),
        (12.5, "12.50"),
        (Decimal("1000000"), "1,000,000.00"),
        (0, "0.00"),
        (None, ""),
    ],
)
def test_money(amount, written):
    assert money(amount) == written


def test_day_and_moment_are_in_the_local_time_zone():
    late = dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC)
    with timezone.override(ZoneInfo("Europe/Berlin")):  # 00:30 on 1 April there
        assert day(late) == "1 Apr 2026"
        assert moment(late) == "1 Apr 2026, 00:30"
        assert iso(late) == "2026-04-01T00:30:00+02:00"
    assert day(dt.date(2026, 12, 5)) == "5 Dec 2026"
    assert day(None) == moment(None) == iso(None) == ""
    assert thousands(12345) == "12,345"


class Colours(forms.Form):
    colour = forms.ChoiceField(choices=[("", "Any"), ("blue", "Blue"), ("w<h>ite", "<White>")])


def test_select_field_marks_the_current_choice_and_escapes_everything():
    html = select_field(Colours({"colour": "w<h>ite"})["colour"])

    assert html.startswith('<select name="colour" id="id_colour">')
    assert '<option value="w&lt;h&gt;ite" selected>&lt;White&gt;</option>' in html
    assert '<option value="blue">Blue</option>' in html
    assert html.count("selected") == 1
