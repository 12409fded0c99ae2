"""Incidents: raised for a client, due by their severity's SLA, in the responsible
department's inbox, on the client's timeline, mailed to the point person over real SMTP;
each role against each action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as Browser
from django.utils import timezone

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from retain.incidents import services
from retain.incidents.choices import IncidentStatus, Severity
from retain.incidents.models import Incident, ResolutionTarget
from retain.incidents.selectors import list_department_inbox
from retain.outbox.delivery import deliver_due_emails
from retain.outbox.models import EmailStatus, OutgoingEmail
from tests.factories import ClientFactory, UserFactory
from tests.mail import Inbox

pytestmark = pytest.mark.django_db


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


@pytest.fixture
def shipping_head(db):
    head = UserFactory(
        email="sven.shipping@retain.test", department=_department("shipping"), role=Role.MANAGER
    )
    Department.objects.filter(slug="shipping").update(head=head)
    return head


@pytest.fixture
def shipper(db):
    return UserFactory(email="sia.shipper@retain.test", department=_department("shipping"))


@pytest.fixture
def acme(owner):
    return ClientFactory(name="Acme", owner=owner)


def _open(actor, client, severity=Severity.HIGH, **extra):
    return services.open_incident(
        actor=actor,
        client=client,
        title="Delivered white, ordered blue",
        category="wrong_delivery",
        severity=severity,
        responsible_department=_department("shipping"),
        **extra,
    )


def test_an_incident_is_due_by_its_severitys_target_and_goes_on_the_timeline(owner, acme):
    before = timezone.now()
    incident = _open(owner, acme, severity=Severity.HIGH, description="12 probes in white")
    hours = ResolutionTarget.objects.get(severity=2).hours
    assert hours == 72
    assert (
        before + dt.timedelta(hours=72)
        <= incident.due_at
        <= timezone.now() + dt.timedelta(hours=72)
    )
    assert incident.reported_by_department == owner.department  # the reporter's own
    entry = TimelineEntry.objects.get(source_id=incident.pk, kind=TimelineKind.INCIDENT)
    assert entry.client == acme
    assert entry.department.slug == "shipping"  # attributed to the department responsible
    assert entry.author == owner
    assert entry.body == "12 probes in white"
    assert incident.history.first().history_user == owner


def test_an_edited_target_applies_to_incidents_opened_afterwards(owner, acme):
    ResolutionTarget.objects.filter(severity=3).update(hours=5)
    incident = _open(owner, acme, severity=Severity.MEDIUM)
    assert incident.due_at - incident.opened_at == dt.timedelta(hours=5)


def test_the_point_person_is_mailed_and_for_severity_1_the_department_head_too(
    owner, acme, shipping_head, smtp_inbox: Inbox
):
    _open(owner, acme, severity=Severity.HIGH)
    assert deliver_due_emails(worker_id="test") == 1
    assert [rcpt for rcpt, _ in smtp_inbox.messages] == [[owner.email]]
    _open(owner, acme, severity=Severity.CRITICAL)
    assert deliver_due_emails(worker_id="test") == 2
    assert sorted(r for rcpt, _ in smtp_inbox.messages[1:] for r in rcpt) == sorted(
        [owner.email, shipping_head.email]
    )
    subject = smtp_inbox.messages[1][1]["Subject"]
    assert "Acme" in subject and "critical" in subject
    assert deliver_due_emails(worker_id="test") == 0  # each sent once


def test_the_mail_is_queued_with_the_incident_and_waits_out_a_mail_server_that_is_down(
    owner, acme, settings, smtp_inbox: Inbox
):
    from retain.core.email_url import parse_email_url

    working = settings.MAILERS
    # Nothing listens on port 9 (discard) on loopback here: the connection is refused.
    settings.MAILERS = {"default": parse_email_url("smtp://127.0.0.1:9").mailer(timeout=2)}
    incident = _open(owner, acme, severity=Severity.CRITICAL)
    assert deliver_due_emails(worker_id="test") == 0
    queued = OutgoingEmail.objects.get(key__startswith=f"incident:{incident.pk}:")
    assert queued.status == EmailStatus.PENDING and queued.attempts == 1
    settings.MAILERS = working
    OutgoingEmail.objects.update(due_at=timezone.now())  # the backoff has passed
    assert deliver_due_emails(worker_id="test") == 1
    assert [rcpt for rcpt, _ in smtp_inbox.messages] == [[owner.email]]


def test_an_incident_that_rolls_back_queues_no_mail(owner, acme):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _open(owner, acme, severity=Severity.CRITICAL)
        raise RuntimeError("the caller failed after opening it")
    assert not OutgoingEmail.objects.exists() and not Incident.objects.exists()


def test_the_inbox_lists_open_incidents_soonest_due_first(owner, acme):
    later = _open(owner, acme, severity=Severity.LOW)
    sooner = _open(owner, acme, severity=Severity.HIGH)
    overdue = _open(
        owner, acme, severity=Severity.MEDIUM, opened_at=timezone.now() - dt.timedelta(days=30)
    )
    done = _open(owner, acme, severity=Severity.CRITICAL)
    services.resolve_incident(
        actor=UserFactory(department=_department("shipping")),
        incident=done,
        resolution="Replaced",
        expected_version=done.version,
    )
    billing = services.open_incident(
        actor=owner,
        client=acme,
        title="Invoice twice",
        category="billing_error",
        severity=1,
        responsible_department=_department("billing"),
    )
    page = list_department_inbox(department=_department("shipping"))
    assert [i.pk for i in page.rows] == [overdue.pk, sooner.pk, later.pk]
    assert overdue.is_overdue and not sooner.is_overdue
    assert billing.pk not in [i.pk for i in page.rows]


def test_take_and_resolve(shipper, owner, acme):
    incident = _open(owner, acme)
    taken = services.take_incident(actor=shipper, incident=incident, expected_version=1)
    assert (taken.owner, taken.status, taken.version) == (shipper, IncidentStatus.IN_PROGRESS, 2)
    with pytest.raises(ValidationError):
        services.resolve_incident(
            actor=shipper, incident=taken, resolution="  ", expected_version=2
        )
    resolved = services.resolve_incident(
        actor=shipper,
        incident=taken,
        resolution="Sent 12 blue probes by express",
        expected_version=2,
    )
    assert resolved.status == IncidentStatus.RESOLVED and resolved.resolved_at is not None
    subjects = list(
        TimelineEntry.objects.filter(source_id=incident.pk)
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects[-1].startswith("Incident resolved")
    with pytest.raises(ValidationError):
        services.resolve_incident(
            actor=shipper, incident=resolved, resolution="again", expected_version=3
        )


def test_a_stale_edit_changes_nothing(shipper, owner, acme):
    incident = _open(owner, acme)
    services.take_incident(actor=shipper, incident=incident, expected_version=1)
    with pytest.raises(services.StaleIncident):
        services.resolve_incident(
            actor=shipper, incident=incident, resolution="x", expected_version=1
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS and incident.resolution == ""


# --- each role against each action

ROLES = [
    "reporter",
    "shipper",
    "shipping_manager",
    "assignee",
    "other_manager",
    "other_member",
    "admin",
    "former",
    "anonymous",
]
MAY = {
    "open": {
        "reporter",
        "shipper",
        "shipping_manager",
        "assignee",
        "other_manager",
        "other_member",
        "admin",
    },
    "act": {"shipper", "shipping_manager", "assignee", "admin"},
}


@pytest.fixture
def people(owner, manager, admin_user):
    """``manager`` manages shipping; the incident's owner works in billing."""
    return {
        "reporter": owner,
        "shipper": UserFactory(email="s1@retain.test", department=_department("shipping")),
        "shipping_manager": manager,
        "assignee": UserFactory(email="as@retain.test", department=_department("billing")),
        "other_manager": UserFactory(
            email="om@retain.test", department=_department("billing"), role=Role.MANAGER
        ),
        "other_member": UserFactory(email="o1@retain.test", department=_department("support")),
        "admin": admin_user,
        "former": UserFactory(
            email="f1@retain.test", department=_department("shipping"), is_active=False
        ),
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_an_incident(people, role):
    client = ClientFactory(owner=people["reporter"])
    allowed = role in MAY["open"]
    if allowed:
        _open(people[role], client)
    else:
        with pytest.raises(PermissionDenied):
            _open(people[role], client)
    assert Incident.objects.count() == int(allowed)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["take", "resolve"])
