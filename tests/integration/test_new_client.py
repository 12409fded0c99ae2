"""A client won today: added in the app by a manager or admin, handed to its owner with a
note, and onboarded by the playbook that new clients trigger."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from retain.clients.choices import TimelineKind
from retain.clients.models import Client, OwnershipChange
from retain.clients.services import create_client
from retain.playbooks.models import PlaybookRun
from tests.factories import ClientFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def _form(owner, **extra):
    return {
        "external_id": "NEW-1",
        "name": "Nordlicht Optics",
        "segment": "Mid-market",
        "industry": "Optics",
        "country": "de",
        "owner": owner.pk,
        "backup_owner": "",
        "handoff_note": "Signed for 40 seats; promised a kick-off in week 2.",
        **extra,
    }


def test_a_manager_adds_a_client_and_onboarding_starts(manager, owner):
    response = signed_in(manager).post("/clients/new/", _form(owner))
    client = Client.objects.get(external_id="NEW-1")
    assert response.status_code == 302 and response["Location"] == f"/clients/{client.pk}/"
    assert (client.name, client.country, client.owner, client.lifecycle_stage) == (
        "Nordlicht Optics",
        "DE",
        owner,
        "onboarding",
    )
    handoff = OwnershipChange.objects.get(client=client)
    assert (handoff.new_user, handoff.changed_by, handoff.acknowledged_at) == (owner, manager, None)
    run = PlaybookRun.objects.get(client=client)
    assert run.version.playbook.slug == "onboarding" and run.reason == "New client"
    assert run.tasks.count() == run.version.steps.count() > 0
    kinds = set(client.timeline.values_list("kind", flat=True))
    assert {TimelineKind.HANDOFF, TimelineKind.TASK} <= kinds
    # Audited: the client's first history row names who added it.
    first = client.history.earliest("history_date")
    assert (first.history_user, first.history_change_reason) == (manager, "created")
    # Found by search at once.
    assert "Nordlicht" in signed_in(owner).get("/clients/?q=nordlicht").content.decode()


def test_a_member_may_not_add_clients(owner):
    assert signed_in(owner).get("/clients/new/").status_code == 403
    assert signed_in(owner).post("/clients/new/", _form(owner)).status_code == 403
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"handoff_note": "  "}, "handoff_note", "required"),
        ({"external_id": "TAKEN"}, "external_id", "exists"),
        ({"country": "D1"}, "country", "two-letter"),
    ],
)
def test_a_wrong_client_is_refused_and_nothing_is_written(manager, owner, change, field, message):
    ClientFactory(external_id="TAKEN")
    before = (Client.objects.count(), OwnershipChange.objects.count(), PlaybookRun.objects.count())
    response = signed_in(manager).post("/clients/new/", _form(owner, **change))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    after = (Client.objects.count(), OwnershipChange.objects.count(), PlaybookRun.objects.count())
    assert after == before


def test_the_service_refuses_the_owner_as_backup_and_members(manager, owner, teammate):
    with pytest.raises(ValidationError, match="someone other than the owner"):
        create_client(
            actor=manager,
            external_id="X",
            name="X",
            owner=owner,
            backup_owner=owner,
            handoff_note="n",
        )
    with pytest.raises(PermissionDenied):
        create_client(actor=teammate, external_id="X", name="X", owner=owner, handoff_note="n")
    assert not Client.objects.exists()
