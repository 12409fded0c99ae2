"""The balanced scorecard: retention seen from four perspectives over one period.

Financial (MRR and its movements, GRR/NRR, concentration, lifetime value of the base),
client (logo churn, NPS and CSAT, referrals, cohorts), internal process (incidents by
department, SLA breaches, consistency mismatches, cadence compliance, playbook adherence,
promises) and learning and growth (handoffs acknowledged, playbook coverage).

Subscription figures come from ``retain.analytics.measures`` over the lines read once
(``clients.selectors.read_subscription_lines``); everything else is one aggregate query
per figure group, so the page costs the same number of queries whatever the data.
"""

from __future__ import annotations

import statistics
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from retain.accounts.models import Department
from retain.advocacy.choices import AdvocacyKind
from retain.advocacy.models import AdvocacyAsk
from retain.analytics import measures
from retain.cadences.models import CadenceRule, TouchClosed, TouchTask
from retain.clients.choices import OwnerRole
from retain.clients.models import Client, OwnershipChange
from retain.clients.selectors import read_subscription_lines
from retain.commitments.models import Commitment, CommitmentStatus
from retain.core.db import SecondsBetween
from retain.incidents.choices import Severity
from retain.incidents.models import Incident
from retain.playbooks.models import Playbook, PlaybookRun, PlaybookStep, Task, Trigger
from retain.scorecard.period import Period, ScorecardFilters
from retain.surveys.models import Response, SurveyKind
from retain.valuation.models import ClientValue

# The Pareto curve is drawn through this many points (every 1% of clients).
PARETO_POINTS = 101
TOP_FRACTION = 0.2


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# Financial ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MrrBridge:
    """From the opening MRR to the closing MRR over the period.

    ``opening + new + returning + expansion - contraction - churned = closing``:
    expansion, contraction and churn are the movements of the clients active at the
    opening (as ``measures.client_movements`` nets them over the period); ``new`` is the
    closing MRR of clients whose first paid day fell in the period; ``returning`` that of
    every other client not carried from the opening: back after a churn (reactivated),
    or after a pause shorter than the grace window, or churned and back within the
    period. Every client paying at the close is in exactly one of these groups, so the
    bridge balances (tests check it on random lines).
    """

    opening: float
    new: float
    returning: float
    expansion: float
    contraction: float
    churned: float
    closing: float

    @property
    def grr(self) -> float | None:
        """Gross revenue retention of the opening MRR."""
        return _ratio(self.opening - self.contraction - self.churned, self.opening)

    @property
    def nrr(self) -> float | None:
        """Net revenue retention of the opening MRR."""
        return _ratio(self.opening + self.expansion - self.contraction - self.churned, self.opening)


@dataclass(frozen=True)
class BaseValue:
    """The lifetime value of the clients active at the period's end, as the worker last
    valued them (``valuation``): only clients who buy without contracts are valued."""

    as_of: date
    clients_valued: int
    lifetime_value: float
    mean_probability_alive: float | None


@dataclass(frozen=True)
class Financial:
    bridge: MrrBridge
    concentration: measures.Concentration
    pareto: measures.ParetoCurve | None  # None: no revenue at the close
    value: BaseValue | None


# Client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logos:
    clients_at_start: int
    clients_at_end: int
    new: int
    reactivated: int
    churned: int
    churned_from_start: int

    @property
    def churn_rate(self) -> float | None:
        """Logo churn: clients active at the opening that churned, over those clients."""
        return _ratio(self.churned_from_start, self.clients_at_start)


