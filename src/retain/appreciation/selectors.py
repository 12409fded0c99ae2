"""Reading thank-yous and milestones: a person's to do, the team's, a client's."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from retain.accounts.models import User
from retain.appreciation.models import Milestone, ThankYou
from retain.clients.models import Client

RECENT_DAYS = 30


def open_thank_yous_for(user: User, *, limit: int = 20) -> list[ThankYou]:
    """The person's thank-yous still to say, soonest first (My clients). One query that
    reads ``limit`` rows of the open thank-yous index in its order."""
    return list(
        ThankYou.objects.filter(owner=user, done_at__isnull=True)
        .select_related("milestone", "client")
        .only("due_on", "done_at", "client__name", "milestone__title")
        .order_by("due_on", "pk")[:limit]
    )


def open_thank_yous(*, owner: User | None = None) -> QuerySet[ThankYou]:
    """Thank-yous still to say (one owner's, or everyone's), soonest first."""
    found = ThankYou.objects.filter(done_at__isnull=True)
    if owner is not None:
        found = found.filter(owner=owner)
    return found.select_related("milestone", "client", "owner").order_by("due_on", "client__name")


def recently_thanked(*, owner: User | None = None) -> QuerySet[ThankYou]:
    """Thank-yous said in the last 30 days, newest first."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    found = ThankYou.objects.filter(done_at__gte=since)
    if owner is not None:
        found = found.filter(owner=owner)
    return found.select_related("milestone", "client", "done_by").order_by("-done_at")


def client_milestones(client: Client) -> list[Milestone]:
    """The client's milestones, newest first, each with its thank-you (if any)."""
    return list(
        Milestone.objects.filter(client=client)
        .select_related("thank_you__done_by", "thank_you__owner", "recorded_by")
        .order_by("-occurs_on", "-pk")
    )
