"""Recording advocacy: asking a client for a referral or a reference and following the
ask through (given, converted or declined), and the introductions we make for a client
with what came of them.

Every write checks the actor may edit the client, runs in one transaction with its
audit history and a note on the client's timeline, and locks the row it changes, so two
people recording at once are served one after the other. A step recorded from a page
carries the version that page showed: if someone saved in between, the step is refused
rather than silently written over theirs.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from retain.accounts.models import User
from retain.advocacy.choices import (
    AdvocacyKind,
    AdvocacyStatus,
    IntroductionKind,
    IntroductionOutcome,
)
from retain.advocacy.models import AdvocacyAsk, Introduction
from retain.clients.choices import TimelineKind
from retain.clients.locks import lock_client
from retain.clients.models import Client, Contact
from retain.clients.permissions import require
from retain.clients.timeline import log_record_on_timeline
from retain.core.templatetags.formats import day, money

# Which status an ask may go to from each status. Converted and declined are final.
ASK_STEPS: dict[str, tuple[str, ...]] = {
    AdvocacyStatus.ASKED: (AdvocacyStatus.GIVEN, AdvocacyStatus.DECLINED),
    AdvocacyStatus.GIVEN: (AdvocacyStatus.CONVERTED, AdvocacyStatus.DECLINED),
    AdvocacyStatus.CONVERTED: (),
    AdvocacyStatus.DECLINED: (),
}

# Which outcome an introduction may be given from each outcome. A deal and no result
# are final; a meeting held may still lead to either.
INTRODUCTION_STEPS: dict[str, tuple[str, ...]] = {
    IntroductionOutcome.PENDING: (
        IntroductionOutcome.MEETING_HELD,
        IntroductionOutcome.DEAL,
        IntroductionOutcome.NO_RESULT,
    ),
    IntroductionOutcome.MEETING_HELD: (IntroductionOutcome.DEAL, IntroductionOutcome.NO_RESULT),
    IntroductionOutcome.DEAL: (),
    IntroductionOutcome.NO_RESULT: (),
}

STALE = (
    "Someone else updated this {what} while you were looking at it: reload the page and try again."
)


def next_ask_steps(ask: AdvocacyAsk) -> tuple[str, ...]:
    """The statuses this ask may go to next (none once converted or declined)."""
    return ASK_STEPS[ask.status]


def next_outcomes(introduction: Introduction) -> tuple[str, ...]:
    """The outcomes this introduction may be given next (none after a deal or no result)."""
    return INTRODUCTION_STEPS[introduction.outcome]


def _day_checked(on: date | None, *, not_before: date, earlier_step: str) -> date:
    """The day a step happened (today when not given): not in the future, and not
    before the step it follows."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError(f"{day(on)} is in the future: record a step once it has happened.")
    if on < not_before:
        raise ValidationError(
            f"{day(on)} is before the {earlier_step} ({day(not_before)}): check the date."
        )
    return on


def _moment(on: date) -> datetime:
    """When to place a step on the timeline: now if it happened today, else midday of
    its day, so a step entered late still reads in its place among the others."""
    if on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(on, time(12)))


def _with_note(notes: str, heading: str, note: str) -> str:
    """The ask's notes with this step's note added under a dated heading."""
    note = note.strip()
    if not note:
        return notes
    return f"{notes}\n\n{heading}: {note}".strip()


def _ask_title(ask: AdvocacyAsk) -> str:
    """The ask as the timeline names it: 'Referral (Globex)', or just 'Reference'."""
    return f"{ask.get_kind_display()} ({ask.prospect})" if ask.prospect else ask.get_kind_display()


def _introduction_title(introduction: Introduction) -> str:
    at = introduction.introduced_organisation
    return f"{introduction.introduced_name}{f' ({at})' if at else ''}"


