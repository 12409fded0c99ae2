"""Reads for the survey pages: NPS by segment and month, the closed loop, follow-ups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from retain.accounts.models import User
from retain.surveys.models import FollowUp, Response, Survey, SurveyKind


@dataclass(frozen=True)
class NpsRow:
    """NPS of one segment in one month: % promoters (9-10) minus % detractors (0-6)."""

    segment: str
    month: date
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def nps(self) -> int:
        return round(100 * (self.promoters - self.detractors) / self.responses)


def nps_by_segment_and_month(*, months: int = 12) -> list[NpsRow]:
    """NPS answers of the last ``months`` months, by the client's segment and month."""
    since = timezone.localdate().replace(day=1) - timedelta(days=31 * (months - 1))
    counts: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    answers = Response.objects.filter(
        kind=SurveyKind.NPS, answered_at__date__gte=since.replace(day=1)
    ).values_list("client__segment", "answered_at", "score")
    for segment, answered_at, score in answers:
        month = timezone.localtime(answered_at).date().replace(day=1)
        group = 0 if score >= 9 else 1 if score >= 7 else 2
        counts[(segment or "(no segment)", month)][group] += 1
    return [
        NpsRow(segment, month, sum(c), c[0], c[1], c[2])
        for (segment, month), c in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


@dataclass(frozen=True)
class ClosedLoop:
    """How unhappy answers are followed up: how many, how soon, how many closed."""

    opened: int
    reached: int
    closed: int
    overdue: int
    median_hours_to_first_contact: float | None

    @property
    def share_closed(self) -> float | None:
        return self.closed / self.opened if self.opened else None


def closed_loop() -> ClosedLoop:
    today = timezone.localdate()
    follow_ups = list(
        FollowUp.objects.values_list("created_at", "first_contact_at", "closed_at", "due_on")
    )
    hours = [
        (first - created).total_seconds() / 3600
        for created, first, _, _ in follow_ups
        if first is not None
    ]
    return ClosedLoop(
        opened=len(follow_ups),
        reached=len(hours),
        closed=sum(1 for *_, closed, _ in follow_ups if closed is not None),
        overdue=sum(1 for _, _, closed, due in follow_ups if closed is None and due < today),
        median_hours_to_first_contact=median(hours) if hours else None,
    )


def list_open_follow_ups_for(*, user: User) -> list[FollowUp]:
    """The person's open follow-ups (as the client's owner), soonest due first."""
    return list(
        FollowUp.objects.filter(owner=user, closed_at__isnull=True)
        .select_related("client", "response__invitation__contact")
        .order_by("due_on", "pk")
    )


def list_surveys() -> QuerySet[Survey]:
    return Survey.objects.annotate(
        invited=Count("invitations", distinct=True),
        answered=Count(
            "invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True
        ),
    ).order_by("-created_at")
