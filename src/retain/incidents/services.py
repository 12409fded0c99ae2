"""Writes to incidents: open, take, resolve. Shared by the web, the CLI and the engine."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.choices import TimelineKind
from retain.clients.models import Client
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.incidents.choices import IncidentStatus, Severity
from retain.incidents.models import Incident, IncidentTransfer, ResolutionTarget, TransferStatus
from retain.outbox.delivery import queue_email
from retain.playbooks.models import Trigger
from retain.playbooks.services import start_triggered
from retain.webhooks.delivery import emit_event


class StaleIncident(Exception):
    """Someone else changed the incident since this edit began; nothing was changed."""


# Used when an admin has deleted a severity's target: a week.
FALLBACK_HOURS = 168


def resolution_hours(severity: int) -> int:
    """The SLA for ``severity``: hours from opening to resolution."""
    target = ResolutionTarget.objects.filter(severity=severity).values_list("hours", flat=True)
    return next(iter(target), FALLBACK_HOURS)


def _timeline(
    incident: Incident,
    actor: User | None,
    subject: str,
    body: str = "",
    occurred_at: datetime | None = None,
) -> None:
    log_record_on_timeline(
        source=incident,
        client_id=incident.client_id,
        kind=TimelineKind.INCIDENT,
        department_id=incident.responsible_department_id,
        author=actor,
        subject=subject,
        body=body,
        occurred_at=occurred_at,
    )


def _notify(incident: Incident) -> None:
    """Queue mail to the client's point person; for severity 1, the department head too.

    Queued in the transaction that opens the incident, one message per person, so the
    worker sends it once even when the mail server is down for a while (it retries).
    """
    client = incident.client
    people = [client.owner] if client.owner is not None else []
    if incident.severity == Severity.CRITICAL:
        head = incident.responsible_department.head
        if head is not None:
            people.append(head)
    recipients = sorted({p.email for p in people if p.is_active and p.email})
    subject = f"[{incident.get_severity_display()}] {client.name}: {incident.title}"
    body = (
        f"{incident.responsible_department} has a new incident for {client.name}.\n\n"
        f"Category: {incident.get_category_display()}\n"
        f"Due: {timezone.localtime(incident.due_at):%Y-%m-%d %H:%M}\n\n"
        f"{incident.description}\n\n"
        f"{settings.RETAIN_BASE_URL}{reverse('incident-detail', args=[incident.pk])}\n"
    )
    for recipient in recipients:
        queue_email(
            key=f"incident:{incident.pk}:opened:{recipient}",
            to=recipient,
            subject=subject,
            body=body,
        )


def open_incident(
    *,
    actor: User | None,
    client: Client,
    title: str,
    category: str,
    severity: int,
    responsible_department: Department,
    reported_by_department: Department | None = None,
    description: str = "",
    impact: str = "",
    owner: User | None = None,
    mismatch_key: str | None = None,
    opened_at: datetime | None = None,
    automations: bool = True,
) -> Incident:
    """Open an incident in the responsible department's inbox, due by its severity's SLA.

    ``actor`` None means Retain itself (the consistency check). The incident goes on the
    client's timeline (at ``opened_at``). With ``automations`` (not for imports, which
    are usually history) mail to its point person is queued (see ``_notify``) and a
    severity-1 incident starts the recovery playbook.
    """
    if actor is not None:
        require(actor, "incidents.open_incident", client)
        reported_by_department = reported_by_department or actor.department
    opened_at = opened_at or timezone.now()
    incident = Incident(
        client=client,
        title=title.strip(),
        category=category,
        severity=severity,
        responsible_department=responsible_department,
        reported_by_department=reported_by_department,
        owner=owner,
        opened_by=actor,
        opened_at=opened_at,
        due_at=opened_at + timedelta(hours=resolution_hours(severity)),
        description=description.strip(),
        impact=impact.strip(),
        mismatch_key=mismatch_key,
    )
    incident.full_clean(exclude=["client", "responsible_department", "reported_by_department"])
    with transaction.atomic():
        incident._history_user = actor  # type: ignore[attr-defined]
        incident.save()
        _timeline(
            incident,
            actor,
            f"Incident for {responsible_department}: {incident.title}",
            incident.description,
            occurred_at=opened_at,
        )
        emit_event("incident.opened", _event_data(incident))
        if automations:
            if severity == Severity.CRITICAL:
                start_triggered(Trigger.SEVERITY_1_INCIDENT, client=client, reason=incident.title)
            _notify(incident)
    return incident


def _event_data(incident: Incident) -> dict[str, object]:
    """What a webhook says of an incident."""
    return {
        "incident_id": incident.pk,
        "client_external_id": incident.client.external_id,
        "title": incident.title,
        "category": incident.category,
        "severity": incident.severity,
        "responsible_department": incident.responsible_department.slug,
        "opened_at": incident.opened_at,
        "due_at": incident.due_at,
        "url": f"{settings.RETAIN_BASE_URL}/incidents/{incident.pk}/",
    }


def _locked(incident: Incident, expected_version: int) -> Incident:
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if current.version != expected_version:
        raise StaleIncident(
            "Someone else changed this incident since you opened it; "
            "reload to see their change, then try again."
        )
    return current


def take_incident(*, actor: User, incident: Incident, expected_version: int) -> Incident:
    """Assign the incident to the actor and mark it in progress."""
    require(actor, "incidents.act_on_incident", incident)
    with transaction.atomic():
        current = _locked(incident, expected_version)
        if current.status == IncidentStatus.RESOLVED:
            raise ValidationError("This incident is already resolved.")
        current.owner = actor
        current.status = IncidentStatus.IN_PROGRESS
        current.version += 1
        current._history_user = actor  # type: ignore[attr-defined]
        current.save(update_fields=["owner", "status", "version"])
    return current


def resolve_incident(
    *, actor: User, incident: Incident, resolution: str, expected_version: int
) -> Incident:
    """Close the incident with what was done about it; it leaves the department's inbox."""
    require(actor, "incidents.act_on_incident", incident)
    if not resolution.strip():
        raise ValidationError({"resolution": "Say what was done for the client."})
    with transaction.atomic():
        current = _locked(incident, expected_version)
        if current.status == IncidentStatus.RESOLVED:
            raise ValidationError("This incident is already resolved.")
        current.status = IncidentStatus.RESOLVED
        current.resolution = resolution.strip()
        current.resolved_at = timezone.now()
        current.owner = current.owner or actor
        current.version += 1
        current._history_user = actor  # type: ignore[attr-defined]
        current.save(update_fields=["status", "resolution", "resolved_at", "owner", "version"])
        _timeline(current, actor, f"Incident resolved: {current.title}", current.resolution)
        emit_event("incident.resolved", {**_event_data(current), "resolution": current.resolution})
    return current


