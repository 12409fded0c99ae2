"""Export client data in exactly the formats the importers read.

Text cells that a spreadsheet would run as formulas are escaped (see
csvio.escape_cell); numbers, dates and booleans are written by us and cannot be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any, cast

from retain.clients.models import Client, Contact, SubscriptionLine, Transaction, UsageEvent
from retain.documents.attributes import format_attributes
from retain.documents.models import DocumentLine
from retain.incidents.models import Incident
from retain.transfer.csvio import csv_writer, escape_cell
from retain.transfer.formats import get_format

CHUNK = 20_000


def format_datetime(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, microseconds only when there are any."""
    if value is None:
        return ""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def format_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def format_float(value: float) -> str:
    """The shortest text that reads back as the same float; whole numbers without ".0"."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def text(value: str) -> str:
    return escape_cell(value)


def _clients() -> Iterator[list[str]]:
    rows = Client.objects.order_by("external_id").values_list(
        "external_id", "name", "segment", "industry", "country", "owner__email", "created_at"
    )
    for external_id, name, segment, industry, country, owner_email, created_at in rows.iterator(
        CHUNK
    ):
        yield [
            text(external_id),
            text(name),
            text(segment),
            text(industry),
            text(country),
            text(owner_email or ""),
            format_datetime(created_at),
        ]


def _contacts() -> Iterator[list[str]]:
    rows = Contact.objects.order_by("client__external_id", "id").values_list(
        "client__external_id", "name", "email", "phone", "role", "is_primary"
    )
    for external_id, name, email, phone, role, primary in rows.iterator(CHUNK):
        yield [
            text(external_id),
            text(name),
            text(email),
            text(phone),
            text(role),
            "true" if primary else "false",
        ]


def _subscriptions() -> Iterator[list[str]]:
    rows = SubscriptionLine.objects.order_by(
        "client__external_id", "start_date", "product"
    ).values_list(
        "client__external_id",
        "product",
        "start_date",
        "end_date",
        "mrr",
        "quantity",
        "billing_period_months",
        "discount_percent",
    )
    for external_id, product, start, end, mrr, quantity, period, discount in rows.iterator(CHUNK):
        yield [
            text(external_id),
            text(product),
            format_date(start),
            format_date(end),
            str(mrr),
            str(quantity),
            str(period),
            str(discount),
        ]


def _transactions() -> Iterator[list[str]]:
    rows = Transaction.objects.order_by("client__external_id", "occurred_at", "id").values_list(
        "client__external_id", "occurred_at", "amount", "order_id"
    )
    for external_id, occurred_at, amount, order_id in rows.iterator(CHUNK):
        yield [text(external_id), format_datetime(occurred_at), str(amount), text(order_id)]


def _events() -> Iterator[list[str]]:
    rows = UsageEvent.objects.order_by("client_id", "occurred_at", "id").values_list(
        "client__external_id", "occurred_at", "event_type__name", "value", "user"
    )
    for external_id, occurred_at, event_type, value, user in rows.iterator(CHUNK):
        yield [
            text(external_id),
            # The field stores an integer but reads back as a datetime (EpochMicrosecondsField).
            format_datetime(cast(datetime, occurred_at)),
            text(event_type),
            format_float(value),
            text(user),
        ]


def _documents() -> Iterator[list[str]]:
    rows = DocumentLine.objects.order_by(
        "document__client__external_id", "document_id", "line"
    ).values_list(
        "document__client__external_id",
        "document__kind",
        "document__number",
        "document__follows__number",
        "document__issued_on",
        "document__promised_on",
        "document__delivered_on",
        "document__terms",
        "line",
        "sku",
        "description",
        "attributes",
        "quantity",
        "unit_price",
        "discount",
    )
    for row in rows.iterator(CHUNK):
        (external_id, kind, number, follows, issued, promised, delivered, terms) = row[:8]
        line, sku, description, attributes, quantity, unit_price, discount = row[8:]
        yield [
            text(external_id),
            kind,
            text(number),
            text(follows or ""),
            format_date(issued),
            format_date(promised),
            format_date(delivered),
            text(terms),
            str(line),
            text(sku),
            text(description),
            text(format_attributes(attributes)),
            str(quantity),
            str(unit_price),
            str(discount),
        ]


def _incidents() -> Iterator[list[str]]:
    rows = Incident.objects.order_by("client__external_id", "opened_at", "id").values_list(
        "client__external_id",
        "opened_at",
        "title",
        "category",
        "severity",
        "responsible_department__slug",
        "reported_by_department__slug",
        "description",
        "impact",
    )
    for (
        external_id,
        opened_at,
        title,
        category,
        severity,
        responsible,
        reported,
        *texts,
    ) in rows.iterator(CHUNK):
        yield [
            text(external_id),
            format_datetime(opened_at),
            text(title),
            category,
            str(severity),
            responsible,
            reported or "",
            *(text(value) for value in texts),
        ]


EXPORTERS: dict[str, Callable[[], Iterable[list[str]]]] = {
    "clients": _clients,
    "contacts": _contacts,
    "subscriptions": _subscriptions,
    "transactions": _transactions,
    "events": _events,
    "documents": _documents,
    "incidents": _incidents,
}


def export_rows(*, kind: str, stream: IO[str]) -> int:
    """Write every row of ``kind`` to ``stream`` with its header; return how many rows."""
    fmt = get_format(kind)
    writer: Any = csv_writer(stream)
    writer.writerow(fmt.columns)
    count = 0
    for row in EXPORTERS[kind]():
        writer.writerow(row)
        count += 1
    return count
