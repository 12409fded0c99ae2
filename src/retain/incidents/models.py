"""Incidents: what went wrong for a client, and the department that answers for it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from retain.accounts.models import Department
from retain.clients.models import Client
from retain.incidents.choices import IncidentCategory, IncidentStatus, Severity


class ResolutionTarget(models.Model):
    """How long an incident of one severity may stay open (the SLA); admins edit these."""

    severity = models.PositiveSmallIntegerField(choices=Severity.choices, unique=True)
    hours = models.PositiveIntegerField(help_text="Hours from opening to resolution.")

    class Meta:
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"severity {self.severity}: {self.hours} h"


class Incident(models.Model):
    """Something that went wrong for a client, owned by the department that caused it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=IncidentCategory.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MEDIUM)
    # The root cause: the department whose failure this was, and whose inbox it is in.
    responsible_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="incidents"
    )
    reported_by_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_incidents",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    description = models.TextField(blank=True)
    impact = models.TextField("impact on the client", blank=True)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The consistency mismatch that opened it (Mismatch.key), so a mismatch found again
    # by the next check is recognised instead of opening a second incident.
    mismatch_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # A department's inbox: its open incidents, soonest due (overdue) first.
            models.Index(
                fields=["responsible_department", "due_at"],
                name="incidents_open_by_department",
                condition=Q(status__in=["open", "in_progress"]),
            ),
            models.Index(fields=["client", "status"], name="incidents_client_status"),
            # Reports over a period (the scorecard, the impact report).
            models.Index(fields=["opened_at"], name="incidents_opened"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED

    @property
    def is_overdue(self) -> bool:
        """Still open past its due time."""
        return self.is_open and self.due_at < timezone.now()


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the receiving department"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class IncidentTransfer(models.Model):
    """An incident handed to another department: it stays where it is until accepted.

    The note carries what the receiving department needs so the client need not explain
    twice; the incident page shows it with the client's recent timeline.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="transfers")
    from_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    note = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request at a time: the incident is in one place or on its way to one.
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(status="pending"),
                name="incidents_one_pending_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident} → {self.to_department}"
