"""A survey from end to end: sent through a real SMTP server, the link opened from the
received email in Chromium, answered 3, and the owner's page showing the follow-up."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.accounts.choices import Role
from retain.outbox.delivery import deliver_due_emails
from retain.surveys import services
from retain.surveys.models import FollowUp
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.browser.test_coordination_flow import member, sign_in
from tests.factories import ClientFactory, ContactFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def answer_from_email(page: Page, link: str) -> str:
    page.goto(link)
    page.get_by_label("3", exact=True).check()
    page.get_by_label("What is the one thing we should change?").fill(
        "Two late deliveries this quarter"
    )
    page.screenshot(path=SCREENSHOTS / "survey-answer.png")
    page.get_by_role("button", name="Send my answer").click()
    return page.locator("h1").inner_text()


def owner_sees_follow_up(page: Page, base_url: str) -> str:
    sign_in(page, base_url, "olivia.owner@retain.test")
    section = page.locator("section", has=page.locator("#follow-ups-title"))
    page.screenshot(path=SCREENSHOTS / "survey-follow-up.png")
    return section.inner_text()


def test_a_survey_answer_reaches_the_owner(
    browser: BrowserThread, live_server: LiveServer, smtp_inbox, settings
) -> None:
    settings.RETAIN_BASE_URL = live_server.url
    owner = member("olivia.owner@retain.test", "Olivia", "Owner", "account-management")
    manager = member(
        "mia.manager@retain.test", "Mia", "Manager", "account-management", role=Role.MANAGER
    )
    acme = ClientFactory(name="Acme Logistics GmbH", owner=owner)
    ContactFactory(client=acme, name="Greta Lind", email="greta@acme.test", is_primary=True)
    survey = services.create_survey(
        actor=manager,
        name="Autumn NPS",
        kind="nps",
        question="How likely are you to recommend Brightwell to a colleague?",
        comment_question="What is the one thing we should change?",
    )
    services.send_survey(actor=manager, survey=survey, contacts=services.Recipients().contacts())
    assert deliver_due_emails(worker_id="test") == 1
    ((recipients, message),) = smtp_inbox.messages
    assert recipients == ["greta@acme.test"]
    link = re.search(r"http://\S+/s/\S+/", message.get_payload(decode=True).decode()).group(0)

    answered = browser.run(lambda page: answer_from_email(page, link))
    seen = browser.run(lambda page: owner_sees_follow_up(page, live_server.url))

    assert answered.console_errors == [] and seen.console_errors == []
    assert answered.result == "Thank you"
    assert "Acme Logistics GmbH" in seen.result and "Greta Lind" in seen.result
    assert "Two late deliveries this quarter" in seen.result
    follow_up = FollowUp.objects.get()
    assert follow_up.owner == owner and follow_up.response.score == 3
