"""Client milestones and the thank-you touches they ask of the owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from retain.clients.models import Client


class MilestoneKind(models.TextChoices):
    ANNIVERSARY = "anniversary", "Anniversary of the first order"
    RENEWAL = "renewal", "Renewal"
    LAUNCH = "launch", "Project launch"
    OTHER = "other", "Other milestone"


# Found by Retain from the client's record; the others are recorded by people.
FOUND_KINDS = (MilestoneKind.ANNIVERSARY, MilestoneKind.RENEWAL)


class ThankedBy(models.TextChoices):
    """How the owner said thank you: calls, meetings and emails are touches too."""

    CALL = "call", "A call"
    MEETING = "meeting", "A meeting or visit"
    EMAIL = "email", "An email or letter"
    NOTE = "note", "Something else (a gift, a card)"


class Milestone(models.Model):
    """Something worth celebrating with the client, on a day: the anniversary of its
    first order, a renewal, a project launch."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=12, choices=MilestoneKind.choices)
    occurs_on = models.DateField()
    title = models.CharField(max_length=200)
    # None: found by Retain (anniversaries, renewals).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurs_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind", "occurs_on"], name="appreciation_one_milestone_a_day"
            )
        ]
        indexes = [models.Index(fields=["occurs_on"], name="appreciation_milestone_day")]

    def __str__(self) -> str:
        return f"{self.client}: {self.title} ({self.occurs_on})"


class ThankYou(models.Model):
    """The thank-you touch a milestone asks of the client's owner, due on its day."""

    milestone = models.OneToOneField(Milestone, on_delete=models.CASCADE, related_name="thank_you")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="thank_yous",
    )
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    how = models.CharField(max_length=10, choices=ThankedBy.choices, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(done_at__isnull=True),
                name="appreciation_open_by_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Thank {self.client_id} for milestone {self.milestone_id}"

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()
