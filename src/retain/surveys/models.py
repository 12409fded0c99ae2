"""NPS and CSAT surveys sent to client contacts, their answers, and the follow-up each
unhappy answer opens for the client's owner (the closed loop)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from retain.clients.models import Client, Contact


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS (0-10: how likely are you to recommend us?)"
    CSAT = "csat", "CSAT (1-5: how satisfied are you?)"


SCALE = {SurveyKind.NPS: range(0, 11), SurveyKind.CSAT: range(1, 6)}


def is_unhappy(kind: str, score: int) -> bool:
    """A detractor (NPS 0 to 6) or a low CSAT (1 or 2): the owner follows up."""
    return score <= 6 if kind == SurveyKind.NPS else score <= 2


class Survey(models.Model):
    """One survey: what is asked, and an optional free-text question after the score."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=5, choices=SurveyKind.choices)
    question = models.CharField(max_length=300)
    comment_question = models.CharField(
        max_length=300, blank=True, help_text="Optional free-text question after the score."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """A survey sent to one contact: its link is signed, expires, and works once."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="survey_invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "contact"], name="surveys_one_invitation_per_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.contact}"


class Response(models.Model):
    """What the contact answered."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="survey_responses")
    kind = models.CharField(max_length=5, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "answered_at"], name="surveys_response_kind_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score}"


class FollowUp(models.Model):
    """The owner's task after an unhappy answer: reach the contact within 2 business
    days, then close the loop saying what was done."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="survey_follow_ups")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_follow_ups",
    )
    due_on = models.DateField()
    created_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                name="surveys_open_follow_ups",
                condition=Q(closed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Follow up {self.response} from {self.client}"
