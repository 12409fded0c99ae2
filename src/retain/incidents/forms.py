"""Forms for raising and working incidents; rules live in services."""

from __future__ import annotations

from django import forms

from retain.accounts.models import Department
from retain.clients.forms import ListedModelChoiceField
from retain.incidents.choices import IncidentCategory, Severity


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=200, label="What went wrong")
    category = forms.ChoiceField(choices=IncidentCategory.choices)
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int, initial=Severity.MEDIUM)
    responsible_department = ListedModelChoiceField(
        queryset=Department.objects.filter(is_active=True).order_by("name"),
        label="Department responsible (root cause)",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    impact = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Impact on the client",
    )


class TakeIncidentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ResolveIncidentForm(forms.Form):
    resolution = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What was done for the client"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TransferForm(forms.Form):
    to_department = ListedModelChoiceField(
        queryset=Department.objects.filter(is_active=True).order_by("name"),
        label="Transfer to",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What they need to know (what the client said, what was promised)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AnswerTransferForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("yes", "Accept"), ("no", "Decline")], coerce=lambda v: v == "yes"
    )
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
