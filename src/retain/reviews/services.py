"""Cross-department client reviews: plan one (agenda and attendees built from what is
open for the client), write its minutes, and follow its action items to completion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.choices import TimelineKind
from retain.clients.models import Client
from retain.clients.permissions import require
from retain.clients.selectors import top_clients
from retain.clients.timeline import log_record_on_timeline
from retain.commitments.models import Commitment, CommitmentStatus
from retain.documents.services import describe, find_all_mismatches
from retain.incidents.choices import OPEN_STATUSES
from retain.incidents.models import Incident
from retain.playbooks.models import Task
from retain.reviews.models import (
    ActionItem,
    AgendaItem,
    AgendaSource,
    Attendee,
    ClientReview,
    ReviewStatus,
)

# The share of active paying clients, by MRR, that the monthly review covers.
TOP_SHARE = 0.2


@dataclass(frozen=True)
class ActionSpec:
    """An action the review decided: what, who, by when."""

    title: str
    owner: User
    due_on: date


def _agenda(client: Client, today: date) -> list[AgendaItem]:
    """What is open for the client now, most pressing kind first."""
    items: list[AgendaItem] = []
    for incident in (
        Incident.objects.filter(client=client, status__in=OPEN_STATUSES)
        .select_related("responsible_department")
        .order_by("due_at", "pk")
    ):
        overdue = incident.due_at < timezone.now()
        items.append(
            AgendaItem(
                source=AgendaSource.INCIDENT,
                source_id=incident.pk,
                department=incident.responsible_department,
                text=f"Incident, severity {incident.severity}: {incident.title}"[:500],
                is_overdue=overdue,
            )
        )
    for commitment in (
        Commitment.objects.filter(client=client, status=CommitmentStatus.OPEN, due_on__lt=today)
        .select_related("keeper_department")
        .order_by("due_on", "pk")
    ):
        items.append(
            AgendaItem(
                source=AgendaSource.COMMITMENT,
                source_id=commitment.pk,
                department=commitment.keeper_department,
                text=f"Promise due {commitment.due_on:%d %b %Y}: {commitment.promise}"[:500],
                is_overdue=True,
            )
        )
    departments = {d.slug: d for d in Department.objects.all()}
    for mismatch in find_all_mismatches(as_of=today, client_ids=[client.pk]):
        items.append(
            AgendaItem(
                source=AgendaSource.MISMATCH,
                source_key=mismatch.key,
                department=departments.get(mismatch.department),
                text=describe(mismatch)[:500],
            )
        )
    for task in (
        Task.objects.filter(client=client, completed_at__isnull=True)
        .select_related("department")
        .order_by("due_on", "pk")
    ):
        items.append(
            AgendaItem(
                source=AgendaSource.TASK,
                source_id=task.pk,
                department=task.department,
                text=f"Task due {task.due_on:%d %b %Y}: {task.title}"[:500],
                is_overdue=task.due_on < today,
            )
        )
    for position, item in enumerate(items, start=1):
        item.position = position
    return items


def _attendees(client: Client, agenda: Iterable[AgendaItem]) -> list[Attendee]:
    """The owner and backup, and the head of each department the agenda involves."""
    people: dict[int, Attendee] = {}
    for person, why in ((client.owner, "owner"), (client.backup_owner, "backup owner")):
        if person is not None and person.is_active:
            people.setdefault(person.pk, Attendee(person=person, why=why))
    involved = {item.department_id for item in agenda if item.department_id is not None}
    for department in Department.objects.filter(pk__in=involved).select_related("head"):
        head = department.head
        if head is not None and head.is_active:
            people.setdefault(head.pk, Attendee(person=head, why=f"head of {department.name}"))
    return list(people.values())


def plan_review(
    *, actor: User | None, client: Client, scheduled_for: date, reason: str = ""
) -> ClientReview:
    """Plan a review of ``client``: its agenda is what is open for the client today
    (incidents, overdue promises, document mismatches, playbook tasks), and the owner,
    the backup and the head of every department involved are asked to it.

    ``actor`` None means Retain itself (the monthly review of the top clients).
    """
    if actor is not None:
        require(actor, "reviews.plan_review", client)
    today = timezone.localdate()
    agenda = _agenda(client, today)
    attendees = _attendees(client, agenda)
    try:
        with transaction.atomic():
            review = ClientReview(
                client=client, scheduled_for=scheduled_for, planned_by=actor, reason=reason
            )
            review._history_user = actor  # type: ignore[attr-defined]
            review.save()
            for item in agenda:
                item.review = review
            AgendaItem.objects.bulk_create(agenda)
            for attendee in attendees:
                attendee.review = review
            Attendee.objects.bulk_create(attendees)
            log_record_on_timeline(
                source=review,
                client_id=client.pk,
                kind=TimelineKind.MEETING,
                department_id=actor.department_id if actor else None,
                author=actor,
                subject=f"Cross-department review planned for {scheduled_for:%d %b %Y}",
                body=f"{len(agenda)} item(s) on the agenda; "
                + ", ".join(str(a.person) for a in attendees)
                + " asked.",
            )
    except IntegrityError:
        raise ValidationError(
            {"scheduled_for": f"{client} already has a review on {scheduled_for:%d %b %Y}"}
        ) from None
    return review


def plan_monthly_reviews(*, on: date, share: float = TOP_SHARE) -> list[ClientReview]:
    """Plan a review on ``on`` for each top client (the ``share`` of active paying
    clients with the highest MRR) that has none in that month yet. Safe to run again."""
    reviewed = ClientReview.objects.filter(
        scheduled_for__year=on.year, scheduled_for__month=on.month
    ).values("client_id")
    clients = top_clients(share).select_related("owner", "backup_owner")
    already = set(reviewed.values_list("client_id", flat=True))
    return [
        plan_review(
            actor=None,
            client=client,
            scheduled_for=on,
            reason=f"Monthly review of the top {share:.0%} of clients",
        )
        for client in clients
        if client.pk not in already
    ]


@transaction.atomic
def record_minutes(
    *,
    actor: User,
    review: ClientReview,
    minutes: str,
    present: Sequence[int],
    actions: Sequence[ActionSpec],
    expected_version: int,
) -> ClientReview:
    """Write what the review said and decided: the minutes, who came (``present``:
    person ids), and its action items. The review is then held; the minutes go on the
    client's timeline. Refuses when someone saved the review after ``expected_version``.
    """
    locked = ClientReview.objects.select_for_update().select_related("client").get(pk=review.pk)
    require(actor, "reviews.write_minutes", locked)
    if locked.version != expected_version:
        raise ValidationError(
            "Someone saved this review while you wrote: reload it, then add what is missing."
        )
    if not minutes.strip():
        raise ValidationError({"minutes": "write what was said and decided"})
    for n, action in enumerate(actions, start=1):
        if not action.title.strip():
            raise ValidationError(f"Action {n} needs a title.")
        if not action.owner.is_active:
            raise ValidationError(f"Action {n}: {action.owner} is no longer active.")
    now = timezone.now()
    locked.minutes = minutes.strip()
    locked.status = ReviewStatus.HELD
    locked.held_at = locked.held_at or now
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["minutes", "status", "held_at", "version"])
    locked.attendees.update(attended=Q(person_id__in=list(present)))
    for action in actions:
        item = ActionItem(
            review=locked,
            client=locked.client,
            title=action.title.strip(),
            owner=action.owner,
            department=action.owner.department,
            due_on=action.due_on,
            created_at=now,
        )
        item._history_user = actor  # type: ignore[attr-defined]
        item.save()
    log_record_on_timeline(
        source=locked,
        client_id=locked.client_id,
        kind=TimelineKind.MEETING,
        department_id=actor.department_id,
        author=actor,
        subject="Cross-department review held",
        body=locked.minutes
        + "".join(f"\n- {a.title} ({a.owner}, by {a.due_on:%d %b %Y})" for a in actions),
    )
    return locked


@transaction.atomic
def complete_action(*, actor: User, action: ActionItem, outcome: str = "") -> ActionItem:
    """Mark a review's action item done, saying what came of it; on the client's timeline."""
    locked = ActionItem.objects.select_for_update().select_related("client").get(pk=action.pk)
    require(actor, "reviews.complete_action", locked)
    if locked.completed_at is not None:
        raise ValidationError("This action is already done.")
    locked.completed_at = timezone.now()
    locked.completed_by = actor
    locked.outcome = outcome.strip()
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["completed_at", "completed_by", "outcome"])
    log_record_on_timeline(
        source=locked,
        client_id=locked.client_id,
        kind=TimelineKind.TASK,
        department_id=locked.department_id or actor.department_id,
        author=actor,
        subject=f"Review action done: {locked.title}",
        body=locked.outcome,
    )
    return locked