@dataclass(frozen=True)
class SurveyScores:
    """Answers to one kind of survey in the period, counted by score."""

    kind: str
    counts: dict[int, int]

    @property
    def responses(self) -> int:
        return sum(self.counts.values())

    def _count(self, low: int, high: int) -> int:
        return sum(n for score, n in self.counts.items() if low <= score <= high)

    @property
    def promoters(self) -> int:
        return self._count(9, 10)

    @property
    def passives(self) -> int:
        return self._count(7, 8)

    @property
    def detractors(self) -> int:
        return self._count(0, 6)

    @property
    def nps(self) -> float | None:
        """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), -100..100."""
        if not self.responses:
            return None
        return 100 * (self.promoters - self.detractors) / self.responses

    @property
    def satisfied(self) -> int:
        """CSAT answers of 4 or 5."""
        return self._count(4, 5)

    @property
    def unsatisfied(self) -> int:
        """CSAT answers of 1 or 2 (the owner follows them up)."""
        return self._count(1, 2)

    @property
    def csat(self) -> float | None:
        """CSAT: the share of answers that are 4 or 5 out of 5."""
        return _ratio(self.satisfied, self.responses)

    @property
    def mean(self) -> float | None:
        return _ratio(sum(s * n for s, n in self.counts.items()), self.responses)


@dataclass(frozen=True)
class AdvocacyCounts:
    """Asks of one kind made in the period, and those given and converted in it."""

    kind: str
    asked: int
    given: int
    converted: int
    declined: int


@dataclass(frozen=True)
class ClientPerspective:
    logos: Logos
    nps: SurveyScores
    csat: SurveyScores
    referrals: AdvocacyCounts
    references: AdvocacyCounts
    cohorts: pl.DataFrame


# Internal process ----------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentIncidents:
    """Incidents a department caused that were opened in the period."""

    department: Department
    opened: int
    severity_1: int
    resolved: int
    sla_breaches: int
    mismatches: int
    clients: int | None
    """Distinct clients affected (None for the totals: they do not add up across
    departments)."""
    mean_hours_to_resolve: float | None


@dataclass(frozen=True)
class OnTime:
    """Work due in the period: done by its day, done later, or still not done."""

    on_time: int
    late: int
    missed: int

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        return _ratio(self.on_time, self.due)


@dataclass(frozen=True)
class InternalProcess:
    incidents: list[DepartmentIncidents]
    cadence: OnTime | None  # None: no active cadence rule
    playbooks: OnTime
    promises: OnTime

    @property
    def incident_totals(self) -> DepartmentIncidents | None:
        if not self.incidents:
            return None
        rows = self.incidents
        resolved = sum(r.resolved for r in rows)
        hours = sum((r.mean_hours_to_resolve or 0) * r.resolved for r in rows)
        return DepartmentIncidents(
            department=Department(name="All departments"),
            opened=sum(r.opened for r in rows),
            severity_1=sum(r.severity_1 for r in rows),
            resolved=resolved,
            sla_breaches=sum(r.sla_breaches for r in rows),
            mismatches=sum(r.mismatches for r in rows),
            clients=None,
            mean_hours_to_resolve=hours / resolved if resolved else None,
        )


# Learning and growth ------------------------------------------------------------------


@dataclass(frozen=True)
class Handoffs:
    """Owner and backup changes in the period, and whether the new person acknowledged."""

    handed: int
    acknowledged: int
    median_hours_to_acknowledge: float | None
    owner_changes: int
    """Of those handed, the changes of owner (not of backup)."""

    @property
    def waiting(self) -> int:
        return self.handed - self.acknowledged

    @property
    def rate(self) -> float | None:
        return _ratio(self.acknowledged, self.handed)


@dataclass(frozen=True)
class TriggerCoverage:
    """A situation that should start a playbook: how often it arose in the period, and
    the runs its playbooks started."""

    trigger: str
    label: str
    playbooks: list[str]
    situations: int
    runs: int


@dataclass(frozen=True)
class Coverage:
    triggers: list[TriggerCoverage]
    departments_documented: list[str]
    departments: int

    @property
    def triggers_covered(self) -> int:
        return sum(1 for t in self.triggers if t.playbooks)

    @property
    def department_rate(self) -> float | None:
        return _ratio(len(self.departments_documented), self.departments)


@dataclass(frozen=True)
class LearningGrowth:
    handoffs: Handoffs
    coverage: Coverage


# The page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard:
    filters: ScorecardFilters
    today: date
    financial: Financial
    client: ClientPerspective
    process: InternalProcess
    growth: LearningGrowth
    trend: pl.DataFrame
    """``measures.monthly_movements`` over the trend months, with ``logo_churn``,
    ``grr`` and ``nrr`` per month (null where the month opened with no clients)."""


