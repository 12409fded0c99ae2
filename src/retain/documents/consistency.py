"""The consistency engine: compares each document with the ones it follows from.

Pure Python over plain values (no database, no Django), so it runs the same for one
client on a page and for every client in `retain check-consistency`. The comparisons:

- ``contract_vs_quote``: items, quantity, unit price, discount, attributes and terms
  agreed against what was quoted (Legal).
- ``order_vs_contract``: items, unit price, discount and attributes ordered against the
  contract; the contract's orders together may not exceed its quantity (Sales).
- ``delivery_vs_order``: items and attributes delivered against the order; the order's
  deliveries together must bring its quantity, no more, and no less once the promised
  date has passed; each delivery arrives by the promised date (Shipping).
- ``invoice_vs_delivery``: an invoice bills at most what its delivery brought (Billing).
- ``invoice_vs_contract``: unit price, discount and terms billed against the contract
  (Billing). Deliveries are not priced, and invoices are not compared on attributes
  (a wrong colour is the delivery's mismatch, found there).
- ``billed_twice``: two or more invoices of one delivery bill the same item beyond what
  was delivered (Billing).
- ``billed_not_delivered``: an invoice bills an item its delivery did not bring, or a
  delivery that has not arrived (Billing).

Lines are matched on SKU; where a document lists one SKU on several lines, they pair up
in line order, and quantities are compared as the SKU's total.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Who answers for each kind of mismatch (department slugs).
RESPONSIBLE_DEPARTMENT = {
    "contract_vs_quote": "legal",
    "order_vs_contract": "sales",
    "delivery_vs_order": "shipping",
    "invoice_vs_delivery": "billing",
    "invoice_vs_contract": "billing",
    "billed_twice": "billing",
    "billed_not_delivered": "billing",
}
MISMATCH_KINDS = tuple(RESPONSIBLE_DEPARTMENT)


@dataclass(frozen=True, slots=True)
class Line:
    """One document line, as the engine sees it."""

    sku: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Doc:
    """One document with its lines; ``follows`` is the id of the document before it."""

    id: int
    kind: str
    number: str
    follows: int | None = None
    promised_on: date | None = None
    delivered_on: date | None = None
    terms: str = ""
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A difference along the chain: which documents, which item and field, expected vs actual."""

    client_external_id: str
    kind: str
    documents: tuple[str, ...]
    item: str
    field: str
    expected: str
    actual: str

    @property
    def department(self) -> str:
        """The slug of the department responsible."""
        return RESPONSIBLE_DEPARTMENT[self.kind]

    @property
    def key(self) -> str:
        """A stable identity, so a mismatch found again is recognised (and not raised twice)."""
        text = "\x1f".join(
            [self.client_external_id, self.kind, *self.documents, self.item, self.field]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def as_json(self) -> dict[str, object]:
        """The mismatch as `retain check-consistency --json` prints it."""
        return {
            "client_external_id": self.client_external_id,
            "kind": self.kind,
            "documents": list(self.documents),
            "item": self.item,
            "field": self.field,
            "expected": self.expected,
            "actual": self.actual,
            "department": self.department,
        }


def number_text(value: Decimal) -> str:
    """A decimal without trailing zeros, never in exponent form ("10", "9.5")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _by_sku(lines: Iterable[Line]) -> dict[str, list[Line]]:
    grouped: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        grouped[line.sku].append(line)
    return grouped


def _total(lines: Iterable[Line]) -> Decimal:
    return sum((line.quantity for line in lines), Decimal(0))


class _Client:
    """The comparisons for one client's documents."""

    def __init__(self, external_id: str, docs: Iterable[Doc], as_of: date) -> None:
        self.external_id = external_id
        self.as_of = as_of
        self.docs = {doc.id: doc for doc in docs}
        self.children: dict[int, list[Doc]] = defaultdict(list)
        for doc in self.docs.values():
            if doc.follows is not None and doc.follows in self.docs:
                self.children[doc.follows].append(doc)
        for siblings in self.children.values():
            siblings.sort(key=lambda d: d.id)

    def mismatch(
        self, kind: str, docs: Iterable[Doc], item: str, field_name: str, expected: str, actual: str
    ) -> Mismatch:
        return Mismatch(
            self.external_id,
            kind,
            tuple(d.number for d in docs),
            item,
            field_name,
            expected,
            actual,
        )

    def parent(self, doc: Doc, kind: str) -> Doc | None:
        parent = self.docs.get(doc.follows) if doc.follows is not None else None
        return parent if parent is not None and parent.kind == kind else None

    def find(self) -> Iterator[Mismatch]:
        ordered = sorted(self.docs.values(), key=lambda d: d.id)
        for doc in ordered:
            if doc.kind == "contract" and (quote := self.parent(doc, "quote")):
                yield from self.contract_vs_quote(doc, quote)
            elif doc.kind == "order" and (contract := self.parent(doc, "contract")):
                yield from self.line_terms("order_vs_contract", doc, contract, quantity=False)
            elif doc.kind == "invoice" and (delivery := self.parent(doc, "delivery")):
                yield from self.invoice(doc, delivery)
        for doc in ordered:
            if doc.kind == "contract":
                yield from self.ordered_quantity(doc)
            elif doc.kind == "order":
                yield from self.deliveries(doc)
            elif doc.kind == "delivery":
                yield from self.billed_twice(doc)

    def line_terms(
        self,
        kind: str,
        doc: Doc,
        parent: Doc,
        *,
        quantity: bool,
        items: bool = True,
        prices: bool = True,
        attributes: bool = True,
    ) -> Iterator[Mismatch]:
        """Items (both ways when ``quantity``), prices, discounts, attributes, quantities."""
        pair = (parent, doc)
        ours, theirs = _by_sku(doc.lines), _by_sku(parent.lines)
        for sku, lines in ours.items():
            expected_lines = theirs.get(sku)
            if expected_lines is None:
                if items:
                    yield self.mismatch(kind, pair, sku, "item", "", sku)
                continue
            for line, expected in zip(lines, expected_lines, strict=False):
                if attributes:
                    yield from self.attributes(kind, pair, sku, expected, line)
                if not prices:
                    continue
                if line.unit_price != expected.unit_price:
                    yield self.mismatch(
                        kind,
                        pair,
                        sku,
                        "unit_price",
                        number_text(expected.unit_price),
                        number_text(line.unit_price),
                    )
                if line.discount != expected.discount:
                    yield self.mismatch(
                        kind,
                        pair,
                        sku,
                        "discount",
                        number_text(expected.discount),
                        number_text(line.discount),
                    )
            if quantity and _total(lines) != _total(expected_lines):
                yield self.mismatch(
                    kind,
                    pair,
                    sku,
                    "quantity",
                    number_text(_total(expected_lines)),
                    number_text(_total(lines)),
                )
        if quantity and items:
            for sku in theirs.keys() - ours.keys():
                yield self.mismatch(kind, pair, sku, "item", sku, "")

    def attributes(
        self, kind: str, pair: tuple[Doc, Doc], sku: str, expected: Line, line: Line
    ) -> Iterator[Mismatch]:
        wanted, got = dict(expected.attributes), dict(line.attributes)
        for name, value in sorted(wanted.items()):
            if got.get(name, value) != value:
                yield self.mismatch(kind, pair, sku, f"attributes.{name}", value, got[name])

    def contract_vs_quote(self, contract: Doc, quote: Doc) -> Iterator[Mismatch]:
        yield from self.line_terms("contract_vs_quote", contract, quote, quantity=True)
        if contract.terms != quote.terms:
            yield self.mismatch(
                "contract_vs_quote", (quote, contract), "", "terms", quote.terms, contract.terms
            )

    def ordered_quantity(self, contract: Doc) -> Iterator[Mismatch]:
        """The contract's orders together stay within its quantity."""
        orders = [d for d in self.children.get(contract.id, ()) if d.kind == "order"]
        if not orders:
            return
        agreed = {sku: _total(lines) for sku, lines in _by_sku(contract.lines).items()}
        ordered: dict[str, Decimal] = defaultdict(Decimal)
        for order in orders:
            for line in order.lines:
                ordered[line.sku] += line.quantity
        for sku, total in sorted(ordered.items()):
            if sku in agreed and total > agreed[sku]:
                yield self.mismatch(
                    "order_vs_contract",
                    (contract, *orders),
                    sku,
                    "quantity",
                    number_text(agreed[sku]),
                    number_text(total),
                )

    def deliveries(self, order: Doc) -> Iterator[Mismatch]:
        """What the order's deliveries brought, and when, against the order."""
        kind = "delivery_vs_order"
        deliveries = [d for d in self.children.get(order.id, ()) if d.kind == "delivery"]
        for delivery in deliveries:
            yield from self.line_terms(kind, delivery, order, quantity=False, prices=False)
            if (
                order.promised_on is not None
                and delivery.delivered_on is not None
                and delivery.delivered_on > order.promised_on
            ):
                yield self.mismatch(
                    kind,
                    (order, delivery),
                    "",
                    "delivered_on",
                    order.promised_on.isoformat(),
                    delivery.delivered_on.isoformat(),
                )
        arrived = [d for d in deliveries if d.delivered_on is not None]
        promised = order.promised_on
        due = promised is not None and promised < self.as_of
        if promised is not None and due and not deliveries:
            yield self.mismatch(kind, (order,), "", "delivered_on", promised.isoformat(), "")
            return
        brought: dict[str, Decimal] = defaultdict(Decimal)
        for delivery in arrived:
            for line in delivery.lines:
                brought[line.sku] += line.quantity
        for sku, lines in sorted(_by_sku(order.lines).items()):
            wanted, got = _total(lines), brought.get(sku, Decimal(0))
            if got > wanted or (got < wanted and due):
                yield self.mismatch(
                    kind,
                    (order, *arrived) if arrived else (order,),
                    sku,
                    "quantity",
                    number_text(wanted),
                    number_text(got),
                )

    def contract_of(self, delivery: Doc) -> Doc | None:
        order = self.parent(delivery, "order")
        return self.parent(order, "contract") if order is not None else None

    def invoice(self, invoice: Doc, delivery: Doc) -> Iterator[Mismatch]:
        delivered = _by_sku(delivery.lines)
        for sku in sorted(_by_sku(invoice.lines)):
            if delivery.delivered_on is None or sku not in delivered:
                yield self.mismatch(
                    "billed_not_delivered",
                    (delivery, invoice),
                    sku,
                    "item" if delivery.delivered_on is not None else "delivered_on",
                    "",
                    sku if delivery.delivered_on is not None else "not delivered",
                )
        if delivery.delivered_on is not None and not self.has_sibling_invoices(invoice, delivery):
            for sku, lines in sorted(_by_sku(invoice.lines).items()):
                if sku in delivered and _total(lines) > _total(delivered[sku]):
                    yield self.mismatch(
                        "invoice_vs_delivery",
                        (delivery, invoice),
                        sku,
                        "quantity",
                        number_text(_total(delivered[sku])),
                        number_text(_total(lines)),
                    )
        contract = self.contract_of(delivery)
        if contract is not None:
            yield from self.line_terms(
                "invoice_vs_contract",
                invoice,
                contract,
                quantity=False,
                items=False,
                attributes=False,
            )
            if invoice.terms and invoice.terms != contract.terms:
                yield self.mismatch(
                    "invoice_vs_contract",
                    (contract, invoice),
                    "",
                    "terms",
                    contract.terms,
                    invoice.terms,
                )

    def has_sibling_invoices(self, invoice: Doc, delivery: Doc) -> bool:
        return any(
            d.kind == "invoice" and d.id != invoice.id for d in self.children.get(delivery.id, ())
        )

    def billed_twice(self, delivery: Doc) -> Iterator[Mismatch]:
        """Several invoices of one delivery that together bill an item beyond its quantity."""
        invoices = [d for d in self.children.get(delivery.id, ()) if d.kind == "invoice"]
        if len(invoices) < 2 or delivery.delivered_on is None:
            return
        delivered = {sku: _total(lines) for sku, lines in _by_sku(delivery.lines).items()}
        for sku, quantity in sorted(delivered.items()):
            billing = [i for i in invoices if any(line.sku == sku for line in i.lines)]
            billed = sum((_total(_by_sku(i.lines)[sku]) for i in billing), Decimal(0))
            if billed > quantity:
                kind = "billed_twice" if len(billing) > 1 else "invoice_vs_delivery"
                yield self.mismatch(
                    kind,
                    (delivery, *billing),
                    sku,
                    "quantity",
                    number_text(quantity),
                    number_text(billed),
                )


def find_mismatches(external_id: str, docs: Iterable[Doc], as_of: date) -> list[Mismatch]:
    """Every mismatch along one client's document chains, as of ``as_of``."""
    return list(_Client(external_id, docs, as_of).find())


__all__ = [
    "MISMATCH_KINDS",
    "RESPONSIBLE_DEPARTMENT",
    "Doc",
    "Line",
    "Mismatch",
    "find_mismatches",
    "number_text",
]
