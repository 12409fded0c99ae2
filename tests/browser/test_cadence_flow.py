"""Cadence compliance in the browser: an owner sees an overdue touch on My clients, logs a
call on the client's timeline, and the touch is kept (My clients, their touches page and
the compliance table agree)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.cadences.services import plan_touches
from retain.clients.models import Client
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.browser.test_coordination_flow import member, sign_in
from tests.factories import ClientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OWNER_30 = "Top 20%: a touch by the owner every 30 days"


def keep_the_cadence(
    page: Page, base_url: str, client_pk: int
) -> tuple[str, str, str, str, str, str]:
    sign_in(page, base_url, "olivia.owner@retain.test")
    home_before = page.locator("section", has=page.locator("#touch-tasks-title")).inner_text()
    page.get_by_role("link", name="All your cadence touches, as of now").click()
    touches = page.locator("section", has=page.locator("#touches-title"))
    before = touches.inner_text()
    page.goto(f"{base_url}/cadences/?by=rule")
    compliance = page.locator("section", has=page.locator("#compliance-title"))
    compliance_before = compliance.locator("tr", has_text=OWNER_30).inner_text()
    page.goto(f"{base_url}/clients/{client_pk}/")
    page.get_by_label("Log a").select_option("call")
    page.get_by_label("Subject").fill("Quarterly check-in call with Greta")
    page.get_by_role("button", name="Add to timeline").click()
    page.locator(".timeline .subject", has_text="Quarterly check-in call").wait_for()
    page.goto(f"{base_url}/")
    home_after = page.locator("section", has=page.locator("#touch-tasks-title")).inner_text()
    page.goto(f"{base_url}/cadences/?mine=1")
    after = page.locator("section", has=page.locator("#touches-title")).inner_text()
    page.goto(f"{base_url}/cadences/?by=rule")
    page.screenshot(path=SCREENSHOTS / "cadences.png")
    compliance = page.locator("section", has=page.locator("#compliance-title"))
    compliance_after = compliance.locator("tr", has_text=OWNER_30).inner_text()
    return home_before, home_after, before, after, compliance_before, compliance_after


def test_logging_a_call_keeps_the_owner_cadence(
    browser: BrowserThread, live_server: LiveServer
) -> None:
    owner = member("olivia.owner@retain.test", "Olivia", "Owner", "account-management")
    year_ago = timezone.now() - dt.timedelta(days=365)
    clients = [
        ClientFactory(name=f"Client {n}", owner=owner, created_at=year_ago) for n in range(5)
    ]
    for n, client in enumerate(clients):
        Client.objects.filter(pk=client.pk).update(mrr=Decimal(1000 * (n + 1)))
    top = clients[-1]  # the top 20% of five clients: one
    plan_touches()  # the worker's daily job

    run = browser.run(lambda page: keep_the_cadence(page, live_server.url, top.pk))

    assert run.console_errors == []
    home_before, home_after, before, after, compliance_before, compliance_after = run.result
    assert top.name in home_before and OWNER_30 in home_before and "overdue" in home_before
    assert OWNER_30 not in home_after and top.name in home_after  # the others remain
    assert top.name in before and OWNER_30 in before and "overdue" in before
    assert OWNER_30 not in after  # kept now; the executive and review touches remain
    assert compliance_before.split()[-3:] == ["1", "0", "0%"]
    assert compliance_after.split()[-3:] == ["1", "1", "100%"]
