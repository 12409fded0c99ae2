"""Reads of incidents for the inboxes, the client page and My clients."""

from __future__ import annotations

from django.db.models import QuerySet

from retain.accounts.models import Department
from retain.clients.models import Client, TimelineEntry
from retain.core.paging import Page, paginate
from retain.incidents.choices import OPEN_STATUSES
from retain.incidents.models import Incident, IncidentTransfer, TransferStatus

# How much of the client's recent history an incident page carries.
RECENT_HISTORY = 10


def list_department_inbox(
    *, department: Department, page_number: object = 1, per_page: int = 50
) -> Page:
    """The department's open incidents, overdue first (soonest due first), worst first on ties."""
    incidents = (
        Incident.objects.filter(responsible_department=department, status__in=OPEN_STATUSES)
        .select_related("client", "owner", "reported_by_department")
        .order_by("due_at", "severity", "pk")
    )
    return paginate(incidents, page_number, per_page)


def list_client_incidents(*, client: Client, open_only: bool = False) -> QuerySet[Incident]:
    """The client's incidents, newest first."""
    incidents = Incident.objects.filter(client=client).select_related(
        "responsible_department", "owner"
    )
    if open_only:
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    return incidents.order_by("-opened_at", "-pk")


def get_incident(*, pk: int) -> Incident:
    """One incident with its client and people (Incident.DoesNotExist if there is none)."""
    return Incident.objects.select_related(
        "client",
        "client__owner",
        "responsible_department",
        "reported_by_department",
        "owner",
        "opened_by",
    ).get(pk=pk)


def list_transfers_waiting(*, department: Department) -> list[IncidentTransfer]:
    """Incidents other departments ask ``department`` to take over, oldest request first."""
    return list(
        IncidentTransfer.objects.filter(to_department=department, status=TransferStatus.PENDING)
        .select_related("incident", "incident__client", "from_department", "requested_by")
        .order_by("requested_at", "pk")
    )


def get_incident_context(*, incident: Incident) -> dict[str, object]:
    """What travels with an incident: its transfers and the client's recent timeline."""
    return {
        "transfers": list(
            incident.transfers.select_related(
                "from_department", "to_department", "requested_by", "answered_by"
            ).order_by("requested_at", "pk")
        ),
        "recent": list(
            TimelineEntry.objects.filter(client_id=incident.client_id)
            .select_related("author", "department")
            .order_by("-occurred_at", "-pk")[:RECENT_HISTORY]
        ),
    }
