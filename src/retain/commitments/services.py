"""Writes to commitments: record, close as kept or broken, alert when overdue."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.choices import TimelineKind
from retain.clients.models import Client
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.commitments.models import Commitment, CommitmentStatus
from retain.outbox.delivery import queue_email


def _timeline(commitment: Commitment, actor: User | None, subject: str, body: str = "") -> None:
    log_record_on_timeline(
        source=commitment,
        client_id=commitment.client_id,
        kind=TimelineKind.COMMITMENT,
        department_id=commitment.keeper_department_id,
        author=actor,
        subject=subject,
        body=body,
    )


def record_commitment(
    *,
    actor: User,
    client: Client,
    promise: str,
    due_on: date,
    keeper_department: Department,
    keeper: User | None = None,
    made_to: str = "",
) -> Commitment:
    """Record a promise made to the client, for the department (or person) who must keep it."""
    require(actor, "commitments.record_commitment", client)
    if keeper is not None and keeper.department_id not in (None, keeper_department.pk):
        raise ValidationError({"keeper": f"{keeper} does not work in {keeper_department}."})
    commitment = Commitment(
        client=client,
        promise=promise.strip(),
        made_to=made_to.strip(),
        due_on=due_on,
        made_by=actor,
        made_by_department=actor.department,
        made_at=timezone.now(),
        keeper_department=keeper_department,
        keeper=keeper,
    )
    commitment.full_clean(exclude=["client", "keeper_department", "made_by_department"])
    with transaction.atomic():
        commitment._history_user = actor  # type: ignore[attr-defined]
        commitment.save()
        to = f" to {commitment.made_to}" if commitment.made_to else ""
        _timeline(
            commitment,
            actor,
            f"Promised{to}: {commitment.promise} (by {due_on:%Y-%m-%d}, {keeper_department})",
        )
    return commitment


def close_commitment(
    *, actor: User, commitment: Commitment, kept: bool, outcome: str = ""
) -> Commitment:
    """Mark the promise kept or broken; it then counts for its department."""
    require(actor, "commitments.close_commitment", commitment)
    with transaction.atomic():
        current = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if current.status != CommitmentStatus.OPEN:
            raise ValidationError("This commitment is already closed.")
        current.status = CommitmentStatus.KEPT if kept else CommitmentStatus.BROKEN
        current.closed_at = timezone.now()
        current.closed_by = actor
        current.outcome = outcome.strip()
        current._history_user = actor  # type: ignore[attr-defined]
        current.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
        _timeline(
            current,
            actor,
            f"Promise {'kept' if kept else 'broken'}: {current.promise}",
            current.outcome,
        )
    return current


def alert_overdue_commitments(*, today: date | None = None) -> int:
    """Mail the maker and the keeper (or the keeping department's head) of each open
    commitment past its day, once each. Returns how many commitments were alerted.

    Each commitment is marked, and its mail queued, in the same transaction that claims
    it, so two runs at once never alert twice.
    """
    today = today or timezone.localdate()
    alerted = 0
    with transaction.atomic():
        due = list(
            Commitment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=CommitmentStatus.OPEN, due_on__lt=today, overdue_alerted_at__isnull=True)
            .select_related("client", "made_by", "keeper", "keeper_department__head")
        )
        now = timezone.now()
        for commitment in due:
            commitment.overdue_alerted_at = now
        Commitment.objects.bulk_update(due, ["overdue_alerted_at"])
        for commitment in due:
            _mail_overdue(commitment)
            alerted += 1
    return alerted


def _mail_overdue(commitment: Commitment) -> None:
    keeper = commitment.keeper or commitment.keeper_department.head
    people = [p for p in (commitment.made_by, keeper) if p is not None and p.is_active and p.email]
    subject = f"Overdue promise to {commitment.client.name}: {commitment.promise}"[:200]
    body = (
        f"{commitment.client.name} was promised, by {commitment.due_on:%Y-%m-%d}:\n\n"
        f"{commitment.promise}\n\n"
        f"Made by {commitment.made_by or 'someone'}; to be kept by "
        f"{commitment.keeper or commitment.keeper_department}.\n"
    )
    for recipient in sorted({p.email for p in people}):
        queue_email(
            key=f"commitment:{commitment.pk}:overdue:{recipient}",
            to=recipient,
            subject=subject,
            body=body,
        )
