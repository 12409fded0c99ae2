"""Raising alerts once a day (each once per occasion) and the daily digest by email."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from retain.accounts.models import User
from retain.alerts.models import AlertKind, Notification
from retain.appreciation.models import ThankYou
from retain.cadences.selectors import touches
from retain.clients.choices import ClientStatus
from retain.clients.models import Client, OwnershipChange, UsageEvent
from retain.incidents.choices import OPEN_STATUSES
from retain.incidents.models import Incident
from retain.outbox.delivery import queue_email
from retain.surveys.models import FollowUp

RENEWAL_DAYS = (90, 60, 30)
HANDOFF_GRACE_DAYS = 2
USAGE_WINDOW_DAYS = 30
USAGE_DROP = 0.5  # half or less of the previous window's events
USAGE_MINIMUM = 10  # events in the previous window for a drop to mean anything
THANK_YOU_NOTICE_DAYS = 7


def _client_url(client_id: int) -> str:
    return reverse("client-detail", args=[client_id])


def _renewals(today: date) -> list[Notification]:
    found = []
    for days in RENEWAL_DAYS:
        for client in Client.objects.filter(
            status=ClientStatus.ACTIVE, renewal_on=today + timedelta(days=days), owner__isnull=False
        ):
            found.append(
                Notification(
                    user_id=cast(int, client.owner_id),
                    key=f"renewal-{days}:{client.pk}:{client.renewal_on}",
                    kind=AlertKind.RENEWAL,
                    client=client,
                    text=f"{client.name} renews in {days} days ({client.renewal_on:%d %b %Y})",
                    url=_client_url(client.pk),
                )
            )
    return found


def _no_contact() -> list[Notification]:
    return [
        Notification(
            user_id=cast(int, touch.client.owner_id),
            key=f"no-contact:{touch.rule.pk}:{touch.client.pk}:{touch.due_on}",
            kind=AlertKind.NO_CONTACT,
            client=touch.client,
            text=f"{touch.client.name}: {touch.rule.name}, due {touch.due_on:%d %b}",
            url=_client_url(touch.client.pk),
        )
        for touch in touches()
        if touch.overdue and touch.client.owner_id is not None
    ]


def _overdue_incidents(now: datetime) -> list[Notification]:
    found = []
    for incident in Incident.objects.filter(
        status__in=OPEN_STATUSES, due_at__lt=now
    ).select_related("client", "responsible_department"):
        people = {
            incident.owner_id or incident.responsible_department.head_id,
            incident.client.owner_id,
        }
        for person in people - {None}:
            found.append(
                Notification(
                    user_id=cast(int, person),
                    key=f"overdue-incident:{incident.pk}",
                    kind=AlertKind.OVERDUE_INCIDENT,
                    client=incident.client,
                    text=f"Overdue: {incident.title} ({incident.client.name}, "
                    f"{incident.responsible_department})",
                    url=reverse("incident-detail", args=[incident.pk]),
                )
            )
    return found


def _handoffs(now: datetime) -> list[Notification]:
    return [
        Notification(
            user_id=cast(int, change.new_user_id),
            key=f"handoff:{change.pk}",
            kind=AlertKind.UNACKNOWLEDGED_HANDOFF,
            client=change.client,
            text=f"Acknowledge the handoff of {change.client.name}",
            url=reverse("home"),
        )
        for change in OwnershipChange.objects.filter(
            acknowledged_at__isnull=True,
            new_user__isnull=False,
            changed_at__lt=now - timedelta(days=HANDOFF_GRACE_DAYS),
        ).select_related("client")
    ]


def _detractors() -> list[Notification]:
    return [
        Notification(
            user_id=cast(int, follow_up.owner_id),
            key=f"detractor:{follow_up.pk}",
            kind=AlertKind.DETRACTOR,
            client=follow_up.client,
            text=f"{follow_up.client.name}: survey answer {follow_up.response.score} to follow "
            f"up by {follow_up.due_on:%d %b}",
            url=reverse("home"),
        )
        for follow_up in FollowUp.objects.filter(
            closed_at__isnull=True, owner__isnull=False
        ).select_related("client", "response")
    ]


def _usage_drops(now: datetime, today: date) -> list[Notification]:
    window = timedelta(days=USAGE_WINDOW_DAYS)
    counts = (
        UsageEvent.objects.filter(occurred_at__gte=now - 2 * window, occurred_at__lt=now)
        .values("client_id")
        .annotate(
            recent=Count("id", filter=Q(occurred_at__gte=now - window)),
            before=Count("id", filter=Q(occurred_at__lt=now - window)),
        )
        .filter(before__gte=USAGE_MINIMUM)
    )
    dropped = {
        row["client_id"]: row for row in counts if row["recent"] <= USAGE_DROP * row["before"]
    }
    found = []
    for client in Client.objects.filter(
        pk__in=list(dropped), status=ClientStatus.ACTIVE, owner__isnull=False
    ):
        row = dropped[client.pk]
        fall = round(100 * (1 - row["recent"] / row["before"]))
        found.append(
            Notification(
                user_id=cast(int, client.owner_id),
                key=f"usage-drop:{client.pk}:{today:%Y-%m}",
                kind=AlertKind.USAGE_DROP,
                client=client,
                text=f"{client.name}: usage down {fall}% on the previous {USAGE_WINDOW_DAYS} days "
                f"({row['before']} → {row['recent']} events)",
                url=_client_url(client.pk),
            )
        )
    return found


def _thank_yous(today: date) -> list[Notification]:
    """A thank-you due within a week (milestones are planned two weeks ahead)."""
    return [
        Notification(
            user_id=cast(int, thank_you.owner_id),
            key=f"thank-you:{thank_you.pk}",
            kind=AlertKind.THANK_YOU,
            client=thank_you.client,
            text=f"Thank {thank_you.client.name}: {thank_you.milestone.title} "
            f"({thank_you.due_on:%d %b})",
            url=reverse("client-milestones", args=[thank_you.client_id]),
        )
        for thank_you in ThankYou.objects.filter(
            done_at__isnull=True,
            owner__isnull=False,
            due_on__lte=today + timedelta(days=THANK_YOU_NOTICE_DAYS),
        ).select_related("client", "milestone")
    ]


def raise_alerts(*, now: datetime | None = None) -> int:
    """Raise every alert due now, each once per occasion; returns how many are new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = [
        *_renewals(today),
        *_no_contact(),
        *_overdue_incidents(now),
        *_handoffs(now),
        *_detractors(),
        *_usage_drops(now, today),
        *_thank_yous(today),
    ]
    for notification in candidates:
        notification.created_at = now
    before = Notification.objects.count()
    Notification.objects.bulk_create(candidates, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.count() - before


def send_digests(*, now: datetime | None = None) -> int:
    """Mail each person the alerts raised since their last digest; returns how many mails."""
    now = now or timezone.now()
    pending: dict[int, list[Notification]] = defaultdict(list)
    for notification in Notification.objects.filter(digested_at__isnull=True).order_by(
        "created_at"
    ):
        pending[notification.user_id].append(notification)
    people = User.objects.in_bulk(list(pending))
    sent = 0
    with transaction.atomic():
        for user_id, items in pending.items():
            person = people[user_id]
            if person.is_active and person.email:
                lines = "\n".join(f"- {n.text}\n  {settings.RETAIN_BASE_URL}{n.url}" for n in items)
                queue_email(
                    key=f"digest:{user_id}:{timezone.localdate(now)}",
                    to=person.email,
                    subject=f"Retain: {len(items)} thing(s) need your attention",
                    body=f"Good morning {person.first_name or person},\n\n{lines}\n",
                )
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(digested_at=now)
    return sent


def mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
