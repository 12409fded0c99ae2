"""The department impact page and its CSV, over real incidents and subscriptions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone

from retain.accounts.models import Department
from retain.analytics.calendar import add_months
from retain.demo.services import DemoSummary
from retain.incidents.services import open_incident
from retain.incidents.views import IMPACT_CSV_HEADER
from tests.demo import demo_company
from tests.factories import ClientFactory, SubscriptionLineFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def test_the_page_and_its_csv_agree(owner):
    shipping = Department.objects.get(slug="shipping")
    long_ago = timezone.now() - dt.timedelta(days=800)
    hit = ClientFactory(owner=owner, created_at=long_ago)
    ClientFactory(owner=owner, created_at=long_ago)
    SubscriptionLineFactory(
        client=hit, start_date=long_ago.date(), mrr=Decimal("1234.50"), end_date=None
    )
    opened = timezone.now() - dt.timedelta(hours=100)
    open_incident(
        actor=None,
        client=hit,
        title="Late again",
        category="late_delivery",
        severity=3,
        responsible_department=shipping,
        opened_at=opened,
        automations=False,
    )
    browser = signed_in(owner)
    page = browser.get("/incidents/impact/?months=6")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="chart"') == 2 and "Incidents per 100 active clients" in html
    response = browser.get("/incidents/impact/?months=6&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == IMPACT_CSV_HEADER
    departments = Department.objects.filter(is_active=True).count()
    assert len(rows) == 1 + 6 * departments
    month = f"{timezone.localtime(opened):%Y-%m}"
    (mine,) = [r for r in rows[1:] if r[0] == "Shipping" and r[1] == month]
    record = dict(zip(IMPACT_CSV_HEADER, mine, strict=True))
    assert record["active_clients"] == "2" and record["incidents"] == "1"
    assert record["incidents_per_100_clients"] == "50.00"
    assert record["mean_hours_to_resolve"] == "" and record["sla_breaches"] == "0"
    assert record["mrr_affected"] == "1234.50"
    assert (record["with_incident"], record["without_incident"]) == ("1", "1")
    assert record["churn_window_closed"] == "no"
    first_month = add_months(timezone.localdate(), -5)
    assert rows[1][1] == f"{first_month:%Y-%m}"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[DemoSummary]:
    """A small demo whose history ends yesterday, as `make demo` loads it."""
    with demo_company(django_db_blocker, clients=80, seed=3, as_of=timezone.localdate()) as summary:
        yield summary


def test_the_demo_has_a_past_to_report(demo):
    rows = list(
        csv.DictReader(
            io.StringIO(
                signed_in(Department.objects.get(slug="shipping").members.first())
                .get("/incidents/impact/?months=12&format=csv")
                .content.decode()
            )
        )
    )
    shipping = [r for r in rows if r["department"] == "Shipping"]
    assert sum(int(r["incidents"]) for r in shipping) > 0
    assert any(r["mean_hours_to_resolve"] for r in shipping)
    assert any(r["churn_window_closed"] == "yes" for r in shipping)
