"""Who may do what with a commitment (django-rules, on the object).

Anyone on the team records a promise made to any client. Closing it (kept or broken)
belongs to whoever must keep it (the keeper, and members and the manager of the keeping
department), to whoever made it, and to admins.
"""

from __future__ import annotations

from typing import Any

import rules

from retain.accounts.choices import Role
from retain.clients.permissions import is_admin, is_team_member


@rules.predicate
def keeps_or_made_it(user: Any, commitment: Any) -> bool:
    if commitment is None:
        return False
    in_keeping_department = (
        user.department_id is not None
        and user.department_id == commitment.keeper_department_id
        and user.role in (Role.MEMBER, Role.MANAGER)
    )
    return in_keeping_department or user.pk in (commitment.keeper_id, commitment.made_by_id)


rules.set_perm("commitments.record_commitment", is_team_member)
rules.set_perm("commitments.close_commitment", is_team_member & (is_admin | keeps_or_made_it))
