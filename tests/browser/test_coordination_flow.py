"""Departments working one client's problems in the browser: an incident raised from the
client page, moved to another department, accepted and resolved there; a promise for
another department going overdue; a playbook started, its tasks done, adherence shown."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from retain.accounts.choices import Role
from retain.accounts.models import Department, User
from retain.accounts.services import create_team_member
from retain.clients.models import Client
from retain.commitments.models import Commitment
from retain.incidents.models import Incident, IncidentTransfer
from retain.incidents.services import open_incident
from retain.playbooks.models import Task
from tests.browser.conftest import SCREENSHOTS, BrowserThread
from tests.factories import ClientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"


def member(email: str, first: str, last: str, department: str, role: str = Role.MEMBER) -> User:
    return create_team_member(
        email=email,
        password=PASSWORD,
        first_name=first,
        last_name=last,
        department=Department.objects.get(slug=department),
        role=role,
    )


@pytest.fixture
def team() -> dict[str, User]:
    return {
        "olivia": member("olivia.owner@retain.test", "Olivia", "Owner", "account-management"),
        "sia": member("sia.shipping@retain.test", "Sia", "Shipper", "shipping"),
        "pia": member("pia.production@retain.test", "Pia", "Producer", "production"),
    }


@pytest.fixture
def acme(team: dict[str, User]) -> Client:
    return ClientFactory(name="Acme Logistics GmbH", owner=team["olivia"])


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")


def raise_incident(page: Page, base_url: str, client_pk: int) -> str:
    sign_in(page, base_url, "olivia.owner@retain.test")
    page.goto(f"{base_url}/clients/{client_pk}/")
    page.get_by_role("link", name="Raise an incident").click()
    page.get_by_label("What went wrong").fill("Probes arrived cracked")
    page.get_by_label("Category").select_option("product_defect")
    page.get_by_label("Severity").select_option("2")
    page.get_by_label("Department responsible (root cause)").select_option(label="Shipping")
    page.get_by_label("Impact on the client").fill("Installation on line 3 postponed a week")
    page.get_by_role("button", name="Raise incident").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    return page.locator("dl.facts div", has_text="Responsible").locator("dd").inner_text()


def transfer(page: Page, base_url: str) -> str:
    sign_in(page, base_url, "sia.shipping@retain.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Probes arrived cracked").click()
    page.get_by_label("Transfer to").select_option(label="Production")
    page.get_by_label(re.compile("What they need to know")).fill(
        "Cracks run along the mould seam: batch 42, not transport. Greta was promised a call Friday."
    )
    page.get_by_role("button", name="Ask to transfer").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    return page.locator("section.attention h2").inner_text()


def accept_and_resolve(page: Page, base_url: str) -> tuple[list[str], str, str]:
    sign_in(page, base_url, "pia.production@retain.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    waiting = page.locator("section.attention li").all_inner_texts()
    page.screenshot(path=SCREENSHOTS / "incident-inbox.png")
    page.locator("section.attention").get_by_role("link", name="Probes arrived cracked").click()
    page.get_by_role("button", name="Accept for Production").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    responsible = page.locator("dl.facts div", has_text="Responsible").locator("dd").inner_text()
    page.get_by_label("What was done for the client").fill("Replaced 12 probes from batch 43")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    page.screenshot(path=SCREENSHOTS / "incident-resolved.png")
    status = page.locator("dl.facts div", has_text="Status").locator("dd").inner_text()
    return waiting, responsible, status


@dataclass(frozen=True)
class Promise:
    on_client_page: str
    on_department_page: str


def promise_goes_overdue(page: Page, base_url: str, client_pk: int) -> Promise:
    sign_in(page, base_url, "olivia.owner@retain.test")
    page.goto(f"{base_url}/clients/{client_pk}/")
    page.get_by_role("link", name="Record a promise").click()
    page.get_by_label("What was promised").fill("Production calls Greta about the root cause")
    page.get_by_label("To whom").fill("Greta Lind")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("By when").fill(yesterday.isoformat())
    page.get_by_label("Department that must keep it").select_option(label="Production")
    page.get_by_role("button", name="Record promise").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    section = page.locator("section", has=page.locator("#commitments-title"))
    on_client = section.locator("li").first.inner_text()
    page.goto(base_url + "/commitments/?department=production")
    row = page.locator("table.data tbody tr").first.inner_text()
    page.screenshot(path=SCREENSHOTS / "promises.png")
    return Promise(on_client, row)


def run_playbook(page: Page, base_url: str, client_pk: int) -> tuple[int, str]:
    sign_in(page, base_url, "olivia.owner@retain.test")
    page.goto(f"{base_url}/clients/{client_pk}/")
    page.get_by_label("Start a playbook").select_option(label="Escalation")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    started = page.get_by_role("button", name="Done").count()
    while page.get_by_role("button", name="Done").count():
        page.get_by_role("button", name="Done").first.click()
        page.wait_for_load_state()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Playbooks").click()
    page.screenshot(path=SCREENSHOTS / "playbooks-adherence.png")
    row = page.locator("table.data tbody tr", has_text="Escalation").inner_text()
    return started, row


def test_departments_work_a_clients_problems_through(
    browser: BrowserThread, live_server: LiveServer, team: dict[str, User], acme: Client
) -> None:
    base_url = live_server.url

    raised = browser.run(lambda page: raise_incident(page, base_url, acme.pk))
    moved = browser.run(lambda page: transfer(page, base_url))
    accepted = browser.run(lambda page: accept_and_resolve(page, base_url))
    promised = browser.run(lambda page: promise_goes_overdue(page, base_url, acme.pk))
    played = browser.run(lambda page: run_playbook(page, base_url, acme.pk))

    for run in (raised, moved, accepted, promised, played):
        assert run.console_errors == []
    assert raised.result == "Shipping"
    assert moved.result == "Waiting for Production to accept"
    waiting, responsible, status = accepted.result
    assert len(waiting) == 1 and "Probes arrived cracked" in waiting[0]
    assert (responsible, status) == ("Production", "Resolved")
    incident = Incident.objects.get()
    assert incident.responsible_department.slug == "production"
    assert incident.resolution == "Replaced 12 probes from batch 43"
    assert IncidentTransfer.objects.get().answered_by == team["pia"]

    assert "overdue" in promised.result.on_client_page
    assert "overdue" in promised.result.on_department_page
    assert "Acme Logistics GmbH" in promised.result.on_department_page
    assert Commitment.objects.get().keeper_department.slug == "production"

    started, adherence_row = played.result
    assert started == 2
    assert Task.objects.filter(completed_at__isnull=True).count() == 0
    cells = adherence_row.split("\t")
    assert cells[0] == "Escalation" and cells[1] == "2" and cells[-1] == "100%"


def review_the_client(page: Page, base_url: str, client_pk: int) -> tuple[list[str], str]:
    sign_in(page, base_url, "olivia.owner@retain.test")
    page.goto(f"{base_url}/clients/{client_pk}/")
    page.get_by_role("navigation", name="Client sections").get_by_role(
        "link", name="Reviews"
    ).click()
    page.get_by_label("Review on").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Plan the review").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    agenda = page.locator("section.main ol li").all_inner_texts()
    page.get_by_label("Minutes").fill("Shipping re-packs the probes; production checks batch 42.")
    page.get_by_label(re.compile("Olivia Owner")).check()
    page.get_by_label("Action", exact=True).first.fill("Re-pack and re-ship the probes")
    page.get_by_label("Who").first.select_option(label="Sia Shipper")
    page.get_by_label("By").first.fill((timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Save the minutes").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    page.screenshot(path=SCREENSHOTS / "client-review.png")
    actions = page.locator("section.main ul.plain li").first.inner_text()
    return agenda, actions


def impact_report(page: Page, base_url: str) -> int:
    sign_in(page, base_url, "olivia.owner@retain.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Impact").click()
    page.screenshot(path=SCREENSHOTS / "department-impact.png")
    return page.locator("svg.chart").count()


def _a_year_of_incidents(owner: User) -> None:
    """Forty clients over a year: shipping's incidents fall, billing's rise; some clients
    leave a few months after an incident (so the report has something to show)."""
    rng = random.Random(4)
    now = timezone.now()
    departments = {slug: Department.objects.get(slug=slug) for slug in ("shipping", "billing")}
    clients = [
        ClientFactory(owner=owner, created_at=now - dt.timedelta(days=800)) for _ in range(40)
    ]
    for months_ago in range(1, 12):
        for slug, rate in (("shipping", months_ago / 3), ("billing", (12 - months_ago) / 4)):
            for _ in range(round(rate)):
                client = rng.choice(clients)
                opened = now - dt.timedelta(days=30 * months_ago + rng.randint(0, 20))
                incident = open_incident(
                    actor=None,
                    client=client,
                    title="Late delivery" if slug == "shipping" else "Invoice wrong",
                    category="late_delivery" if slug == "shipping" else "billing_error",
                    severity=3,
                    responsible_department=departments[slug],
                    opened_at=opened,
                    automations=False,
                )
                Incident.objects.filter(pk=incident.pk).update(
                    status="resolved",
                    resolution="Put right",
                    resolved_at=opened + dt.timedelta(hours=rng.randint(20, 300)),
                )
                if months_ago > 7 and rng.random() < 0.5 and client.status == "active":
                    client.status = "churned"
                    client.churned_on = (opened + dt.timedelta(days=90)).date()
                    client.save(update_fields=["status", "churned_on"])


def test_a_cross_department_review_and_the_impact_report(
    browser: BrowserThread, live_server: LiveServer, team: dict[str, User], acme: Client
) -> None:
    base_url = live_server.url
    shipping = Department.objects.get(slug="shipping")
    Department.objects.filter(pk=shipping.pk).update(head=team["sia"])
    open_incident(
        actor=team["olivia"],
        client=acme,
        title="Probes arrived cracked",
        category="wrong_delivery",
        severity=2,
        responsible_department=shipping,
        automations=False,
    )
    _a_year_of_incidents(team["olivia"])
    reviewed = browser.run(lambda page: review_the_client(page, base_url, acme.pk))
    charts = browser.run(lambda page: impact_report(page, base_url))

    for run in (reviewed, charts):
        assert run.console_errors == []
    agenda, action = reviewed.result
    assert len(agenda) == 1 and "Probes arrived cracked" in agenda[0] and "Shipping" in agenda[0]
    assert "Re-pack and re-ship the probes" in action and "Sia Shipper" in action
    assert charts.result == 2
