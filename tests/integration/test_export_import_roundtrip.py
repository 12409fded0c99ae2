"""Export then import reproduces the data exactly, formula-like cells included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.clients.models import (
    Client,
    Contact,
    EventType,
    SubscriptionLine,
    Transaction,
    UsageEvent,
)
from tests.integration.transfer_helpers import run_export, run_import

pytestmark = pytest.mark.django_db(transaction=False)

FORMULA_STARTS = st.sampled_from(["=", "+", "-", "@", "'", '=HYPERLINK("x")', "'=1", '"'])
CHARS = st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from(
    ["\n", "\r", "\t", ",", '"']
)


def stored_text(max_size: int, *, required: bool = False) -> st.SearchStrategy[str]:
    """Text as Retain stores it: no surrounding white space; often formula-like."""
    body = st.text(CHARS, max_size=max_size)
    text = st.one_of(body, st.builds(lambda a, b: a + b, FORMULA_STARTS, body)).map(str.strip)
    text = text.filter(lambda t: len(t) <= max_size)
    return text.filter(bool) if required else text


MOMENTS = st.datetimes(
    min_value=dt.datetime(1971, 1, 1),
    max_value=dt.datetime(2099, 12, 31),
    timezones=st.just(dt.UTC),
)
MONEY = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2)


@st.composite
def company(draw: st.DrawFn) -> dict:
    ids = draw(
        st.lists(stored_text(20, required=True), min_size=1, max_size=4, unique_by=str.lower)
    )
    clients = [
        {
            "external_id": external_id,
            "name": draw(stored_text(40, required=True)),
            "segment": draw(stored_text(20)),
            "industry": draw(stored_text(20)),
            "country": draw(st.sampled_from(["", "DE", "FR", "US"])),
            "created_at": draw(MOMENTS),
        }
        for external_id in ids
    ]
    return {
        "clients": clients,
        "contacts": [
            {
                "client": draw(st.sampled_from(ids)),
                "name": draw(stored_text(30, required=True)),
                "email": f"c{n}@example.com",
                "phone": draw(stored_text(20)),
                "role": draw(stored_text(20)),
                "is_primary": False,
            }
            for n in range(draw(st.integers(0, 3)))
        ],
        "subscriptions": [
            {
                "client": draw(st.sampled_from(ids)),
                "product": f"{draw(stored_text(10))}#{n}",
                "start_date": start,
                "end_date": draw(st.none() | st.just(start + dt.timedelta(days=30))),
                "mrr": draw(MONEY),
                "quantity": draw(st.integers(0, 500)),
                "billing_period_months": draw(st.sampled_from([1, 3, 12])),
                "discount_percent": draw(st.decimals(min_value=0, max_value=100, places=2)),
            }
            for n, start in enumerate(
                draw(st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1)), max_size=3))
            )
        ],
        "transactions": [
            {
                "client": draw(st.sampled_from(ids)),
                "occurred_at": draw(MOMENTS),
                "amount": draw(
                    st.decimals(min_value=Decimal("-9999"), max_value=Decimal("99999"), places=2)
                ),
                "order_id": draw(st.sampled_from(["", f"SO-{n}", f"=SO-{n}"])),
            }
            for n in range(draw(st.integers(0, 3)))
        ],
        "events": [
            {
                "client": draw(st.sampled_from(ids)),
                "occurred_at": draw(MOMENTS),
                "event_type": draw(st.sampled_from(["login", "=cmd|' /C calc'!A0", "-export"])),
                "value": draw(st.floats(allow_nan=False, allow_infinity=False, width=64)),
                "user": draw(stored_text(20)),
            }
            for _ in range(draw(st.integers(0, 4)))
        ],
    }


def load(data: dict) -> None:
    by_id = {}
    for fields in data["clients"]:
        by_id[fields["external_id"]] = Client.objects.create(**fields)
    for fields in data["contacts"]:
        Contact.objects.create(**{**fields, "client": by_id[fields["client"]]})
    for fields in data["subscriptions"]:
        SubscriptionLine.objects.create(**{**fields, "client": by_id[fields["client"]]})
    for fields in data["transactions"]:
        Transaction.objects.create(**{**fields, "client": by_id[fields["client"]]})
    for fields in data["events"]:
        event_type, _ = EventType.objects.get_or_create(name=fields["event_type"])
        UsageEvent.objects.create(
            **{**fields, "client": by_id[fields["client"]], "event_type": event_type}
        )


def contents() -> dict[str, list[tuple]]:
    """The data, keyed by what the formats carry (ids differ after a reload)."""
    return {
        "clients": sorted(
            Client.objects.values_list(
                "external_id",
                "name",
                "segment",
                "industry",
                "country",
                "owner__email",
                "created_at",
            )
        ),
        "contacts": sorted(
            Contact.objects.values_list(
                "client__external_id", "name", "email", "phone", "role", "is_primary"
            )
        ),
        "subscriptions": sorted(
            SubscriptionLine.objects.values_list(
                "client__external_id",
                "product",
                "start_date",
                "end_date",
                "mrr",
                "quantity",
                "billing_period_months",
                "discount_percent",
            )
        ),
        "transactions": sorted(
            Transaction.objects.values_list(
                "client__external_id", "occurred_at", "amount", "order_id"
            )
        ),
        "events": sorted(
            UsageEvent.objects.values_list(
                "client__external_id", "occurred_at", "event_type__name", "value", "user"
            )
        ),
    }


KINDS = ["clients", "contacts", "subscriptions", "transactions", "events"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=company())
def test_export_then_import_reproduces_the_data(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("roundtrip")
    with transaction.atomic():
        load(data)
        before = contents()
        files = {kind: folder / f"{kind}.csv" for kind in KINDS}
        exported = {kind: run_export(kind, path) for kind, path in files.items()}
        for model in (UsageEvent, Transaction, SubscriptionLine, Contact, Client):
            model.objects.all().delete()
        for kind in KINDS:
            outcome = run_import(kind, files[kind])
            assert outcome.status == 0, outcome.err
        assert contents() == before
        # Rows come out in storage order, which a reload may change; the lines must not.
        again = {kind: run_export(kind, path) for kind, path in files.items()}
        assert {k: sorted(v.splitlines()) for k, v in again.items()} == {
            k: sorted(v.splitlines()) for k, v in exported.items()
        }
        transaction.set_rollback(True)


def test_formula_like_text_is_escaped_in_the_export(tmp_path):
    Client.objects.create(
        external_id="=1+1",
        name="@SUM(A1)",
        segment="-x",
        created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )
    text = run_export("clients", tmp_path / "c.csv")
    assert text.splitlines()[1] == "'=1+1,'@SUM(A1),'-x,,,,2024-01-01T00:00:00Z"