def ask_for_advocacy(
    *,
    actor: User,
    client: Client,
    kind: str,
    prospect: str = "",
    contact: Contact | None = None,
    asked_on: date | None = None,
    notes: str = "",
) -> AdvocacyAsk:
    """Record that we asked the client for a referral or a reference (status asked).

    ``prospect`` is the prospect they are asked to refer, or whom the reference is
    for. Refused while an ask of the same kind for the same prospect is still waiting
    for the client's answer: ask once, then record what they said.
    """
    if kind not in AdvocacyKind.values:
        raise ValidationError(f"Choose what to ask for: {', '.join(AdvocacyKind.values)}.")
    if contact is not None and contact.client_id != client.pk:
        raise ValidationError(f"{contact.name} is not a contact of {client.name}.")
    today = timezone.localdate()
    asked_on = asked_on or today
    if asked_on > today:
        raise ValidationError(f"{day(asked_on)} is in the future: record an ask once it is made.")
    prospect = prospect.strip()
    with transaction.atomic():
        # Locked so that two people asking at once cannot both pass the duplicate check.
        locked = lock_client(client.pk)
        require(actor, "advocacy.record_advocacy", locked)
        waiting = AdvocacyAsk.objects.filter(
            client=locked, kind=kind, status=AdvocacyStatus.ASKED, prospect__iexact=prospect
        ).first()
        if waiting is not None:
            raise ValidationError(
                f"{locked.name} was already asked for this {waiting.get_kind_display().lower()}"
                f" on {day(waiting.asked_on)} and has not answered yet: record the answer instead."
            )
        ask = AdvocacyAsk(
            client=locked,
            contact=contact,
            kind=kind,
            prospect=prospect,
            asked_by=actor,
            asked_on=asked_on,
            notes=notes.strip(),
        )
        ask.full_clean(exclude=["client", "contact", "asked_by"])
        ask._history_user = actor  # type: ignore[attr-defined]
        ask.save()
        about = f" ({prospect})" if prospect else ""
        whom = f" from {contact.name}" if contact else ""
        log_record_on_timeline(
            source=ask,
            client_id=locked.pk,
            kind=TimelineKind.NOTE,
            department_id=actor.department_id,
            author=actor,
            subject=f"Asked for a {ask.get_kind_display().lower()}{about}{whom}",
            body=ask.notes,
            occurred_at=_moment(asked_on),
        )
    return ask


def _advance_ask(
    *,
    actor: User,
    ask: AdvocacyAsk,
    to: str,
    expected_version: int,
    on: date | None,
    note: str,
    value: Decimal | None = None,
) -> AdvocacyAsk:
    """Move an ask one step on, under a lock, checking the step, the version and the day."""
    with transaction.atomic():
        locked = AdvocacyAsk.objects.select_for_update().get(pk=ask.pk)
        client = Client.objects.select_related("owner", "backup_owner").get(pk=locked.client_id)
        require(actor, "advocacy.record_advocacy", client)
        label = locked.get_kind_display().lower()
        if to not in ASK_STEPS[locked.status]:
            raise ValidationError(
                f"This {label} is {locked.get_status_display().lower()}: it cannot be recorded as"
                f" {AdvocacyStatus(to).label.lower()}."
            )
        if locked.version != expected_version:
            raise ValidationError(STALE.format(what=label))
        if to == AdvocacyStatus.GIVEN or locked.given_on is None:
            earlier, earlier_step = locked.asked_on, "ask"
        else:
            earlier, earlier_step = locked.given_on, f"{label} given"
        on = _day_checked(on, not_before=earlier, earlier_step=earlier_step)
        fields = ["status", "version", "notes"]
        if to == AdvocacyStatus.GIVEN:
            locked.given_on = on
            fields.append("given_on")
        elif to == AdvocacyStatus.CONVERTED:
            if value is not None and value < 0:
                raise ValidationError("A converted value cannot be negative.")
            locked.converted_on, locked.value = on, value
            fields += ["converted_on", "value"]
        else:
            locked.declined_on = on
            fields.append("declined_on")
        status_label = AdvocacyStatus(to).label
        locked.status = to
        locked.version += 1
        locked.notes = _with_note(locked.notes, f"{status_label} {day(on)}", note)
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=fields)
        worth = f", worth {money(value)}" if to == AdvocacyStatus.CONVERTED and value else ""
        log_record_on_timeline(
            source=locked,
            client_id=locked.client_id,
            kind=TimelineKind.NOTE,
            department_id=actor.department_id,
            author=actor,
            subject=f"{_ask_title(locked)} {status_label.lower()}{worth}",
            body=note.strip(),
            occurred_at=_moment(on),
        )
    return locked


def record_given(
    *, actor: User, ask: AdvocacyAsk, expected_version: int, on: date | None = None, note: str = ""
) -> AdvocacyAsk:
    """The client gave what we asked: referred the prospect, or acted as a reference."""
    return _advance_ask(
        actor=actor,
        ask=ask,
        to=AdvocacyStatus.GIVEN,
        expected_version=expected_version,
        on=on,
        note=note,
    )