def request_transfer(
    *, actor: User, incident: Incident, to_department: Department, note: str, expected_version: int
) -> IncidentTransfer:
    """Ask another department to take the incident over, with what they need to know.

    The incident stays with its department and owner until the other side accepts.
    """
    require(actor, "incidents.act_on_incident", incident)
    if not note.strip():
        raise ValidationError({"note": "Say what the other department needs to know."})
    with transaction.atomic():
        current = _locked(incident, expected_version)
        if current.status == IncidentStatus.RESOLVED:
            raise ValidationError("A resolved incident is not transferred.")
        if to_department.pk == current.responsible_department_id:
            raise ValidationError({"to_department": "The incident is already there."})
        if current.transfers.filter(status=TransferStatus.PENDING).exists():
            raise ValidationError("A transfer of this incident is already waiting for an answer.")
        transfer = IncidentTransfer(
            incident=current,
            from_department_id=current.responsible_department_id,
            to_department=to_department,
            note=note.strip(),
            requested_by=actor,
            requested_at=timezone.now(),
        )
        transfer._history_user = actor  # type: ignore[attr-defined]
        transfer.save()
        current.version += 1
        current._history_user = actor  # type: ignore[attr-defined]
        current.save(update_fields=["version"])
        _timeline(
            current,
            actor,
            f"Transfer to {to_department} requested: {current.title}",
            transfer.note,
        )
    return transfer


def answer_transfer(
    *, actor: User, transfer: IncidentTransfer, accept: bool, answer: str = ""
) -> IncidentTransfer:
    """Accept (the incident moves, unassigned, to the actor's department) or decline."""
    require(actor, "incidents.answer_transfer", transfer)
    with transaction.atomic():
        current = IncidentTransfer.objects.select_for_update().get(pk=transfer.pk)
        if current.status != TransferStatus.PENDING:
            raise ValidationError("This transfer was already answered.")
        incident = Incident.objects.select_for_update().get(pk=current.incident_id)
        current.status = TransferStatus.ACCEPTED if accept else TransferStatus.DECLINED
        current.answered_by = actor
        current.answered_at = timezone.now()
        current.answer = answer.strip()
        current._history_user = actor  # type: ignore[attr-defined]
        current.save()
        if accept:
            incident.responsible_department_id = current.to_department_id
            incident.owner = None
            incident.status = IncidentStatus.OPEN
        incident.version += 1
        incident._history_user = actor  # type: ignore[attr-defined]
        incident.save(update_fields=["responsible_department", "owner", "status", "version"])
        verb = "accepted" if accept else "declined"
        _timeline(
            incident,
            actor,
            f"Transfer to {current.to_department} {verb}: {incident.title}",
            current.answer,
        )
    return current
