"""The revenue summary on each client (MRR now, next renewal) follows its subscription lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from retain.clients.services import refresh_client_revenue
from tests.factories import ClientFactory, SubscriptionLineFactory
from tests.integration.transfer_helpers import run_import, write_csv

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def test_mrr_counts_only_lines_running_on_the_day_and_renewal_is_the_next_end():
    acme = ClientFactory()
    SubscriptionLineFactory(
        client=acme, product="Platform", start_date=dt.date(2025, 1, 1), mrr=Decimal("1000")
    )
    SubscriptionLineFactory(
        client=acme,
        product="Support",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        mrr=Decimal("250.50"),
    )
    SubscriptionLineFactory(
        client=acme,
        product="Analytics",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 3, 31),
        mrr=Decimal("400"),
    )
    SubscriptionLineFactory(
        client=acme, product="Sensors", start_date=dt.date(2026, 7, 1), mrr=Decimal("90")
    )
    idle = ClientFactory()

    assert refresh_client_revenue(on=TODAY) == 2

    acme.refresh_from_db()
    idle.refresh_from_db()
    assert (acme.mrr, acme.renewal_on, acme.revenue_as_of) == (
        Decimal("1250.50"),
        dt.date(2026, 12, 31),
        TODAY,
    )
    assert (idle.mrr, idle.renewal_on) == (Decimal("0"), None)


def test_subscription_import_refreshes_the_clients_it_touched(tmp_path):
    acme = ClientFactory(external_id="ACME")
    path = write_csv(tmp_path / "s.csv", "subscriptions", ["ACME,Platform,2020-01-01,,1200,1,1,0"])
    assert run_import("subscriptions", path).status == 0
    acme.refresh_from_db()
    assert acme.mrr == Decimal("1200.00")
