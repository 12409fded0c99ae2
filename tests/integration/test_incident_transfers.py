"""An incident moved to another department stays where it is until accepted there,
carries its context, and shows on the client's timeline at each step."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as Browser

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from retain.incidents import services
from retain.incidents.models import Incident, TransferStatus
from retain.incidents.selectors import list_department_inbox, list_transfers_waiting
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


@pytest.fixture
def shipper(db):
    return UserFactory(email="sia.shipper@retain.test", department=_department("shipping"))


@pytest.fixture
def producer(db):
    return UserFactory(email="pia.production@retain.test", department=_department("production"))


@pytest.fixture
def incident(owner, shipper):
    client = ClientFactory(name="Acme", owner=owner)
    incident = services.open_incident(
        actor=owner,
        client=client,
        title="Probes arrive cracked",
        category="product_defect",
        severity=2,
        responsible_department=_department("shipping"),
    )
    return services.take_incident(actor=shipper, incident=incident, expected_version=1)


def test_the_incident_stays_until_the_other_department_accepts(incident, shipper, producer):
    transfer = services.request_transfer(
        actor=shipper,
        incident=incident,
        to_department=_department("production"),
        note="Cracks are in the housing from batch 42, not from transport. Client was promised a call by Friday.",
        expected_version=incident.version,
    )
    incident.refresh_from_db()
    assert incident.responsible_department.slug == "shipping" and incident.owner == shipper
    assert [i.pk for i in list_department_inbox(department=_department("shipping")).rows] == [
        incident.pk
    ]
    assert list_transfers_waiting(department=_department("production")) == [transfer]

    with pytest.raises(PermissionDenied):  # only the receiving side answers
        services.answer_transfer(actor=shipper, transfer=transfer, accept=True)
    services.answer_transfer(actor=producer, transfer=transfer, accept=True, answer="Ours; on it")
    incident.refresh_from_db()
    assert incident.responsible_department.slug == "production"
    assert incident.owner is None  # the receiving department decides who takes it
    assert list_department_inbox(department=_department("shipping")).count == 0
    assert [i.pk for i in list_department_inbox(department=_department("production")).rows] == [
        incident.pk
    ]
    # The point person sees every step on the client's timeline.
    subjects = list(
        TimelineEntry.objects.filter(client=incident.client, kind=TimelineKind.INCIDENT)
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects[-2].startswith("Transfer to Production requested")
    assert subjects[-1].startswith("Transfer to Production accepted")
    with pytest.raises(ValidationError):
        services.answer_transfer(actor=producer, transfer=transfer, accept=False)


def test_a_declined_transfer_leaves_the_incident_where_it_was(incident, shipper, producer):
    transfer = services.request_transfer(
        actor=shipper,
        incident=incident,
        to_department=_department("production"),
        note="Looks like a batch fault",
        expected_version=incident.version,
    )
    services.answer_transfer(
        actor=producer, transfer=transfer, accept=False, answer="Transport damage"
    )
    incident.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DECLINED
    assert incident.responsible_department.slug == "shipping" and incident.owner == shipper


def test_one_open_request_at_a_time_and_a_note_is_required(incident, shipper):
    with pytest.raises(ValidationError):
        services.request_transfer(
            actor=shipper,
            incident=incident,
            to_department=_department("billing"),
            note=" ",
            expected_version=incident.version,
        )
    services.request_transfer(
        actor=shipper,
        incident=incident,
        to_department=_department("billing"),
        note="Credit note",
        expected_version=incident.version,
    )
    incident.refresh_from_db()
    with pytest.raises(ValidationError, match="already waiting"):
        services.request_transfer(
            actor=shipper,
            incident=incident,
            to_department=_department("production"),
            note="Or you",
            expected_version=incident.version,
        )


def test_only_those_who_act_on_it_may_ask_to_move_it(incident, producer):
    with pytest.raises(PermissionDenied):
        services.request_transfer(
            actor=producer,
            incident=incident,
            to_department=_department("production"),
            note="Mine",
            expected_version=incident.version,
        )


def test_a_manager_of_the_receiving_department_accepts_through_the_page(incident, shipper):
    head = UserFactory(
        email="hank.prod@retain.test", department=_department("production"), role=Role.MANAGER
    )
    shipper_browser = Browser()
    shipper_browser.force_login(shipper)
    response = shipper_browser.post(
        f"/incidents/{incident.pk}/transfer/",
        {
            "to_department": _department("production").pk,
            "note": "Batch 42 housings",
            "version": incident.version,
        },
    )
    assert response.status_code == 302
    head_browser = Browser()
    head_browser.force_login(head)
    inbox = head_browser.get("/incidents/").content.decode()
    assert (
        "Transfers waiting for Production to accept" in inbox and "Probes arrive cracked" in inbox
    )
    page = head_browser.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Batch 42 housings" in page and "recent history" in page
    transfer = incident.transfers.get()
    response = head_browser.post(
        f"/transfers/{transfer.pk}/answer/", {"accept": "yes", "answer": ""}
    )
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).responsible_department.slug == "production"
