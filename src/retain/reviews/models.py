"""Cross-department client reviews: the departments that serve a client sit down
together over what is open for it (incidents, overdue promises, document mismatches,
playbook tasks), write minutes, and follow the action items to completion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from retain.accounts.models import Department
from retain.clients.models import Client


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"


class AgendaSource(models.TextChoices):
    INCIDENT = "incident", "Open incident"
    COMMITMENT = "commitment", "Overdue promise"
    MISMATCH = "mismatch", "Document mismatch"
    TASK = "task", "Playbook task"


class ClientReview(models.Model):
    """One review of one client, planned for a day; held once its minutes are written."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reviews")
    scheduled_for = models.DateField()
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    planned_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    minutes = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            # One review of a client a day: planning the month's reviews twice adds none.
            models.UniqueConstraint(
                fields=["client", "scheduled_for"], name="reviews_one_a_day_per_client"
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="reviews_by_status")]

    def __str__(self) -> str:
        return f"Review of {self.client} on {self.scheduled_for:%d %b %Y}"


class AgendaItem(models.Model):
    """What the review must talk about, as it stood when the review was planned."""

    review = models.ForeignKey(ClientReview, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField()
    source = models.CharField(max_length=12, choices=AgendaSource.choices)
    # The incident, promise or task (by id); a mismatch is named by its key.
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_key = models.CharField(max_length=40, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(max_length=500)
    is_overdue = models.BooleanField(default=False)

    class Meta:
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="reviews_agenda_unique")
        ]

    def __str__(self) -> str:
        return self.text


class Attendee(models.Model):
    """Who is asked to the review (the owner, the backup, a head of each department
    involved), and whether they came (None until the minutes are written)."""

    review = models.ForeignKey(ClientReview, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    why = models.CharField(max_length=100)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "person"], name="reviews_attendee_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.why})"


class ActionItem(models.Model):
    """Something the review decided: who does it, for which department, by when."""

    review = models.ForeignKey(ClientReview, on_delete=models.CASCADE, related_name="actions")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="review_actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_actions"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                name="reviews_open_actions",
                condition=Q(completed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.completed_at is None and self.due_on < timezone.localdate()
