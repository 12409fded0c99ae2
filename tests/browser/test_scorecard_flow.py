"""The balanced scorecard in the browser: an executive opens it from the menu, narrows it
to a segment, follows the churned MRR and a department's incidents to the clients behind
them, and downloads a table as CSV."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.analytics.calendar import add_months
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.browser.test_coordination_flow import member, sign_in
from tests.factories import ClientFactory, IncidentFactory, SubscriptionLineFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def read_the_scorecard(page: Page, base_url: str, download_to: Path) -> dict[str, str]:
    sign_in(page, base_url, "erik.exec@retain.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecard").click()
    page.locator("#financial-title").wait_for()
    everyone = page.locator("main").inner_text()
    page.get_by_label("Segment", exact=True).select_option("smb")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**segment=smb**")
    page.screenshot(path=SCREENSHOTS / "scorecard.png", full_page=True)
    smb = page.locator("main").inner_text()

    financial = page.locator("section", has=page.locator("#financial-title"))
    financial.locator("dl.facts div", has_text="MRR churned").get_by_role("link").click()
    page.get_by_role("heading", name="Churned from the opening").wait_for()
    churned = page.locator("main").inner_text()
    page.get_by_role("link", name="Back to the scorecard").click()

    process = page.locator("section", has=page.locator("#process-title"))
    process.locator("tr", has_text="Shipping").get_by_role("link").first.click()
    page.get_by_role("heading", name="Clients with incidents: Shipping").wait_for()
    page.screenshot(path=SCREENSHOTS / "scorecard-clients.png")
    incidents = page.locator("main").inner_text()
    page.go_back()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Incidents by department” as CSV").click()
    download.value.save_as(download_to)
    return {"everyone": everyone, "smb": smb, "churned": churned, "incidents": incidents}


def test_an_executive_reads_the_scorecard_and_finds_the_clients_behind_it(
    browser: BrowserThread, live_server: LiveServer, tmp_path: Path
) -> None:
    member("erik.exec@retain.test", "Erik", "Exec", "executive", role=Role.MANAGER)
    owner = member("olivia.owner@retain.test", "Olivia", "Owner", "account-management")
    this_month = timezone.localdate().replace(day=1)
    two_years_ago = add_months(this_month, -24)
    ended = add_months(this_month, -4) - dt.timedelta(days=1)  # inside the last 12 months
    harbour = ClientFactory(name="Harbour Foods", owner=owner, segment="smb")
    nordic = ClientFactory(name="Nordic Bakeries", owner=owner, segment="smb")
    polar = ClientFactory(name="Polar Freight", owner=owner, segment="enterprise")
    for client, mrr, end in (
        (harbour, "1000", None),
        (nordic, "2000", ended),
        (polar, "5000", None),
    ):
        SubscriptionLineFactory(
            client=client, start_date=two_years_ago, end_date=end, mrr=Decimal(mrr)
        )
    opened = timezone.now() - dt.timedelta(days=60)
    IncidentFactory(
        client=harbour,
        responsible_department=Department.objects.get(slug="shipping"),
        opened_at=opened,
        due_at=opened + dt.timedelta(hours=48),
        resolved_at=opened + dt.timedelta(hours=72),
        status="resolved",
    )

    csv_path = tmp_path / "incidents.csv"
    run = browser.run(lambda page: read_the_scorecard(page, live_server.url, csv_path))

    assert run.console_errors == []
    pages = run.result
    # All clients: 8,000 at the opening, 6,000 at the close; smb: 3,000 and 1,000.
    assert "8,000.00" in pages["everyone"] and "6,000.00" in pages["everyone"]
    assert "3,000.00" in pages["smb"] and "1,000.00" in pages["smb"]
    assert "Polar Freight" not in pages["churned"]
    assert "Nordic Bakeries" in pages["churned"] and "2,000.00" in pages["churned"]
    assert "Harbour Foods" in pages["incidents"] and "Nordic" not in pages["incidents"]
    with csv_path.open(newline="", encoding="utf-8") as exported:
        rows = list(csv.reader(exported))
    assert rows[0][:3] == ["Department", "Opened", "Severity 1"]
    shipping = next(row for row in rows if row[0] == "Shipping")
    assert shipping[1] == "1" and shipping[5] == "1"  # opened, SLA breaches
