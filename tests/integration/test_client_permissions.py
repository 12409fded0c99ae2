"""Every role against every client action, enforced in the services on the object."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.clients import services
from retain.clients.choices import OwnerRole
from retain.clients.models import OwnershipChange
from retain.clients.permissions import may
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(owner, teammate, manager, admin_user):
    """Everyone the matrix asks about, by name."""
    account_management = Department.objects.get(slug="account-management")
    return {
        "owner": owner,
        "backup": UserFactory(email="bea.backup@retain.test", department=account_management),
        "teammate": teammate,
        # Manages the owner's department: may manage and reassign this client.
        "own_manager": UserFactory(
            email="ann.head@retain.test", department=account_management, role=Role.MANAGER
        ),
        "other_manager": manager,
        "admin": admin_user,
        "former": UserFactory(
            email="fred.former@retain.test", department=account_management, is_active=False
        ),
        "anonymous": AnonymousUser(),
    }


@pytest.fixture
def acme(people):
    """The client under test: owned by owner, backed up by backup."""
    return ClientFactory(name="Acme", owner=people["owner"], backup_owner=people["backup"])


ROLES = [
    "owner",
    "backup",
    "teammate",
    "own_manager",
    "other_manager",
    "admin",
    "former",
    "anonymous",
]

# action -> who may do it
ALLOWED = {
    "view": {"owner", "backup", "teammate", "own_manager", "other_manager", "admin"},
    "edit": {"owner", "backup", "own_manager", "admin"},
    "log_note": {"owner", "backup", "teammate", "own_manager", "other_manager", "admin"},
    "reassign": {"own_manager", "admin"},
    "history": {"owner", "backup", "teammate", "own_manager", "other_manager", "admin"},
    "manage_team": {"admin"},
}
PERMISSION = {
    "view": "clients.view_client",
    "edit": "clients.change_client",
    "log_note": "clients.add_timeline_entry",
    "reassign": "clients.reassign_owner",
    "history": "clients.view_history",
    "manage_team": "accounts.manage_team",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_permission_matrix(people, acme, role, action):
    assert may(people[role], PERMISSION[action], acme) is (role in ALLOWED[action])


def perform(action: str, actor, client, people):
    if action == "edit":
        return services.update_client(
            actor=actor, client=client, expected_version=client.version, name="Acme AG"
        )
    if action == "log_note":
        return services.add_timeline_entry(
            actor=actor, client=client, kind="note", subject="Called about the order"
        )
    if action == "reassign":
        return services.reassign_owner(
            actor=actor,
            client=client,
            new_user=people["teammate"] if actor != people["teammate"] else people["admin"],
            note="Tom takes over: renewal talks start in May.",
            expected_version=client.version,
        )
    raise AssertionError(action)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize("action", ["edit", "log_note", "reassign"])
def test_services_enforce_the_matrix(people, acme, role, action):
    actor = people[role]
    if role in ALLOWED[action]:
        perform(action, actor, acme, people)
    else:
        with pytest.raises(PermissionDenied):
            perform(action, actor, acme, people)
        acme.refresh_from_db()
        assert (acme.name, acme.owner, acme.version) == ("Acme", people["owner"], 1)
        assert acme.timeline.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_only_the_new_owner_acknowledges_a_handoff(people, acme, role):
    change = services.reassign_owner(
        actor=people["admin"],
        client=acme,
        new_user=people["teammate"],
        note="Renewal in May; they dislike phone calls.",
        expected_version=acme.version,
    )
    if role == "teammate":
        acknowledged = services.acknowledge_handoff(actor=people[role], change=change)
        assert acknowledged.acknowledged_at is not None
    else:
        with pytest.raises(PermissionDenied):
            services.acknowledge_handoff(actor=people[role], change=change)
        assert OwnershipChange.objects.get(pk=change.pk).acknowledged_at is None


def test_manager_of_another_department_manages_clients_backed_up_there(people, acme):
    shipping_backup = UserFactory(
        email="sam.shipping@retain.test", department=people["other_manager"].department
    )
    acme.backup_owner = shipping_backup
    acme.save()
    assert may(people["other_manager"], "clients.reassign_owner", acme) is True


def test_mark_churned_needs_a_reason(people, acme):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.mark_churned(
            actor=people["owner"],
            client=acme,
            expected_version=1,
            churned_on=dt.date(2026, 1, 31),
            reason=" ",
        )
    churned = services.mark_churned(
        actor=people["owner"],
        client=acme,
        expected_version=1,
        churned_on=dt.date(2026, 1, 31),
        reason="Moved to a competitor after three late deliveries",
    )
    assert (churned.status, churned.version) == ("churned", 2)


def test_backup_role_can_be_handed_over_too(people, acme):
    change = services.reassign_owner(
        actor=people["own_manager"],
        client=acme,
        new_user=people["teammate"],
        role=OwnerRole.BACKUP,
        note="Tom covers while Bea is on leave.",
        expected_version=1,
    )
    acme.refresh_from_db()
    assert (acme.backup_owner, change.previous_user, change.role) == (
        people["teammate"],
        people["backup"],
        "backup",
    )
