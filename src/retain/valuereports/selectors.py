"""Reads for the value report: everything one client's one-page report shows, in a fixed
number of queries whatever the client's size.

``value_report`` returns a frozen dataclass that the page, the PDF (``pdf.py``) and any
future CLI or API render as they like; no figure is computed outside this module and
``figures.py``. docs/value-reports.md says how each number is computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from retain.accounts.models import PERSON_COLUMNS
from retain.clients.choices import TimelineKind
from retain.clients.models import Client, SubscriptionLine, TimelineEntry, Transaction, UsageEvent
from retain.commitments.models import Commitment, CommitmentStatus
from retain.councils.models import Attendance, Feedback
from retain.incidents.choices import OPEN_STATUSES, IncidentStatus
from retain.incidents.models import Incident
from retain.playbooks.models import Task
from retain.reviews.models import ActionItem, ClientReview, ReviewStatus
from retain.surveys.models import Response, SurveyKind
from retain.valuereports import figures

# The period lengths the page offers; 12 months is a year's business review.
MONTH_CHOICES = (3, 6, 12)
DEFAULT_MONTHS = 12
# Each list in the report keeps this many entries and the count of the rest: enough for
# the page, and a bound on what a client with years of records costs to render.
LIST_LIMIT = 10
# Timeline kinds that count as being in touch with the client, with their label.
TOUCHPOINT_KINDS = {
    TimelineKind.MEETING: "Meetings",
    TimelineKind.CALL: "Calls",
    TimelineKind.EMAIL: "Emails",
}


@dataclass(frozen=True)
class Period:
    """A run of whole days, both ends included, in the site's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same number of days that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(start=end - timedelta(days=self.days - 1), end=end)

    def bounds(self) -> tuple[datetime, datetime]:
        """The first moment of the period and the first moment after it (local midnights)."""
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))


def period_for(*, months: int, today: date | None = None) -> Period:
    """The last ``months`` calendar months through ``today``: 12 in May 2026 runs from
    1 June 2025 to today, the current month so far being the last of the twelve."""
    today = today or timezone.localdate()
    return Period(start=figures.months_back(today, months - 1), end=today)


