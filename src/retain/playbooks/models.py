"""Documented playbooks: processes written down, versioned, run for a client as tasks.

A playbook's steps live in immutable versions: editing writes a new version, and a run
keeps the version it started with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from retain.accounts.models import Department
from retain.clients.models import Client


class Trigger(models.TextChoices):
    """What starts a playbook by itself (none: only by hand)."""

    NONE = "", "Started by hand"
    NEW_CLIENT = "new_client", "A new client"
    SEVERITY_1_INCIDENT = "severity_1_incident", "A severity-1 incident"
    OWNER_CHANGE = "owner_change", "An owner change"


class Playbook(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    purpose = models.CharField(max_length=300, blank=True)
    trigger = models.CharField(max_length=30, choices=Trigger.choices, blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlaybookVersion(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["playbook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "number"], name="playbooks_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.playbook} v{self.number}"


class StepOwner(models.TextChoices):
    """Who a step's task goes to when it names no department."""

    CLIENT_OWNER = "owner", "The client's owner"
    BACKUP_OWNER = "backup", "The client's backup owner"
    DEPARTMENT = "department", "The department's head"


class PlaybookStep(models.Model):
    version = models.ForeignKey(PlaybookVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    responsible = models.CharField(
        max_length=20, choices=StepOwner.choices, default=StepOwner.CLIENT_OWNER
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_after_days = models.PositiveIntegerField(
        default=0, help_text="Days after the playbook starts."
    )
    checklist = models.JSONField(default=list, blank=True)
    guidance = models.TextField(blank=True, help_text="Markdown.")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="playbooks_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class PlaybookRun(models.Model):
    """One playbook started for one client, on the version current then."""

    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="runs")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="playbook_runs")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version} for {self.client}"


class Task(models.Model):
    """A step of a running playbook, assigned to a person, due on a day."""

    run = models.ForeignKey(PlaybookRun, on_delete=models.CASCADE, related_name="tasks")
    step = models.ForeignKey(PlaybookStep, on_delete=models.PROTECT, related_name="tasks")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["assignee", "completed_at", "due_on"], name="playbooks_task_todo"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.completed_at is None and self.due_on < timezone.localdate()

    @property
    def on_time(self) -> bool | None:
        """Completed by the end of its due day (None while open)."""
        if self.completed_at is None:
            return None
        return timezone.localtime(self.completed_at).date() <= self.due_on
