"""Document chains for the demo (and the consistency benchmark), with planted mismatches.

Each chain year of a client: a quote, a contract that follows it, and ``orders_per_year``
orders on the contract, each delivered on time in full and invoiced once at the contract's
prices and terms. Then PLANTED says how many chains to spoil, and how: each spoiling
yields exactly one mismatch, recorded as a ``Planted`` so tests can check the consistency
engine finds all of them and nothing else. Pure Python (random, seeded): the same
arguments always give the same documents.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# SKU -> (description, list price in EUR)
CATALOGUE: dict[str, tuple[str, Decimal]] = {
    "SN-S2": ("SensorNode S2", Decimal("189.00")),
    "SN-S2X": ("SensorNode S2-X (ATEX)", Decimal("329.00")),
    "GW-G3": ("Gateway G3", Decimal("540.00")),
    "VP-10": ("Vibration probe VP-10", Decimal("215.00")),
    "FM-4": ("Flow meter FM-4", Decimal("460.00")),
    "TL-8": ("Temperature logger TL-8", Decimal("95.00")),
    "MK-1": ("Mounting kit", Decimal("38.50")),
    "BP-2": ("Battery pack BP-2", Decimal("27.90")),
}
COLOURS = ("signal grey", "white", "blue", "black")
TERMS = ("net 30", "net 45", "net 60")
DISCOUNTS = (Decimal(0), Decimal(0), Decimal(5), Decimal(10))

# (mismatch kind, field) -> how many chains of the demo are spoiled that way.
PLANTED: dict[tuple[str, str], int] = {
    ("contract_vs_quote", "unit_price"): 2,
    ("contract_vs_quote", "terms"): 2,
    ("order_vs_contract", "unit_price"): 2,
    ("delivery_vs_order", "attributes.colour"): 3,
    ("delivery_vs_order", "delivered_on"): 3,
    ("delivery_vs_order", "quantity"): 2,
    ("invoice_vs_delivery", "quantity"): 2,
    ("invoice_vs_contract", "unit_price"): 2,
    ("invoice_vs_contract", "discount"): 2,
    ("billed_twice", "quantity"): 2,
    ("billed_not_delivered", "item"): 2,
}


@dataclass
class LineRow:
    line: int
    sku: str
    description: str
    attributes: dict[str, str]
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal


@dataclass
class DocumentRow:
    """One document; ``follows`` is the index of the document before it in the list."""

    client: int
    kind: str
    number: str
    follows: int | None
    issued_on: date
    promised_on: date | None = None
    delivered_on: date | None = None
    terms: str = ""
    lines: list[LineRow] = field(default_factory=list)


@dataclass(frozen=True)
class Planted:
    """A mismatch the generator planted, as the engine should report it."""

    client: int
    kind: str
    documents: tuple[str, ...]
    item: str
    field: str


@dataclass
class Chains:
    documents: list[DocumentRow]
    planted: list[Planted]


@dataclass
class _Order:
    order: int
    delivery: int
    invoice: int
    contract: int
    quote: int


def _copy_lines(lines: list[LineRow], **changes: object) -> list[LineRow]:
    return [
        LineRow(**{**line.__dict__, "attributes": dict(line.attributes), **changes})
        for line in lines
    ]


def generate_chains(
    clients: Sequence[tuple[int, str, date]],
    *,
    as_of: date,
    seed: int,
    years: int = 1,
    orders_per_year: int = 4,
    planted: Mapping[tuple[str, str], int] = PLANTED,
) -> Chains:
    """Chains for ``clients`` (index, external id, start date) over the ``years`` before ``as_of``.

    A client's chains start no earlier than its start date; a client that started less
    than 120 days before ``as_of`` gets none (its first order would not be delivered yet).
    """
    rng = random.Random(seed)
    docs: list[DocumentRow] = []
    orders: list[_Order] = []
    year_days = 365
    for client, external_id, started in clients:
        number = _numbering(external_id)

        for year in range(years):
            begin = (
                as_of - timedelta(days=year_days * (years - year)) + timedelta(rng.randint(0, 20))
            )
            if begin < started:
                begin = started + timedelta(days=rng.randint(0, 10))
            # Orders spread over ~300 days: the last is promised ~ 25 + spacing * (n - 1) + 28
            # days after the year begins.
            spacing = max(1, 300 // orders_per_year)
            span = 25 + spacing * (orders_per_year - 1) + 40
            if begin + timedelta(days=span) >= as_of:
                continue
            discount = rng.choice(DISCOUNTS)
            per_order = {
                sku: Decimal(rng.randint(2, 20))
                for sku in rng.sample(sorted(CATALOGUE), rng.randint(1, 3))
            }
            terms = rng.choice(TERMS)
            agreed = [
                LineRow(
                    n + 1,
                    sku,
                    CATALOGUE[sku][0],
                    {"colour": rng.choice(COLOURS)},
                    quantity * orders_per_year,
                    CATALOGUE[sku][1],
                    discount,
                )
                for n, (sku, quantity) in enumerate(per_order.items())
            ]
            quote = len(docs)
            docs.append(
                DocumentRow(client, "quote", number("Q"), None, begin, terms=terms, lines=agreed)
            )
            contract = len(docs)
            docs.append(
                DocumentRow(
                    client,
                    "contract",
                    number("C"),
                    quote,
                    begin + timedelta(days=rng.randint(5, 14)),
                    terms=terms,
                    lines=_copy_lines(agreed),
                )
            )
            for k in range(orders_per_year):
                issued = docs[contract].issued_on + timedelta(
                    days=10 + spacing * k + rng.randint(0, min(9, spacing - 1))
                )
                promised = issued + timedelta(days=rng.randint(14, 28))
                arrived = promised - timedelta(days=rng.randint(0, 5))
                ordered = [
                    LineRow(
                        line.line,
                        line.sku,
                        line.description,
                        dict(line.attributes),
                        per_order[line.sku],
                        line.unit_price,
                        line.discount,
                    )
                    for line in agreed
                ]
                order = len(docs)
                docs.append(
                    DocumentRow(
                        client,
                        "order",
                        number("O"),
                        contract,
                        issued,
                        promised_on=promised,
                        lines=ordered,
                    )
                )
                delivery = len(docs)
                docs.append(
                    DocumentRow(
                        client,
                        "delivery",
                        number("D"),
                        order,
                        arrived,
                        delivered_on=arrived,
                        lines=_copy_lines(ordered),
                    )
                )
                invoice = len(docs)
                docs.append(
                    DocumentRow(
                        client,
                        "invoice",
                        number("I"),
                        delivery,
                        arrived + timedelta(days=rng.randint(1, 3)),
                        terms=terms,
                        lines=_copy_lines(ordered),
                    )
                )
                orders.append(_Order(order, delivery, invoice, contract, quote))
    found = _plant(docs, orders, planted, rng, as_of)
    return Chains(documents=docs, planted=found)


def _numbering(external_id: str) -> Callable[[str], str]:
    """Document numbers for one client: Q-C00042-001, C-C00042-002, ..."""
    sequence = itertools.count(1)
    return lambda prefix: f"{prefix}-{external_id}-{next(sequence):03d}"


def _other(values: Sequence[str], current: str, rng: random.Random) -> str:
    return rng.choice([v for v in values if v != current])


def _plant(
    docs: list[DocumentRow],
    orders: list[_Order],
    planted: Mapping[tuple[str, str], int],
    rng: random.Random,
    as_of: date,
) -> list[Planted]:
    """Spoil distinct chains as ``planted`` asks; return what the engine should find.

    One order per planting, and never two plantings on one contract, so they stay apart.
    A company with fewer contracts than plantings gets fewer, taken a kind at a time
    (every kind once before any kind twice).
    """
    by_contract: dict[int, _Order] = {}
    for unit in orders:
        by_contract.setdefault(unit.contract, unit)
    units = list(by_contract.values())
    rounds = [
        [kind for kind, count in planted.items() if count > n]
        for n in range(max(planted.values(), default=0))
    ]
    wanted = [kind for kinds in rounds for kind in kinds][: len(units)]
    chosen = rng.sample(units, len(wanted))
    return [
        _spoil(docs, unit, kind, field_name, rng, as_of)
        for (kind, field_name), unit in zip(wanted, chosen, strict=True)
    ]


def _spoil(
    docs: list[DocumentRow],
    unit: _Order,
    kind: str,
    field_name: str,
    rng: random.Random,
    as_of: date,
) -> Planted:
    quote, contract, order = docs[unit.quote], docs[unit.contract], docs[unit.order]
    delivery, invoice = docs[unit.delivery], docs[unit.invoice]
    line = 0
    sku = order.lines[line].sku
    item = sku
    numbers: tuple[DocumentRow, ...]
    match (kind, field_name):
        case ("contract_vs_quote", "unit_price"):
            quote.lines[line].unit_price = _round(quote.lines[line].unit_price * Decimal("0.95"))
            numbers = (quote, contract)
        case ("contract_vs_quote", "terms"):
            quote.terms = _other(TERMS, contract.terms, rng)
            numbers, item = (quote, contract), ""
        case ("order_vs_contract", "unit_price"):
            order.lines[line].unit_price = _round(order.lines[line].unit_price * Decimal("1.04"))
            numbers = (contract, order)
        case ("delivery_vs_order", "attributes.colour"):
            attributes = delivery.lines[line].attributes
            attributes["colour"] = _other(COLOURS, attributes["colour"], rng)
            numbers = (order, delivery)
        case ("delivery_vs_order", "delivered_on"):
            promised = order.promised_on
            assert promised is not None  # every generated order has a promised date
            late = min(promised + timedelta(days=rng.randint(3, 12)), as_of - timedelta(days=5))
            delivery.delivered_on = delivery.issued_on = late
            invoice.issued_on = late + timedelta(days=1)
            numbers, item = (order, delivery), ""
        case ("delivery_vs_order", "quantity"):
            short = order.lines[line].quantity - 1
            delivery.lines[line].quantity = invoice.lines[line].quantity = short
            numbers = (order, delivery)
        case ("invoice_vs_delivery", "quantity"):
            invoice.lines[line].quantity += 1
            numbers = (delivery, invoice)
        case ("invoice_vs_contract", "unit_price"):
            invoice.lines[line].unit_price = _round(
                invoice.lines[line].unit_price * Decimal("1.03")
            )
            numbers = (contract, invoice)
        case ("invoice_vs_contract", "discount"):
            invoice.lines[line].discount = (
                Decimal(0) if contract.lines[line].discount else Decimal(5)
            )
            numbers = (contract, invoice)
        case ("billed_twice", "quantity"):
            again = DocumentRow(
                invoice.client,
                "invoice",
                invoice.number + "-2",
                unit.delivery,
                invoice.issued_on + timedelta(days=rng.randint(7, 30)),
                terms=invoice.terms,
                lines=_copy_lines(invoice.lines[:1]),
            )
            docs.append(again)
            numbers = (delivery, invoice, again)
        case ("billed_not_delivered", "item"):
            item = rng.choice(sorted(set(CATALOGUE) - {line.sku for line in delivery.lines}))
            description, price = CATALOGUE[item]
            invoice.lines.append(
                LineRow(
                    len(invoice.lines) + 1,
                    item,
                    description,
                    {"colour": COLOURS[0]},
                    Decimal(1),
                    price,
                    Decimal(0),
                )
            )
            numbers = (delivery, invoice)
        case _:
            raise ValueError(f"the demo cannot plant {kind} {field_name}")
    return Planted(order.client, kind, tuple(d.number for d in numbers), item, field_name)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
