"""Advocacy both ways: what we ask a client to do for us (a referral, a reference) and
how it went, and the introductions we make for the client, with what came of them.

Writes go through ``retain.advocacy.services``; reads through ``retain.advocacy.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from retain.advocacy.choices import (
    AdvocacyKind,
    AdvocacyStatus,
    IntroductionKind,
    IntroductionOutcome,
)
from retain.clients.models import Client, Contact


class AdvocacyAsk(models.Model):
    """A referral or a reference we asked the client for, and how far it went.

    Asked, then given (the client referred the prospect, or acted as a reference for
    them), then converted (the prospect became a client); declined closes an ask that
    was refused or came to nothing. The date of each step is kept, so the funnel counts
    every ask that ever reached a step, whatever happened after.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="advocacy_asks")
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The person at the client we asked.",
    )
    kind = models.CharField(max_length=10, choices=AdvocacyKind.choices)
    status = models.CharField(
        max_length=10, choices=AdvocacyStatus.choices, default=AdvocacyStatus.ASKED
    )
    prospect = models.CharField(
        max_length=200,
        blank=True,
        help_text="The prospect referred, or whom the reference is for.",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_on = models.DateField()
    given_on = models.DateField(null=True, blank=True)
    converted_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the converted prospect is worth to us, when known.",
    )
    notes = models.TextField(blank=True)
    # Incremented by every service write; a stale version means someone else saved first.
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-asked_on", "-pk"]
        indexes = [
            # The referral candidates ask, per client and kind, for a recent or open ask.
            models.Index(fields=["client", "kind", "asked_on"], name="advocacy_ask_client_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_on__isnull=False)
                | Q(status__in=[AdvocacyStatus.ASKED, AdvocacyStatus.DECLINED]),
                name="advocacy_ask_given_dated",
            ),
            models.CheckConstraint(
                condition=Q(status=AdvocacyStatus.CONVERTED, converted_on__isnull=False)
                | (~Q(status=AdvocacyStatus.CONVERTED) & Q(converted_on__isnull=True)),
                name="advocacy_ask_converted_dated",
            ),
            models.CheckConstraint(
                condition=Q(status=AdvocacyStatus.DECLINED, declined_on__isnull=False)
                | (~Q(status=AdvocacyStatus.DECLINED) & Q(declined_on__isnull=True)),
                name="advocacy_ask_declined_dated",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(status=AdvocacyStatus.CONVERTED, value__gte=0),
                name="advocacy_ask_value_when_converted",
            ),
        ]

    def __str__(self) -> str:
        about = f" for {self.prospect}" if self.prospect else ""
        return f"{self.get_kind_display()}{about} ({self.get_status_display().lower()})"


class Introduction(models.Model):
    """An introduction we made for the client (to a partner, a supplier or a prospective
    customer of theirs), and what came of it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="introductions")
    kind = models.CharField(max_length=10, choices=IntroductionKind.choices)
    introduced_name = models.CharField("introduced to", max_length=200)
    introduced_organisation = models.CharField("organisation", max_length=200, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_on = models.DateField()
    note = models.TextField(blank=True, help_text="Why we made the introduction.")
    outcome = models.CharField(
        max_length=15, choices=IntroductionOutcome.choices, default=IntroductionOutcome.PENDING
    )
    outcome_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-made_on", "-pk"]
        indexes = [models.Index(fields=["client", "-made_on"], name="advocacy_intro_client")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=IntroductionOutcome.PENDING, outcome_on__isnull=True)
                | (~Q(outcome=IntroductionOutcome.PENDING) & Q(outcome_on__isnull=False)),
                name="advocacy_intro_outcome_dated",
            ),
        ]

    def __str__(self) -> str:
        at = f" ({self.introduced_organisation})" if self.introduced_organisation else ""
        return f"Introduction to {self.introduced_name}{at}"
