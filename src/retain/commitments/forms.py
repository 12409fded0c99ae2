"""Forms for commitments; rules live in services."""

from __future__ import annotations

from django import forms

from retain.accounts.models import Department
from retain.clients.forms import ListedModelChoiceField


class CommitmentForm(forms.Form):
    promise = forms.CharField(max_length=300, label="What was promised")
    made_to = forms.CharField(
        max_length=200, required=False, label="To whom (the client's contact)"
    )
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="By when")
    keeper_department = ListedModelChoiceField(
        queryset=Department.objects.filter(is_active=True).order_by("name"),
        label="Department that must keep it",
    )


class CloseCommitmentForm(forms.Form):
    kept = forms.TypedChoiceField(
        choices=[("yes", "Kept"), ("no", "Broken")], coerce=lambda v: v == "yes"
    )
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
