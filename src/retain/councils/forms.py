"""Forms of the council pages."""

from __future__ import annotations

from typing import Any

from django import forms

from retain.accounts.models import User
from retain.clients.forms import ListedModelChoiceField
from retain.clients.models import Client, Contact
from retain.councils.models import Meeting
from retain.councils.services import ActionSpec, FeedbackSpec


class CouncilForm(forms.Form):
    name = forms.CharField(max_length=200)
    purpose = forms.CharField(max_length=300, required=False)
    members = forms.CharField(
        label="Members: client external ids",
        help_text="Their primary contacts join, e.g. C00012, C00044.",
        required=False,
    )

    def clean_members(self) -> list[Contact]:
        ids = [i.strip() for i in self.cleaned_data["members"].replace(",", " ").split() if i]
        contacts = list(
            Contact.objects.filter(client__external_id__in=ids, is_primary=True).select_related(
                "client"
            )
        )
        missing = set(ids) - {c.client.external_id for c in contacts}
        if missing:
            raise forms.ValidationError(
                f"no client with a primary contact: {', '.join(sorted(missing))}"
            )
        return contacts


class MeetingForm(forms.Form):
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Starts at"
    )
    duration_minutes = forms.IntegerField(min_value=15, max_value=600, initial=60, label="Minutes")
    location = forms.CharField(max_length=300, required=False)
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))


class MinutesForm(forms.Form):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    attended = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Who came"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.CharField(max_length=300, required=False, label="Action")
    action_owner = ListedModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        required=False,
        label="Who",
    )
    action_due_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="By"
    )
    feedback_client = forms.CharField(
        max_length=100, required=False, label="Feedback from (client external id)"
    )
    feedback = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Feedback"
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = list(meeting.attendance.select_related("contact__client"))
        field = self.fields["attended"]
        field.choices = [  # type: ignore[attr-defined]
            (r.contact_id, f"{r.contact.name} ({r.contact.client.name})") for r in rows
        ]
        field.initial = [r.contact_id for r in rows if r.attended]
        self.fields["minutes"].initial = meeting.minutes
        self.fields["version"].initial = meeting.version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") and not (data.get("action_owner") and data.get("action_due_on")):
            raise forms.ValidationError("An action needs who does it and by when.")
        external_id = (data.get("feedback_client") or "").strip()
        if data.get("feedback"):
            client = Client.objects.filter(external_id=external_id).first()
            if client is None:
                raise forms.ValidationError(f"No client with external id {external_id!r}.")
            data["feedback_for"] = client
        return data

    def actions(self) -> list[ActionSpec]:
        data = self.cleaned_data
        if not data.get("action"):
            return []
        return [ActionSpec(data["action"], data["action_owner"], data["action_due_on"])]

    def feedback_items(self) -> list[FeedbackSpec]:
        data = self.cleaned_data
        return (
            [FeedbackSpec(data["feedback_for"], data["feedback"])] if data.get("feedback") else []
        )
