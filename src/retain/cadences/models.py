"""Contact cadences: how often the clients that matter most must be touched, and by whom."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


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


class TouchClosed(models.TextChoices):
    TOUCHED = "touched", "Touched"
    NOT_DUE = "not_due", "No longer asked for"


class TouchTask(models.Model):
    """A touch a cadence asks for, due within a week or overdue, as a task for the
    client's owner (My clients lists them). ``cadences.services.plan_touches`` keeps
    these daily; logging the touch on the timeline closes it at once."""

    rule = models.ForeignKey(CadenceRule, on_delete=models.CASCADE, related_name="tasks")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touch_tasks",
    )
    due_on = models.DateField()
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_how = models.CharField(max_length=10, choices=TouchClosed.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "client"],
                condition=Q(closed_at__isnull=True),
                name="cadences_one_open_task_per_rule_and_client",
            )
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(closed_at__isnull=True),
                name="cadences_open_tasks_by_owner",
            ),
            models.Index(
                fields=["client"],
                condition=Q(closed_at__isnull=True),
                name="cadences_open_tasks_by_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} for {self.client_id}, due {self.due_on}"

    @property
    def overdue(self) -> bool:
        return self.due_on < timezone.localdate()
