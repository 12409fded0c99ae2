"""The department impact report: reads the rows it needs in bulk and hands them to
``impact.department_impact`` (which holds the arithmetic)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from retain.accounts.models import Department
from retain.clients.models import Client, SubscriptionLine
from retain.incidents.impact import (
    CHURN_WINDOW_MONTHS,
    ChurnSplit,
    ClientSpan,
    DepartmentMonth,
    IncidentRow,
    add_months,
    department_impact,
    months_between,
)
from retain.incidents.models import Incident

DEFAULT_MONTHS = 12
# Bounds the parameters of one query (SQLite allows 32,766).
CLIENTS_PER_QUERY = 5_000


@dataclass(frozen=True)
class ImpactReport:
    months: list[date]
    departments: list[Department]
    rows: list[DepartmentMonth]
    churn_window_months: int = CHURN_WINDOW_MONTHS

    def for_department(self, department: Department) -> list[DepartmentMonth]:
        return [row for row in self.rows if row.department_id == department.pk]

    def pooled_churn(self, department: Department) -> ChurnSplit:
        """The department's churn split summed over the months whose window has closed."""
        closed = [r.churn for r in self.for_department(department) if r.window_closed]
        return ChurnSplit(
            with_incident=sum(c.with_incident for c in closed),
            with_incident_churned=sum(c.with_incident_churned for c in closed),
            without_incident=sum(c.without_incident for c in closed),
            without_incident_churned=sum(c.without_incident_churned for c in closed),
        )


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _mrr_at_month_ends(
    affected: dict[date, set[int]],
) -> dict[tuple[int, date], Decimal]:
    """Each affected client's MRR on the last day of the month it was affected in."""
    client_ids = set().union(*affected.values()) if affected else set()
    lines: dict[int, list[tuple[date, date | None, Decimal]]] = defaultdict(list)
    ids = sorted(client_ids)
    for start in range(0, len(ids), CLIENTS_PER_QUERY):
        for client_id, started, ended, mrr in SubscriptionLine.objects.filter(
            client_id__in=ids[start : start + CLIENTS_PER_QUERY]
        ).values_list("client_id", "start_date", "end_date", "mrr"):
            lines[client_id].append((started, ended, mrr))
    found: dict[tuple[int, date], Decimal] = {}
    for month, clients in affected.items():
        last_day = add_months(month, 1) - timedelta(days=1)
        for client_id in clients:
            found[(client_id, month)] = sum(
                (
                    mrr
                    for started, ended, mrr in lines.get(client_id, [])
                    if started <= last_day and (ended is None or ended >= last_day)
                ),
                Decimal(0),
            )
    return found


def department_impact_report(
    *, months: int = DEFAULT_MONTHS, today: date | None = None
) -> ImpactReport:
    """The last ``months`` calendar months (this one included) for every department."""
    today = today or timezone.localdate()
    first = add_months(today, -(months - 1))
    month_list = months_between(first, today)
    window_start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    departments = list(Department.objects.filter(is_active=True).order_by("name"))
    clients = [
        ClientSpan(client_id=pk, started=_local(created).date(), churned=churned)
        for pk, created, churned in Client.objects.values_list("pk", "created_at", "churned_on")
    ]
    incidents = [
        IncidentRow(
            client_id=client_id,
            department_id=department_id,
            opened_at=_local(opened),
            due_at=due,
            resolved_at=resolved,
        )
        for client_id, department_id, opened, due, resolved in Incident.objects.filter(
            opened_at__gte=window_start
        ).values_list(
            "client_id", "responsible_department_id", "opened_at", "due_at", "resolved_at"
        )
    ]
    affected: dict[date, set[int]] = defaultdict(set)
    for incident in incidents:
        affected[incident.opened_at.date().replace(day=1)].add(incident.client_id)
    rows = department_impact(
        months=month_list,
        departments=[d.pk for d in departments],
        clients=clients,
        incidents=incidents,
        mrr_at_month_end=_mrr_at_month_ends(affected),
        today=today,
        now=timezone.now(),
    )
    return ImpactReport(months=month_list, departments=departments, rows=rows)
