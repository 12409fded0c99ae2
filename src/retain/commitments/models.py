"""Commitments: promises made to a client, and who must keep them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from retain.accounts.models import Department
from retain.clients.models import Client


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"


class Commitment(models.Model):
    """ "Sales told you someone from Service would call by Friday": what, to whom, by when,
    made by whom, to be kept by which department (and person, when one is named)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="commitments")
    promise = models.CharField(max_length=300)
    made_to = models.CharField("made to", max_length=200, blank=True)
    due_on = models.DateField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_by_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField()
    keeper_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="commitments_to_keep"
    )
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments_to_keep",
    )
    status = models.CharField(
        max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)
    # When both sides were told it is overdue: they are told once.
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["keeper_department", "due_on"],
                name="commitments_open_by_keeper",
                condition=Q(status="open"),
            ),
            models.Index(fields=["client", "status"], name="commitments_client_status"),
        ]

    def __str__(self) -> str:
        return self.promise

    @property
    def is_overdue(self) -> bool:
        """Still open after the day it was due."""
        return self.status == CommitmentStatus.OPEN and self.due_on < timezone.localdate()
