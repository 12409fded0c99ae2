"""Who may act on an incident (django-rules, checked on the object).

Anyone on the team may raise an incident for any client. Acting on one (taking it,
resolving it) belongs to its responsible department: its members, its manager, and
whoever the incident is assigned to; admins may act on any.
"""

from __future__ import annotations

from typing import Any

import rules

from retain.accounts.choices import Role
from retain.clients.permissions import is_admin, is_team_member


@rules.predicate
def works_in_responsible_department(user: Any, incident: Any) -> bool:
    return (
        incident is not None
        and user.department_id is not None
        and user.department_id == incident.responsible_department_id
        and user.role in (Role.MEMBER, Role.MANAGER)
    )


@rules.predicate
def is_assigned(user: Any, incident: Any) -> bool:
    return incident is not None and incident.owner_id == user.pk


@rules.predicate
def works_in_receiving_department(user: Any, transfer: Any) -> bool:
    return (
        transfer is not None
        and user.department_id is not None
        and user.department_id == transfer.to_department_id
        and user.role in (Role.MEMBER, Role.MANAGER)
    )


rules.set_perm("incidents.open_incident", is_team_member)
rules.set_perm(
    "incidents.answer_transfer", is_team_member & (is_admin | works_in_receiving_department)
)
rules.set_perm(
    "incidents.act_on_incident",
    is_team_member & (is_admin | works_in_responsible_department | is_assigned),
)
