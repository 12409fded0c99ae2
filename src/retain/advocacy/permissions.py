"""Who may record advocacy (django-rules, on the client).

Whoever may edit a client (its owner and backup owner, the managers of their
departments, admins) asks it for referrals and references, records how they went, and
records the introductions made for it. Every signed-in team member reads them.
"""

from __future__ import annotations

import rules

from retain.clients.permissions import can_edit_client

rules.set_perm("advocacy.record_advocacy", can_edit_client)
