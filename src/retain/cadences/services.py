"""Writing cadence rules (managers and admins)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from retain.accounts.models import User
from retain.cadences.models import CadenceRule, TouchClosed, TouchTask
from retain.cadences.selectors import DUE_SOON_DAYS, Touch, touches
from retain.clients.models import TimelineEntry
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


@dataclass(frozen=True)
class TouchPlan:
    opened: int
    closed: int


def _reconcile(
    found: list[Touch], open_tasks: list[TouchTask], today: date, now: datetime
) -> TouchPlan:
    """Open a task for each touch due within a week (or overdue) that has none; close
    each open task whose touch was made (its next due day moved past the task's) or
    that no rule asks for any more (the client left the top share, say)."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    due = {(t.rule.pk, t.client.pk): t for t in found if t.due_on <= horizon}
    asked = {(t.rule.pk, t.client.pk): t for t in found}
    to_close: dict[str, list[int]] = {TouchClosed.TOUCHED: [], TouchClosed.NOT_DUE: []}
    to_move: list[TouchTask] = []
    still_open: set[tuple[int, int]] = set()
    for task in open_tasks:
        key = (task.rule_id, task.client_id)
        touch = asked.get(key)
        if touch is None:
            to_close[TouchClosed.NOT_DUE].append(task.pk)
        elif touch.due_on > task.due_on:
            to_close[TouchClosed.TOUCHED].append(task.pk)
        else:
            still_open.add(key)
            if task.owner_id != touch.client.owner_id:
                task.owner_id = touch.client.owner_id  # the client changed hands
                to_move.append(task)
    for how, pks in to_close.items():
        TouchTask.objects.filter(pk__in=pks).update(closed_at=now, closed_how=how)
    TouchTask.objects.bulk_update(to_move, ["owner"], batch_size=1000)
    new = [
        TouchTask(
            rule=touch.rule,
            client=touch.client,
            owner_id=touch.client.owner_id,
            due_on=touch.due_on,
            created_at=now,
        )
        for key, touch in due.items()
        if key not in still_open
    ]
    TouchTask.objects.bulk_create(new, batch_size=1000)
    return TouchPlan(opened=len(new), closed=sum(len(pks) for pks in to_close.values()))


def plan_touches(*, now: datetime | None = None) -> TouchPlan:
    """Bring every owner's touch tasks up to date with the cadences (daily, by the
    worker): safe to run any number of times."""
    now = now or timezone.now()
    with transaction.atomic():
        open_tasks = list(TouchTask.objects.select_for_update().filter(closed_at__isnull=True))
        return _reconcile(touches(), open_tasks, timezone.localdate(now), now)


def refresh_touch_tasks(client_ids: Collection[int], *, now: datetime | None = None) -> TouchPlan:
    """The same for a few clients, right after something was logged on their timeline,
    so a touch made now leaves the owner's list now rather than tomorrow."""
    now = now or timezone.now()
    with transaction.atomic():
        open_tasks = list(
            TouchTask.objects.select_for_update().filter(
                client_id__in=list(client_ids), closed_at__isnull=True
            )
        )
        if not open_tasks:
            return TouchPlan(0, 0)
        found = touches(client_ids=client_ids)
        plan = _reconcile(found, open_tasks, timezone.localdate(now), now)
    return plan


def close_touches_made_by(entry: TimelineEntry) -> None:
    """Called when a timeline entry is saved: a call, meeting or email may be a touch."""
    if entry.kind in TOUCH_KINDS:
        refresh_touch_tasks([entry.client_id])
