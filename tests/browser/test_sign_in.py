"""A team member signs in with a real browser and finds a client by name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.accounts.models import Department, User
from retain.accounts.services import create_team_member
from retain.clients.services import index_client_search, refresh_client_revenue
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.factories import ClientFactory, SubscriptionLineFactory

# live_server serves from another thread, so the data must be committed: transactional.
# serialized_rollback puts the seeded departments back, which the flush after a
# transactional test would otherwise leave empty for the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"
# Fixed names and amounts, so the screenshots only change when the pages do.
CLIENTS = [
    ("Acme Logistics GmbH", "C-1001", "enterprise", Decimal("4200.00")),
    ("Borealis Foods AB", "C-1002", "mid-market", Decimal("2750.00")),
    ("Cobalt Health Ltd", "C-1003", "mid-market", Decimal("1900.00")),
    ("Delta Freight SA", "C-1004", "small business", Decimal("950.00")),
]


@pytest.fixture
def olivia() -> User:
    """A team member with a fixed name (the personas' names are random), for the screenshots."""
    return create_team_member(
        email="olivia.owner@retain.test",
        password=PASSWORD,
        first_name="Olivia",
        last_name="Owner",
        department=Department.objects.get(slug="account-management"),
    )


@pytest.fixture
def book_of_clients(olivia: User) -> None:
    """Four clients with revenue, so the list has an order to show and a search to narrow."""
    for name, external_id, segment, mrr in CLIENTS:
        client = ClientFactory(name=name, external_id=external_id, segment=segment, owner=olivia)
        SubscriptionLineFactory(client=client, mrr=mrr)
    refresh_client_revenue()
    index_client_search()


@dataclass(frozen=True)
class Visit:
    """What the team member saw on the way from / to a search result."""

    sign_in_url: str
    sign_in_heading: str
    after_sign_in_url: str
    signed_in_as: str
    listed: list[str]
    after_search_url: str
    found: list[list[str]]


def _client_names(page: Page) -> list[str]:
    return page.locator("table.data tbody tr td:first-child").all_inner_texts()


def _sign_in_and_search(page: Page, base_url: str, email: str, search: str) -> Visit:
    page.goto(base_url + "/")
    page.wait_for_url(re.compile(r"/login/\?next=/$"))
    sign_in_url = page.url
    sign_in_heading = page.get_by_role("heading", level=1).inner_text()
    page.screenshot(path=SCREENSHOTS / "sign-in.png")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")
    after_sign_in_url = page.url
    signed_in_as = page.locator(".signout .who").inner_text()
    listed = _client_names(page)
    page.screenshot(path=SCREENSHOTS / "my-clients.png")

    page.get_by_role("link", name="All clients").click()
    page.wait_for_url(base_url + "/clients/")
    page.screenshot(path=SCREENSHOTS / "client-list.png")
    page.get_by_role("searchbox", name="Search").fill(search)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"\?q="))
    found = [
        row.locator("td").all_inner_texts() for row in page.locator("table.data tbody tr").all()
    ]
    return Visit(
        sign_in_url=sign_in_url,
        sign_in_heading=sign_in_heading,
        after_sign_in_url=after_sign_in_url,
        signed_in_as=signed_in_as,
        listed=listed,
        after_search_url=page.url,
        found=found,
    )


def test_a_team_member_signs_in_and_finds_a_client_by_name(
    browser: BrowserThread, live_server: LiveServer, olivia: User, book_of_clients: None
) -> None:
    # given: Olivia and her four clients (fixtures), committed before the browser starts
    base_url = live_server.url

    # when
    run = browser.run(lambda page: _sign_in_and_search(page, base_url, olivia.email, "borealis"))

    # then
    visit = run.result
    assert visit.sign_in_url == f"{base_url}/login/?next=/"
    assert visit.sign_in_heading == "Sign in to Retain"
    assert visit.after_sign_in_url == f"{base_url}/"
    assert visit.signed_in_as == "Olivia Owner · Account management"
    assert visit.listed == [name for name, *_ in CLIENTS]  # largest MRR first
    assert visit.after_search_url.startswith(f"{base_url}/clients/?q=borealis&")
    assert visit.found == [
        ["Borealis Foods AB", "C-1002", "mid-market", "Active", "Olivia Owner", "2,750.00", "—"]
    ]
    assert run.console_errors == []
    assert (SCREENSHOTS / "sign-in.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "client-list.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "my-clients.png").stat().st_size > 10_000


def _break_the_policy(page: Page, base_url: str) -> str:
    page.goto(base_url + "/login/")
    # An inline script, as an injection would add it: the policy must block it.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'document.title = \"pwned\"'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)  # the violation is reported asynchronously
    return page.title()


def test_the_console_watch_sees_a_blocked_inline_script(
    browser: BrowserThread, live_server: LiveServer
) -> None:
    # given: the sign-in page, served with the strict policy

    # when: something injects an inline script
    run = browser.run(lambda page: _break_the_policy(page, live_server.url))

    # then: it did not run, and the watch that guards the test above saw it
    assert run.result == "Sign in · Retain"
    assert len(run.console_errors) == 1
    assert "violates the following Content Security Policy directive" in run.console_errors[0]
