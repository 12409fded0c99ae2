"""Reads of document chains: in bulk, as the consistency engine takes them, and one
client's for its documents page."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When

from retain.clients.models import Client
from retain.documents.choices import DocumentKind
from retain.documents.consistency import Doc, Line
from retain.documents.models import Document, DocumentLine

# Clients read per round: bounds memory whatever the number of clients.
CLIENTS_PER_CHUNK = 2_000


def _rows(queryset: QuerySet) -> Iterator[tuple[Any, ...]]:
    """The queryset's rows as the driver returns them, without Django's per-value converters.

    Django converts every decimal and JSON value on the way out (on SQLite, ~3 µs a
    decimal through ``quantize``, and a ``json.loads`` per line); for the hundreds of
    thousands of lines of a full check that was most of its time. The few types read
    here are converted below, once per distinct value where values repeat.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            yield from batch


def _decimal_reader() -> Callable[[object], Decimal]:
    """Decimals from the driver; each distinct value converted once (prices and
    quantities repeat). SQLite hands back numbers as int or float, whose shortest text
    is the stored value (at most 14 significant digits); PostgreSQL hands back Decimal."""
    seen: dict[object, Decimal] = {}

    def read(value: object) -> Decimal:
        number = seen.get(value)
        if number is None:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
            seen[value] = number
        return number

    return read


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


_TEXT = (str, bytes)


def _attribute_reader() -> Callable[[object], tuple[tuple[str, str], ...]]:
    """Attributes as sorted (name, value) pairs; each distinct JSON text is parsed once."""
    seen: dict[object, tuple[tuple[str, str], ...]] = {}

    def read(raw: object) -> tuple[tuple[str, str], ...]:
        text = isinstance(raw, _TEXT)
        key = raw if text else json.dumps(raw, sort_keys=True)
        pairs = seen.get(key)
        if pairs is None:
            value = json.loads(raw) if text else raw  # type: ignore[arg-type]
            pairs = (
                tuple(sorted((str(k), str(v)) for k, v in value.items()))
                if isinstance(value, dict)
                else ()
            )
            seen[key] = pairs
        return pairs

    return read


def iter_client_chains(
    client_ids: list[int] | None = None,
) -> Iterator[tuple[str, list[Doc]]]:
    """(external id, documents with lines) for each client that has documents.

    Two queries per chunk of clients (documents, then their lines), read as plain
    rows: no model instances for hundreds of thousands of lines.
    """
    clients = Client.objects.filter(documents__isnull=False).distinct().order_by("pk")
    if client_ids is not None:
        clients = clients.filter(pk__in=client_ids)
    pairs = list(clients.values_list("pk", "external_id"))
    attributes = _attribute_reader()
    decimal_of = _decimal_reader()
    for start in range(0, len(pairs), CLIENTS_PER_CHUNK):
        chunk = dict(pairs[start : start + CLIENTS_PER_CHUNK])
        docs: dict[int, Doc] = {}
        by_client: dict[int, list[Doc]] = defaultdict(list)
        documents = (
            Document.objects.filter(client_id__in=list(chunk))
            .order_by("pk")
            .values_list(
                "pk",
                "client_id",
                "kind",
                "number",
                "follows_id",
                "promised_on",
                "delivered_on",
                "terms",
            )
        )
        for pk, client_id, kind, number, follows, promised, delivered, terms in _rows(documents):
            doc = Doc(pk, kind, number, follows, _date(promised), _date(delivered), terms)
            docs[pk] = doc
            by_client[client_id].append(doc)
        lines = (
            DocumentLine.objects.filter(document__client_id__in=list(chunk))
            .order_by("document_id", "line")
            .values_list("document_id", "sku", "quantity", "unit_price", "discount", "attributes")
        )
        for document_id, sku, quantity, unit_price, discount, raw in _rows(lines):
            docs[document_id].lines.append(
                Line(
                    sku,
                    decimal_of(quantity),
                    decimal_of(unit_price),
                    decimal_of(discount),
                    attributes(raw),
                )
            )
        for client_id, client_docs in by_client.items():
            yield chunk[client_id], client_docs


def list_client_documents(*, client: Client) -> list[Document]:
    """The client's documents with their lines, in chain order (kind), newest first."""
    order = Case(
        *(When(kind=kind, then=Value(n)) for n, kind in enumerate(DocumentKind)),
        output_field=IntegerField(),
    )
    return list(
        Document.objects.filter(client=client)
        .select_related("follows")
        .prefetch_related("lines")
        .order_by(order, "-issued_on", "-pk")
    )
