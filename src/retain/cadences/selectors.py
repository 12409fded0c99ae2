"""Which touches are due, and how well the cadences are kept (by rule, owner, department)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import F, Max, Q
from django.utils import timezone

from retain.accounts.models import User
from retain.cadences.models import CadenceRule, TouchBy, TouchTask
from retain.clients.choices import ClientStatus
from retain.clients.models import Client, TimelineEntry
from retain.clients.selectors import top_mrr_floor

# A touch shows as due this many days before its day.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Touch:
    """One client under one rule: its last touch and when the next is due."""

    rule: CadenceRule
    client: Client
    last_touch: date | None
    due_on: date

    @property
    def overdue(self) -> bool:
        return self.due_on < timezone.localdate()

    @property
    def kept(self) -> bool:
        return not self.overdue


def _mrr_floor(share: Decimal, segment: str) -> Decimal | None:
    """``top_mrr_floor``, cached for a minute: it moves with revenue, not with every
    page view.
    """

    return cache.get_or_set(
        f"cadences:floor:{share}:{segment}",
        lambda: top_mrr_floor(share, segment=segment),
        timeout=60,
    )


def _covered(
    rule: CadenceRule, only_for: User | None, client_ids: Collection[int] | None
) -> list[Client]:
    clients = Client.objects.filter(status=ClientStatus.ACTIVE)
    if client_ids is not None:
        clients = clients.filter(pk__in=list(client_ids))
    if rule.segment:
        clients = clients.filter(segment=rule.segment)
    if rule.top_share is not None:
        floor = _mrr_floor(rule.top_share, rule.segment)
        if floor is None:
            return []
        # Clients tied with the last one at the floor are in too.
        clients = clients.filter(mrr__gte=floor)
    if only_for is not None:
        clients = clients.filter(Q(owner=only_for) | Q(backup_owner=only_for))
    return list(clients.select_related("owner__department"))


def _touched_by(rule: CadenceRule) -> Q:
    if rule.by == TouchBy.OWNER:
        return Q(author_id=F("client__owner_id")) | Q(author_id=F("client__backup_owner_id"))
    if rule.by == TouchBy.EXECUTIVE:
        return Q(author__department__slug="executive")
    return Q()


def touches(
    *,
    rules: Iterable[CadenceRule] | None = None,
    only_for: User | None = None,
    client_ids: Collection[int] | None = None,
) -> list[Touch]:
    """Every covered client under every active rule (or only ``only_for``'s clients, as
    owner or backup, or only ``client_ids``), with the day its next touch is due.

    Rules that cover the same clients (the same top share and segment) are read
    together: one query for the clients, one for their last touch under each rule.
    """
    chosen = list(rules) if rules is not None else list(CadenceRule.objects.filter(is_active=True))
    scopes: dict[tuple[Decimal | None, str], list[CadenceRule]] = defaultdict(list)
    for rule in chosen:
        scopes[(rule.top_share, rule.segment)].append(rule)
    found: list[Touch] = []
    for scope_rules in scopes.values():
        clients = _covered(scope_rules[0], only_for, client_ids)
        if not clients:
            continue
        last: dict[int, dict[str, Any]] = {
            row["client_id"]: dict(row)
            for row in TimelineEntry.objects.filter(client_id__in=[c.pk for c in clients])
            .values("client_id")
            .annotate(
                **{
                    f"rule_{rule.pk}": Max(
                        "occurred_at", filter=Q(kind__in=rule.kinds) & _touched_by(rule)
                    )
                    for rule in scope_rules
                }
            )
        }
        for rule in scope_rules:
            for client in clients:
                moment = last.get(client.pk, {}).get(f"rule_{rule.pk}")
                last_day = timezone.localtime(moment).date() if moment else None
                since = last_day or timezone.localtime(client.created_at).date()
                found.append(Touch(rule, client, last_day, since + timedelta(days=rule.every_days)))
    return found


def touches_due_for(user: User) -> list[Touch]:
    """The person's touches (as owner or backup) overdue or due within a week, soonest
    first."""
    horizon = timezone.localdate() + timedelta(days=DUE_SOON_DAYS)
    return sorted(
        (t for t in touches(only_for=user) if t.due_on <= horizon),
        key=lambda t: (t.due_on, t.client.name),
    )


def open_touch_tasks_for(user: User, *, limit: int = 20) -> list[TouchTask]:
    """The person's open touch tasks (clients they own), overdue first, at most ``limit``:
    what My clients shows. One query that reads ``limit`` rows of the open-tasks index
    in its order (a tie-break by client name would sort all of an owner's tasks: 4 ms
    for 2,745 on the benchmark database)."""
    return list(
        TouchTask.objects.filter(owner=user, closed_at__isnull=True)
        .select_related("rule", "client")
        .only("due_on", "client__name", "rule__name")  # what the list shows: 1 ms less
        .order_by("due_on", "pk")[:limit]
    )


@dataclass(frozen=True)
class Compliance:
    group: str
    covered: int
    kept: int

    @property
    def rate(self) -> float:
        return self.kept / self.covered if self.covered else 0.0


def compliance(by: str, found: list[Touch] | None = None) -> list[Compliance]:
    """Share of (client, rule) pairs whose touch is not overdue, grouped by ``rule``,
    ``owner`` or ``department`` (the owner's)."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for touch in found if found is not None else touches():
        owner = touch.client.owner
        key = {
            "rule": touch.rule.name,
            "owner": str(owner) if owner else "(no owner)",
            "department": str(owner.department) if owner and owner.department else "(none)",
        }[by]
        groups[key][0] += 1
        groups[key][1] += touch.kept
    return [Compliance(k, v[0], v[1]) for k, v in sorted(groups.items())]
