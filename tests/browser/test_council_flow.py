"""A customer council in the browser: create it, schedule a meeting (members invited by
email with a calendar file), write the minutes with who came, an action and feedback."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.accounts.choices import Role
from retain.councils.models import Attendance, CouncilAction, Feedback
from retain.outbox.models import OutgoingEmail
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.browser.test_coordination_flow import member, sign_in
from tests.factories import ClientFactory, ContactFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_the_council(page: Page, base_url: str) -> str:
    sign_in(page, base_url, "mia.manager@retain.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council").click()
    page.get_by_label("Name").fill("Advisory board")
    page.get_by_label("Purpose").fill("Our top clients shape the roadmap")
    page.get_by_label("Members: client external ids").fill("C1, C2")
    page.get_by_role("button", name="Create council").click()
    page.wait_for_url(re.compile(r"/councils/\d+/$"))
    page.get_by_label("Title").fill("Roadmap 2027")
    page.get_by_label("Starts at").fill("2027-01-20T15:00")
    page.get_by_label("Location").fill("Berlin, Room 4")
    page.get_by_label("Agenda").fill("1. Roadmap\n2. Support hours")
    page.get_by_role("button", name="Schedule and invite").click()
    page.wait_for_url(re.compile(r"/councils/meetings/\d+/$"))
    page.get_by_label("Minutes", exact=True).fill("Both want longer support hours.")
    page.get_by_label(re.compile("Greta Lind")).check()
    page.get_by_label("Action", exact=True).fill("Propose extended support hours")
    page.get_by_label("Who").select_option(label="Olivia Owner")
    page.get_by_label("By").fill("2027-02-01")
    page.get_by_label("Feedback from (client external id)").fill("C2")
    page.get_by_label("Feedback", exact=True).fill("Support closes too early for our night shift")
    page.get_by_role("button", name="Save the minutes").click()
    page.wait_for_url(re.compile(r"/councils/meetings/\d+/$"))
    page.screenshot(path=SCREENSHOTS / "council-meeting.png")
    return page.locator("main").inner_text()


def test_a_council_meets_and_follows_through(
    browser: BrowserThread, live_server: LiveServer
) -> None:
    member("mia.manager@retain.test", "Mia", "Manager", "account-management", role=Role.MANAGER)
    member("olivia.owner@retain.test", "Olivia", "Owner", "account-management")
    for external_id, name, contact in (
        ("C1", "Acme", "Greta Lind"),
        ("C2", "Borealis", "Jonas Berg"),
    ):
        client = ClientFactory(external_id=external_id, name=name)
        ContactFactory(client=client, name=contact, email=f"{external_id}@x.test", is_primary=True)

    run = browser.run(lambda page: run_the_council(page, live_server.url))

    assert run.console_errors == []
    assert "Propose extended support hours" in run.result and "held" in run.result
    assert OutgoingEmail.objects.filter(key__startswith="council-invitation:").count() == 2
    assert dict(Attendance.objects.values_list("contact__name", "attended")) == {
        "Greta Lind": True,
        "Jonas Berg": False,
    }
    assert CouncilAction.objects.get().owner.email == "olivia.owner@retain.test"
    assert Feedback.objects.get().client.external_id == "C2"
