"""Surveys: create one, send it (mail with a signed, expiring, single-use link), take an
answer from that link, and close the loop on unhappy answers."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from retain.accounts.models import User
from retain.clients.choices import TimelineKind
from retain.clients.models import Client, Contact
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.outbox.delivery import queue_email
from retain.surveys.models import (
    SCALE,
    FollowUp,
    Invitation,
    Response,
    Survey,
    SurveyKind,
    is_unhappy,
)
from retain.webhooks.delivery import emit_event

SIGNING_SALT = "retain.surveys.invitation"
FOLLOW_UP_BUSINESS_DAYS = 2


# What the contact reads for each link that cannot be used.
LINK_PROBLEMS_TEXT = {
    "tampered": "This link is not valid. Please use the link from your email as it is.",
    "expired": "This survey has closed: its link has expired.",
    "used": "This survey has already been answered from this link. Thank you!",
}


class LinkProblem(Exception):
    """A survey link that records nothing: ``reason`` is tampered, expired or used."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def create_survey(
    *, actor: User, name: str, kind: str, question: str, comment_question: str = ""
) -> Survey:
    require(actor, "surveys.manage_surveys")
    if kind not in SurveyKind.values:
        raise ValidationError({"kind": "choose NPS or CSAT"})
    survey = Survey(
        name=name.strip(),
        kind=kind,
        question=question.strip(),
        comment_question=comment_question.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    survey.full_clean()
    survey.save()
    return survey


def survey_link(invitation: Invitation) -> str:
    """The invitation's link: its token, signed, under RETAIN_BASE_URL."""
    signed = signing.Signer(salt=SIGNING_SALT).sign(invitation.token)
    return settings.RETAIN_BASE_URL + reverse("survey-answer", args=[signed])


def send_survey(*, actor: User, survey: Survey, contacts: Iterable[Contact]) -> int:
    """Invite each contact (with an email, not invited to this survey before) by email.

    Returns how many were invited. The mail is queued in the same transaction; the
    worker sends it.
    """
    require(actor, "surveys.manage_surveys")
    now = timezone.now()
    expires = now + timedelta(days=settings.RETAIN_SURVEY_LINK_DAYS)
    invited = 0
    with transaction.atomic():
        already = set(survey.invitations.values_list("contact_id", flat=True))
        for contact in contacts:
            if not contact.email or contact.pk in already:
                continue
            invitation = Invitation.objects.create(
                survey=survey,
                client_id=contact.client_id,
                contact=contact,
                token=secrets.token_urlsafe(24),
                sent_at=now,
                expires_at=expires,
            )
            queue_email(
                key=f"survey-invitation:{invitation.pk}",
                to=contact.email,
                subject=survey.question,
                body=(
                    f"Hello {contact.name},\n\n{survey.question}\n\n"
                    f"Answer here (one click, no sign-in):\n{survey_link(invitation)}\n\n"
                    f"The link works once, until {expires:%d %B %Y}.\n"
                ),
            )
            already.add(contact.pk)
            invited += 1
    return invited


def open_invitation(signed_token: str) -> Invitation:
    """The invitation behind a link, if the link may still be answered; else LinkProblem."""
    try:
        token = signing.Signer(salt=SIGNING_SALT).unsign(signed_token)
    except signing.BadSignature:
        raise LinkProblem("tampered") from None
    invitation = (
        Invitation.objects.select_related("survey", "contact", "client").filter(token=token).first()
    )
    if invitation is None:
        raise LinkProblem("tampered")
    if invitation.answered_at is not None:
        raise LinkProblem("used")
    if invitation.expires_at <= timezone.now():
        raise LinkProblem("expired")
    return invitation


def add_business_days(start: date, days: int) -> date:
    """``days`` working days (Monday to Friday) after ``start``."""
    day = start
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def answer_survey(*, signed_token: str, score: int, comment: str = "") -> Response:
    """Record the answer given through a link (once); an unhappy one opens a follow-up
    for the client's owner, due within 2 business days, and mails them."""
    with transaction.atomic():
        invitation = open_invitation(signed_token)
        # Locked and checked again: two submissions of one link record one answer.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.answered_at is not None:
            raise LinkProblem("used")
        survey = Survey.objects.get(pk=invitation.survey_id)
        if score not in SCALE[SurveyKind(survey.kind)]:
            scale = SCALE[SurveyKind(survey.kind)]
            raise ValidationError(f"Choose a score from {scale.start} to {scale.stop - 1}.")
        now = timezone.now()
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at"])
        response = Response.objects.create(
            invitation=invitation,
            client_id=invitation.client_id,
            kind=survey.kind,
            score=score,
            comment=comment.strip()[:5000],
            answered_at=now,
        )
        contact = Contact.objects.get(pk=invitation.contact_id)
        label = "NPS" if survey.kind == SurveyKind.NPS else "CSAT"
        log_record_on_timeline(
            source=response,
            client_id=invitation.client_id,
            kind=TimelineKind.SURVEY,
            department_id=None,
            author=None,
            subject=f"{label} {score} from {contact.name}",
            body=response.comment,
            occurred_at=now,
        )
        if is_unhappy(survey.kind, score):
            _open_follow_up(response, contact, label, now)
        emit_event(
            "survey.answered",
            {
                "survey": survey.name,
                "kind": survey.kind,
                "score": score,
                "comment": response.comment,
                "client_external_id": Client.objects.get(pk=invitation.client_id).external_id,
                "contact": contact.name,
                "answered_at": now,
            },
        )
    return response


def _open_follow_up(response: Response, contact: Contact, label: str, now: datetime) -> None:
    client = Client.objects.select_related("owner").get(pk=response.client_id)
    follow_up = FollowUp.objects.create(
        response=response,
        client=client,
        owner=client.owner,
        due_on=add_business_days(timezone.localdate(now), FOLLOW_UP_BUSINESS_DAYS),
        created_at=now,
    )
    if client.owner is not None and client.owner.email:
        queue_email(
            key=f"survey-follow-up:{follow_up.pk}",
            to=client.owner.email,
            subject=f"{client.name}: {label} {response.score} from {contact.name}",
            body=(
                f"{contact.name} of {client.name} answered {label} {response.score}."
                + (f'\n\n"{response.comment}"' if response.comment else "")
                + f"\n\nPlease reach them by {follow_up.due_on:%A %d %B}: "
                f"{settings.RETAIN_BASE_URL}{reverse('home')}\n"
            ),
        )


def record_first_contact(*, actor: User, follow_up: FollowUp) -> FollowUp:
    """The owner reached the contact (the first follow-up; counted for time to follow up)."""
    require(actor, "surveys.follow_up", follow_up)
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.first_contact_at is None:
            locked.first_contact_at = timezone.now()
            locked._history_user = actor  # type: ignore[attr-defined]
            locked.save(update_fields=["first_contact_at"])
    return locked


def close_follow_up(*, actor: User, follow_up: FollowUp, outcome: str) -> FollowUp:
    """Close the loop: what was done about the answer (required); on the timeline."""
    require(actor, "surveys.follow_up", follow_up)
    if not outcome.strip():
        raise ValidationError({"outcome": "say what was done about the answer"})
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.closed_at is not None:
            raise ValidationError("This follow-up is already closed.")
        now = timezone.now()
        locked.first_contact_at = locked.first_contact_at or now
        locked.closed_at, locked.closed_by, locked.outcome = now, actor, outcome.strip()
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=["first_contact_at", "closed_at", "closed_by", "outcome"])
        log_record_on_timeline(
            source=locked,
            client_id=locked.client_id,
            kind=TimelineKind.SURVEY,
            department_id=actor.department_id,
            author=actor,
            subject="Survey follow-up closed",
            body=locked.outcome,
            occurred_at=now,
        )
    return locked


@dataclass(frozen=True)
class Recipients:
    """Whom a survey goes to: the primary contacts of active clients, or of one segment."""

    segment: str = ""

    def contacts(self) -> list[Contact]:
        chosen = Contact.objects.filter(is_primary=True, client__status="active").exclude(email="")
        if self.segment:
            chosen = chosen.filter(client__segment=self.segment)
        return list(chosen.order_by("client_id"))
