"""Notifications: what a person should look at, in the app and in a daily digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from retain.clients.models import Client


class AlertKind(models.TextChoices):
    RENEWAL = "renewal", "Renewal coming"
    NO_CONTACT = "no_contact", "No contact within the cadence"
    OVERDUE_INCIDENT = "overdue_incident", "Overdue incident"
    UNACKNOWLEDGED_HANDOFF = "handoff", "Handoff not acknowledged"
    DETRACTOR = "detractor", "Unhappy survey answer"
    USAGE_DROP = "usage_drop", "Usage dropped"
    THANK_YOU = "thank_you", "A thank-you to say"


class Notification(models.Model):
    """One alert for one person. ``key`` names the alert (kind, client and occasion), so
    the daily run raises each once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="alerts_one_per_occasion")
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="alerts_unread",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.text
