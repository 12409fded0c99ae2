"""Forms of the advocacy pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone

from retain.advocacy.choices import (
    AdvocacyKind,
    AdvocacyStatus,
    IntroductionKind,
    IntroductionOutcome,
)
from retain.clients.forms import ListedModelChoiceField
from retain.clients.models import Client, Contact

_DATE = forms.DateInput(attrs={"type": "date"})


class AskForm(forms.Form):
    """Ask the client for a referral or a reference."""

    kind = forms.ChoiceField(choices=AdvocacyKind.choices, label="Ask for")
    prospect = forms.CharField(
        max_length=200,
        required=False,
        label="Prospect",
        help_text="Whom they would refer, or whom the reference is for (optional).",
    )
    contact = ListedModelChoiceField(
        queryset=Contact.objects.none(), required=False, label="Person asked", empty_label="—"
    )
    asked_on = forms.DateField(widget=_DATE, required=False, label="On")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact = self.fields["contact"]
        contact.queryset = Contact.objects.filter(client=client).order_by("name")  # type: ignore[attr-defined]
        self.fields["asked_on"].initial = timezone.localdate()


class AskStepForm(forms.Form):
    """The next step of one ask: given, converted or declined, on a day, with a note.

    ``version`` is the one the page showed, so a step taken after someone else's is
    refused rather than written over it.
    """

    status = forms.ChoiceField(choices=(), label="Step")
    on = forms.DateField(widget=_DATE, required=False, label="On")
    value = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        label="Value when converted",
    )
    note = forms.CharField(max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        steps: Sequence[str] = (
            AdvocacyStatus.GIVEN,
            AdvocacyStatus.CONVERTED,
            AdvocacyStatus.DECLINED,
        ),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, AdvocacyStatus(s).label) for s in steps]  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()
        if AdvocacyStatus.CONVERTED not in steps:
            del self.fields["value"]


class IntroductionForm(forms.Form):
    """An introduction we made for the client."""

    kind = forms.ChoiceField(choices=IntroductionKind.choices, label="To a")
    introduced_name = forms.CharField(max_length=200, label="Introduced to")
    introduced_organisation = forms.CharField(max_length=200, required=False, label="Organisation")
    made_on = forms.DateField(widget=_DATE, required=False, label="On")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["made_on"].initial = timezone.localdate()


class OutcomeForm(forms.Form):
    """What came of an introduction, with the version the page showed."""

    outcome = forms.ChoiceField(choices=(), label="Outcome")
    on = forms.DateField(widget=_DATE, required=False, label="On")
    note = forms.CharField(max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        outcomes: Sequence[str] = (
            IntroductionOutcome.MEETING_HELD,
            IntroductionOutcome.DEAL,
            IntroductionOutcome.NO_RESULT,
        ),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o, IntroductionOutcome(o).label) for o in outcomes]  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()
