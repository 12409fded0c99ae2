"""Claiming queued work (an email, a webhook delivery) for one worker, with a lease.

A queue model has ``due_at``, ``status`` ("pending", "claimed", ...), ``claimed_by`` and
``lease_until``. A claim takes due rows that wait, or whose claim's lease ran out (the
worker died), and marks them claimed by this worker until now + the lease.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

PENDING, CLAIMED = "pending", "claimed"


def claim_due[M: Model](model: type[M], worker_id: str, limit: int) -> list[M]:
    """Up to ``limit`` due rows of ``model``, oldest first, claimed by ``worker_id``.

    On PostgreSQL rows another worker is claiming are skipped (SKIP LOCKED); SQLite's
    immediate transactions make claims take turns.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.RETAIN_WORKER_LEASE_SECONDS)
    manager: Any = model._default_manager
    with transaction.atomic():
        waiting = (
            manager.filter(due_at__lte=now)
            .filter(Q(status=PENDING) | Q(status=CLAIMED, lease_until__lt=now))
            .order_by("due_at", "id")
        )
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        claimed = list(waiting[:limit])
        manager.filter(pk__in=[row.pk for row in claimed]).update(
            status=CLAIMED, claimed_by=worker_id, lease_until=now + lease
        )
    return claimed


def retry_delay(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base, ... never more than the cap."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))
