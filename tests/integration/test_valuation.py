"""Lifetime values from clients' purchases: the nightly valuation fits the BTYD models on
every buying client and keeps each client's value per day; the client page shows it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from retain.clients.models import Transaction
from retain.valuation.models import ClientValue
from retain.valuation.services import MINIMUM_CLIENTS, value_clients
from tests.factories import ClientFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)


def _buy(client, day: dt.date, amount: str = "40.00") -> Transaction:
    return Transaction(
        client=client,
        occurred_at=timezone.make_aware(dt.datetime.combine(day, dt.time(11))),
        amount=Decimal(amount),
    )


@pytest.fixture
def buyers(owner):
    """20 clients still buying, 20 who stopped a year ago; each buys at its own rate (about
    every three weeks on average) and spends around its own typical amount."""
    rng = random.Random(7)
    steady, lapsed, purchases = [], [], []
    for n in range(40):
        client = ClientFactory(owner=owner, name=f"Buyer {n:02}")
        typical = rng.lognormvariate(4, 0.6)
        day = TODAY - dt.timedelta(days=700 + rng.randrange(30))
        last = TODAY - dt.timedelta(days=rng.randrange(1, 10) if n < 20 else 360)
        rate = rng.gammavariate(2, 1 / 40)  # purchases a day: clients differ, as the model says
        while day <= last:
            purchases.append(_buy(client, day, f"{typical * rng.uniform(0.8, 1.2):.2f}"))
            day += dt.timedelta(days=1 + int(rng.expovariate(rate)))
        (steady if n < 20 else lapsed).append(client)
    Transaction.objects.bulk_create(purchases)
    return steady, lapsed


def test_every_buying_client_is_valued_and_the_lapsed_look_less_alive(buyers):
    steady, lapsed = buyers
    refund_only = ClientFactory(name="Refund only")
    Transaction.objects.bulk_create([_buy(refund_only, TODAY, "-30.00")])

    valuation = value_clients(as_of=TODAY)

    assert valuation.clients_valued == 40 and valuation.skipped_because == ""
    values = {v.client_id: v for v in ClientValue.objects.filter(as_of=TODAY)}
    assert set(values) == {c.pk for c in steady + lapsed}  # refunds are not purchases
    alive_steady = [values[c.pk].probability_alive for c in steady]
    alive_lapsed = [values[c.pk].probability_alive for c in lapsed]
    assert all(0 <= p <= 1 for p in alive_steady + alive_lapsed)
    assert min(alive_steady) > max(alive_lapsed)
    assert all(values[c.pk].lifetime_value > 0 for c in steady)
    steady_value = sum(values[c.pk].lifetime_value for c in steady)
    lapsed_value = sum(values[c.pk].lifetime_value for c in lapsed)
    assert steady_value > 5 * lapsed_value

    assert value_clients(as_of=TODAY).clients_valued == 40  # the day's values replaced
    assert ClientValue.objects.count() == 40
    value_clients(as_of=TODAY + dt.timedelta(days=1))
    assert ClientValue.objects.count() == 80  # kept per day: the history


def test_too_few_buying_clients_are_not_valued(owner):
    for n in range(MINIMUM_CLIENTS - 1):
        client = ClientFactory(owner=owner)
        Transaction.objects.bulk_create([_buy(client, TODAY - dt.timedelta(days=n + 1))])
    valuation = value_clients(as_of=TODAY)
    assert valuation.clients_valued == 0
    assert valuation.skipped_because == "19 buying clients; 20 needed"
    assert not ClientValue.objects.exists()


def test_the_client_page_shows_the_latest_value(owner, buyers):
    steady, _ = buyers
    value_clients(as_of=TODAY - dt.timedelta(days=1))
    value_clients(as_of=TODAY)
    latest = ClientValue.objects.get(client=steady[0], as_of=TODAY)
    page = signed_in(owner).get(f"/clients/{steady[0].pk}/").content.decode()
    assert "Lifetime value (next 52 weeks)" in page
    assert f"still buying: <strong>{round(100 * latest.probability_alive)}%</strong>" in page
    assert f"as of {TODAY.day} Jun 2026" in page


def test_clients_buying_at_one_rate_are_valued_with_pareto_nbd(owner):
    """No heterogeneity in purchase rates (the demo company's case): BG/NBD's expected
    purchases give up, so Pareto/NBD values them."""
    rng = random.Random(3)
    purchases = []
    for n in range(30):
        client = ClientFactory(owner=owner, name=f"Regular {n:02}")
        typical, day = rng.lognormvariate(4, 0.6), TODAY - dt.timedelta(days=400)
        while day <= TODAY:
            purchases.append(_buy(client, day, f"{typical * rng.uniform(0.8, 1.2):.2f}"))
            day += dt.timedelta(days=rng.randrange(12, 22))
    Transaction.objects.bulk_create(purchases)

    assert value_clients(as_of=TODAY).clients_valued == 30

    values = list(ClientValue.objects.all())
    assert {v.purchase_model for v in values} == {"paretonbd"}
    assert all(v.expected_purchases is not None and v.lifetime_value is not None for v in values)
    assert all(15 < v.expected_purchases < 35 for v in values)  # about every 17 days
