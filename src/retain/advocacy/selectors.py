"""Reads for the advocacy pages: a client's asks and introductions, the funnel totals
overall and by owner, introductions by outcome, and the clients to ask next.

Each function runs a fixed number of queries whatever the number of clients or records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from retain.advocacy.choices import (
    AdvocacyKind,
    AdvocacyStatus,
    IntroductionKind,
    IntroductionOutcome,
)
from retain.advocacy.models import AdvocacyAsk, Introduction
from retain.clients.choices import ClientStatus
from retain.clients.models import Client
from retain.incidents.choices import OPEN_STATUSES, Severity
from retain.incidents.models import Incident
from retain.surveys.models import Response, SurveyKind

# A promoter on the NPS scale (Reichheld, "The One Number You Need to Grow", 2003).
PROMOTER_SCORE = 9
# How recent the promoter answer must be, and how long after an ask we wait to ask again.
NPS_FRESH_DAYS = 365
ASK_AGAIN_AFTER_DAYS = 90
# Incidents that rule a client out while open: critical and high.
SEVERE = (Severity.CRITICAL, Severity.HIGH)


def list_client_asks(*, client: Client) -> list[AdvocacyAsk]:
    """The referrals and references we asked the client for, latest first."""
    return list(
        AdvocacyAsk.objects.filter(client=client)
        .select_related("contact", "asked_by")
        .order_by("-asked_on", "-pk")
    )


def list_client_introductions(*, client: Client) -> list[Introduction]:
    """The introductions we made for the client, latest first."""
    return list(
        Introduction.objects.filter(client=client)
        .select_related("made_by")
        .order_by("-made_on", "-pk")
    )


@dataclass(frozen=True)
class Funnel:
    """How far the asks of one kind went. Every ask counts as asked; ``given`` counts
    every ask that was given, whether it then converted, was declined or waits."""

    asked: int = 0
    given: int = 0
    converted: int = 0
    declined: int = 0
    waiting: int = 0
    """Asked and not answered yet."""
    value: Decimal = Decimal(0)
    """The value recorded on converted asks."""

    @property
    def given_rate(self) -> float | None:
        """Share of asks the client gave: given / asked; None before any ask."""
        return self.given / self.asked if self.asked else None

    @property
    def conversion_rate(self) -> float | None:
        """Share of given referrals or references that converted: converted / given."""
        return self.converted / self.given if self.given else None


@dataclass(frozen=True)
class AdvocacyTotals:
    """The funnel for referrals and for references, separately."""

    referral: Funnel = field(default_factory=Funnel)
    reference: Funnel = field(default_factory=Funnel)


@dataclass(frozen=True)
class OwnerTotals:
    """The funnels of the clients one person owns (now); no owner: ``owner_name`` empty."""

    owner_id: int | None
    owner_name: str
    totals: AdvocacyTotals


_FUNNEL = {
    "asked": Count("pk"),
    "given": Count("pk", filter=Q(given_on__isnull=False)),
    "converted": Count("pk", filter=Q(status=AdvocacyStatus.CONVERTED)),
    "declined": Count("pk", filter=Q(status=AdvocacyStatus.DECLINED)),
    "waiting": Count("pk", filter=Q(status=AdvocacyStatus.ASKED)),
    "value": Sum("value"),
}


def _funnel(row: Mapping[str, Any]) -> Funnel:
    return Funnel(
        asked=row["asked"],
        given=row["given"],
        converted=row["converted"],
        declined=row["declined"],
        waiting=row["waiting"],
        value=row["value"] or Decimal(0),
    )


def _totals(rows: Iterable[Mapping[str, Any]]) -> AdvocacyTotals:
    by_kind = {row["kind"]: _funnel(row) for row in rows}
    return AdvocacyTotals(
        referral=by_kind.get(AdvocacyKind.REFERRAL, Funnel()),
        reference=by_kind.get(AdvocacyKind.REFERENCE, Funnel()),
    )


def get_advocacy_totals() -> AdvocacyTotals:
    """Asked, given, converted, declined and waiting, referrals and references apart (one query)."""
    return _totals(AdvocacyAsk.objects.values("kind").annotate(**_FUNNEL).order_by())


def list_totals_by_owner() -> list[OwnerTotals]:
    """The funnels per client owner, by name (one query); clients without an owner last."""
    rows = (
        AdvocacyAsk.objects.values(
            "kind",
            "client__owner_id",
            "client__owner__first_name",
            "client__owner__last_name",
            "client__owner__username",
        )
        .annotate(**_FUNNEL)
        .order_by()
    )
    grouped: dict[int | None, list[Mapping[str, Any]]] = defaultdict(list)
    names: dict[int | None, str] = {}
    for row in rows:
        owner_id = row["client__owner_id"]
        grouped[owner_id].append(row)
        full = f"{row['client__owner__first_name'] or ''} {row['client__owner__last_name'] or ''}"
        names[owner_id] = full.strip() or (row["client__owner__username"] or "")
    result = [OwnerTotals(pk, names[pk], _totals(grouped[pk])) for pk in grouped]
    return sorted(result, key=lambda o: (o.owner_id is None, o.owner_name.lower(), o.owner_id))


@dataclass(frozen=True)
class IntroductionRow:
    """Introductions of one kind, counted by outcome in ``IntroductionOutcome`` order."""

    kind: str
    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


def list_introductions_by_outcome() -> list[IntroductionRow]:
    """For each kind of introduction, how many are pending, led to a meeting, a deal,
    or nothing (one query). Every kind is listed, with zeros when there are none."""
    counts = {
        (row["kind"], row["outcome"]): row["n"]
        for row in Introduction.objects.values("kind", "outcome").annotate(n=Count("pk")).order_by()
    }
    return [
        IntroductionRow(
            kind=kind.value,
            label=kind.label,
            counts=tuple(counts.get((kind.value, o.value), 0) for o in IntroductionOutcome),
        )
        for kind in IntroductionKind
    ]


def referral_candidates(
    *, kind: str = AdvocacyKind.REFERRAL, now: datetime | None = None
) -> QuerySet[Client]:
    """Healthy promoters to ask for a referral (or, with ``kind``, a reference), highest
    MRR first, in one query however many clients there are.

    A candidate is a client that:

    - has not churned;
    - answered NPS last with a promoter's score (9 or 10), within the last 365 days:
      a later, lower answer from anyone at the client rules it out;
    - has no open incident of severity 1 or 2;
    - was not asked for the same kind of advocacy in the last 90 days, and has no ask
      of that kind still waiting for its answer.

    "Healthy" is these rules for now; once the churn-prediction health score exists,
    it will use that score too.

    Each client comes annotated with ``last_nps_score`` and ``last_nps_at``, its owner
    selected.
    """
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    nps_since = now - timedelta(days=NPS_FRESH_DAYS)
    latest_nps = Response.objects.filter(client=OuterRef("pk"), kind=SurveyKind.NPS).order_by(
        "-answered_at", "-pk"
    )
    # Only clients with a recent promoter answer can qualify: found through the
    # responses' (kind, answered_at) index before any per-client subquery runs.
    recent_promoters = Response.objects.filter(
        kind=SurveyKind.NPS, score__gte=PROMOTER_SCORE, answered_at__gte=nps_since
    ).values("client_id")
    severe_open_incident = Incident.objects.filter(
        client=OuterRef("pk"), status__in=OPEN_STATUSES, severity__in=SEVERE
    )
    asked_lately_or_waiting = AdvocacyAsk.objects.filter(client=OuterRef("pk"), kind=kind).filter(
        Q(status=AdvocacyStatus.ASKED)
        | Q(asked_on__gte=today - timedelta(days=ASK_AGAIN_AFTER_DAYS))
    )
    return (
        Client.objects.filter(status=ClientStatus.ACTIVE, pk__in=recent_promoters)
        .annotate(
            last_nps_score=Subquery(latest_nps.values("score")[:1]),
            last_nps_at=Subquery(latest_nps.values("answered_at")[:1]),
        )
        .filter(last_nps_score__gte=PROMOTER_SCORE, last_nps_at__gte=nps_since)
        .exclude(Exists(severe_open_incident))
        .exclude(Exists(asked_lately_or_waiting))
        .select_related("owner")
        .order_by("-mrr", "name", "pk")
    )


def list_asks_for_export() -> QuerySet[AdvocacyAsk]:
    """Every ask with its client, contact and asker, for the CSV export (read in chunks)."""
    return AdvocacyAsk.objects.select_related("client", "contact", "asked_by").order_by(
        "asked_on", "pk"
    )


def list_introductions_for_export() -> QuerySet[Introduction]:
    """Every introduction with its client and who made it, for the CSV export."""
    return Introduction.objects.select_related("client", "made_by").order_by("made_on", "pk")
