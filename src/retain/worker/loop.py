"""The worker: scheduled jobs and queued mail, durable in the database.

``run_once`` does one round (what ``retain tick`` runs from cron); ``run_forever`` is
``retain worker``. Any number of workers may run at once, and any may be killed: every
piece of work is claimed in the database first, with a lease another worker takes over.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from retain.outbox.delivery import deliver_due_emails
from retain.webhooks.delivery import deliver_due_webhooks
from retain.worker.models import ScheduledRun
from retain.worker.schedule import JOBS, Job

log = logging.getLogger("retain.worker")


def new_worker_id() -> str:
    """host:pid, as it shows in claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Round:
    jobs_run: int
    emails_sent: int
    webhooks_delivered: int = 0

    @property
    def did_something(self) -> bool:
        return bool(self.jobs_run or self.emails_sent or self.webhooks_delivered)


def _claim_occurrence(job: Job, worker_id: str) -> ScheduledRun | None:
    now = timezone.now()
    due = job.latest_due(now)
    lease = timedelta(seconds=settings.RETAIN_WORKER_LEASE_SECONDS)
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(
                job=job.name, due_at=due, claimed_by=worker_id, started_at=now
            )
    except IntegrityError:
        pass
    # Already claimed: take it over only if its worker died before finishing.
    with transaction.atomic():
        taken = ScheduledRun.objects.filter(
            job=job.name, due_at=due, finished_at__isnull=True, started_at__lt=now - lease
        ).update(claimed_by=worker_id, started_at=now)
    return ScheduledRun.objects.get(job=job.name, due_at=due) if taken else None


def run_due_jobs(worker_id: str) -> int:
    """Run every scheduled job whose latest occurrence nobody has run; returns how many ran."""
    ran = 0
    for job in JOBS:
        run = _claim_occurrence(job, worker_id)
        if run is None:
            continue
        try:
            result = job.run()
        except Exception:
            log.exception("scheduled job %s failed; it runs again after its lease", job.name)
            continue
        ScheduledRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), result=str(result)[:1000]
        )
        ran += 1
    return ran


def run_once(worker_id: str, *, batch: int = 50) -> Round:
    """One round: due scheduled jobs, every due email, then one batch of webhooks."""
    jobs = run_due_jobs(worker_id)
    sent = 0
    while emails := deliver_due_emails(worker_id=worker_id, limit=batch):
        sent += emails
    hooks = deliver_due_webhooks(worker_id=worker_id, limit=batch)
    return Round(jobs_run=jobs, emails_sent=sent, webhooks_delivered=hooks)


def run_forever(worker_id: str, *, interval: float = 1.0) -> None:
    """Rounds until stopped, resting ``interval`` seconds when there was nothing to do."""
    log.info("worker %s started", worker_id)
    while True:
        close_old_connections()
        if not run_once(worker_id).did_something:
            time.sleep(interval)
