"""Writes to playbooks: publish a version, start one for a client, complete its tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.choices import TimelineKind
from retain.clients.models import Client
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.playbooks.models import (
    Playbook,
    PlaybookRun,
    PlaybookStep,
    PlaybookVersion,
    StepOwner,
    Task,
    Trigger,
)


@dataclass(frozen=True)
class StepSpec:
    """One step as written: title, who, when (days after the start), checklist, guidance."""

    title: str
    responsible: str = StepOwner.CLIENT_OWNER
    department: Department | None = None
    due_after_days: int = 0
    checklist: Sequence[str] = field(default_factory=tuple)
    guidance: str = ""


def publish_version(
    *,
    actor: User | None,
    playbook: Playbook,
    steps: Sequence[StepSpec],
    based_on: int | None = None,
) -> PlaybookVersion:
    """Write ``steps`` as the playbook's next version; runs already started keep theirs.

    ``actor`` None means Retain itself (seeding the standard playbooks). ``based_on``
    is the version number the editor started from: when someone published another
    version meanwhile, the edit is refused rather than silently replacing theirs.
    """
    if actor is not None:
        require(actor, "playbooks.write_playbook")
    if not steps:
        raise ValidationError("A playbook needs at least one step.")
    for n, step in enumerate(steps, start=1):
        if not step.title.strip():
            raise ValidationError({"steps": f"Step {n} needs a title."})
        if step.responsible == StepOwner.DEPARTMENT and step.department is None:
            raise ValidationError({"steps": f"Step {n} is for a department: name it."})
    with transaction.atomic():
        Playbook.objects.select_for_update().get(pk=playbook.pk)
        latest = playbook.versions.aggregate(n=Max("number"))["n"] or 0
        if based_on is not None and based_on != latest:
            raise ValidationError(
                f"Version {latest} was published while you edited version {based_on}: "
                "reload the playbook and make your changes again."
            )
        version = PlaybookVersion.objects.create(
            playbook=playbook, number=latest + 1, created_by=actor
        )
        PlaybookStep.objects.bulk_create(
            PlaybookStep(
                version=version,
                position=n,
                title=step.title.strip(),
                responsible=step.responsible,
                department=step.department,
                due_after_days=step.due_after_days,
                checklist=[item.strip() for item in step.checklist if item.strip()],
                guidance=step.guidance,
            )
            for n, step in enumerate(steps, start=1)
        )
    return version


def current_version(playbook: Playbook) -> PlaybookVersion | None:
    """The newest version of ``playbook`` (None before its first is published)."""
    return playbook.versions.order_by("-number").first()


def _assignee(step: PlaybookStep, client: Client) -> User | None:
    if step.responsible == StepOwner.DEPARTMENT and step.department is not None:
        head = step.department.head
        return head if head is not None and head.is_active else None
    first, second = (
        (client.backup_owner, client.owner)
        if step.responsible == StepOwner.BACKUP_OWNER
        else (client.owner, client.backup_owner)
    )
    for person in (first, second):
        if person is not None and person.is_active:
            return person
    return None


def _timeline(
    client: Client,
    actor: User | None,
    subject: str,
    source: PlaybookRun | Task,
    department_id: int | None,
) -> None:
    log_record_on_timeline(
        source=source,
        client_id=client.pk,
        kind=TimelineKind.TASK,
        department_id=department_id,
        author=actor,
        subject=subject,
    )


def start_playbook(
    *, actor: User | None, client: Client, playbook: Playbook, reason: str = ""
) -> PlaybookRun:
    """Run the playbook's current version for the client: one task per step, assigned.

    ``actor`` None means a trigger started it (see ``start_triggered``).
    """
    if actor is not None:
        require(actor, "playbooks.start_playbook", client)
    version = current_version(playbook)
    if version is None or not playbook.is_active:
        raise ValidationError(f"{playbook} has no active version to start.")
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        run = PlaybookRun.objects.create(
            version=version, client=client, started_at=now, started_by=actor, reason=reason
        )
        steps = list(version.steps.select_related("department__head"))
        Task.objects.bulk_create(
            Task(
                run=run,
                step=step,
                client=client,
                title=step.title,
                assignee=_assignee(step, client),
                department=step.department,
                due_on=today + timedelta(days=step.due_after_days),
            )
            for step in steps
        )
        _timeline(
            client,
            actor,
            f"Playbook started: {playbook.name} (v{version.number}, {len(steps)} tasks)",
            run,
            None,
        )
    return run


def start_triggered(trigger: Trigger, *, client: Client, reason: str) -> list[PlaybookRun]:
    """Start every active playbook that ``trigger`` starts, for the client."""
    return [
        start_playbook(actor=None, client=client, playbook=playbook, reason=reason)
        for playbook in Playbook.objects.filter(trigger=trigger, is_active=True)
        if current_version(playbook) is not None
    ]


def complete_task(*, actor: User, task: Task) -> Task:
    """Tick the task off; the run completes with its last task."""
    require(actor, "playbooks.complete_task", task)
    with transaction.atomic():
        current = Task.objects.select_for_update().select_related("run").get(pk=task.pk)
        if current.completed_at is not None:
            raise ValidationError("This task is already done.")
        current.completed_at = timezone.now()
        current.completed_by = actor
        current._history_user = actor  # type: ignore[attr-defined]
        current.save(update_fields=["completed_at", "completed_by"])
        _timeline(
            task.client,
            actor,
            f"Task done: {current.title}",
            current,
            current.department_id or actor.department_id,
        )
        if not current.run.tasks.filter(completed_at__isnull=True).exists():
            current.run.completed_at = current.completed_at
            current.run.save(update_fields=["completed_at"])
    return current
