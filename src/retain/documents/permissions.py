"""Who may enter documents (django-rules): anyone on the team, for any client.

Quotes come from sales, contracts from legal, deliveries from shipping, invoices from
billing: every department writes its part of the chain.
"""

from __future__ import annotations

import rules

from retain.clients.permissions import is_team_member

rules.set_perm("documents.record_document", is_team_member)
