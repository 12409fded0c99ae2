"""Promises made to clients: recorded by whoever made them, kept by a department, alerted
to both sides once when overdue (real SMTP), counted kept and broken by department."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as Browser
from django.utils import timezone

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from retain.commitments import services
from retain.commitments.models import Commitment, CommitmentStatus
from retain.commitments.selectors import count_kept_and_broken, list_department_commitments
from retain.outbox.delivery import deliver_due_emails
from tests.factories import ClientFactory, UserFactory
from tests.mail import Inbox

pytestmark = pytest.mark.django_db


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


@pytest.fixture
def acme(owner):
    return ClientFactory(name="Acme", owner=owner)


@pytest.fixture
def servicer(db):
    return UserFactory(email="sam.support@retain.test", department=_department("support"))


def _promise(actor, client, days=3, **extra):
    return services.record_commitment(
        actor=actor,
        client=client,
        promise="Someone from Support calls about the sensor drift",
        made_to="Greta Lind",
        due_on=timezone.localdate() + dt.timedelta(days=days),
        keeper_department=_department("support"),
        **extra,
    )


def test_a_promise_is_on_the_timeline_and_in_the_keepers_list(owner, acme):
    commitment = _promise(owner, acme)
    assert commitment.made_by_department == owner.department
    entry = TimelineEntry.objects.get(kind=TimelineKind.COMMITMENT, source_id=commitment.pk)
    assert entry.department.slug == "support" and "Greta Lind" in entry.subject
    assert list_department_commitments(department=_department("support")) == [commitment]


def test_overdue_promises_alert_both_sides_once(owner, acme, servicer, smtp_inbox: Inbox):
    Department.objects.filter(slug="support").update(head=servicer)
    late = _promise(owner, acme, days=-1)
    _promise(owner, acme, days=0)  # due today: not yet overdue
    assert late.is_overdue
    assert services.alert_overdue_commitments() == 1
    assert deliver_due_emails(worker_id="test") == 2
    assert sorted(r for rcpt, _ in smtp_inbox.messages for r in rcpt) == sorted(
        [owner.email, servicer.email]
    )
    assert services.alert_overdue_commitments() == 0  # told once
    assert deliver_due_emails(worker_id="test") == 0
    assert len(smtp_inbox.messages) == 2


def test_kept_and_broken_are_counted_by_department(owner, acme, servicer):
    kept = _promise(owner, acme)
    broken = _promise(owner, acme, days=-2)
    _promise(owner, acme, days=-1)
    services.close_commitment(actor=servicer, commitment=kept, kept=True, outcome="Called Monday")
    services.close_commitment(actor=owner, commitment=broken, kept=False)
    with pytest.raises(ValidationError):
        services.close_commitment(actor=owner, commitment=broken, kept=True)
    assert count_kept_and_broken() == [
        {"department": "Support", "kept": 1, "broken": 1, "open": 1, "overdue": 1}
    ]
    assert Commitment.objects.get(pk=kept.pk).status == CommitmentStatus.KEPT


def test_who_may_close_a_promise(owner, acme, servicer, manager):
    commitment = _promise(owner, acme)
    outsider = UserFactory(email="o@retain.test", department=_department("billing"))
    with pytest.raises(PermissionDenied):
        services.close_commitment(actor=outsider, commitment=commitment, kept=True)
    with pytest.raises(PermissionDenied):  # manages shipping, not support
        services.close_commitment(actor=manager, commitment=commitment, kept=True)
    support_head = UserFactory(
        email="h@retain.test", department=_department("support"), role=Role.MANAGER
    )
    services.close_commitment(actor=support_head, commitment=commitment, kept=True)


def test_a_named_keeper_must_work_in_the_keeping_department(owner, acme):
    stranger = UserFactory(email="x@retain.test", department=_department("billing"))
    with pytest.raises(ValidationError):
        _promise(owner, acme, keeper=stranger)


def test_record_and_close_through_the_pages(owner, acme, servicer):
    browser = Browser()
    browser.force_login(owner)
    due = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = browser.post(
        f"/clients/{acme.pk}/commitments/new/",
        {
            "promise": "Replacement <probes> by Tuesday",
            "made_to": "Greta",
            "due_on": due,
            "keeper_department": _department("support").pk,
        },
    )
    assert response.status_code == 302
    page = browser.get(f"/clients/{acme.pk}/").content.decode()
    assert "Replacement &lt;probes&gt; by Tuesday" in page and "overdue" in page
    support = Browser()
    support.force_login(servicer)
    listing = support.get("/commitments/").content.decode()
    assert "Replacement &lt;probes&gt; by Tuesday" in listing
    commitment = Commitment.objects.get()
    support.post(f"/commitments/{commitment.pk}/close/", {"kept": "yes", "next": "/commitments/"})
    assert Commitment.objects.get().status == CommitmentStatus.KEPT
