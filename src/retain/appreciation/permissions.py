"""Who may record a client's milestones (whoever may edit the client) and say the thanks
(the thank-you's owner, or whoever may edit the client)."""

from __future__ import annotations

from typing import Any

import rules

from retain.clients.permissions import can_edit_client, is_team_member


@rules.predicate
def may_thank(user: Any, thank_you: Any) -> bool:
    if thank_you is None:
        return False
    return user.pk == thank_you.owner_id or can_edit_client(user, thank_you.client)


rules.set_perm("appreciation.record_milestone", is_team_member & can_edit_client)
rules.set_perm("appreciation.thank", is_team_member & may_thank)
