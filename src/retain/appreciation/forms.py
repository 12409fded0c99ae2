from __future__ import annotations

from django import forms

from retain.appreciation.models import MilestoneKind, ThankedBy


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (MilestoneKind.LAUNCH, MilestoneKind.LAUNCH.label),
            (MilestoneKind.OTHER, MilestoneKind.OTHER.label),
        ]
    )
    title = forms.CharField(max_length=200, help_text="E.g. “New plant in Lyon opens”.")
    occurs_on = forms.DateField(label="On", widget=forms.DateInput(attrs={"type": "date"}))


class ThankForm(forms.Form):
    how = forms.ChoiceField(label="How", choices=ThankedBy.choices)
    note = forms.CharField(label="Note", required=False, max_length=2000)
