"""Which occurrence of each scheduled job has run (the worker's memory of its schedule)."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One occurrence of a scheduled job, e.g. ("alert-overdue", 2026-12-03 07:00).

    Inserting the row is how a worker claims the occurrence: the unique constraint lets
    only one worker in. A run that never finished (its worker died) is taken over once
    its lease has passed; every scheduled job is safe to run twice.
    """

    job = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "due_at"], name="worker_one_run_per_occurrence")
        ]

    def __str__(self) -> str:
        return f"{self.job} at {self.due_at:%Y-%m-%d %H:%M}"
