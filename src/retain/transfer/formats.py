"""The CSV contract of each import/export kind: its columns, in order, and how each is parsed.

docs/import.md documents these; a test checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.conf import settings

from retain.documents.choices import DocumentKind
from retain.incidents.choices import IncidentCategory
from retain.transfer.csvio import Batch
from retain.transfer.errors import ErrorLog
from retain.transfer.parsers import (
    Attributes,
    Boolean,
    Choice,
    Country,
    DecimalText,
    Email,
    Integer,
    IsoDate,
    IsoDateTime,
    Number,
    Parser,
    Text,
)


@dataclass(frozen=True)
class Format:
    """One kind's columns and their parsers, in file order."""

    kind: str
    parsers: dict[str, Parser]

    @property
    def columns(self) -> list[str]:
        return list(self.parsers)


def _formats() -> dict[str, Format]:
    zone = settings.TIME_ZONE
    return {
        "clients": Format(
            "clients",
            {
                "external_id": Text(100, required=True),
                "name": Text(200, required=True),
                "segment": Text(100),
                "industry": Text(100),
                "country": Country(),
                "owner_email": Email(),
                "created_at": IsoDateTime(zone, required=False),
            },
        ),
        "contacts": Format(
            "contacts",
            {
                "client_external_id": Text(100, required=True),
                "name": Text(200, required=True),
                "email": Email(),
                "phone": Text(50),
                "role": Text(100),
                "primary": Boolean(),
            },
        ),
        "subscriptions": Format(
            "subscriptions",
            {
                "client_external_id": Text(100, required=True),
                "product": Text(100, required=True),
                "start_date": IsoDate(required=True),
                "end_date": IsoDate(required=False),
                "mrr": DecimalText(12, 2, minimum=0),
                "quantity": Integer(0, 2_147_483_647, default=1),
                "billing_period_months": Integer(1, 120, default=1),
                "discount": DecimalText(5, 2, minimum=0, maximum=100, default="0"),
            },
        ),
        "transactions": Format(
            "transactions",
            {
                "client_external_id": Text(100, required=True),
                "occurred_at": IsoDateTime(zone),
                "amount": DecimalText(14, 2),
                "order_id": Text(100),
            },
        ),
        "events": Format(
            "events",
            {
                "client_external_id": Text(100, required=True),
                "occurred_at": IsoDateTime(zone),
                "event_type": Text(100, required=True),
                "value": Number(default=1.0),
                "user": Text(200),
            },
        ),
        "documents": Format(
            "documents",
            {
                "client_external_id": Text(100, required=True),
                "kind": Choice(tuple(DocumentKind.values)),
                "number": Text(100, required=True),
                "follows_number": Text(100),
                "issued_on": IsoDate(required=True),
                "promised_on": IsoDate(required=False),
                "delivered_on": IsoDate(required=False),
                "terms": Text(200),
                "line": Integer(1, 100_000),
                "sku": Text(100, required=True),
                "description": Text(300),
                "attributes": Attributes(),
                "quantity": DecimalText(14, 3, minimum=0),
                "unit_price": DecimalText(14, 2, minimum=0),
                "discount": DecimalText(5, 2, minimum=0, maximum=100, default="0"),
            },
        ),
        "incidents": Format(
            "incidents",
            {
                "client_external_id": Text(100, required=True),
                "opened_at": IsoDateTime(zone),
                "title": Text(200, required=True),
                "category": Choice(tuple(IncidentCategory.values)),
                "severity": Integer(1, 4, default=3),
                "responsible_department": Text(50, required=True),
                "reported_by_department": Text(50),
                "description": Text(10_000),
                "impact": Text(10_000),
            },
        ),
    }


KINDS = (
    "clients",
    "contacts",
    "subscriptions",
    "transactions",
    "events",
    "documents",
    "incidents",
)


def get_format(kind: str) -> Format:
    """The format of ``kind``; ValueError naming the known kinds otherwise."""
    formats = _formats()
    if kind not in formats:
        raise ValueError(f"unknown kind {kind!r} (choose from {', '.join(KINDS)})")
    return formats[kind]


def parse_batch(batch: Batch, fmt: Format, log: ErrorLog) -> tuple[pl.DataFrame, pl.Series]:
    """Parse every column of a batch; log each bad cell; return the parsed frame and row validity.

    The frame keeps every row (with nulls where a cell was bad) plus a ``row``
    column, so later checks can still report other problems on the same rows.
    """
    columns: dict[str, pl.Series] = {"row": batch.rows}
    ok = pl.Series("ok", [True] * batch.frame.height, dtype=pl.Boolean)
    for name, parser in fmt.parsers.items():
        values, problems = parser(batch.frame.get_column(name))
        log.add_where(batch.rows, problems, name)
        ok = ok & problems.is_null()
        columns[name] = values.alias(name)
    return pl.DataFrame(columns), ok
