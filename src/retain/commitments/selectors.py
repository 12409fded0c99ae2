"""Reads of commitments: a client's, a department's, and kept against broken."""

from __future__ import annotations

from django.db.models import Count, Q

from retain.accounts.models import PERSON_COLUMNS, Department
from retain.clients.models import Client
from retain.commitments.models import Commitment, CommitmentStatus


def list_client_commitments(*, client: Client) -> list[Commitment]:
    """The client's open commitments, soonest due first, with what the client page shows."""
    return list(
        Commitment.objects.filter(client=client, status=CommitmentStatus.OPEN)
        .select_related("keeper_department", "made_by")
        .only(
            "client",
            "promise",
            "due_on",
            "status",
            "keeper_department__name",
            *(f"made_by__{column}" for column in PERSON_COLUMNS),
        )
        .order_by("due_on", "pk")
    )


def list_department_commitments(*, department: Department) -> list[Commitment]:
    """What ``department`` must keep and has not yet: overdue (soonest due) first."""
    return list(
        Commitment.objects.filter(keeper_department=department, status=CommitmentStatus.OPEN)
        .select_related("client", "keeper", "made_by", "made_by_department")
        .order_by("due_on", "pk")
    )


def count_kept_and_broken() -> list[dict[str, object]]:
    """Per keeping department: promises kept, broken, open and overdue (departments with any)."""
    from django.utils import timezone

    today = timezone.localdate()
    rows = (
        Commitment.objects.values("keeper_department__name")
        .annotate(
            kept=Count("pk", filter=Q(status=CommitmentStatus.KEPT)),
            broken=Count("pk", filter=Q(status=CommitmentStatus.BROKEN)),
            open=Count("pk", filter=Q(status=CommitmentStatus.OPEN)),
            overdue=Count("pk", filter=Q(status=CommitmentStatus.OPEN, due_on__lt=today)),
        )
        .order_by("keeper_department__name")
    )
    return [
        {
            "department": row["keeper_department__name"],
            "kept": row["kept"],
            "broken": row["broken"],
            "open": row["open"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]
