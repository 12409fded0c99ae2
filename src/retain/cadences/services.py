"""Writing cadence rules (managers and admins)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from retain.accounts.models import User
from retain.cadences.models import CadenceRule
from retain.clients.permissions import require

TOUCH_KINDS = ("meeting", "call", "email")


def add_rule(
    *,
    actor: User,
    name: str,
    every_days: int,
    kinds: list[str],
    by: str,
    top_share: Decimal | None = None,
    segment: str = "",
) -> CadenceRule:
    """A new cadence, e.g. "Top 20%: owner touch every 30 days"."""
    require(actor, "cadences.manage_rules")
    if not kinds or set(kinds) - set(TOUCH_KINDS):
        raise ValidationError({"kinds": f"choose among {', '.join(TOUCH_KINDS)}"})
    rule = CadenceRule(
        name=name.strip(),
        every_days=every_days,
        kinds=list(kinds),
        by=by,
        top_share=top_share,
        segment=segment.strip(),
    )
    rule.full_clean()
    rule.save()
    return rule
