"""Contact cadences: how often the clients that matter most must be touched, and by whom."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class TouchBy(models.TextChoices):
    OWNER = "owner", "The owner or backup"
    EXECUTIVE = "executive", "Someone from the executive team"
    ANYONE = "anyone", "Anyone"


class CadenceRule(models.Model):
    """E.g. "Top 20%: owner touch every 30 days". A logged call, meeting or email (of the
    rule's kinds, by the right people) on the client's timeline is a touch."""

    name = models.CharField(max_length=200)
    # The clients it covers: the top share of active clients by MRR (blank: all active
    # clients), within one segment (blank: every segment).
    top_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(1))],
    )
    segment = models.CharField(max_length=100, blank=True)
    every_days = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    kinds = models.JSONField(
        default=list, help_text="Timeline kinds that count: meeting, call, email."
    )
    by = models.CharField(max_length=10, choices=TouchBy.choices, default=TouchBy.OWNER)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["every_days", "name"]

    def __str__(self) -> str:
        return self.name