@dataclass(frozen=True)
class Listing[T]:
    """The first few entries of a list (at most ``LIST_LIMIT``) and how many there are."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """How many entries are left out."""
        return self.total - len(self.items)

    @classmethod
    def of(cls, entries: Iterable[T]) -> Listing[T]:
        entries = list(entries)
        return cls(items=tuple(entries[:LIST_LIMIT]), total=len(entries))


@dataclass(frozen=True)
class Header:
    """Who the client is and what it is worth, as every client page shows it."""

    name: str
    external_id: str
    segment: str
    lifecycle_stage: str
    status: str
    owner: str | None
    backup_owner: str | None
    mrr: Decimal
    client_since: date
    renewal_on: date | None


@dataclass(frozen=True)
class MonthUsage:
    """One calendar month of the period; ``partial`` when the period covers only part of it."""

    month: date
    events: int
    active_users: int
    partial: bool


@dataclass(frozen=True)
class EventTypeUsage:
    """Events of one type in the period against the previous period."""

    name: str
    events: int
    previous_events: int

    @property
    def change_percent(self) -> float | None:
        return figures.change_percent(self.events, self.previous_events)


@dataclass(frozen=True)
class Usage:
    """How much the client used the product (and bought, for clients without a contract)."""

    months: tuple[MonthUsage, ...]
    events: int
    previous_events: int
    active_users: int
    previous_active_users: int
    # Whether the usage data names the user at all: without, active users are unknown.
    records_users: bool
    by_type: tuple[EventTypeUsage, ...]
    purchases: int
    purchases_total: Decimal
    previous_purchases: int
    previous_purchases_total: Decimal

    @property
    def change_percent(self) -> float | None:
        return figures.change_percent(self.events, self.previous_events)

    @property
    def active_users_change_percent(self) -> float | None:
        return figures.change_percent(self.active_users, self.previous_active_users)


@dataclass(frozen=True)
class DoneItem:
    """A piece of work finished in the period; ``detail`` says by whom or for what."""

    title: str
    done_on: date
    detail: str
    on_time: bool


@dataclass(frozen=True)
class Completed:
    """Work finished in the period: how many, how many by the end of their due day, the
    latest few."""

    count: int
    on_time: int
    latest: Listing[DoneItem]


@dataclass(frozen=True)
class FeedbackItem:
    text: str
    response: str
    raised_on: date


@dataclass(frozen=True)
class SurveyScores:
    """NPS and CSAT answers given in the period."""

    nps_responses: int
    promoters: int
    passives: int
    detractors: int
    csat_responses: int
    csat_total: int
    csat_satisfied: int

    @property
    def nps(self) -> int | None:
        return figures.nps(self.promoters, self.detractors, self.nps_responses)

    @property
    def csat_average(self) -> float | None:
        return None if not self.csat_responses else self.csat_total / self.csat_responses

    @property
    def csat_satisfied_share(self) -> float | None:
        return figures.share(self.csat_satisfied, self.csat_responses)


@dataclass(frozen=True)
class Outcomes:
    """What the client and we did together in the period."""

    touchpoints: tuple[tuple[str, int], ...]  # (kind label, count), meetings first
    reviews_held: int
    promises_kept: Completed
    promises_broken: int
    actions_completed: Completed
    feedback_raised: int
    feedback_acted_on: int
    feedback: Listing[FeedbackItem]
    surveys: SurveyScores
    tasks_completed: Completed

    @property
    def promises_closed(self) -> int:
        return self.promises_kept.count + self.promises_broken


@dataclass(frozen=True)
class OpenIncident:
    pk: int
    title: str
    severity: str
    department: str
    opened_at: datetime
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class DepartmentIncidents:
    """Incidents one responsible department had with the client in the period."""

    department: str
    opened: int
    resolved: int
    within_sla: int
    median_hours: float | None

    @property
    def sla_share(self) -> float | None:
        return figures.share(self.within_sla, self.resolved)


@dataclass(frozen=True)
class Incidents:
    """Incidents opened and resolved in the period, how fast, and what is open now."""

    opened: int
    resolved: int
    within_sla: int
    median_hours: float | None
    p90_hours: float | None
    by_department: tuple[DepartmentIncidents, ...]
    open_now: Listing[OpenIncident]

    @property
    def sla_share(self) -> float | None:
        return figures.share(self.within_sla, self.resolved)


@dataclass(frozen=True)
class Upcoming:
    """Something due for the client: what, by when, whose."""

    title: str
    due_on: date
    who: str
    overdue: bool


@dataclass(frozen=True)
class Renewal:
    on: date
    days_away: int
    products: tuple[str, ...]
    mrr: Decimal  # of the subscription lines that end that day


@dataclass(frozen=True)
class NextReview:
    scheduled_for: date
    reason: str
    overdue: bool  # planned for a day that has passed, not yet held


@dataclass(frozen=True)
class NextMeeting:
    council: str
    title: str
    starts_at: datetime
    invited: tuple[str, ...]  # the client's contacts invited


@dataclass(frozen=True)
class WhatComesNext:
    """What is ahead as of today, whatever period the report covers."""

    renewal: Renewal | None
    review: NextReview | None
    council_meeting: NextMeeting | None
    actions: Listing[Upcoming]
    promises: Listing[Upcoming]
    open_incidents: Listing[OpenIncident]


@dataclass(frozen=True)
class ValueReport:
    """Everything the one-page value report of a client shows."""

    client_id: int
    header: Header
    period: Period
    previous_period: Period
    months: int | None  # the period in calendar months, when it was chosen that way
    generated_at: datetime
    usage: Usage
    outcomes: Outcomes
    incidents: Incidents
    next: WhatComesNext


def value_report(
    client: Client,
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    months: int = DEFAULT_MONTHS,
) -> ValueReport:
    """The value report of ``client`` over ``period_start``..``period_end`` (both included),
    or over the last ``months`` calendar months through today when no dates are given.

    Fourteen queries whatever the number of records: usage is aggregated in the
    database; incidents, promises, actions, reviews, feedback and tasks are read in one
    query each (the period's and the open ones together) and counted here. "What comes
    next" is always as of now, whatever the period.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    if period_start is None and period_end is None:
        period = period_for(months=months, today=today)
        chosen_months: int | None = months
    else:
        period = Period(start=period_start or today, end=period_end or today)
        chosen_months = None
    if period.end < period.start:
        raise ValueError(f"The period ends ({period.end}) before it starts ({period.start}).")
    # Read again with its people, so the report is one snapshot and its query count does
    # not depend on how the caller loaded the client.
    people = (f"{who}__{column}" for who in ("owner", "backup_owner") for column in PERSON_COLUMNS)
    client = (
        Client.objects.select_related("owner", "backup_owner")
        .only(*(f.name for f in Client._meta.concrete_fields), *people)
        .get(pk=client.pk)
    )
    previous = period.previous()
    promises = list(
        Commitment.objects.filter(
            _in("closed_at", period) | Q(status=CommitmentStatus.OPEN), client=client
        )
        .select_related("keeper_department")
        .only("promise", "due_on", "closed_at", "status", "keeper_department__name")
        .order_by("due_on", "pk")
    )
    actions = list(
        ActionItem.objects.filter(
            _in("completed_at", period) | Q(completed_at__isnull=True), client=client
        )
        .select_related("owner")
        .only("title", "due_on", "completed_at", *(f"owner__{c}" for c in PERSON_COLUMNS))
        .order_by("due_on", "pk")
    )
    reviews = list(
        ClientReview.objects.filter(
            (_in("held_at", period) & Q(status=ReviewStatus.HELD)) | Q(status=ReviewStatus.PLANNED),
            client=client,
        )
        .only("scheduled_for", "status", "held_at", "reason")
        .order_by("scheduled_for", "pk")
    )
    incidents = _incidents(client, period, now)
    return ValueReport(
        client_id=client.pk,
        header=_header(client),
        period=period,
        previous_period=previous,
        months=chosen_months,
        generated_at=now,
        usage=_usage(client, period, previous),
        outcomes=_outcomes(client, period, promises=promises, actions=actions, reviews=reviews),
        incidents=incidents,
        next=_what_comes_next(
            client,
            now,
            promises=promises,
            actions=actions,
            reviews=reviews,
            open_incidents=incidents.open_now,
        ),
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _in(field: str, period: Period) -> Q:
    start, end = period.bounds()
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _person(user: Any) -> str | None:
    return None if user is None else str(user)


def _header(client: Client) -> Header:
    return Header(
        name=client.name,
        external_id=client.external_id,
        segment=client.segment,
        lifecycle_stage=client.get_lifecycle_stage_display(),
        status=client.get_status_display(),
        owner=_person(client.owner),
        backup_owner=_person(client.backup_owner),
        mrr=client.mrr,
        client_since=_local_day(client.created_at),
        renewal_on=client.renewal_on,
    )


def _usage(client: Client, period: Period, previous: Period) -> Usage:
    """Two queries over the (client, occurred_at) index, both periods at once; one more
    for purchases."""
    start, end = period.bounds()
    months = figures.month_starts(period.start, period.end)
    # Each month's slice of the period: the first and last may be partial.
    edges = [start, *(_midnight(m) for m in months[1:]), end]
    named = ~Q(user="")
    in_period = Q(occurred_at__gte=start)
    before = Q(occurred_at__lt=start)
    aggregates: dict[str, Any] = {
        "events": Count("pk", filter=in_period),
        "previous_events": Count("pk", filter=before),
        "users": Count("user", filter=in_period & named, distinct=True),
        "previous_users": Count("user", filter=before & named, distinct=True),
    }
    for n, (low, high) in enumerate(pairwise(edges)):
        in_month = Q(occurred_at__gte=low, occurred_at__lt=high)
        aggregates[f"events_{n}"] = Count("pk", filter=in_month)
        aggregates[f"users_{n}"] = Count("user", filter=in_month & named, distinct=True)
    events = UsageEvent.objects.filter(
        client=client, occurred_at__gte=previous.bounds()[0], occurred_at__lt=end
    )
    totals = events.aggregate(**aggregates)
    by_type = (
        events.values("event_type__name")
        .annotate(events=Count("pk", filter=in_period), previous=Count("pk", filter=before))
        .order_by()
    )
    purchases = Transaction.objects.filter(
        client=client, occurred_at__gte=previous.bounds()[0], occurred_at__lt=end
    ).aggregate(
        count=Count("pk", filter=in_period),
        total=Sum("amount", filter=in_period),
        previous_count=Count("pk", filter=before),
        previous_total=Sum("amount", filter=before),
    )
    return Usage(
        months=tuple(
            MonthUsage(
                month=month,
                events=totals[f"events_{n}"],
                active_users=totals[f"users_{n}"],
                partial=(n == 0 and period.start.day != 1)
                or (n == len(months) - 1 and (period.end + timedelta(days=1)).day != 1),
            )
            for n, month in enumerate(months)
        ),
        events=totals["events"],
        previous_events=totals["previous_events"],
        active_users=totals["users"],
        previous_active_users=totals["previous_users"],
        records_users=bool(totals["users"] or totals["previous_users"]),
        by_type=tuple(
            sorted(
                (
                    EventTypeUsage(row["event_type__name"], row["events"], row["previous"])
                    for row in by_type
                ),
                key=lambda row: (-row.events, -row.previous_events, row.name),
            )
        ),
        purchases=purchases["count"],
        purchases_total=purchases["total"] or Decimal("0"),
        previous_purchases=purchases["previous_count"],
        previous_purchases_total=purchases["previous_total"] or Decimal("0"),
    )


def _completed(items: list[DoneItem]) -> Completed:
    items.sort(key=lambda item: item.done_on, reverse=True)
    return Completed(
        count=len(items), on_time=sum(item.on_time for item in items), latest=Listing.of(items)
    )


def _outcomes(
    client: Client,
    period: Period,
    *,
    promises: list[Commitment],
    actions: list[ActionItem],
    reviews: list[ClientReview],
) -> Outcomes:
    """Four queries (touchpoints, feedback, survey answers, tasks) besides the rows read
    by ``value_report``."""
    start, end = period.bounds()

    def in_period(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    touch_counts = dict(
        TimelineEntry.objects.filter(
            _in("occurred_at", period), client=client, kind__in=list(TOUCHPOINT_KINDS)
        )
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reviews_held = sum(r.status == ReviewStatus.HELD and in_period(r.held_at) for r in reviews)

    kept: list[DoneItem] = []
    broken = 0
    for promise in promises:
        if promise.status == CommitmentStatus.OPEN or not in_period(promise.closed_at):
            continue
        if promise.status == CommitmentStatus.BROKEN:
            broken += 1
            continue
        assert promise.closed_at is not None
        closed_on = _local_day(promise.closed_at)
        kept.append(
            DoneItem(
                title=promise.promise,
                done_on=closed_on,
                detail=promise.keeper_department.name,
                on_time=closed_on <= promise.due_on,
            )
        )

    done_actions = []
    for action in actions:
        if not in_period(action.completed_at):
            continue
        assert action.completed_at is not None
        done_on = _local_day(action.completed_at)
        done_actions.append(
            DoneItem(
                title=action.title,
                done_on=done_on,
                detail=str(action.owner),
                on_time=done_on <= action.due_on,
            )
        )

    feedback = [
        FeedbackItem(
            text=item.text,
            response=item.response.strip(),
            raised_on=_local_day(item.meeting.starts_at),
        )
        for item in Feedback.objects.filter(_in("meeting__starts_at", period), client=client)
        .select_related("meeting")
        .only("text", "response", "meeting__starts_at")
        .order_by("-meeting__starts_at", "-pk")
    ]
    acted_on = [item for item in feedback if item.response]

    nps = Q(kind=SurveyKind.NPS)
    csat = Q(kind=SurveyKind.CSAT)
    answers = Response.objects.filter(_in("answered_at", period), client=client).aggregate(
        nps_responses=Count("pk", filter=nps),
        promoters=Count("pk", filter=nps & Q(score__gte=9)),
        detractors=Count("pk", filter=nps & Q(score__lte=6)),
        csat_responses=Count("pk", filter=csat),
        csat_total=Sum("score", filter=csat),
        csat_satisfied=Count("pk", filter=csat & Q(score__gte=4)),
    )

    tasks = []
    for task in (
        Task.objects.filter(_in("completed_at", period), client=client)
        .select_related("run__version__playbook")
        .only("title", "due_on", "completed_at", "run__version__playbook__name")
    ):
        assert task.completed_at is not None
        done_on = _local_day(task.completed_at)
        tasks.append(
            DoneItem(
                title=task.title,
                done_on=done_on,
                detail=task.run.version.playbook.name,
                on_time=done_on <= task.due_on,
            )
        )

    return Outcomes(
        touchpoints=tuple(
            (label, touch_counts.get(kind, 0)) for kind, label in TOUCHPOINT_KINDS.items()
        ),
        reviews_held=reviews_held,
        promises_kept=_completed(kept),
        promises_broken=broken,
        actions_completed=_completed(done_actions),
        feedback_raised=len(feedback),
        feedback_acted_on=len(acted_on),
        # The feedback acted on first: that is the story of the report.
        feedback=Listing.of(acted_on + [item for item in feedback if not item.response]),
        surveys=SurveyScores(
            nps_responses=answers["nps_responses"],
            promoters=answers["promoters"],
            passives=answers["nps_responses"] - answers["promoters"] - answers["detractors"],
            detractors=answers["detractors"],
            csat_responses=answers["csat_responses"],
            csat_total=answers["csat_total"] or 0,
            csat_satisfied=answers["csat_satisfied"],
        ),
        tasks_completed=_completed(tasks),
    )


def _incidents(client: Client, period: Period, now: datetime) -> Incidents:
    """One query: the incidents opened or resolved in the period, and those open now."""
    rows = list(
        Incident.objects.filter(
            _in("opened_at", period) | _in("resolved_at", period) | Q(status__in=OPEN_STATUSES),
            client=client,
        )
        .select_related("responsible_department")
        .only(
            "title",
            "severity",
            "status",
            "opened_at",
            "due_at",
            "resolved_at",
            "responsible_department__name",
        )
        .order_by("due_at", "pk")
    )
    start, end = period.bounds()
    opened = [i for i in rows if start <= i.opened_at < end]
    resolved = [
        i
        for i in rows
        if i.status == IncidentStatus.RESOLVED
        and i.resolved_at is not None
        and start <= i.resolved_at < end
    ]

    def hours(incident: Incident) -> float:
        assert incident.resolved_at is not None
        return (incident.resolved_at - incident.opened_at).total_seconds() / 3600

    def in_time(incident: Incident) -> bool:
        assert incident.resolved_at is not None
        return incident.resolved_at <= incident.due_at

    opened_by: dict[str, int] = defaultdict(int)
    resolved_by: dict[str, list[Incident]] = defaultdict(list)
    for incident in opened:
        opened_by[incident.responsible_department.name] += 1
    for incident in resolved:
        resolved_by[incident.responsible_department.name].append(incident)
    by_department = tuple(
        DepartmentIncidents(
            department=name,
            opened=opened_by.get(name, 0),
            resolved=len(resolved_by.get(name, [])),
            within_sla=sum(in_time(i) for i in resolved_by.get(name, [])),
            median_hours=figures.median([hours(i) for i in resolved_by.get(name, [])]),
        )
        for name in sorted(opened_by.keys() | resolved_by.keys())
    )
    durations = [hours(i) for i in resolved]
    return Incidents(
        opened=len(opened),
        resolved=len(resolved),
        within_sla=sum(in_time(i) for i in resolved),
        median_hours=figures.median(durations),
        p90_hours=figures.nearest_rank_percentile(durations, 90),
        by_department=by_department,
        open_now=Listing.of(
            OpenIncident(
                pk=i.pk,
                title=i.title,
                severity=i.get_severity_display(),
                department=i.responsible_department.name,
                opened_at=i.opened_at,
                due_at=i.due_at,
                overdue=i.due_at < now,
            )
            for i in rows
            if i.status in OPEN_STATUSES
        ),
    )


def _what_comes_next(
    client: Client,
    now: datetime,
    *,
    promises: list[Commitment],
    actions: list[ActionItem],
    reviews: list[ClientReview],
    open_incidents: Listing[OpenIncident],
) -> WhatComesNext:
    """Two queries (the lines renewing, the council invitations) besides the rows read
    by ``value_report``."""
    today = timezone.localdate(now)
    # The lines running today, as refresh_client_revenue reads them for renewal_on; read
    # even without a renewal date, so the query count never depends on the data.
    running = SubscriptionLine.objects.filter(client=client, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    renewing = [
        line
        for line in running.only("product", "mrr", "end_date").order_by("product")
        if client.renewal_on is not None and line.end_date == client.renewal_on
    ]
    renewal = (
        None
        if client.renewal_on is None
        else Renewal(
            on=client.renewal_on,
            days_away=(client.renewal_on - today).days,
            products=tuple(line.product for line in renewing),
            mrr=sum((line.mrr for line in renewing), Decimal("0")),
        )
    )
    open_actions = Listing.of(
        Upcoming(title=a.title, due_on=a.due_on, who=str(a.owner), overdue=a.due_on < today)
        for a in actions
        if a.completed_at is None
    )
    open_promises = Listing.of(
        Upcoming(
            title=c.promise,
            due_on=c.due_on,
            who=c.keeper_department.name,
            overdue=c.due_on < today,
        )
        for c in promises
        if c.status == CommitmentStatus.OPEN
    )
    planned = next((r for r in reviews if r.status == ReviewStatus.PLANNED), None)
    review = (
        None
        if planned is None
        else NextReview(
            scheduled_for=planned.scheduled_for,
            reason=planned.reason,
            overdue=planned.scheduled_for < today,
        )
    )

    # Every upcoming invitation of the client's contacts, soonest first; the first
    # meeting's rows are the ones shown. A client is invited to a handful at most.
    invitations = list(
        Attendance.objects.filter(
            contact__client=client, meeting__starts_at__gte=now, meeting__held=False
        )
        .select_related("meeting__council", "contact")
        .only(
            "meeting__title",
            "meeting__starts_at",
            "meeting__council__name",
            "contact__name",
        )
        .order_by("meeting__starts_at", "meeting_id", "contact__name")
    )
    meeting = None
    if invitations:
        first = invitations[0].meeting
        meeting = NextMeeting(
            council=first.council.name,
            title=first.title,
            starts_at=first.starts_at,
            invited=tuple(i.contact.name for i in invitations if i.meeting_id == first.pk),
        )

    return WhatComesNext(
        renewal=renewal,
        review=review,
        council_meeting=meeting,
        actions=open_actions,
        promises=open_promises,
        open_incidents=open_incidents,
    )
