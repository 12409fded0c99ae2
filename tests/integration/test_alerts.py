"""Alerts raised each morning, once per occasion; the notification centre; the digest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from retain.accounts.models import Department
from retain.alerts.models import AlertKind, Notification
from retain.alerts.services import raise_alerts, send_digests
from retain.clients import services as client_services
from retain.clients.models import Client, EventType, OwnershipChange, UsageEvent
from retain.incidents.models import Incident
from retain.incidents.services import open_incident
from retain.outbox.delivery import deliver_due_emails
from tests.factories import ClientFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def _kinds(user) -> set[str]:
    return set(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_each_alert_is_raised_for_the_right_person_once(owner, teammate, admin_user, smtp_inbox):
    now = timezone.now()
    today = timezone.localdate()
    renewing = ClientFactory(owner=owner, name="Renewing")
    Client.objects.filter(pk=renewing.pk).update(renewal_on=today + dt.timedelta(days=60))
    late = ClientFactory(owner=owner, name="Late")
    incident = open_incident(
        actor=None,
        client=late,
        title="Delivered white",
        category="wrong_delivery",
        severity=2,
        responsible_department=Department.objects.get(slug="shipping"),
        automations=False,
    )
    Incident.objects.filter(pk=incident.pk).update(due_at=now - dt.timedelta(hours=1))
    handed = ClientFactory(owner=owner, name="Handed")
    client_services.reassign_owner(
        actor=admin_user, client=handed, new_user=teammate, note="Yours now", expected_version=1
    )
    OwnershipChange.objects.update(changed_at=now - dt.timedelta(days=3))
    quiet = ClientFactory(owner=owner, name="Quiet")
    login = EventType.objects.get_or_create(name="login")[0]
    UsageEvent.objects.bulk_create(
        [
            UsageEvent(
                client=quiet, event_type=login, occurred_at=now - dt.timedelta(days=40, minutes=n)
            )
            for n in range(20)
        ]
        + [UsageEvent(client=quiet, event_type=login, occurred_at=now - dt.timedelta(days=2))]
    )

    assert raise_alerts(now=now) >= 4
    assert {AlertKind.RENEWAL, AlertKind.OVERDUE_INCIDENT, AlertKind.USAGE_DROP} <= _kinds(owner)
    assert _kinds(teammate) == {AlertKind.UNACKNOWLEDGED_HANDOFF}
    usage = Notification.objects.get(kind=AlertKind.USAGE_DROP)
    assert usage.text == "Quiet: usage down 95% on the previous 30 days (20 → 1 events)"
    assert raise_alerts(now=now) == 0  # once per occasion

    page = signed_in(owner).get("/notifications/").content.decode()
    assert "Renewing renews in 60 days" in page and "Overdue: Delivered white" in page
    signed_in(owner).post("/notifications/read/")
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()

    assert send_digests(now=now) == 2  # the owner and the teammate
    assert send_digests(now=now) == 0
    deliver_due_emails(worker_id="t")
    to_owner = [m for r, m in smtp_inbox.messages if r == [owner.email]]
    assert len(to_owner) == 1 and "Renewing renews in 60 days" in to_owner[0].get_payload()


def test_renewals_alert_at_90_60_and_30_days_only(owner):
    today = timezone.localdate()
    for days in (89, 90, 45):
        client = ClientFactory(owner=owner, name=f"In {days}")
        Client.objects.filter(pk=client.pk).update(
            renewal_on=today + dt.timedelta(days=days), mrr=Decimal(1)
        )
    raise_alerts()
    texts = list(Notification.objects.filter(kind=AlertKind.RENEWAL).values_list("text", flat=True))
    assert len(texts) == 1 and texts[0].startswith("In 90 renews in 90 days")