@dataclass(frozen=True)
class SubscriptionFigures:
    """Everything the scorecard computes from the subscription lines for one period."""

    logos: Logos
    bridge: MrrBridge
    concentration: measures.Concentration
    pareto: measures.ParetoCurve | None
    closing: pl.DataFrame
    """``client_id, mrr``: the clients active on the period's last day."""
    cohorts: pl.DataFrame
    trend: pl.DataFrame


def subscription_figures(lines: pl.DataFrame, period: Period) -> SubscriptionFigures:
    """The subscription figures of ``period`` from ``lines`` (no database)."""
    prepared = measures.prepare_lines(lines)
    movements = measures.client_movements(prepared, start=period.start, end=period.end)
    closing = measures.client_mrr(prepared, on=period.last_day)
    logos, bridge = summarise_movements(movements)
    mrr = closing.get_column("mrr")
    return SubscriptionFigures(
        logos=logos,
        bridge=bridge,
        concentration=measures.Concentration(
            top=measures.top_share(mrr, fraction=TOP_FRACTION), gini=measures.gini(mrr)
        ),
        pareto=measures.pareto_curve(mrr, points=PARETO_POINTS),
        closing=closing,
        cohorts=measures.cohort_retention(
            prepared, first_month=period.trend_first_month, last_month=period.last_month
        ),
        trend=_trend(prepared, period.trend_first_month, period.last_month),
    )


# Each process keeps the subscription figures of the last periods it was asked for, by
# the version of the lines they came from, which changes with any change to the lines
# or to the segment's clients (clients.selectors.SubscriptionLines).
_KEPT_FIGURES: OrderedDict[tuple[str, Period], SubscriptionFigures] = OrderedDict()
KEPT_FIGURES = 32


def _subscription_figures(filters: ScorecardFilters) -> SubscriptionFigures:
    lines = read_subscription_lines(segment=filters.segment)
    if lines.version is None:
        return subscription_figures(lines.frame, filters.period)
    key = (lines.version, filters.period)
    figures = _KEPT_FIGURES.get(key)
    if figures is None:
        figures = subscription_figures(lines.frame, filters.period)
        _KEPT_FIGURES[key] = figures
        while len(_KEPT_FIGURES) > KEPT_FIGURES:
            _KEPT_FIGURES.popitem(last=False)
    else:
        _KEPT_FIGURES.move_to_end(key)
    return figures


def get_scorecard(filters: ScorecardFilters, *, today: date | None = None) -> Scorecard:
    """Every figure of the scorecard for ``filters``."""
    today = today or timezone.localdate()
    period = filters.period
    subscriptions = _subscription_figures(filters)
    scope = scope_of(filters)
    financial = Financial(
        bridge=subscriptions.bridge,
        concentration=subscriptions.concentration,
        pareto=subscriptions.pareto,
        value=_base_value(subscriptions.closing),
    )
    start, end = period.moments()
    nps, csat = _survey_scores(scope, start, end)
    referrals, references = _advocacy(scope, period.start, period.end)
    client = ClientPerspective(
        logos=subscriptions.logos,
        nps=nps,
        csat=csat,
        referrals=referrals,
        references=references,
        cohorts=subscriptions.cohorts,
    )
    incidents = _incidents_by_department(scope, start, end, now=min(timezone.now(), end))
    process = InternalProcess(
        incidents=incidents,
        cadence=_cadence(scope, period.start, period.end, today),
        playbooks=_playbook_tasks(scope, period.start, period.end, today),
        promises=_promises(scope, period.start, period.end, today),
    )
    handoffs = _handoffs(scope, start, end)
    growth = LearningGrowth(
        handoffs=handoffs,
        coverage=_coverage(
            scope,
            start,
            end,
            filters.segment,
            owner_changes=handoffs.owner_changes,
            severity_1=sum(row.severity_1 for row in incidents),
        ),
    )
    return Scorecard(
        filters=filters,
        today=today,
        financial=financial,
        client=client,
        process=process,
        growth=growth,
        trend=subscriptions.trend,
    )


