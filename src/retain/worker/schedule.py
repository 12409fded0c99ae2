"""What the worker runs on its own, and when (times are in TIME_ZONE).

Each job is a function of no arguments that is safe to run twice (it checks what it
already did), so a run taken over from a dead worker does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Job:
    """Runs every day at ``at``; with ``monthly``, on the first day of each month only."""

    name: str
    at: time
    run: Callable[[], object]
    monthly: bool = False

    def latest_due(self, now: datetime) -> datetime:
        """The newest occurrence at or before ``now``."""
        local = timezone.localtime(now)
        day = local.date()
        if self.monthly:
            day = day.replace(day=1)
        due = timezone.make_aware(datetime.combine(day, self.at))
        if due > now:
            previous = day - timedelta(days=1)
            if self.monthly:
                previous = previous.replace(day=1)
            due = timezone.make_aware(datetime.combine(previous, self.at))
        return due


def _alert_overdue() -> object:
    from retain.commitments.services import alert_overdue_commitments

    return alert_overdue_commitments()


def _plan_reviews() -> object:
    from retain.reviews.services import plan_monthly_reviews

    return len(plan_monthly_reviews(on=timezone.localdate()))


def _plan_touches() -> object:
    from retain.cadences.services import plan_touches

    return plan_touches()


def _plan_appreciation() -> object:
    from retain.appreciation.services import plan_appreciation

    return plan_appreciation()


def _value_clients() -> object:
    from retain.valuation.services import value_clients

    return value_clients()


def _raise_alerts() -> object:
    from retain.alerts.services import raise_alerts

    return raise_alerts()


def _send_digests() -> object:
    from retain.alerts.services import send_digests

    return send_digests()


JOBS: tuple[Job, ...] = (
    Job("alert-overdue", time(7, 0), _alert_overdue),
    Job("plan-reviews", time(6, 0), _plan_reviews, monthly=True),
    Job("value-clients", time(4, 30), _value_clients),
    Job("plan-touches", time(5, 45), _plan_touches),
    Job("plan-appreciation", time(6, 15), _plan_appreciation),
    Job("raise-alerts", time(6, 30), _raise_alerts),
    Job("send-digests", time(7, 30), _send_digests),
)
