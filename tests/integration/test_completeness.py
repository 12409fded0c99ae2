"""Records you can verify: each check of a client's record, its score, and the summaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as Browser
from django.utils import timezone

from retain.accounts.models import Department
from retain.clients.completeness import CHECKS, check_records, summarize
from retain.clients.models import TimelineEntry
from retain.documents.models import Document
from tests.factories import ClientFactory, ContactFactory, SubscriptionLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def _complete(owner, teammate, name="Acme"):
    client = ClientFactory(name=name, owner=owner, backup_owner=teammate)
    ContactFactory(client=client, is_primary=True)
    SubscriptionLineFactory(
        client=client, start_date=timezone.localdate() - dt.timedelta(days=30), end_date=None
    )
    TimelineEntry.objects.create(
        client=client,
        occurred_at=timezone.now() - dt.timedelta(days=10),
        kind="meeting",
        subject="QBR",
        body="Agreed the rollout plan",
    )
    return client


def test_a_complete_record_scores_100(owner, teammate):
    client = _complete(owner, teammate)
    (check,) = check_records()
    assert check.client == client and check.gaps == () and check.score == 100


def test_each_gap_is_named_and_costs_its_share(owner, teammate):
    bare = ClientFactory(name="Bare", owner=None, backup_owner=None)
    (check,) = check_records(client_ids=[bare.pk])
    assert check.gaps == tuple(CHECKS.values()) and check.score == 0

    client = _complete(owner, teammate, "Drifting")
    TimelineEntry.objects.filter(client=client).update(
        occurred_at=timezone.now() - dt.timedelta(days=120), body=""
    )
    teammate.is_active = False
    teammate.save()
    (check,) = check_records(client_ids=[client.pk])
    assert check.gaps == (
        "no active backup owner",
        "no notes from the last meeting",
        "no contact within the cadence",
    )
    assert check.score == 50


def test_a_recent_contract_document_counts_as_a_current_contract(owner, teammate):
    client = _complete(owner, teammate)
    client.subscription_lines.all().delete()
    assert "no current contract" in check_records()[0].gaps
    Document.objects.create(
        client=client,
        kind="contract",
        number="K-1",
        issued_on=timezone.localdate() - dt.timedelta(days=100),
    )
    assert check_records()[0].gaps == ()


def test_summaries_by_owner_and_department_and_the_page(owner, teammate, manager):
    _complete(owner, teammate, "Acme")
    ClientFactory(name="Zeta", owner=owner)
    other = UserFactory(email="sh@retain.test", department=Department.objects.get(slug="shipping"))
    ClientFactory(name="Yonder", owner=other)
    by_owner, by_department = summarize(check_records())
    olivia = next(g for g in by_owner if g.group == str(owner))
    assert (olivia.clients, olivia.complete) == (2, 1)
    assert (
        olivia.mean_score
        == (
            100
            + check_records(client_ids=[ClientFactory._meta.model.objects.get(name="Zeta").pk])[
                0
            ].score
        )
        / 2
    )
    assert {g.group for g in by_department} == {"Account management", "Shipping"}
    browser = Browser()
    browser.force_login(manager)
    page = browser.get("/records/").content.decode()
    assert "Record completeness" in page and "Zeta" in page and "Yonder" in page
