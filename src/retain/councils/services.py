"""Running a customer council: members, meetings with emailed calendar invitations,
minutes with attendance, action items and the clients' feedback, followed through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from retain.accounts.models import User
from retain.clients.choices import TimelineKind
from retain.clients.models import Client, Contact
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.councils.calendar import invitation
from retain.councils.models import Attendance, Council, CouncilAction, Feedback, Meeting
from retain.outbox.delivery import Attachment, queue_email


@dataclass(frozen=True)
class ActionSpec:
    title: str
    owner: User
    due_on: date


@dataclass(frozen=True)
class FeedbackSpec:
    client: Client
    text: str


def create_council(
    *, actor: User, name: str, purpose: str = "", members: Sequence[Contact] = ()
) -> Council:
    require(actor, "councils.run_councils")
    council = Council(name=name.strip(), purpose=purpose.strip())
    council.full_clean()
    with transaction.atomic():
        council.save()
        council.members.set(members)
    return council


def schedule_meeting(
    *,
    actor: User,
    council: Council,
    title: str,
    starts_at: datetime,
    agenda: str,
    duration_minutes: int = 60,
    location: str = "",
) -> Meeting:
    """Schedule a meeting and invite every member with an email (with an .ics)."""
    require(actor, "councils.run_councils")
    if not agenda.strip():
        raise ValidationError({"agenda": "an agenda is required: what will the council discuss?"})
    with transaction.atomic():
        meeting = Meeting.objects.create(
            council=council,
            title=title.strip(),
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            location=location.strip(),
            agenda=agenda.strip(),
        )
        for contact in council.members.exclude(email=""):
            Attendance.objects.create(meeting=meeting, contact=contact)
            ics = invitation(
                uid=f"council-meeting-{meeting.pk}@retain",
                sequence=0,
                starts_at=starts_at,
                minutes=duration_minutes,
                summary=f"{council.name}: {meeting.title}",
                location=meeting.location,
                description=meeting.agenda,
                attendee_name=contact.name,
                attendee_email=contact.email,
            )
            local = timezone.localtime(starts_at)
            queue_email(
                key=f"council-invitation:{meeting.pk}:{contact.pk}",
                to=contact.email,
                subject=f"Invitation: {council.name}, {local:%d %B %Y at %H:%M}",
                body=(
                    f"Dear {contact.name},\n\nYou are invited to {council.name}: "
                    f"{meeting.title}, on {local:%A %d %B %Y at %H:%M} "
                    f"({duration_minutes} minutes){', ' + meeting.location if meeting.location else ''}."
                    f"\n\nAgenda:\n{meeting.agenda}\n\nThe calendar invitation is attached.\n"
                ),
                attachments=[Attachment("invite.ics", "text/calendar; method=REQUEST", ics)],
            )
    return meeting


def record_meeting(
    *,
    actor: User,
    meeting: Meeting,
    minutes: str,
    attended: Sequence[int],
    actions: Sequence[ActionSpec] = (),
    feedback: Sequence[FeedbackSpec] = (),
    expected_version: int,
) -> Meeting:
    """The minutes, who came (contact ids), action items and each client's feedback (on
    that client's timeline)."""
    require(actor, "councils.run_councils")
    if not minutes.strip():
        raise ValidationError({"minutes": "write what was said and decided"})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.version != expected_version:
            raise ValidationError("Someone saved this meeting while you wrote: reload it.")
        locked.minutes, locked.held = minutes.strip(), True
        locked.version += 1
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=["minutes", "held", "version"])
        locked.attendance.update(attended=Q(contact_id__in=list(attended)))
        for action in actions:
            CouncilAction.objects.create(
                meeting=locked, title=action.title.strip(), owner=action.owner, due_on=action.due_on
            )
        for item in feedback:
            raised = Feedback.objects.create(
                meeting=locked, client=item.client, text=item.text.strip()
            )
            log_record_on_timeline(
                source=raised,
                client_id=item.client.pk,
                kind=TimelineKind.MEETING,
                department_id=actor.department_id,
                author=actor,
                subject=f"Raised at {locked.council}: {raised.text[:120]}",
                body=raised.text,
            )
    return locked


def complete_action(*, actor: User, action: CouncilAction, outcome: str) -> CouncilAction:
    require(actor, "councils.complete_action", action)
    with transaction.atomic():
        locked = CouncilAction.objects.select_for_update().get(pk=action.pk)
        if locked.completed_at is not None:
            raise ValidationError("This action is already done.")
        locked.completed_at, locked.outcome = timezone.now(), outcome.strip()
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=["completed_at", "outcome"])
    return locked


def respond_to_feedback(*, actor: User, feedback: Feedback, response: str) -> Feedback:
    """What was done about a client's feedback (goes on the client's timeline too)."""
    require(actor, "councils.run_councils")
    if not response.strip():
        raise ValidationError({"response": "say what was done about it"})
    with transaction.atomic():
        feedback.response = response.strip()
        feedback._history_user = actor  # type: ignore[attr-defined]
        feedback.save(update_fields=["response"])
        log_record_on_timeline(
            source=feedback,
            client_id=feedback.client_id,
            kind=TimelineKind.NOTE,
            department_id=actor.department_id,
            author=actor,
            subject=f"Council feedback answered: {feedback.text[:120]}",
            body=feedback.response,
        )
    return feedback
