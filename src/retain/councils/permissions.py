"""Managers and admins run councils (members, meetings, minutes); an action item is
completed by its owner, members and the manager of its department, or an admin."""

from __future__ import annotations

from typing import Any

import rules

from retain.accounts.choices import Role
from retain.clients.permissions import is_admin, is_manager, is_team_member


@rules.predicate
def may_complete_council_action(user: Any, action: Any) -> bool:
    if action is None:
        return False
    same_department = (
        action.owner.department_id is not None
        and user.department_id == action.owner.department_id
        and user.role in (Role.MEMBER, Role.MANAGER)
    )
    return user.pk == action.owner_id or same_department


rules.set_perm("councils.run_councils", is_admin | is_manager)
rules.set_perm(
    "councils.complete_action", is_team_member & (is_admin | may_complete_council_action)
)
