"""Who may do what with a cross-department review (django-rules, on the object).

Whoever may edit a client (its owner and backup, managers of their departments, admins)
plans a review of it. Its minutes are written by those asked to it and by whoever may
edit the client. An action item is completed by its owner, by members and the manager
of its department, by the client's owner and backup, or by an admin.
"""

from __future__ import annotations

from typing import Any

import rules

from retain.clients.permissions import can_edit_client, is_admin, is_team_member, works_on


@rules.predicate
def is_asked_to(user: Any, review: Any) -> bool:
    return review is not None and review.attendees.filter(person_id=user.pk).exists()


@rules.predicate
def may_edit_reviewed_client(user: Any, review: Any) -> bool:
    return review is not None and can_edit_client.test(user, review.client)


@rules.predicate
def may_complete_action(user: Any, action: Any) -> bool:
    return action is not None and works_on(
        user, department_id=action.department_id, client=action.client, person_id=action.owner_id
    )


rules.set_perm("reviews.plan_review", can_edit_client)
rules.set_perm("reviews.write_minutes", is_team_member & (may_edit_reviewed_client | is_asked_to))
rules.set_perm("reviews.complete_action", is_team_member & (is_admin | may_complete_action))
