"""Mail waiting to go out, kept in the database until the mail server has it.

Every email Retain sends on its own (survey invitations, digests, alerts) is a row
here first, written in the same transaction as whatever caused it, and delivered by the
worker (``retain worker`` or ``retain tick``). See delivery.py for how a message is sent
once and only once, even with several workers and a worker killed mid-send.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutgoingEmail(models.Model):
    """One message to one recipient."""

    # What the message is for (e.g. "survey-invite:42"): queuing the same key twice
    # queues one message.
    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # [{"filename", "content_type", "content"}]: text attachments (an .ics invitation).
    attachments = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    server_reply = models.CharField(max_length=300, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                name="outbox_email_waiting",
                condition=Q(status__in=["pending", "claimed"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
