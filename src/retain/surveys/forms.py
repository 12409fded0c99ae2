"""Forms of the survey pages."""

from __future__ import annotations

from typing import Any

from django import forms

from retain.surveys.models import SurveyKind


class SurveyForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=SurveyKind.choices, label="Kind")
    question = forms.CharField(max_length=300)
    comment_question = forms.CharField(
        max_length=300, required=False, label="Free-text question (optional)"
    )


class SendForm(forms.Form):
    segment = forms.ChoiceField(required=False, label="To the primary contacts of")

    def __init__(self, *args: Any, segments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", "every active client")] + [  # type: ignore[attr-defined]
            (s, f"the {s} segment") for s in segments
        ]


class AnswerForm(forms.Form):
    score = forms.IntegerField(min_value=0, max_value=10)
    comment = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CloseFollowUpForm(forms.Form):
    outcome = forms.CharField(max_length=2000, label="What was done")
