"""The consistency check: find mismatches along every client's document chain, and open
an incident in the responsible department for each one not already raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.models import Client
from retain.documents.consistency import Mismatch, find_mismatches
from retain.documents.selectors import iter_client_chains
from retain.incidents.choices import IncidentCategory, Severity
from retain.incidents.models import Incident
from retain.incidents.services import open_incident

# What an incident from each kind of mismatch is filed as.
INCIDENT_CATEGORY = {
    "contract_vs_quote": IncidentCategory.CONTRACT_PROBLEM,
    "order_vs_contract": IncidentCategory.ORDER_ERROR,
    "delivery_vs_order": IncidentCategory.WRONG_DELIVERY,
    "invoice_vs_delivery": IncidentCategory.BILLING_ERROR,
    "invoice_vs_contract": IncidentCategory.BILLING_ERROR,
    "billed_twice": IncidentCategory.BILLING_ERROR,
    "billed_not_delivered": IncidentCategory.BILLING_ERROR,
}

KIND_TITLE = {
    "contract_vs_quote": "Contract differs from the quote",
    "order_vs_contract": "Order differs from the contract",
    "delivery_vs_order": "Delivery differs from the order",
    "invoice_vs_delivery": "Invoice bills more than was delivered",
    "invoice_vs_contract": "Invoice differs from the contract",
    "billed_twice": "Billed twice",
    "billed_not_delivered": "Billed but not delivered",
}


def find_all_mismatches(
    *, as_of: date | None = None, client_ids: list[int] | None = None
) -> list[Mismatch]:
    """Every mismatch in every client's documents (or those of ``client_ids``)."""
    as_of = as_of or timezone.localdate()
    found: list[Mismatch] = []
    for external_id, docs in iter_client_chains(client_ids):
        found.extend(find_mismatches(external_id, docs, as_of))
    return found


def describe(mismatch: Mismatch) -> str:
    """One sentence a person can act on."""
    where = f"{mismatch.item}: " if mismatch.item else ""
    expected = mismatch.expected or "nothing"
    actual = mismatch.actual or "nothing"
    return (
        f"{KIND_TITLE[mismatch.kind]} ({', '.join(mismatch.documents)}). "
        f"{where}{mismatch.field} should be {expected}, is {actual}."
    )


def _severity(mismatch: Mismatch) -> Severity:
    # A wrong item or attribute reached the client; the rest can be put right before it does.
    if mismatch.kind == "delivery_vs_order" and (
        mismatch.field == "item" or mismatch.field.startswith("attributes.")
    ):
        return Severity.HIGH
    return Severity.MEDIUM


@dataclass(frozen=True)
class ConsistencyReport:
    mismatches: list[Mismatch]
    incidents_opened: int


def check_consistency(
    *, as_of: date | None = None, open_incidents: bool = True, actor: User | None = None
) -> ConsistencyReport:
    """Find every mismatch; open an incident for each one that has none yet.

    A mismatch is recognised by its key, so running the check again opens nothing new
    for mismatches already raised (even once their incidents are resolved).
    """
    mismatches = find_all_mismatches(as_of=as_of)
    opened = 0
    if open_incidents and mismatches:
        known = set(
            Incident.objects.filter(mismatch_key__isnull=False).values_list(
                "mismatch_key", flat=True
            )
        )
        new = [m for m in mismatches if m.key not in known]
        departments = {d.slug: d for d in Department.objects.all()}
        clients = {
            c.external_id: c
            for c in Client.objects.filter(
                external_id__in={m.client_external_id for m in new}
            ).select_related("owner")
        }
        with transaction.atomic():
            for mismatch in new:
                open_incident(
                    actor=actor,
                    client=clients[mismatch.client_external_id],
                    title=f"{KIND_TITLE[mismatch.kind]}: {mismatch.item or mismatch.field}",
                    category=INCIDENT_CATEGORY[mismatch.kind],
                    severity=_severity(mismatch),
                    responsible_department=departments[mismatch.department],
                    description=describe(mismatch),
                    mismatch_key=mismatch.key,
                )
                opened += 1
    return ConsistencyReport(mismatches=mismatches, incidents_opened=opened)