def test_who_may_act_on_an_incident(people, role, action):
    client = ClientFactory(owner=people["reporter"])
    incident = _open(people["reporter"], client, owner=people["assignee"])
    act = {
        "take": lambda: services.take_incident(
            actor=people[role], incident=incident, expected_version=1
        ),
        "resolve": lambda: services.resolve_incident(
            actor=people[role], incident=incident, resolution="Fixed", expected_version=1
        ),
    }[action]
    if role in MAY["act"]:
        act()
        incident.refresh_from_db()
        assert incident.version == 2
    else:
        with pytest.raises(PermissionDenied):
            act()
        incident.refresh_from_db()
        assert incident.version == 1 and incident.status == IncidentStatus.OPEN


# --- pages


def _browser(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def test_raise_from_the_client_page_then_resolve_in_the_inbox(owner, shipper, acme):
    page = _browser(owner).get(f"/clients/{acme.pk}/")
    assert f"/clients/{acme.pk}/incidents/new/" in page.content.decode()
    response = _browser(owner).post(
        f"/clients/{acme.pk}/incidents/new/",
        {
            "title": "Delivered <b>white</b>",
            "category": "wrong_delivery",
            "severity": "2",
            "responsible_department": _department("shipping").pk,
            "description": "Ordered blue",
            "impact": "Line stopped for a day",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    inbox = _browser(shipper).get("/incidents/").content.decode()  # own department by default
    assert "Delivered &lt;b&gt;white&lt;/b&gt;" in inbox and "Acme" in inbox
    assert (
        "Delivered &lt;b&gt;white&lt;/b&gt;"
        in _browser(owner).get(f"/clients/{acme.pk}/").content.decode()
    )
    response = _browser(shipper).post(
        f"/incidents/{incident.pk}/resolve/", {"resolution": "Swapped", "version": "1"}
    )
    assert response.status_code == 302
    assert "No open incidents" in _browser(shipper).get("/incidents/").content.decode()


def test_a_bad_raise_form_names_the_field_and_saves_nothing(owner, acme):
    response = _browser(owner).post(
        f"/clients/{acme.pk}/incidents/new/", {"title": "", "category": "nonsense", "severity": "9"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required" in body and "Select a valid choice" in body
    assert Incident.objects.count() == 0


def test_someone_outside_the_department_cannot_resolve_through_the_page(owner, acme):
    incident = _open(owner, acme)
    response = _browser(owner).post(
        f"/incidents/{incident.pk}/resolve/", {"resolution": "x", "version": "1"}
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
