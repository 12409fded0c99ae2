"""Outgoing webhooks: endpoints other systems register, and each event's delivery to
each endpoint with every attempt logged (Standard Webhooks: signed, retried, replayable)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Endpoint(models.Model):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # "whsec_" + base64 of 32 random bytes, as Standard Webhooks writes secrets.
    secret = models.CharField(max_length=100)
    events = models.JSONField(
        default=list, blank=True, help_text="Event types; empty: every event."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    CLAIMED = "claimed", "Being sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event for one endpoint. ``message_id`` is the same on every attempt and on a
    replay, so the receiver can tell a repeat from a new event."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                name="webhooks_delivery_waiting",
                condition=Q(status__in=["pending", "claimed"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class Attempt(models.Model):
    """One HTTP request of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    milliseconds = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "at"]

    def __str__(self) -> str:
        return f"{self.delivery} at {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
