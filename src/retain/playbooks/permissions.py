"""Who may do what with playbooks (django-rules, on the object).

Admins and managers write playbooks (a new version each time). Whoever may edit a
client (its owner and backup, managers of their departments, admins) starts a playbook
for it. A task is completed by its assignee, by members and the manager of its
department, by the client's owner and backup, or by an admin.
"""

from __future__ import annotations

from typing import Any

import rules

from retain.clients.permissions import (
    can_edit_client,
    is_admin,
    is_manager,
    is_team_member,
    works_on,
)


@rules.predicate
def may_complete(user: Any, task: Any) -> bool:
    return task is not None and works_on(
        user, department_id=task.department_id, client=task.client, person_id=task.assignee_id
    )


rules.set_perm("playbooks.write_playbook", is_admin | is_manager)
rules.set_perm("playbooks.start_playbook", can_edit_client)
rules.set_perm("playbooks.complete_task", is_team_member & (is_admin | may_complete))
