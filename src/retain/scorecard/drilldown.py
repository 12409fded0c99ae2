"""The clients behind each number on the scorecard.

Every drill-down is a ``Measure`` (its key is what the page links with) whose rows are
``(client_id, figures)`` in the order a person reads them (largest first): the
subscription measures from ``measures.client_movements`` over the same lines and period
as the scorecard, the others from the same filters on their records. The page and the
CSV fetch the clients' names for the rows they show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from retain.accounts.models import Department
from retain.advocacy.choices import AdvocacyKind
from retain.advocacy.models import AdvocacyAsk
from retain.analytics import measures
from retain.cadences.models import TouchClosed, TouchTask
from retain.clients.models import Client, OwnershipChange
from retain.clients.selectors import read_subscription_lines
from retain.commitments.models import Commitment, CommitmentStatus
from retain.incidents.models import Incident
from retain.playbooks.models import Task
from retain.scorecard.period import ScorecardFilters
from retain.scorecard.selectors import TOP_FRACTION, breached, scope_of
from retain.surveys.models import Response, SurveyKind
from retain.valuation.models import ClientValue

# How a figure is shown (and written to CSV): see templates/scorecard/_figure.html.
MONEY, COUNT, SCORE, DAY, HOURS = "money", "count", "score", "day", "hours"


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    explanation: str
    columns: tuple[tuple[str, str], ...]
    """(label, kind) of each figure shown beside the client."""
    by_department: bool = False
    """Narrowed to one responsible department when the link names it."""


@dataclass(frozen=True)
class DrillRow:
    client_id: int
    figures: tuple[Any, ...]


@dataclass(frozen=True)
class DrillDown:
    measure: Measure
    filters: ScorecardFilters
    department: Department | None
    rows: list[DrillRow]


_MOVEMENT_COLUMNS = (("MRR at the opening", MONEY), ("MRR at the close", MONEY))


def _movement(key: str, title: str, explanation: str, *extra: tuple[str, str]) -> Measure:
    return Measure(key, title, explanation, _MOVEMENT_COLUMNS + extra)


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        _movement(
            "clients_at_start", "Clients at the opening", "Active the day before the period."
        ),
        _movement("clients_at_end", "Clients at the close", "Active on the period's last day."),
        _movement("new", "New clients", "Their first paid day ever fell in the period."),
        _movement(
            "reactivated",
            "Clients back",
            "Active again in the period after more than the grace days without revenue.",
        ),
        _movement(
            "returning",
            "Clients returning",
            "Paying at the close, not new, and not carried from the opening: back after a "
            "churn or a pause.",
        ),
        _movement(
            "churned",
            "Clients that churned",
            "Their revenue stopped in the period for longer than the grace days.",
        ),
        _movement(
            "churned_from_start",
            "Churned from the opening",
            "Active at the opening and churned in the period: the logo churn and the MRR churned.",
        ),
        _movement(
            "expansion",
            "Expansion",
            "Active at the opening, still clients, paying more at the close.",
            ("Expansion", MONEY),
        ),
        _movement(
            "contraction",
            "Contraction",
            "Active at the opening, still clients, paying less at the close.",
            ("Contraction", MONEY),
        ),
        _movement(
            "top_clients",
            "The top 20% by MRR",
            "The fifth of the clients active at the close that pays the most.",
        ),
        Measure(
            "valued",
            "Lifetime value of the base",
            "Clients active at the close with a lifetime value from their purchases, as "
            "the worker last valued them.",
            (("Lifetime value", MONEY), ("P(alive)", SCORE), ("Valued on", DAY)),
        ),
        Measure(
            "detractors",
            "NPS detractors",
            "Clients with an NPS answer of 0 to 6 in the period.",
            (("Lowest NPS answer", COUNT), ("Answers", COUNT), ("Last answered", DAY)),
        ),
        Measure(
            "promoters",
            "NPS promoters",
            "Clients with an NPS answer of 9 or 10 in the period.",
            (("Highest NPS answer", COUNT), ("Answers", COUNT), ("Last answered", DAY)),
        ),
        Measure(
            "unsatisfied",
            "Unsatisfied (CSAT 1-2)",
            "Clients with a CSAT answer of 1 or 2 in the period.",
            (("Lowest CSAT answer", COUNT), ("Answers", COUNT), ("Last answered", DAY)),
        ),
        Measure(
            "referrals_given",
            "Referrals given",
            "Clients who gave a referral in the period.",
            (("Referrals given", COUNT), ("Converted", COUNT)),
        ),
        Measure(
            "incidents",
            "Clients with incidents",
            "Clients with an incident opened in the period.",
            (("Incidents", COUNT), ("Severity 1", COUNT), ("Last opened", DAY)),
            by_department=True,
        ),
        Measure(
            "sla_breaches",
            "SLA breaches",
            "Clients with an incident opened in the period and resolved after its SLA, or "
            "still open past it.",
            (("Breaches", COUNT), ("Last opened", DAY)),
            by_department=True,
        ),
        Measure(
            "mismatches",
            "Consistency mismatches",
            "Clients whose documents disagreed (quote, contract, order, delivery, invoice): "
            "incidents the consistency check opened in the period.",
            (("Mismatches", COUNT), ("Last opened", DAY)),
            by_department=True,
        ),
        Measure(
            "touches_missed",
            "Cadence touches missed",
            "Clients with a cadence touch due in the period that was late or is still not done.",
            (("Touches late or missed", COUNT), ("Earliest due", DAY)),
        ),
        Measure(
            "playbook_tasks_missed",
            "Playbook tasks missed",
            "Clients with a playbook task due in the period done late or still not done.",
            (("Tasks late or missed", COUNT), ("Earliest due", DAY)),
        ),
        Measure(
            "promises_missed",
            "Promises missed",
            "Clients with a promise due in the period kept late, broken or still open "
            "past its day.",
            (("Promises late or missed", COUNT), ("Earliest due", DAY)),
        ),
        Measure(
            "handoffs_waiting",
            "Handoffs not acknowledged",
            "Clients handed to a new owner or backup in the period whose new person has "
            "not acknowledged the handoff.",
            (("Handoffs waiting", COUNT), ("Handed on", DAY)),
        ),
    )
}


def drill_down(
    filters: ScorecardFilters,
    key: str,
    *,
    department: Department | None = None,
    today: date | None = None,
) -> DrillDown:
    """The clients behind the measure ``key`` for ``filters`` (KeyError: no such measure)."""
    measure = MEASURES[key]
    if not measure.by_department:
        department = None
    today = today or timezone.localdate()
    reader = _READERS.get(key) or _movement_rows
    return DrillDown(measure, filters, department, reader(filters, key, department, today))


def iter_clients(rows: Sequence[DrillRow]) -> Iterator[tuple[Client, DrillRow]]:
    """The rows with their clients (owner included), read 1,000 at a time."""
    for first in range(0, len(rows), 1_000):
        chunk = rows[first : first + 1_000]
        clients = Client.objects.select_related("owner").in_bulk([r.client_id for r in chunk])
        for row in chunk:
            if row.client_id in clients:  # deleted since: nothing to show
                yield clients[row.client_id], row


class ClientRows:
    """Drill rows as a pageable sequence (core.paging) that reads clients per page."""

    def __init__(self, rows: list[DrillRow]) -> None:
        self._rows = rows

    def count(self) -> int:
        return len(self._rows)

    def __getitem__(self, bounds: slice) -> list[tuple[Client, DrillRow]]:
        return list(iter_clients(self._rows[bounds]))


# Subscription measures ---------------------------------------------------------------------


def _movement_rows(
    filters: ScorecardFilters, key: str, department: Department | None, today: date
) -> list[DrillRow]:
    period = filters.period
    lines = measures.prepare_lines(read_subscription_lines(segment=filters.segment).frame)
    movements = measures.client_movements(lines, start=period.start, end=period.end)
    cohort = pl.col("mrr_at_start") > 0
    chosen: dict[str, tuple[pl.Expr, str, tuple[str, ...]]] = {
        "clients_at_start": (cohort, "mrr_at_start", ()),
        "clients_at_end": (pl.col("mrr_at_end") > 0, "mrr_at_end", ()),
        "new": (pl.col("new"), "mrr_at_end", ()),
        "reactivated": (pl.col("reactivated"), "mrr_at_end", ()),
        "returning": (
            (pl.col("mrr_at_end") > 0) & (~cohort | pl.col("churned")) & ~pl.col("new"),
            "mrr_at_end",
            (),
        ),
        "churned": (pl.col("churned"), "mrr_at_start", ()),
        "churned_from_start": (cohort & pl.col("churned"), "mrr_at_start", ()),
        "expansion": (pl.col("expansion") > 0, "expansion", ("expansion",)),
        "contraction": (pl.col("contraction") > 0, "contraction", ("contraction",)),
    }
    if key == "top_clients":
        closing = movements.filter(pl.col("mrr_at_end") > 0).sort(
            ["mrr_at_end", "client_id"], descending=[True, False]
        )
        share = measures.top_share(closing.get_column("mrr_at_end"), fraction=TOP_FRACTION)
        selected = closing.head(share.top_clients)
        extra: tuple[str, ...] = ()
    else:
        condition, order, extra = chosen[key]
        selected = movements.filter(condition).sort([order, "client_id"], descending=[True, False])
    columns = ("mrr_at_start", "mrr_at_end", *extra)
    return [
        DrillRow(client_id, tuple(figures))
        for client_id, *figures in selected.select("client_id", *columns).iter_rows()
    ]


# Other records ---------------------------------------------------------------------------


def _rows(queryset: QuerySet, *figures: str) -> list[DrillRow]:
    return [
        DrillRow(client_id, tuple(values))
        for client_id, *values in queryset.values_list("client_id", *figures)
    ]


def _local_day(moment: object) -> date | None:
    return timezone.localdate(moment) if moment is not None else None  # type: ignore[arg-type]


def _valued(filters: ScorecardFilters, key: str, department: object, today: date) -> list[DrillRow]:
    latest = ClientValue.objects.aggregate(as_of=Max("as_of"))["as_of"]
    if latest is None:
        return []
    period = filters.period
    lines = read_subscription_lines(segment=filters.segment).frame
    active = set(measures.active_clients(lines, on=period.last_day).to_list())
    values = (
        ClientValue.objects.filter(as_of=latest, lifetime_value__isnull=False)
        .order_by("-lifetime_value", "client_id")
        .values_list("client_id", "lifetime_value", "probability_alive", "as_of")
    )
    return [DrillRow(c, (v, p, d)) for c, v, p, d in values if c in active]


def _survey_rows(kind: str, scores: Q, pick: str) -> Callable[..., list[DrillRow]]:
    def read(
        filters: ScorecardFilters, key: str, department: object, today: date
    ) -> list[DrillRow]:
        start, end = filters.period.moments()
        aggregate = Min("score") if pick == "min" else Max("score")
        answers = (
            Response.objects.filter(
                scope_of(filters), scores, kind=kind, answered_at__gte=start, answered_at__lt=end
            )
            .values("client_id")
            .annotate(score=aggregate, answers=Count("id"), last=Max("answered_at"))
            .order_by("score" if pick == "min" else "-score", "-last", "client_id")
        )
        return [
            DrillRow(row["client_id"], (row["score"], row["answers"], _local_day(row["last"])))
            for row in answers
        ]

    return read


def _referrals(
    filters: ScorecardFilters, key: str, department: object, today: date
) -> list[DrillRow]:
    period = filters.period
    asks = (
        AdvocacyAsk.objects.filter(
            scope_of(filters),
            kind=AdvocacyKind.REFERRAL,
            given_on__gte=period.start,
            given_on__lt=period.end,
        )
        .values("client_id")
        .annotate(given=Count("id"), converted=Count("id", filter=Q(converted_on__isnull=False)))
        .order_by("-given", "-converted", "client_id")
    )
    return _rows(asks, "given", "converted")


def _incident_rows(
    filters: ScorecardFilters, key: str, department: Department | None, today: date
) -> list[DrillRow]:
    start, end = filters.period.moments()
    incidents = Incident.objects.filter(scope_of(filters), opened_at__gte=start, opened_at__lt=end)
    if department is not None:
        incidents = incidents.filter(responsible_department=department)
    if key == "sla_breaches":
        incidents = incidents.filter(breached(now=min(timezone.now(), end)))
    elif key == "mismatches":
        incidents = incidents.filter(mismatch_key__isnull=False)
    grouped = incidents.values("client_id").annotate(
        n=Count("id"), severity_1=Count("id", filter=Q(severity=1)), last=Max("opened_at")
    )
    ordered = grouped.order_by("-n", "-last", "client_id")
    if key == "incidents":
        return [
            DrillRow(r["client_id"], (r["n"], r["severity_1"], _local_day(r["last"])))
            for r in ordered
        ]
    return [DrillRow(r["client_id"], (r["n"], _local_day(r["last"]))) for r in ordered]


def _missed(queryset: QuerySet, done_at: str, today: date) -> list[DrillRow]:
    late_or_missed = Q(**{f"{done_at}__date__gt": F("due_on")}) | Q(
        **{f"{done_at}__isnull": True, "due_on__lt": today}
    )
    grouped = (
        queryset.filter(late_or_missed)
        .values("client_id")
        .annotate(n=Count("id"), earliest=Min("due_on"))
        .order_by("-n", "earliest", "client_id")
    )
    return _rows(grouped, "n", "earliest")


def _touches(
    filters: ScorecardFilters, key: str, department: object, today: date
) -> list[DrillRow]:
    period = filters.period
    tasks = TouchTask.objects.filter(
        scope_of(filters), due_on__gte=period.start, due_on__lt=period.end
    ).exclude(closed_how=TouchClosed.NOT_DUE)
    return _missed(tasks, "closed_at", today)


def _playbook_tasks(
    filters: ScorecardFilters, key: str, department: object, today: date
) -> list[DrillRow]:
    period = filters.period
    tasks = Task.objects.filter(scope_of(filters), due_on__gte=period.start, due_on__lt=period.end)
    return _missed(tasks, "completed_at", today)


def _promises(
    filters: ScorecardFilters, key: str, department: object, today: date
) -> list[DrillRow]:
    period = filters.period
    missed = (
        Commitment.objects.filter(
            scope_of(filters), due_on__gte=period.start, due_on__lt=period.end
        )
        .filter(
            Q(status=CommitmentStatus.KEPT, closed_at__date__gt=F("due_on"))
            | Q(status=CommitmentStatus.BROKEN)
            | Q(status=CommitmentStatus.OPEN, due_on__lt=today)
        )
        .values("client_id")
        .annotate(n=Count("id"), earliest=Min("due_on"))
        .order_by("-n", "earliest", "client_id")
    )
    return _rows(missed, "n", "earliest")


def _handoffs(
    filters: ScorecardFilters, key: str, department: object, today: date
) -> list[DrillRow]:
    start, end = filters.period.moments()
    waiting = (
        OwnershipChange.objects.filter(
            scope_of(filters),
            changed_at__gte=start,
            changed_at__lt=end,
            new_user__isnull=False,
            acknowledged_at__isnull=True,
        )
        .values("client_id")
        .annotate(n=Count("id"), first=Min("changed_at"))
        .order_by("first", "client_id")
    )
    return [DrillRow(r["client_id"], (r["n"], _local_day(r["first"]))) for r in waiting]


_READERS: dict[str, Callable[..., list[DrillRow]]] = {
    "valued": _valued,
    "detractors": _survey_rows(SurveyKind.NPS, Q(score__lte=6), "min"),
    "promoters": _survey_rows(SurveyKind.NPS, Q(score__gte=9), "max"),
    "unsatisfied": _survey_rows(SurveyKind.CSAT, Q(score__lte=2), "min"),
    "referrals_given": _referrals,
    "incidents": _incident_rows,
    "sla_breaches": _incident_rows,
    "mismatches": _incident_rows,
    "touches_missed": _touches,
    "playbook_tasks_missed": _playbook_tasks,
    "promises_missed": _promises,
    "handoffs_waiting": _handoffs,
}
