"""Reads for the review pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from retain.accounts.models import User
from retain.clients.models import Client
from retain.reviews.models import ActionItem, ClientReview, ReviewStatus

RECENTLY_HELD = 20


def list_planned_reviews() -> QuerySet[ClientReview]:
    """Reviews still to hold, soonest first."""
    return (
        ClientReview.objects.filter(status=ReviewStatus.PLANNED)
        .select_related("client")
        .order_by("scheduled_for", "pk")
    )


def list_recently_held_reviews() -> list[ClientReview]:
    return list(
        ClientReview.objects.filter(status=ReviewStatus.HELD)
        .select_related("client")
        .order_by("-held_at", "-pk")[:RECENTLY_HELD]
    )


def list_open_actions_for(*, user: User) -> list[ActionItem]:
    """Open action items that are the person's or their department's, soonest due first."""
    mine = Q(owner=user)
    if user.department_id is not None:
        mine |= Q(department_id=user.department_id)
    return list(
        ActionItem.objects.filter(mine, completed_at__isnull=True)
        .select_related("client", "owner", "department")
        .order_by("due_on", "pk")
    )


def list_client_reviews(*, client: Client) -> list[ClientReview]:
    return list(client.reviews.order_by("-scheduled_for", "-pk"))


def get_review(*, pk: int) -> ClientReview:
    """The review with its client, agenda, attendees and action items (fixed queries)."""
    return (
        ClientReview.objects.select_related("client__owner", "client__backup_owner", "planned_by")
        .prefetch_related("agenda__department", "attendees__person", "actions__owner")
        .get(pk=pk)
    )