def scope_of(filters: ScorecardFilters) -> Q:
    """Records of the segment's clients (every record when no segment is chosen)."""
    return Q(client__segment=filters.segment) if filters.segment else Q()


def breached(*, now: datetime) -> Q:
    """Incidents resolved after their SLA, or still open past it at ``now``."""
    return Q(resolved_at__gt=F("due_at")) | Q(resolved_at__isnull=True, due_at__lt=now)


def summarise_movements(movements: pl.DataFrame) -> tuple[Logos, MrrBridge]:
    """The period's client counts and MRR bridge from ``measures.client_movements``."""
    cohort = pl.col("mrr_at_start") > 0
    row = movements.select(
        clients_at_start=cohort.sum(),
        clients_at_end=(pl.col("mrr_at_end") > 0).sum(),
        new=pl.col("new").sum(),
        reactivated=pl.col("reactivated").sum(),
        churned=pl.col("churned").sum(),
        churned_from_start=(cohort & pl.col("churned")).sum(),
        opening=pl.col("mrr_at_start").sum(),
        closing=pl.col("mrr_at_end").sum(),
        new_mrr=pl.col("mrr_at_end").filter(pl.col("new")).sum(),
        # Neither new nor carried from the opening: back after a pause or a churn.
        returning_mrr=pl.col("mrr_at_end")
        .filter((~cohort | pl.col("churned")) & ~pl.col("new"))
        .sum(),
        expansion=pl.col("expansion").sum(),
        contraction=pl.col("contraction").sum(),
        churned_mrr=pl.col("churned_mrr").sum(),
    ).row(0, named=True)
    logos = Logos(
        clients_at_start=int(row["clients_at_start"]),
        clients_at_end=int(row["clients_at_end"]),
        new=int(row["new"]),
        reactivated=int(row["reactivated"]),
        churned=int(row["churned"]),
        churned_from_start=int(row["churned_from_start"]),
    )
    bridge = MrrBridge(
        opening=float(row["opening"]),
        new=float(row["new_mrr"]),
        returning=float(row["returning_mrr"]),
        expansion=float(row["expansion"]),
        contraction=float(row["contraction"]),
        churned=float(row["churned_mrr"]),
        closing=float(row["closing"]),
    )
    return logos, bridge


def _trend(lines: measures.PreparedLines, first: date, last: date) -> pl.DataFrame:
    monthly = measures.monthly_movements(lines, first_month=first, last_month=last)
    opening = pl.col("mrr_at_start")
    return monthly.with_columns(
        logo_churn=pl.when(pl.col("clients_at_start") > 0).then(
            pl.col("churned_from_start") / pl.col("clients_at_start")
        ),
        grr=pl.when(opening > 0).then(
            (opening - pl.col("contraction") - pl.col("churned_mrr")) / opening
        ),
        nrr=pl.when(opening > 0).then(
            (opening + pl.col("expansion") - pl.col("contraction") - pl.col("churned_mrr"))
            / opening
        ),
    )


def _base_value(closing: pl.DataFrame) -> BaseValue | None:
    """The latest lifetime values of the clients in ``closing`` (active at the close)."""
    latest = ClientValue.objects.aggregate(as_of=Max("as_of"))["as_of"]
    if latest is None:
        return None
    rows = ClientValue.objects.filter(as_of=latest, lifetime_value__isnull=False).values_list(
        "client_id", "lifetime_value", "probability_alive"
    )
    with connection.cursor() as cursor:  # 20,000 rows as numbers, not model rows
        cursor.execute(*rows.query.sql_with_params())
        values = pl.DataFrame(
            cursor.fetchall(),
            schema={"client_id": pl.Int64, "value": pl.Float64, "alive": pl.Float64},
            orient="row",
        )
    valued = values.join(closing.select("client_id"), on="client_id", how="semi")
    summary = valued.select(
        clients=pl.len(), value=pl.col("value").sum(), alive=pl.col("alive").mean()
    ).row(0, named=True)
    return BaseValue(
        as_of=latest,
        clients_valued=int(summary["clients"]),
        lifetime_value=float(summary["value"] or 0.0),
        mean_probability_alive=summary["alive"],
    )


