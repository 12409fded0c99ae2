"""Customer councils: an advisory board of client contacts that meets, is invited by
email with a calendar file, and whose feedback and action items are followed through."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from retain.clients.models import Client, Contact


class Council(models.Model):
    name = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(Contact, related_name="councils", blank=True)

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    location = models.CharField(max_length=300, blank=True)
    agenda = models.TextField()
    minutes = models.TextField(blank=True)
    held = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.council}: {self.title}"


class Attendance(models.Model):
    """A member invited to a meeting, and whether they came (None until the minutes)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "contact"], name="councils_one_invite")
        ]

    def __str__(self) -> str:
        return f"{self.contact} at {self.meeting}"


class CouncilAction(models.Model):
    """Something the council meeting decided: who on the team does it, by when."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Feedback(models.Model):
    """What a client raised at the council, and what was done about it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="feedback")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="council_feedback")
    text = models.TextField()
    response = models.TextField(blank=True, help_text="What was done about it.")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.text[:60]
