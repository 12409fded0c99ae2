"""Appreciation, advocacy and the value report in the browser: the owner sees a thank-you
on My clients and says it; asks the client for a referral and records it given; opens
the client's value report and downloads it as a one-page PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pypdf import PdfReader
from pytest_django.live_server_helper import LiveServer

from retain.advocacy.models import AdvocacyAsk
from retain.appreciation.models import ThankYou
from retain.appreciation.services import plan_appreciation
from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.browser.test_coordination_flow import member, sign_in
from tests.factories import ClientFactory, TransactionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def thank_and_ask(
    page: Page, base_url: str, client_pk: int, download_to: Path
) -> tuple[str, str, str, str, str]:
    sign_in(page, base_url, "olivia.owner@retain.test")
    home = page.locator("section", has=page.locator("#thank-yous-title")).inner_text()
    page.get_by_role("link", name="Say them").click()
    page.get_by_label("How").select_option("call")
    page.get_by_label("Note").fill("Called Greta; she loved the card")
    page.get_by_role("button", name="Thanked").click()
    done = page.locator("section", has=page.locator("#done-title"))
    done.get_by_text("Called Greta").wait_for()
    page.screenshot(path=SCREENSHOTS / "thank-yous.png")
    thanked = done.inner_text()

    page.goto(f"{base_url}/clients/{client_pk}/")
    page.get_by_role("navigation", name="Client sections").get_by_role(
        "link", name="Advocacy"
    ).click()
    ask = page.locator("section", has=page.locator("#ask-title"))
    ask.get_by_label("Ask for").select_option("referral")
    ask.get_by_label("Prospect").fill("Nordic Bakeries")
    ask.get_by_role("button", name="Record the ask").click()
    page.get_by_text("Record the next step").click()
    step = page.locator("li", has_text="Nordic Bakeries")
    step.get_by_label("Step").select_option("given")
    step.get_by_role("button", name="Record").click()
    page.locator("li", has_text="Nordic Bakeries").get_by_text("Given", exact=True).wait_for()
    page.screenshot(path=SCREENSHOTS / "advocacy.png")
    advocacy = page.locator("main").inner_text()

    page.get_by_role("navigation", name="Client sections").get_by_role(
        "link", name="Value report"
    ).click()
    page.locator("#next-title").wait_for()
    page.screenshot(path=SCREENSHOTS / "value-report.png", full_page=True)
    report = page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    download.value.save_as(download_to)
    return home, thanked, advocacy, report, download.value.suggested_filename


def test_an_owner_thanks_asks_for_a_referral_and_sends_the_value_report(
    browser: BrowserThread, live_server: LiveServer, tmp_path: Path
) -> None:
    owner = member("olivia.owner@retain.test", "Olivia", "Owner", "account-management")
    client = ClientFactory(name="Harbour Foods", owner=owner)
    today = timezone.localdate()
    first_order = today.replace(year=today.year - 3) + dt.timedelta(days=2)
    TransactionFactory(
        client=client,
        occurred_at=timezone.make_aware(dt.datetime.combine(first_order, dt.time(9))),
    )
    plan_appreciation()  # the worker's daily job

    pdf_path = tmp_path / "report.pdf"
    run = browser.run(lambda page: thank_and_ask(page, live_server.url, client.pk, pdf_path))

    assert run.console_errors == []
    home, thanked, advocacy, report, filename = run.result
    assert "Harbour Foods: 3 years since the first order" in home
    assert "A call by Olivia Owner" in thanked
    thank_you = ThankYou.objects.get(client=client)
    assert thank_you.how == "call" and thank_you.done_by == owner
    assert TimelineEntry.objects.filter(
        client=client, kind=TimelineKind.CALL, subject__startswith="Thank-you for 3 years"
    ).exists()
    ask = AdvocacyAsk.objects.get(client=client)
    assert (ask.kind, ask.status, ask.prospect) == ("referral", "given", "Nordic Bakeries")
    assert "Nordic Bakeries" in advocacy
    assert "Value report: Harbour Foods" in report and "What comes next" in report
    assert filename == f"value-report-harbour-foods-{today:%Y-%m-%d}.pdf"
    document = PdfReader(pdf_path)
    assert len(document.pages) == 1 and "Harbour Foods" in document.pages[0].extract_text()
