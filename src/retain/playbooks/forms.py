"""The playbook editor: one form per step, in order; publishing makes a new version."""

from __future__ import annotations

from typing import Any

from django import forms

from retain.accounts.models import Department
from retain.clients.forms import ListedModelChoiceField
from retain.playbooks.models import PlaybookStep, StepOwner
from retain.playbooks.services import StepSpec


class StepForm(forms.Form):
    """One step: what, who, when, the checklist (one item a line) and guidance (Markdown)."""

    title = forms.CharField(max_length=200)
    responsible = forms.ChoiceField(
        choices=StepOwner.choices, initial=StepOwner.CLIENT_OWNER, label="Who does it"
    )
    department = ListedModelChoiceField(
        queryset=Department.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text="For a department's step: its head gets the task.",
    )
    due_after_days = forms.IntegerField(
        min_value=0, max_value=3650, initial=0, label="Due (days after the start)"
    )
    checklist = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One item a line.",
    )
    guidance = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Markdown."
    )

    def to_spec(self) -> StepSpec:
        data = self.cleaned_data
        return StepSpec(
            title=data["title"],
            responsible=data["responsible"],
            department=data["department"],
            due_after_days=data["due_after_days"],
            checklist=tuple(line for line in data["checklist"].splitlines() if line.strip()),
            guidance=data["guidance"],
        )


class BaseStepFormSet(forms.BaseFormSet):
    """Steps in the order given by their "Order" fields; deleted and blank extras dropped."""

    def specs(self) -> list[StepSpec]:
        return [form.to_spec() for form in self.ordered_forms]


StepFormSet: type[BaseStepFormSet] = forms.formset_factory(  # type: ignore[assignment]
    StepForm, formset=BaseStepFormSet, extra=1, can_order=True, can_delete=True
)


def initial_steps(steps: list[PlaybookStep]) -> list[dict[str, Any]]:
    """The current version's steps as the editor's starting values."""
    return [
        {
            "title": step.title,
            "responsible": step.responsible,
            "department": step.department_id,
            "due_after_days": step.due_after_days,
            "checklist": "\n".join(step.checklist),
            "guidance": step.guidance,
            "ORDER": step.position,
        }
        for step in steps
    ]


class VersionForm(forms.Form):
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
