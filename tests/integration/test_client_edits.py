"""Edits and handoffs: audited, attributed, never silently overwriting each other."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from retain.clients import services
from retain.clients.locks import StaleEdit
from retain.clients.models import Client, TimelineEntry
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(owner):
    """A client owned by the owner persona, with nobody as backup yet."""
    return ClientFactory(name="Acme", owner=owner)


def test_second_edit_from_the_same_version_is_refused(owner, acme):
    stale = Client.objects.get(pk=acme.pk)
    services.update_client(actor=owner, client=acme, expected_version=1, segment="enterprise")
    with pytest.raises(
        StaleEdit,
        match=r"Acme was changed by someone else \(version 2, this edit began from version 1\)",
    ):
        services.update_client(
            actor=owner, client=stale, expected_version=stale.version, segment="smb"
        )
    acme.refresh_from_db()
    assert (acme.segment, acme.version) == ("enterprise", 2)


def test_edit_is_audited_with_who_and_what(owner, acme):
    services.update_client(
        actor=owner, client=acme, expected_version=1, name="Acme AG", industry="Chemicals"
    )
    latest, previous = acme.history.order_by("-history_id")[:2]
    assert (latest.history_user, latest.history_change_reason) == (owner, "edited")
    changed = {
        change.field: (change.old, change.new) for change in latest.diff_against(previous).changes
    }
    assert changed == {
        "name": ("Acme", "Acme AG"),
        "industry": ("Manufacturing", "Chemicals"),
        "version": (1, 2),
    }


def test_edit_without_changes_writes_nothing(owner, acme):
    services.update_client(actor=owner, client=acme, expected_version=1, name="Acme")
    acme.refresh_from_db()
    assert (acme.version, acme.history.count()) == (1, 1)


def test_handoff_needs_a_note(admin_user, teammate, acme):
    with pytest.raises(ValidationError, match="a handoff note is required"):
        services.reassign_owner(
            actor=admin_user, client=acme, new_user=teammate, note="   ", expected_version=1
        )
    acme.refresh_from_db()
    assert acme.owner.email == "olivia.owner@retain.test"


def test_handoff_moves_the_client_and_lands_on_the_timeline(admin_user, owner, teammate, acme):
    change = services.reassign_owner(
        actor=admin_user,
        client=acme,
        new_user=teammate,
        note="Renewal in May. Their CFO prefers email.",
        expected_version=1,
    )
    acme.refresh_from_db()
    assert (acme.owner, acme.version) == (teammate, 2)
    assert (change.previous_user, change.new_user, change.changed_by, change.acknowledged_at) == (
        owner,
        teammate,
        admin_user,
        None,
    )
    entry = TimelineEntry.objects.get(client=acme, kind="handoff")
    assert (entry.kind, entry.author, entry.department.slug, entry.source, entry.body) == (
        "handoff",
        admin_user,
        "executive",
        change,
        "Renewal in May. Their CFO prefers email.",
    )
    assert entry.subject == f"Owner: {owner} → {teammate}"


def test_new_owner_cannot_also_be_the_backup(admin_user, acme):
    backup = UserFactory(email="b@retain.test")
    acme.backup_owner = backup
    acme.save()
    with pytest.raises(ValidationError, match="is this client's backup owner"):
        services.reassign_owner(
            actor=admin_user, client=acme, new_user=backup, note="x", expected_version=1
        )


def test_inactive_person_cannot_be_handed_a_client(admin_user, acme):
    gone = UserFactory(email="gone@retain.test", is_active=False)
    with pytest.raises(ValidationError, match="is no longer active"):
        services.reassign_owner(
            actor=admin_user, client=acme, new_user=gone, note="x", expected_version=1
        )


def test_timeline_note_is_attributed_to_author_and_department(teammate, acme):
    entry = services.add_timeline_entry(
        actor=teammate,
        client=acme,
        kind="call",
        subject="  Called about the blue order  ",
        body="They want white.",
    )
    assert (entry.author, entry.department.slug, entry.subject, entry.kind) == (
        teammate,
        "account-management",
        "Called about the blue order",
        "call",
    )
    assert entry.history.get().history_user == teammate


def test_timeline_refuses_kinds_that_come_from_records(teammate, acme):
    with pytest.raises(ValidationError, match="choose one of note, call, meeting, email"):
        services.add_timeline_entry(
            actor=teammate, client=acme, kind="invoice", subject="Invoice 42"
        )