def _survey_scores(scope: Q, start: datetime, end: datetime) -> tuple[SurveyScores, SurveyScores]:
    rows = (
        # Naming the kinds lets the (kind, answered_at) index serve the period.
        Response.objects.filter(
            scope,
            kind__in=[SurveyKind.NPS, SurveyKind.CSAT],
            answered_at__gte=start,
            answered_at__lt=end,
        )
        .values_list("kind", "score")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, dict[int, int]] = {SurveyKind.NPS: {}, SurveyKind.CSAT: {}}
    for kind, score, n in rows:
        counts.setdefault(kind, {})[score] = n
    return (
        SurveyScores(SurveyKind.NPS, counts[SurveyKind.NPS]),
        SurveyScores(SurveyKind.CSAT, counts[SurveyKind.CSAT]),
    )


def _advocacy(scope: Q, start: date, end: date) -> tuple[AdvocacyCounts, AdvocacyCounts]:
    def between(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    found = {
        row["kind"]: AdvocacyCounts(**row)
        for row in AdvocacyAsk.objects.filter(scope)
        .filter(
            between("asked_on")
            | between("given_on")
            | between("converted_on")
            | between("declined_on")
        )
        .values("kind")
        .annotate(
            asked=Count("id", filter=between("asked_on")),
            given=Count("id", filter=between("given_on")),
            converted=Count("id", filter=between("converted_on")),
            declined=Count("id", filter=between("declined_on")),
        )
        .order_by()
    }

    def counts(kind: str) -> AdvocacyCounts:
        return found.get(kind) or AdvocacyCounts(kind, asked=0, given=0, converted=0, declined=0)

    return counts(AdvocacyKind.REFERRAL), counts(AdvocacyKind.REFERENCE)


def _incidents_by_department(
    scope: Q, start: datetime, end: datetime, *, now: datetime
) -> list[DepartmentIncidents]:
    resolved = Q(resolved_at__isnull=False)
    rows = (
        Incident.objects.filter(scope, opened_at__gte=start, opened_at__lt=end)
        .values("responsible_department")
        .annotate(
            opened=Count("id"),
            severity_1=Count("id", filter=Q(severity=Severity.CRITICAL)),
            resolved=Count("id", filter=resolved),
            sla_breaches=Count("id", filter=breached(now=now)),
            mismatches=Count("id", filter=Q(mismatch_key__isnull=False)),
            clients=Count("client", distinct=True),
            seconds=Sum(SecondsBetween("opened_at", "resolved_at"), filter=resolved),
        )
        .order_by()
    )
    departments = Department.objects.in_bulk()
    found = []
    for row in rows:
        seconds = row["seconds"]
        found.append(
            DepartmentIncidents(
                department=departments[row["responsible_department"]],
                opened=row["opened"],
                severity_1=row["severity_1"],
                resolved=row["resolved"],
                sla_breaches=row["sla_breaches"],
                mismatches=row["mismatches"],
                clients=row["clients"],
                mean_hours_to_resolve=(
                    seconds / 3600 / row["resolved"] if row["resolved"] and seconds else None
                ),
            )
        )
    return sorted(found, key=lambda r: (-r.opened, r.department.name))


def _cadence(scope: Q, start: date, end: date, today: date) -> OnTime | None:
    if not CadenceRule.objects.filter(is_active=True).exists():
        return None
    tasks = TouchTask.objects.filter(scope, due_on__gte=start, due_on__lt=end).exclude(
        closed_how=TouchClosed.NOT_DUE
    )
    # A touch closes when the call, meeting or email is saved: closed by the end of its
    # day is on time.
    return _on_time(tasks, done_at="closed_at", today=today)


def _playbook_tasks(scope: Q, start: date, end: date, today: date) -> OnTime:
    tasks = Task.objects.filter(scope, due_on__gte=start, due_on__lt=end)
    return _on_time(tasks, done_at="completed_at", today=today)


def _promises(scope: Q, start: date, end: date, today: date) -> OnTime:
    promises = Commitment.objects.filter(scope, due_on__gte=start, due_on__lt=end)
    kept = Q(status=CommitmentStatus.KEPT)
    row = promises.aggregate(
        kept=Count("id", filter=kept),
        on_time=Count("id", filter=kept & Q(closed_at__date__lte=F("due_on"))),
        missed=Count(
            "id",
            filter=Q(status=CommitmentStatus.BROKEN)
            | Q(status=CommitmentStatus.OPEN, due_on__lt=today),
        ),
    )
    return OnTime(row["on_time"], row["kept"] - row["on_time"], row["missed"])


def _on_time(tasks: QuerySet, *, done_at: str, today: date) -> OnTime:
    """Tasks done by the end of their due day, done later, or not done and past due.

    The local day of a done task is worked out only for done tasks (the condition on
    ``done_at`` comes first): SQLite converts time zones row by row in Python.
    """
    done = Q(**{f"{done_at}__isnull": False})
    row = tasks.aggregate(
        done=Count("id", filter=done),
        on_time=Count("id", filter=done & Q(**{f"{done_at}__date__lte": F("due_on")})),
        missed=Count("id", filter=Q(**{f"{done_at}__isnull": True, "due_on__lt": today})),
    )
    return OnTime(row["on_time"], row["done"] - row["on_time"], row["missed"])


def _handoffs(scope: Q, start: datetime, end: datetime) -> Handoffs:
    changes = OwnershipChange.objects.filter(
        scope, changed_at__gte=start, changed_at__lt=end, new_user__isnull=False
    )
    rows = list(changes.values_list("role", "changed_at", "acknowledged_at"))
    waits = [
        (acknowledged - changed).total_seconds() / 3600
        for _, changed, acknowledged in rows
        if acknowledged is not None
    ]
    return Handoffs(
        handed=len(rows),
        acknowledged=len(waits),
        median_hours_to_acknowledge=statistics.median(waits) if waits else None,
        owner_changes=sum(1 for role, _, _ in rows if role == OwnerRole.OWNER),
    )


def _coverage(
    scope: Q,
    start: datetime,
    end: datetime,
    segment: str,
    *,
    owner_changes: int,
    severity_1: int,
) -> Coverage:
    """Playbook coverage; ``owner_changes`` and ``severity_1`` are the period's owner
    changes and severity-1 incidents, counted for the other perspectives."""
    playbooks = list(
        Playbook.objects.filter(is_active=True).exclude(trigger="").values_list("trigger", "name")
    )
    runs = dict(
        PlaybookRun.objects.filter(scope, started_at__gte=start, started_at__lt=end)
        .exclude(version__playbook__trigger="")
        .values_list("version__playbook__trigger")
        .annotate(n=Count("id"))
        .order_by()
    )
    situations: dict[str, int] = {
        Trigger.NEW_CLIENT: Client.objects.filter(
            Q(segment=segment) if segment else Q(), created_at__gte=start, created_at__lt=end
        ).count(),
        Trigger.OWNER_CHANGE: owner_changes,
        Trigger.SEVERITY_1_INCIDENT: severity_1,
    }
    triggers = [
        TriggerCoverage(
            trigger=trigger,
            label=label,
            playbooks=sorted(name for t, name in playbooks if t == trigger),
            situations=situations.get(trigger, 0),
            runs=runs.get(trigger, 0),
        )
        for trigger, label in Trigger.choices
        if trigger
    ]
    documented = _documented_departments()
    return Coverage(
        triggers=triggers,
        departments_documented=documented,
        departments=Department.objects.filter(is_active=True).count(),
    )


def _documented_departments() -> list[str]:
    """Active departments given a step by the newest version of an active playbook."""
    newest: dict[int, tuple[int, int]] = {}
    versions = Playbook.objects.filter(is_active=True, versions__isnull=False).values_list(
        "id", "versions__id", "versions__number"
    )
    for playbook_id, version_id, number in versions:
        if playbook_id not in newest or number > newest[playbook_id][1]:
            newest[playbook_id] = (version_id, number)
    steps = PlaybookStep.objects.filter(
        version_id__in=[version for version, _ in newest.values()], department__is_active=True
    )
    return sorted(set(steps.values_list("department__name", flat=True)))
