"""The consistency check: find mismatches along every client's document chain, and open
an incident in the responsible department for each one not already raised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.models import Client
from retain.clients.permissions import require
from retain.documents.choices import FOLLOWS, DocumentKind
from retain.documents.consistency import Mismatch, find_mismatches
from retain.documents.models import Document, DocumentLine
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
    *,
    as_of: date | None = None,
    open_incidents: bool = True,
    actor: User | None = None,
    client_ids: list[int] | None = None,
) -> ConsistencyReport:
    """Find every mismatch (of ``client_ids``' documents, or everyone's); open an
    incident for each one that has none yet.

    A mismatch is recognised by its key, so running the check again opens nothing new
    for mismatches already raised (even once their incidents are resolved).
    """
    mismatches = find_all_mismatches(as_of=as_of, client_ids=client_ids)
    opened = 0
    if open_incidents and mismatches:
        raised = Incident.objects.filter(mismatch_key__isnull=False)
        if client_ids is not None:
            raised = raised.filter(client_id__in=client_ids)
        known = set(raised.values_list("mismatch_key", flat=True))
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


@dataclass(frozen=True)
class LineSpec:
    """One line as entered: what, which variant, how many, at what price and discount (%)."""

    sku: str
    quantity: Decimal
    unit_price: Decimal
    description: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class RecordedDocument:
    document: Document
    report: ConsistencyReport


def record_document(
    *,
    actor: User,
    client: Client,
    kind: str,
    number: str,
    issued_on: date,
    lines: Sequence[LineSpec],
    follows: Document | None = None,
    promised_on: date | None = None,
    delivered_on: date | None = None,
    terms: str = "",
) -> RecordedDocument:
    """Enter a quote, contract, order, delivery or invoice with its lines, then check the
    client's chain at once: a mismatch it brings opens an incident for the department
    responsible before the client notices.

    The same rules as the documents import: a number is used once per client and kind;
    a document follows one of the kind before it in the chain, of the same client.
    """
    require(actor, "documents.record_document", client)
    errors: dict[str, str] = {}
    number = number.strip()
    before = FOLLOWS[DocumentKind(kind)]
    if follows is not None:
        if before is None:
            errors["follows"] = "a quote starts a chain and follows nothing"
        elif follows.client_id != client.pk or follows.kind != before:
            errors["follows"] = f"choose one of this client's {before.label.lower()}s"
    if Document.objects.filter(client=client, kind=kind, number=number).exists():
        errors["number"] = f"this client already has a {kind} numbered {number!r}"
    if not lines:
        errors["__all__"] = "a document needs at least one line"
    for n, line in enumerate(lines, start=1):
        if not line.sku.strip():
            errors["__all__"] = f"line {n}: the SKU is required"
        elif line.quantity <= 0:
            errors["__all__"] = f"line {n}: the quantity must be more than 0"
        elif line.unit_price < 0:
            errors["__all__"] = f"line {n}: the unit price cannot be negative"
        elif not Decimal(0) <= line.discount <= Decimal(100):
            errors["__all__"] = f"line {n}: the discount is a percentage from 0 to 100"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        document = Document(
            client=client,
            kind=kind,
            number=number,
            follows=follows,
            issued_on=issued_on,
            promised_on=promised_on,
            delivered_on=delivered_on,
            terms=terms.strip(),
        )
        document._history_user = actor  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:  # the same number entered a moment ago by someone else
            raise ValidationError(
                {"number": f"this client already has a {kind} numbered {number!r}"}
            ) from None
        for n, spec in enumerate(lines, start=1):
            row = DocumentLine(
                document=document,
                line=n,
                sku=spec.sku.strip(),
                description=spec.description.strip(),
                attributes=spec.attributes,
                quantity=spec.quantity,
                unit_price=spec.unit_price,
                discount=spec.discount,
            )
            row._history_user = actor  # type: ignore[attr-defined]
            row.save()
        report = check_consistency(actor=actor, client_ids=[client.pk])
    return RecordedDocument(document=document, report=report)
