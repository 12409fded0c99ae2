"""The department impact report, computed from plain rows (no database here).

Per department and calendar month:

* incidents per 100 active clients: incidents the department caused that were opened in
  the month, per 100 clients active at some time in the month;
* mean time to resolve (hours) of those incidents that are resolved;
* SLA breaches: those resolved after their due time, or still open past it;
* revenue affected: the MRR, at the end of the month, of the clients they hit;
* churn over the following 6 months of the clients active at the end of the month, with
  an incident from that department in the month against those without. Known only once
  the 6 months have passed (``window_closed``); before that the counts so far are shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np

from retain.analytics.calendar import add_months

CHURN_WINDOW_MONTHS = 6


@dataclass(frozen=True)
class ClientSpan:
    """When a client was a client: from ``started`` to ``churned`` (None: still is)."""

    client_id: int
    started: date
    churned: date | None


@dataclass(frozen=True)
class IncidentRow:
    client_id: int
    department_id: int
    opened_at: datetime
    due_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class ChurnSplit:
    """Of the clients active at the month's end: how many had an incident from the
    department in the month, how many of those left within the window, and the same for
    the others."""

    with_incident: int
    with_incident_churned: int
    without_incident: int
    without_incident_churned: int

    @property
    def rate_with(self) -> float | None:
        return self.with_incident_churned / self.with_incident if self.with_incident else None

    @property
    def rate_without(self) -> float | None:
        return (
            self.without_incident_churned / self.without_incident if self.without_incident else None
        )


@dataclass(frozen=True)
class DepartmentMonth:
    department_id: int
    month: date  # the first day of the month
    active_clients: int
    incidents: int
    resolved: int
    mean_hours_to_resolve: float | None
    sla_breaches: int
    clients_affected: int
    revenue_affected: Decimal
    churn: ChurnSplit
    window_closed: bool

    @property
    def incidents_per_100_clients(self) -> float:
        return 100 * self.incidents / self.active_clients if self.active_clients else 0.0


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of each month from ``first``'s to ``last``'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def department_impact(
    *,
    months: list[date],
    departments: Iterable[int],
    clients: Iterable[ClientSpan],
    incidents: Iterable[IncidentRow],
    mrr_at_month_end: Mapping[tuple[int, date], Decimal],
    today: date,
    now: datetime,
) -> list[DepartmentMonth]:
    """One row per department and month (see the module's docstring for each measure).

    ``incidents`` are those opened in ``months``; dates of ``opened_at`` are read as
    given (the caller passes local times). ``mrr_at_month_end`` maps (client, month) to
    the client's MRR on the month's last day, for the clients affected.
    """
    spans, department_ids = list(clients), list(departments)
    index = {s.client_id: n for n, s in enumerate(spans)}
    started = np.array([s.started.toordinal() for s in spans], dtype=np.int64)
    never = date.max.toordinal()
    churned = np.array(
        [s.churned.toordinal() if s.churned else never for s in spans], dtype=np.int64
    )
    by_month: dict[tuple[int, date], list[IncidentRow]] = defaultdict(list)
    for incident in incidents:
        by_month[(incident.department_id, month_start(incident.opened_at.date()))].append(incident)
    rows: list[DepartmentMonth] = []
    for month in months:
        first = month.toordinal()
        end = (add_months(month, 1) - timedelta(days=1)).toordinal()
        window_end = add_months(month, 1 + CHURN_WINDOW_MONTHS) - timedelta(days=1)
        active_in_month = int(np.count_nonzero((started <= end) & (churned > first)))
        # Active at the month's end: the clients whose later churn is followed.
        at_end = (started <= end) & (churned > end)
        churned_later = at_end & (churned <= window_end.toordinal())
        total_at_end = int(np.count_nonzero(at_end))
        total_churned_later = int(np.count_nonzero(churned_later))
        for department_id in department_ids:
            found = by_month.get((department_id, month), [])
            durations = [
                (i.resolved_at - i.opened_at).total_seconds() / 3600
                for i in found
                if i.resolved_at is not None
            ]
            breaches = sum(
                1
                for i in found
                if (i.resolved_at is not None and i.resolved_at > i.due_at)
                or (i.resolved_at is None and now > i.due_at)
            )
            hit = {i.client_id for i in found}
            hit_at_end = [index[c] for c in hit if c in index and at_end[index[c]]]
            hit_churned = int(np.count_nonzero(churned_later[hit_at_end]))
            rows.append(
                DepartmentMonth(
                    department_id=department_id,
                    month=month,
                    active_clients=active_in_month,
                    incidents=len(found),
                    resolved=len(durations),
                    mean_hours_to_resolve=sum(durations) / len(durations) if durations else None,
                    sla_breaches=breaches,
                    clients_affected=len(hit),
                    revenue_affected=sum(
                        (mrr_at_month_end.get((c, month), Decimal(0)) for c in hit), Decimal(0)
                    ),
                    churn=ChurnSplit(
                        with_incident=len(hit_at_end),
                        with_incident_churned=hit_churned,
                        without_incident=total_at_end - len(hit_at_end),
                        without_incident_churned=total_churned_later - hit_churned,
                    ),
                    window_closed=window_end < today,
                )
            )
    return rows
