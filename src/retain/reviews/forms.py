"""Forms of the review pages: plan a review, write its minutes and action items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from retain.accounts.models import User
from retain.clients.forms import ListedModelChoiceField
from retain.reviews.models import ClientReview
from retain.reviews.services import ActionSpec

DATE = forms.DateInput(attrs={"type": "date"})


class PlanReviewForm(forms.Form):
    scheduled_for = forms.DateField(widget=DATE, label="Review on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].initial = timezone.localdate()


class MinutesForm(forms.Form):
    """The minutes, and who of those asked came."""

    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    present = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Who came"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, review: ClientReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendees = list(review.attendees.all())
        present = self.fields["present"]
        present.choices = [(a.person_id, f"{a.person} ({a.why})") for a in attendees]  # type: ignore[attr-defined]
        present.initial = [a.person_id for a in attendees if a.attended]
        self.fields["minutes"].initial = review.minutes
        self.fields["version"].initial = review.version

    def present_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["present"]]


class ActionForm(forms.Form):
    """An action the review decided (leave blank when there is none)."""

    title = forms.CharField(max_length=300, label="Action")
    owner = ListedModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        label="Who",
    )
    due_on = forms.DateField(widget=DATE, label="By")

    def to_spec(self) -> ActionSpec:
        return ActionSpec(**self.cleaned_data)


class BaseActionFormSet(forms.BaseFormSet):
    def specs(self) -> list[ActionSpec]:
        return [form.to_spec() for form in self.forms if form.has_changed()]


ActionFormSet: type[BaseActionFormSet] = forms.formset_factory(  # type: ignore[assignment]
    ActionForm, formset=BaseActionFormSet, extra=3
)


class CompleteActionForm(forms.Form):
    outcome = forms.CharField(max_length=2000, required=False, label="What came of it")
