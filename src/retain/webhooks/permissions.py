"""Webhooks send client data to other systems: only admins manage them."""

from __future__ import annotations

import rules

from retain.clients.permissions import is_admin

rules.set_perm("webhooks.manage_webhooks", is_admin)
