"""The audit record of every import."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """One successful ``retain import``: who loaded which file, when, and what it changed.

    Failed imports write nothing, so they leave no row here either; their errors
    go to the person running the import.
    """

    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows_read = models.PositiveIntegerField()
    rows_created = models.PositiveIntegerField()
    rows_updated = models.PositiveIntegerField()
    rows_unchanged = models.PositiveIntegerField()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.file_name} at {self.started_at:%Y-%m-%d %H:%M}"
