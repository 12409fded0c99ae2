"""A manager logs a call and hands a client over; the new owner signs in and acknowledges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.accounts.choices import Role
from retain.accounts.models import Department, User
from retain.accounts.services import create_team_member
from retain.clients.models import Client, OwnershipChange, TimelineEntry
from retain.clients.services import index_client_search, refresh_client_revenue
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.factories import ClientFactory, ContactFactory, SubscriptionLineFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"
NOTE = "Renewal talks start in May. Greta (CFO) prefers email; the blue/white mix-up is credited."


def member(email: str, first: str, last: str, role: str = Role.MEMBER) -> User:
    return create_team_member(
        email=email,
        password=PASSWORD,
        first_name=first,
        last_name=last,
        department=Department.objects.get(slug="account-management"),
        role=role,
    )


@pytest.fixture
def team() -> dict[str, User]:
    """Ann manages account management; Olivia owns the clients; Tom takes one over."""
    return {
        "ann": member("ann.head@retain.test", "Ann", "Head", Role.MANAGER),
        "olivia": member("olivia.owner@retain.test", "Olivia", "Owner"),
        "tom": member("tom.teammate@retain.test", "Tom", "Teammate"),
    }


@pytest.fixture
def borealis(team: dict[str, User]) -> Client:
    """The client handed over, among others of Olivia's."""
    for name, mrr in [
        ("Acme Logistics GmbH", "4200"),
        ("Borealis Foods AB", "2750"),
        ("Cobalt Health Ltd", "1900"),
    ]:
        client = ClientFactory(name=name, owner=team["olivia"], segment="mid-market")
        SubscriptionLineFactory(client=client, mrr=Decimal(mrr))
        ContactFactory(
            client=client,
            name=f"Greta at {name.split()[0]}",
            email=f"greta@{name.split()[0].lower()}.test",
            is_primary=True,
        )
    refresh_client_revenue()
    index_client_search()
    return Client.objects.get(name="Borealis Foods AB")


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")


@dataclass(frozen=True)
class Handover:
    timeline_after_note: list[str]
    reloaded_for_note: bool
    message: str
    owner_shown: str


def log_call_and_hand_over(page: Page, base_url: str) -> Handover:
    sign_in(page, base_url, "ann.head@retain.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="All clients").click()
    page.get_by_role("searchbox", name="Search").fill("greta@borealis.test")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Borealis Foods AB").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    url_before = page.url
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Log a").select_option("call")
    page.get_by_label("Subject").fill("Called Greta about the renewal")
    page.get_by_role("button", name="Add to timeline").click()
    page.locator(".timeline .subject", has_text="Called Greta about the renewal").wait_for()
    timeline = page.locator(".timeline .subject").all_inner_texts()
    reloaded = page.evaluate("window.__notReloaded !== true") or page.url != url_before
    page.screenshot(path=SCREENSHOTS / "client-360.png")

    page.get_by_role("link", name="Hand over owner or backup").click()
    page.get_by_label("Hand over to").select_option(label="Tom Teammate")
    page.get_by_label("Handoff note").fill(NOTE)
    page.screenshot(path=SCREENSHOTS / "handoff.png")
    page.get_by_role("button", name="Hand over").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    message = page.locator(".messages li").inner_text()
    owner = page.locator(".facts div", has_text="Owner").locator("dd").first.inner_text()
    return Handover(timeline, reloaded, message, owner)


@dataclass(frozen=True)
class Acknowledgement:
    handoffs_before: list[str]
    handoffs_after: int


def acknowledge(page: Page, base_url: str) -> Acknowledgement:
    sign_in(page, base_url, "tom.teammate@retain.test")
    section = page.locator("section.attention", has_text="Handoffs to acknowledge")
    before = section.locator("li").all_inner_texts()
    page.screenshot(path=SCREENSHOTS / "my-clients-handoff.png")
    section.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(base_url + "/")
    after = page.locator("section.attention", has_text="Handoffs to acknowledge").count()
    return Acknowledgement(before, after)


def test_handover_with_a_note_is_acknowledged_by_the_new_owner(
    browser: BrowserThread, live_server: LiveServer, team: dict[str, User], borealis: Client
) -> None:
    base_url = live_server.url

    handover = browser.run(lambda page: log_call_and_hand_over(page, base_url))
    acknowledged = browser.run(lambda page: acknowledge(page, base_url))

    assert handover.console_errors == []
    assert handover.result.timeline_after_note[0] == "Called Greta about the renewal"
    assert handover.result.reloaded_for_note is False  # added in place (htmx)
    assert handover.result.message == (
        "Tom Teammate now holds the owner role and has a handoff to acknowledge."
    )
    assert handover.result.owner_shown == "Tom Teammate"
    assert acknowledged.console_errors == []
    assert len(acknowledged.result.handoffs_before) == 1
    assert "Borealis Foods AB" in acknowledged.result.handoffs_before[0]
    assert NOTE[:100] in acknowledged.result.handoffs_before[0]
    assert acknowledged.result.handoffs_after == 0

    change = OwnershipChange.objects.get(client=borealis)
    assert (change.previous_user, change.new_user, change.changed_by, change.note) == (
        team["olivia"],
        team["tom"],
        team["ann"],
        NOTE,
    )
    assert change.acknowledged_at is not None
    call = TimelineEntry.objects.get(client=borealis, kind="call")
    assert (call.author, call.department.slug) == (team["ann"], "account-management")
