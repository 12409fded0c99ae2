"""Managers and admins write cadence rules; everyone sees compliance."""

from __future__ import annotations

import rules

from retain.clients.permissions import is_admin, is_manager

rules.set_perm("cadences.manage_rules", is_admin | is_manager)
