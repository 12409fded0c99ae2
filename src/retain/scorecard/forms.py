"""The scorecard's filters as a GET form: ``?first=2025-12&last=2026-11&segment=smb``."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from retain.analytics.calendar import add_months, month_count
from retain.clients.selectors import list_segments
from retain.scorecard.period import MAX_MONTHS, Period, ScorecardFilters

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_MONTHS = 12


def _month(value: str, name: str) -> date:
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1970:
        raise ValidationError(f"{name}: give a month as YYYY-MM (2026-01), not {value!r}.")
    return date(int(match[1]), int(match[2]), 1)


class ScorecardForm(forms.Form):
    """A period of whole months (the last 12 complete months when none is given) and an
    optional segment. The months are typed as YYYY-MM (an ``<input type="month">``)."""

    first = forms.CharField(required=False, label="From month")
    last = forms.CharField(required=False, label="To month")
    segment = forms.ChoiceField(required=False, label="Segment")

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today
        segments = list_segments()
        self.fields["segment"].choices = [("", "All segments"), *((s, s) for s in segments)]  # type: ignore[attr-defined]
        self.fields["first"].widget.input_type = "month"
        self.fields["last"].widget.input_type = "month"

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        default = Period.last_complete_months(DEFAULT_MONTHS, self.today)
        first_text, last_text = cleaned.get("first") or "", cleaned.get("last") or ""
        last = _month(str(last_text), "To month") if last_text else default.last_month
        # Without a first month: the twelve months ending with the last.
        first = (
            _month(str(first_text), "From month")
            if first_text
            else add_months(last, 1 - DEFAULT_MONTHS)
        )
        this_month = self.today.replace(day=1)
        if last > this_month:
            raise ValidationError(f"To month: {last:%Y-%m} has not started yet.")
        if first > last:
            raise ValidationError(f"From month {first:%Y-%m} is after to month {last:%Y-%m}.")
        if month_count(first, last) > MAX_MONTHS:
            raise ValidationError(f"The period can be at most {MAX_MONTHS} months long.")
        cleaned["period"] = Period(first, last)
        return cleaned

    @property
    def filters(self) -> ScorecardFilters:
        """The chosen filters (call after is_valid())."""
        return ScorecardFilters(self.cleaned_data["period"], self.cleaned_data.get("segment") or "")