def record_converted(
    *,
    actor: User,
    ask: AdvocacyAsk,
    expected_version: int,
    on: date | None = None,
    note: str = "",
    value: Decimal | None = None,
) -> AdvocacyAsk:
    """The prospect the client referred, or was a reference for, became our client;
    ``value`` is what the new business is worth, when known."""
    return _advance_ask(
        actor=actor,
        ask=ask,
        to=AdvocacyStatus.CONVERTED,
        expected_version=expected_version,
        on=on,
        note=note,
        value=value,
    )


def record_declined(
    *, actor: User, ask: AdvocacyAsk, expected_version: int, on: date | None = None, note: str = ""
) -> AdvocacyAsk:
    """The ask came to nothing: the client said no, or the prospect did not go ahead."""
    return _advance_ask(
        actor=actor,
        ask=ask,
        to=AdvocacyStatus.DECLINED,
        expected_version=expected_version,
        on=on,
        note=note,
    )


def make_introduction(
    *,
    actor: User,
    client: Client,
    kind: str,
    introduced_name: str,
    introduced_organisation: str = "",
    made_on: date | None = None,
    note: str = "",
) -> Introduction:
    """Record an introduction we made for the client (its outcome starts pending)."""
    require(actor, "advocacy.record_advocacy", client)
    if kind not in IntroductionKind.values:
        raise ValidationError(
            f"Choose whom the introduction is to: {', '.join(IntroductionKind.values)}."
        )
    if not introduced_name.strip():
        raise ValidationError("Say whom the client was introduced to.")
    today = timezone.localdate()
    made_on = made_on or today
    if made_on > today:
        raise ValidationError(
            f"{day(made_on)} is in the future: record an introduction once it is made."
        )
    introduction = Introduction(
        client=client,
        kind=kind,
        introduced_name=introduced_name.strip(),
        introduced_organisation=introduced_organisation.strip(),
        made_by=actor,
        made_on=made_on,
        note=note.strip(),
    )
    introduction.full_clean(exclude=["client", "made_by"])
    with transaction.atomic():
        introduction._history_user = actor  # type: ignore[attr-defined]
        introduction.save()
        log_record_on_timeline(
            source=introduction,
            client_id=client.pk,
            kind=TimelineKind.NOTE,
            department_id=actor.department_id,
            author=actor,
            subject=(
                f"Introduced to {_introduction_title(introduction)},"
                f" {introduction.get_kind_display().lower()}"
            ),
            body=introduction.note,
            occurred_at=_moment(made_on),
        )
    return introduction


def record_introduction_outcome(
    *,
    actor: User,
    introduction: Introduction,
    outcome: str,
    expected_version: int,
    on: date | None = None,
    note: str = "",
) -> Introduction:
    """What came of an introduction: a meeting held, a deal, or no result."""
    with transaction.atomic():
        locked = Introduction.objects.select_for_update().get(pk=introduction.pk)
        client = Client.objects.select_related("owner", "backup_owner").get(pk=locked.client_id)
        require(actor, "advocacy.record_advocacy", client)
        if outcome not in INTRODUCTION_STEPS[locked.outcome]:
            current = locked.get_outcome_display().lower()
            wanted = (
                IntroductionOutcome(outcome).label.lower()
                if outcome in IntroductionOutcome.values
                else repr(outcome)
            )
            raise ValidationError(
                f"This introduction's outcome is {current}: it cannot become {wanted}."
            )
        if locked.version != expected_version:
            raise ValidationError(STALE.format(what="introduction"))
        not_before = locked.outcome_on or locked.made_on
        earlier_step = "last outcome" if locked.outcome_on else "introduction"
        on = _day_checked(on, not_before=not_before, earlier_step=earlier_step)
        locked.outcome, locked.outcome_on = outcome, on
        locked.outcome_note = note.strip()
        locked.version += 1
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=["outcome", "outcome_on", "outcome_note", "version"])
        log_record_on_timeline(
            source=locked,
            client_id=locked.client_id,
            kind=TimelineKind.NOTE,
            department_id=actor.department_id,
            author=actor,
            subject=(
                f"Introduction to {_introduction_title(locked)}:"
                f" {locked.get_outcome_display().lower()}"
            ),
            body=locked.outcome_note,
            occurred_at=_moment(on),
        )
    return locked
