"""The consistency engine on hand-made chains, and on generated chains with planted mismatches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.demo.documents import PLANTED, Chains, generate_chains
from retain.documents.consistency import (
    MISMATCH_KINDS,
    RESPONSIBLE_DEPARTMENT,
    Doc,
    Line,
    Mismatch,
    find_mismatches,
    number_text,
)

AS_OF = date(2026, 6, 1)
BLUE = (("colour", "blue"),)
WHITE = (("colour", "white"),)


def line(sku="SN-S2", quantity=10, price="100.00", discount=0, attributes=BLUE) -> Line:
    return Line(sku, Decimal(quantity), Decimal(price), Decimal(discount), attributes)


def chain(**changes) -> list[Doc]:
    """A clean chain: quote 1 -> contract 2 -> order 3 -> delivery 4 -> invoice 5.

    ``changes`` maps a document's kind to attributes to replace on it.
    """
    docs = [
        Doc(1, "quote", "Q-1", None, terms="net 30", lines=[line()]),
        Doc(2, "contract", "C-1", 1, terms="net 30", lines=[line()]),
        Doc(3, "order", "O-1", 2, promised_on=date(2026, 3, 1), lines=[line()]),
        Doc(4, "delivery", "D-1", 3, delivered_on=date(2026, 2, 27), lines=[line()]),
        Doc(5, "invoice", "I-1", 4, terms="net 30", lines=[line()]),
    ]
    for doc in docs:
        for name, value in changes.get(doc.kind, {}).items():
            setattr(doc, name, value)
    return docs


def found(
    docs: list[Doc], as_of: date = AS_OF
) -> list[tuple[str, tuple[str, ...], str, str, str, str]]:
    return [
        (m.kind, m.documents, m.item, m.field, m.expected, m.actual)
        for m in find_mismatches("C-42", docs, as_of)
    ]


def test_a_clean_chain_has_no_mismatch():
    assert found(chain()) == []


def test_contract_against_quote():
    docs = chain(contract={"terms": "net 60", "lines": [line(price="95.00", quantity=12)]})
    assert found(docs) == [
        ("contract_vs_quote", ("Q-1", "C-1"), "SN-S2", "unit_price", "100", "95"),
        ("contract_vs_quote", ("Q-1", "C-1"), "SN-S2", "quantity", "10", "12"),
        ("contract_vs_quote", ("Q-1", "C-1"), "", "terms", "net 30", "net 60"),
        # The order, delivery and invoice follow the quote's 100.00: the contract is the
        # reference for them, so they differ from it too.
        ("order_vs_contract", ("C-1", "O-1"), "SN-S2", "unit_price", "95", "100"),
        ("invoice_vs_contract", ("C-1", "I-1"), "SN-S2", "unit_price", "95", "100"),
        ("invoice_vs_contract", ("C-1", "I-1"), "", "terms", "net 60", "net 30"),
    ]


def test_a_contract_item_the_quote_never_had_and_one_it_dropped():
    docs = chain(contract={"lines": [line(sku="GW-G3")]})
    kinds = [(k, item, f, e, a) for k, _, item, f, e, a in found(docs) if k == "contract_vs_quote"]
    assert kinds == [
        ("contract_vs_quote", "GW-G3", "item", "", "GW-G3"),
        ("contract_vs_quote", "SN-S2", "item", "SN-S2", ""),
    ]


def test_orders_together_may_not_exceed_the_contract():
    docs = chain(
        order={"lines": [line(quantity=6)]},
        delivery={"lines": [line(quantity=6)]},
        invoice={"lines": [line(quantity=6)]},
    )
    docs.append(Doc(6, "order", "O-2", 2, promised_on=date(2026, 7, 1), lines=[line(quantity=6)]))
    assert found(docs) == [
        ("order_vs_contract", ("C-1", "O-1", "O-2"), "SN-S2", "quantity", "10", "12")
    ]


def test_the_order_said_blue_and_shipping_delivered_white():
    docs = chain(delivery={"lines": [line(attributes=WHITE)]})
    assert found(docs) == [
        ("delivery_vs_order", ("O-1", "D-1"), "SN-S2", "attributes.colour", "blue", "white")
    ]


def test_a_late_delivery_is_late_against_the_promised_date():
    docs = chain(delivery={"delivered_on": date(2026, 3, 4)})
    assert found(docs) == [
        ("delivery_vs_order", ("O-1", "D-1"), "", "delivered_on", "2026-03-01", "2026-03-04")
    ]


def test_a_delivery_on_the_promised_day_is_on_time():
    assert found(chain(delivery={"delivered_on": date(2026, 3, 1)})) == []


def test_short_delivery_counts_only_once_the_promised_date_has_passed():
    docs = chain(delivery={"lines": [line(quantity=7)]}, invoice={"lines": [line(quantity=7)]})
    assert found(docs, as_of=date(2026, 2, 28)) == []  # more may still come
    assert found(docs) == [("delivery_vs_order", ("O-1", "D-1"), "SN-S2", "quantity", "10", "7")]


def test_partial_deliveries_that_add_up_are_fine():
    docs = chain(delivery={"lines": [line(quantity=4)]}, invoice={"lines": [line(quantity=4)]})
    docs.append(
        Doc(6, "delivery", "D-2", 3, delivered_on=date(2026, 2, 28), lines=[line(quantity=6)])
    )
    assert found(docs) == []


def test_over_delivery_is_a_mismatch_at_once():
    docs = chain(delivery={"lines": [line(quantity=12)]}, invoice={"lines": [line(quantity=12)]})
    assert found(docs, as_of=date(2026, 1, 1)) == [
        ("delivery_vs_order", ("O-1", "D-1"), "SN-S2", "quantity", "10", "12")
    ]


def test_a_wrong_item_delivered():
    docs = chain(delivery={"lines": [line(sku="GW-G3")]}, invoice={"lines": []})
    assert found(docs) == [
        ("delivery_vs_order", ("O-1", "D-1"), "GW-G3", "item", "", "GW-G3"),
        ("delivery_vs_order", ("O-1", "D-1"), "SN-S2", "quantity", "10", "0"),
    ]


def test_an_order_past_its_promised_date_with_no_delivery():
    docs = chain()[:3]
    assert found(docs) == [("delivery_vs_order", ("O-1",), "", "delivered_on", "2026-03-01", "")]
    assert found(docs, as_of=date(2026, 3, 1)) == []


def test_invoice_against_delivery_and_contract():
    docs = chain(
        invoice={"lines": [line(quantity=11, price="104.00", discount=5)], "terms": "net 45"}
    )
    assert found(docs) == [
        ("invoice_vs_delivery", ("D-1", "I-1"), "SN-S2", "quantity", "10", "11"),
        ("invoice_vs_contract", ("C-1", "I-1"), "SN-S2", "unit_price", "100", "104"),
        ("invoice_vs_contract", ("C-1", "I-1"), "SN-S2", "discount", "0", "5"),
        ("invoice_vs_contract", ("C-1", "I-1"), "", "terms", "net 30", "net 45"),
    ]


def test_billed_twice():
    docs = chain()
    docs.append(Doc(6, "invoice", "I-2", 4, terms="net 30", lines=[line()]))
    assert found(docs) == [("billed_twice", ("D-1", "I-1", "I-2"), "SN-S2", "quantity", "10", "20")]


def test_two_invoices_that_split_a_delivery_are_fine():
    docs = chain(invoice={"lines": [line(quantity=4)]})
    docs.append(Doc(6, "invoice", "I-2", 4, terms="net 30", lines=[line(quantity=6)]))
    assert found(docs) == []


def test_billed_but_not_delivered():
    docs = chain(invoice={"lines": [line(), line(sku="MK-1", quantity=1, price="38.50")]})
    assert found(docs) == [("billed_not_delivered", ("D-1", "I-1"), "MK-1", "item", "", "MK-1")]
    not_arrived = chain(delivery={"delivered_on": None})
    assert (
        "billed_not_delivered",
        ("D-1", "I-1"),
        "SN-S2",
        "delivered_on",
        "",
        "not delivered",
    ) in found(not_arrived)


def test_every_mismatch_names_its_department_and_has_a_stable_key():
    assert set(MISMATCH_KINDS) == set(RESPONSIBLE_DEPARTMENT)
    mismatch = find_mismatches("C-42", chain(delivery={"lines": [line(attributes=WHITE)]}), AS_OF)[
        0
    ]
    assert mismatch.department == "shipping"
    assert mismatch.as_json() == {
        "client_external_id": "C-42",
        "kind": "delivery_vs_order",
        "documents": ["O-1", "D-1"],
        "item": "SN-S2",
        "field": "attributes.colour",
        "expected": "blue",
        "actual": "white",
        "department": "shipping",
    }
    again = find_mismatches("C-42", chain(delivery={"lines": [line(attributes=WHITE)]}), AS_OF)[0]
    assert again.key == mismatch.key
    other = Mismatch("C-43", *list(again.as_json().values())[1:7])  # type: ignore[arg-type]
    assert (
        Mismatch(
            "C-42", "delivery_vs_order", ("O-1", "D-1"), "SN-S2", "attributes.colour", "", ""
        ).key
        == mismatch.key
    )
    assert other.key != mismatch.key


@pytest.mark.parametrize(
    ("value", "text"), [("10.000", "10"), ("9.50", "9.5"), ("0", "0"), ("1E+2", "100")]
)
def test_number_text(value, text):
    assert number_text(Decimal(value)) == text


def _as_docs(chains: Chains) -> dict[int, list[Doc]]:
    by_client: dict[int, list[Doc]] = {}
    for i, row in enumerate(chains.documents):
        by_client.setdefault(row.client, []).append(
            Doc(
                i,
                row.kind,
                row.number,
                row.follows,
                row.promised_on,
                row.delivered_on,
                row.terms,
                [
                    Line(
                        item.sku,
                        item.quantity,
                        item.unit_price,
                        item.discount,
                        tuple(sorted(item.attributes.items())),
                    )
                    for item in row.lines
                ],
            )
        )
    return by_client


def _generated(seed: int, clients: int, years: int) -> tuple[set, set]:
    started = AS_OF - timedelta(days=2000)
    chains = generate_chains(
        [(i, f"C{i:04d}", started) for i in range(clients)], as_of=AS_OF, seed=seed, years=years
    )
    engine = {
        (int(m.client_external_id[1:]), m.kind, m.documents, m.item, m.field)
        for client, docs in _as_docs(chains).items()
        for m in find_mismatches(f"C{client:04d}", docs, AS_OF)
    }
    planted = {(p.client, p.kind, p.documents, p.item, p.field) for p in chains.planted}
    return engine, planted


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), clients=st.integers(1, 40), years=st.integers(1, 3))
def test_the_engine_finds_exactly_what_the_generator_planted(seed, clients, years):
    engine, planted = _generated(seed, clients, years)
    assert engine == planted
    assert len(planted) == min(sum(PLANTED.values()), clients * years)
