"""Who may do what with surveys (django-rules, on the object).

Managers and admins create and send surveys. A follow-up belongs to the client's owner
and backup (the people who keep the relationship), to managers of their departments,
and to admins.
"""

from __future__ import annotations

from typing import Any

import rules

from retain.clients.permissions import can_edit_client, is_admin, is_manager


@rules.predicate
def may_follow_up(user: Any, follow_up: Any) -> bool:
    return follow_up is not None and can_edit_client.test(user, follow_up.client)


rules.set_perm("surveys.manage_surveys", is_admin | is_manager)
rules.set_perm("surveys.follow_up", may_follow_up)
