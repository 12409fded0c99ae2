"""Finding milestones (anniversaries of the first order, renewals), recording others
(project launches), and the thank-you touches they become for the owner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from retain.accounts.models import User
from retain.appreciation.models import Milestone, MilestoneKind, ThankedBy, ThankYou
from retain.clients.choices import ClientStatus, TimelineKind
from retain.clients.models import Client, SubscriptionLine, Transaction
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.documents.choices import DocumentKind
from retain.documents.models import Document

# A thank-you is planned this many days before its milestone...
LEAD_DAYS = 14
# ...and a milestone found this many days late (a worker that was down) still gets one.
GRACE_DAYS = 7
# A new subscription line for a product whose previous line ended at most this many
# days before it started is a renewal, not a new purchase.
RENEWAL_GAP_DAYS = 31


class AlreadyThanked(Exception):
    """Someone said this thank-you already; nothing was changed."""


@dataclass(frozen=True)
class AppreciationPlan:
    milestones_found: int
    thank_yous_planned: int


def _first_orders() -> dict[int, date]:
    """Each active client's first order: its earliest transaction, order document or
    subscription start, whichever came first. Three grouped queries."""
    active = {"client__status": ClientStatus.ACTIVE}
    first: dict[int, date] = {}

    def keep(client_id: int, day: date) -> None:
        if client_id not in first or day < first[client_id]:
            first[client_id] = day

    for client_id, moment in (
        Transaction.objects.filter(**active)
        .values("client_id")
        .annotate(first=Min("occurred_at"))
        .values_list("client_id", "first")
    ):
        keep(client_id, timezone.localtime(moment).date())
    for source, field in (
        (Document.objects.filter(kind=DocumentKind.ORDER, **active), "issued_on"),
        (SubscriptionLine.objects.filter(**active), "start_date"),
    ):
        for client_id, day in (
            source.values("client_id").annotate(first=Min(field)).values_list("client_id", "first")
        ):
            keep(client_id, day)
    return first


def _same_day_in(year: int, day: date) -> date:
    """``day`` in ``year``; 29 February becomes the 28th in other years."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def _window(today: date) -> tuple[date, date]:
    """The days whose milestones are found and thanked now: a week back, two ahead."""
    return today - timedelta(days=GRACE_DAYS), today + timedelta(days=LEAD_DAYS)


def _anniversaries(today: date) -> Iterator[Milestone]:
    start, end = _window(today)
    for client_id, first in _first_orders().items():
        for year in {start.year, end.year}:
            day = _same_day_in(year, first)
            years = year - first.year
            if years >= 1 and start <= day <= end:
                yield Milestone(
                    client_id=client_id,
                    kind=MilestoneKind.ANNIVERSARY,
                    occurs_on=day,
                    title=f"{years} year{'s' if years > 1 else ''} since the first order",
                )


def _renewals(today: date) -> Iterator[Milestone]:
    start, end = _window(today)
    previous = SubscriptionLine.objects.filter(
        client_id=OuterRef("client_id"),
        product=OuterRef("product"),
        start_date__lt=OuterRef("start_date"),
        end_date__lte=OuterRef("start_date"),
    ).exclude(pk=OuterRef("pk"))
    renewed = SubscriptionLine.objects.filter(
        client__status=ClientStatus.ACTIVE, start_date__range=(start, end)
    ).filter(
        Exists(
            previous.filter(end_date__gte=OuterRef("start_date") - timedelta(days=RENEWAL_GAP_DAYS))
        )
    )
    for client_id, product, day in renewed.values_list("client_id", "product", "start_date"):
        yield Milestone(
            client_id=client_id,
            kind=MilestoneKind.RENEWAL,
            occurs_on=day,
            title=f"Renewed {product}",
        )


def _plan_thank_yous(today: date, now: datetime, milestones: list[Milestone] | None = None) -> int:
    """A thank-you for each milestone in the window that has none, for its client's
    owner (clients with no owner wait until they have one)."""
    due = Milestone.objects.filter(
        occurs_on__range=_window(today),
        thank_you__isnull=True,
        client__status=ClientStatus.ACTIVE,
        client__owner__isnull=False,
    ).select_related("client")
    if milestones is not None:
        due = due.filter(pk__in=[m.pk for m in milestones])
    planned = [
        ThankYou(
            milestone=milestone,
            client=milestone.client,
            owner_id=milestone.client.owner_id,
            due_on=milestone.occurs_on,
            created_at=now,
        )
        for milestone in due
    ]
    ThankYou.objects.bulk_create(planned, ignore_conflicts=True, batch_size=1000)
    return len(planned)


def plan_appreciation(*, now: datetime | None = None) -> AppreciationPlan:
    """Find the milestones of the coming two weeks (and the week past) and plan a
    thank-you for each: daily, by the worker; safe to run any number of times."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        before = Milestone.objects.count()
        Milestone.objects.bulk_create(
            [*_anniversaries(today), *_renewals(today)], ignore_conflicts=True, batch_size=1000
        )
        found = Milestone.objects.count() - before
        planned = _plan_thank_yous(today, now)
    return AppreciationPlan(milestones_found=found, thank_yous_planned=planned)


def record_milestone(
    *, actor: User, client: Client, kind: str, occurs_on: date, title: str
) -> Milestone:
    """A milestone people know of (a project launch, say); within two weeks it gets its
    thank-you at once, later ones when their day comes near."""
    require(actor, "appreciation.record_milestone", client)
    milestone = Milestone(
        client=client, kind=kind, occurs_on=occurs_on, title=title.strip(), recorded_by=actor
    )
    milestone.full_clean(exclude=["client", "recorded_by"])
    if kind in (MilestoneKind.ANNIVERSARY, MilestoneKind.RENEWAL):
        raise ValidationError({"kind": "anniversaries and renewals are found by Retain"})
    with transaction.atomic():
        milestone._history_user = actor  # type: ignore[attr-defined]
        milestone.save()
        log_record_on_timeline(
            source=milestone,
            client_id=client.pk,
            kind=TimelineKind.MILESTONE,
            department_id=actor.department_id,
            author=actor,
            subject=f"{milestone.get_kind_display()} on {occurs_on:%d %b %Y}: {milestone.title}",
        )
        now = timezone.now()
        _plan_thank_yous(timezone.localdate(now), now, [milestone])
    return milestone


def thank(*, actor: User, thank_you: ThankYou, how: str, note: str = "") -> ThankYou:
    """Say the thanks: the thank-you is done and goes on the client's timeline as the
    call, meeting or email it was (so it is a cadence touch too)."""
    require(actor, "appreciation.thank", thank_you)
    if how not in ThankedBy.values:
        raise ValidationError({"how": f"choose one of {', '.join(ThankedBy.values)}"})
    with transaction.atomic():
        locked = (
            ThankYou.objects.select_for_update().select_related("milestone").get(pk=thank_you.pk)
        )
        if locked.done_at is not None:
            raise AlreadyThanked(f"{locked.done_by or 'Someone'} already said this thank-you.")
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.how = how
        locked.note = note.strip()
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save()
        log_record_on_timeline(
            source=locked,
            client_id=locked.client_id,
            kind=how,
            department_id=actor.department_id,
            author=actor,
            subject=f"Thank-you for {locked.milestone.title}",
            body=locked.note,
            occurred_at=locked.done_at,
        )
    return locked
