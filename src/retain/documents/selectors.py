"""Reads of document chains, in bulk, as the consistency engine takes them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from retain.clients.models import Client
from retain.documents.consistency import Doc, Line
from retain.documents.models import Document, DocumentLine

# Clients read per round: bounds memory whatever the number of clients.
CLIENTS_PER_CHUNK = 2_000


def _attributes(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def iter_client_chains(
    client_ids: list[int] | None = None,
) -> Iterator[tuple[str, list[Doc]]]:
    """(external id, documents with lines) for each client that has documents.

    Two queries per chunk of clients (documents, then their lines), each reading
    plain value tuples: no model instances for hundreds of thousands of lines.
    """
    clients = Client.objects.filter(documents__isnull=False).distinct().order_by("pk")
    if client_ids is not None:
        clients = clients.filter(pk__in=client_ids)
    pairs = list(clients.values_list("pk", "external_id"))
    for start in range(0, len(pairs), CLIENTS_PER_CHUNK):
        chunk = dict(pairs[start : start + CLIENTS_PER_CHUNK])
        docs: dict[int, Doc] = {}
        by_client: dict[int, list[Doc]] = defaultdict(list)
        rows = Document.objects.filter(client_id__in=list(chunk)).values_list(
            "pk",
            "client_id",
            "kind",
            "number",
            "follows_id",
            "promised_on",
            "delivered_on",
            "terms",
        )
        for pk, client_id, kind, number, follows, promised, delivered, terms in rows.order_by("pk"):
            doc = Doc(pk, kind, number, follows, promised, delivered, terms)
            docs[pk] = doc
            by_client[client_id].append(doc)
        lines = DocumentLine.objects.filter(document__client_id__in=list(chunk)).values_list(
            "document_id", "sku", "quantity", "unit_price", "discount", "attributes"
        )
        for document_id, sku, quantity, unit_price, discount, attributes in lines.order_by(
            "document_id", "line"
        ):
            docs[document_id].lines.append(
                Line(
                    sku,
                    Decimal(quantity),
                    Decimal(unit_price),
                    Decimal(discount),
                    _attributes(attributes),
                )
            )
        for client_id, client_docs in by_client.items():
            yield chunk[client_id], client_docs
