"""Who may do what to a client, checked on the object (django-rules).

Roles (accounts.choices.Role):
- admin: everything;
- manager: everything for the clients of their department (a client belongs to the
  departments of its owner and backup owner), including reassigning owners;
  managers and admins add new clients;
- member: reads every client and writes to every timeline; edits the clients they
  own or back up.
A handoff is acknowledged only by the person it was handed to, whatever their role.

Services call :func:`require`, which asks the rules directly rather than
``user.has_perm``: Django's superuser shortcut would otherwise let an admin
acknowledge somebody else's handoff.
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied

from retain.accounts.choices import Role


@rules.predicate
def is_team_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_admin(user: Any) -> bool:
    return bool(is_team_member(user) and user.role == Role.ADMIN)


@rules.predicate
def owns_or_backs_up(user: Any, client: Any) -> bool:
    return client is not None and user.pk in (client.owner_id, client.backup_owner_id)


@rules.predicate
def manages_clients_department(user: Any, client: Any) -> bool:
    """A manager whose department is the owner's or the backup owner's."""
    if client is None or user.role != Role.MANAGER or user.department_id is None:
        return False
    departments = {
        person.department_id for person in (client.owner, client.backup_owner) if person is not None
    }
    return user.department_id in departments


@rules.predicate
def is_handed_the_client(user: Any, change: Any) -> bool:
    return change is not None and change.new_user_id == user.pk


def works_on(user: Any, *, department_id: int | None, client: Any, person_id: int | None) -> bool:
    """Whether a piece of work for ``client`` is ``user``'s: theirs (``person_id``), their
    department's (as member or manager), or the client's owner's or backup's."""
    in_department = (
        department_id is not None
        and user.department_id == department_id
        and user.role in (Role.MEMBER, Role.MANAGER)
    )
    return in_department or user.pk in (person_id, client.owner_id, client.backup_owner_id)


can_edit_client = is_team_member & (is_admin | manages_clients_department | owns_or_backs_up)
can_reassign_owner = is_team_member & (is_admin | manages_clients_department)


@rules.predicate
def is_manager(user: Any) -> bool:
    return bool(is_team_member(user) and user.role == Role.MANAGER)


PERMISSIONS = {
    "clients.view_client": is_team_member,
    "clients.add_client": is_admin | is_manager,
    "clients.change_client": can_edit_client,
    "clients.add_timeline_entry": is_team_member,
    "clients.reassign_owner": can_reassign_owner,
    "clients.acknowledge_handoff": is_team_member & is_handed_the_client,
    "clients.view_history": is_team_member,
    "accounts.manage_team": is_admin,
}

for _name, _predicate in PERMISSIONS.items():
    rules.set_perm(_name, _predicate)


def may(actor: Any, permission: str, obj: Any = None) -> bool:
    """Whether ``actor`` holds ``permission`` on ``obj`` (for templates and menus)."""
    return rules.has_perm(permission, actor, obj)


def require(actor: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``actor`` holds ``permission`` on ``obj``."""
    if not may(actor, permission, obj):
        raise PermissionDenied(f"{actor} may not {permission.split('.', 1)[1].replace('_', ' ')}")
