"""The scorecard's tables, built once from a ``Scorecard`` for both the page and the CSV
downloads (``/scorecard/<key>.csv``), so the two always hold the same figures.

A cell carries its raw value, how to show it (``kind``) and, when the number has clients
behind it, the drill-down measure (and department) its link opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from retain.scorecard.selectors import DepartmentIncidents, OnTime, Scorecard

# How a value is shown: see templatetags/scorecard.py (figure) and csv_value below.
MONEY, COUNT, PERCENT, HOURS, MONTH, TEXT, SCORE, NPS = (
    "money",
    "count",
    "percent",
    "hours",
    "month",
    "text",
    "score",
    "nps",
)


@dataclass(frozen=True)
class Cell:
    value: Any
    kind: str = TEXT
    measure: str = ""
    """The drill-down behind the number (empty: none)."""
    department: str = ""
    """The department slug the drill-down narrows to."""


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[list[Cell]] = field(default_factory=list)


def csv_value(cell: Cell) -> str:
    """A cell as written to CSV: plain numbers (a share as a fraction), ISO days."""
    value = cell.value
    if value is None:
        return ""
    if cell.kind == MONTH and isinstance(value, date):
        return f"{value:%Y-%m}"
    if isinstance(value, date):
        return value.isoformat()
    if cell.kind == MONEY:
        return f"{value:.2f}"
    if cell.kind in (PERCENT, SCORE, NPS):
        return f"{value:.6g}"
    if cell.kind == HOURS:
        return f"{value:.1f}"
    return str(value)


def _on_time_row(label: str, figures: OnTime | None, measure: str) -> list[Cell]:
    if figures is None:
        return [
            Cell(label),
            Cell("No active cadence rule"),
            Cell(None),
            Cell(None),
            Cell(None),
            Cell(None),
        ]
    return [
        Cell(label),
        Cell(figures.due, COUNT),
        Cell(figures.on_time, COUNT),
        Cell(figures.late, COUNT, measure if figures.late else ""),
        Cell(figures.missed, COUNT, measure if figures.missed else ""),
        Cell(figures.rate, PERCENT),
    ]


def _incident_row(row: DepartmentIncidents, slug: str) -> list[Cell]:
    def linked(value: int, measure: str) -> Cell:
        return Cell(value, COUNT, measure if value else "", slug)

    return [
        Cell(row.department.name),
        linked(row.opened, "incidents"),
        Cell(row.severity_1, COUNT),
        Cell(row.resolved, COUNT),
        Cell(row.mean_hours_to_resolve, HOURS),
        linked(row.sla_breaches, "sla_breaches"),
        Cell(row.sla_breaches / row.opened if row.opened else None, PERCENT),
        linked(row.mismatches, "mismatches"),
        Cell(row.clients, COUNT),
    ]


def summary(card: Scorecard) -> Table:
    """Every headline figure, perspective by perspective."""
    bridge, logos = card.financial.bridge, card.client.logos
    concentration, value = card.financial.concentration, card.financial.value
    nps, csat = card.client.nps, card.client.csat
    process, growth = card.process, card.growth
    rows: list[tuple[str, str, Cell]] = [
        ("Financial", "MRR at the opening", Cell(bridge.opening, MONEY, "clients_at_start")),
        ("Financial", "New MRR", Cell(bridge.new, MONEY, "new")),
        ("Financial", "Returning MRR", Cell(bridge.returning, MONEY, "returning")),
        ("Financial", "Expansion MRR", Cell(bridge.expansion, MONEY, "expansion")),
        ("Financial", "Contraction MRR", Cell(bridge.contraction, MONEY, "contraction")),
        ("Financial", "Churned MRR", Cell(bridge.churned, MONEY, "churned_from_start")),
        ("Financial", "MRR at the close", Cell(bridge.closing, MONEY, "clients_at_end")),
        ("Financial", "Gross revenue retention (GRR)", Cell(bridge.grr, PERCENT)),
        ("Financial", "Net revenue retention (NRR)", Cell(bridge.nrr, PERCENT)),
        (
            "Financial",
            "Share of MRR from the top 20% of clients",
            Cell(concentration.top.share, PERCENT, "top_clients"),
        ),
        ("Financial", "Gini coefficient of MRR", Cell(concentration.gini, SCORE)),
        (
            "Financial",
            "Lifetime value of the base",
            Cell(value.lifetime_value if value else None, MONEY, "valued" if value else ""),
        ),
        (
            "Financial",
            "Clients valued",
            Cell(value.clients_valued if value else None, COUNT, "valued" if value else ""),
        ),
        (
            "Client",
            "Clients at the opening",
            Cell(logos.clients_at_start, COUNT, "clients_at_start"),
        ),
        ("Client", "New clients", Cell(logos.new, COUNT, "new")),
        ("Client", "Clients back", Cell(logos.reactivated, COUNT, "reactivated")),
        ("Client", "Clients that churned", Cell(logos.churned, COUNT, "churned")),
        (
            "Client",
            "Churned from the opening",
            Cell(logos.churned_from_start, COUNT, "churned_from_start"),
        ),
        ("Client", "Logo churn", Cell(logos.churn_rate, PERCENT)),
        ("Client", "Clients at the close", Cell(logos.clients_at_end, COUNT, "clients_at_end")),
        ("Client", "NPS", Cell(nps.nps, NPS)),
        ("Client", "NPS answers", Cell(nps.responses, COUNT)),
        ("Client", "NPS detractors", Cell(nps.detractors, COUNT, "detractors")),
        ("Client", "NPS promoters", Cell(nps.promoters, COUNT, "promoters")),
        ("Client", "CSAT (4 or 5 of 5)", Cell(csat.csat, PERCENT)),
        ("Client", "CSAT answers", Cell(csat.responses, COUNT)),
        ("Client", "CSAT 1 or 2", Cell(csat.unsatisfied, COUNT, "unsatisfied")),
        ("Client", "Referrals asked", Cell(card.client.referrals.asked, COUNT)),
        ("Client", "Referrals given", Cell(card.client.referrals.given, COUNT, "referrals_given")),
        ("Client", "Referrals converted", Cell(card.client.referrals.converted, COUNT)),
        ("Client", "References given", Cell(card.client.references.given, COUNT)),
    ]
    totals = process.incident_totals
    rows += [
        ("Internal process", "Incidents", Cell(totals.opened if totals else 0, COUNT, "incidents")),
        (
            "Internal process",
            "SLA breaches",
            Cell(totals.sla_breaches if totals else 0, COUNT, "sla_breaches"),
        ),
        (
            "Internal process",
            "Consistency mismatches",
            Cell(totals.mismatches if totals else 0, COUNT, "mismatches"),
        ),
        (
            "Internal process",
            "Cadence compliance",
            Cell(process.cadence.rate if process.cadence else None, PERCENT, "touches_missed"),
        ),
        (
            "Internal process",
            "Playbook adherence",
            Cell(process.playbooks.rate, PERCENT, "playbook_tasks_missed"),
        ),
        (
            "Internal process",
            "Promises kept on time",
            Cell(process.promises.rate, PERCENT, "promises_missed"),
        ),
        ("Learning and growth", "Handoffs", Cell(growth.handoffs.handed, COUNT)),
        ("Learning and growth", "Handoffs acknowledged", Cell(growth.handoffs.rate, PERCENT)),
        (
            "Learning and growth",
            "Handoffs waiting",
            Cell(growth.handoffs.waiting, COUNT, "handoffs_waiting"),
        ),
        (
            "Learning and growth",
            "Median hours to acknowledge",
            Cell(growth.handoffs.median_hours_to_acknowledge, HOURS),
        ),
        (
            "Learning and growth",
            "Situations with a playbook",
            Cell(growth.coverage.triggers_covered, COUNT),
        ),
        (
            "Learning and growth",
            "Departments with a documented step",
            Cell(growth.coverage.department_rate, PERCENT),
        ),
    ]
    return Table(
        "summary",
        "Every figure",
        ("Perspective", "Measure", "Value"),
        [[Cell(perspective), Cell(name), cell] for perspective, name, cell in rows],
    )


def trend(card: Scorecard) -> Table:
    """Month by month over the trend months."""
    rows = [
        [
            Cell(row["month"], MONTH),
            Cell(row["clients_at_start"], COUNT),
            Cell(row["new"], COUNT),
            Cell(row["reactivated"], COUNT),
            Cell(row["churned"], COUNT),
            Cell(row["logo_churn"], PERCENT),
            Cell(row["clients_at_end"], COUNT),
            Cell(row["mrr_at_start"], MONEY),
            Cell(row["expansion"], MONEY),
            Cell(row["contraction"], MONEY),
            Cell(row["churned_mrr"], MONEY),
            Cell(row["mrr_at_end"], MONEY),
            Cell(row["grr"], PERCENT),
            Cell(row["nrr"], PERCENT),
        ]
        for row in card.trend.iter_rows(named=True)
    ]
    return Table(
        "trend",
        "Month by month",
        (
            "Month",
            "Clients at the opening",
            "New",
            "Back",
            "Churned",
            "Logo churn",
            "Clients at the close",
            "MRR at the opening",
            "Expansion",
            "Contraction",
            "Churned MRR",
            "MRR at the close",
            "GRR",
            "NRR",
        ),
        rows,
    )


def cohorts(card: Scorecard) -> Table:
    """The cohort triangle, one row per cohort and month since start."""
    rows = [
        [
            Cell(row["cohort"], MONTH),
            Cell(row["months_since_start"], COUNT),
            Cell(row["cohort_clients"], COUNT),
            Cell(row["clients"], COUNT),
            Cell(row["clients_share"], PERCENT),
            Cell(row["cohort_mrr"], MONEY),
            Cell(row["mrr"], MONEY),
            Cell(row["mrr_share"], PERCENT),
        ]
        for row in card.client.cohorts.iter_rows(named=True)
    ]
    return Table(
        "cohorts",
        "Cohorts by start month",
        (
            "Cohort",
            "Months since start",
            "Clients in the cohort",
            "Still active",
            "Logo retention",
            "Starting MRR",
            "MRR",
            "Revenue retention",
        ),
        rows,
    )


def incidents(card: Scorecard) -> Table:
    """Incidents opened in the period, by the department that caused them."""
    rows = [_incident_row(row, row.department.slug) for row in card.process.incidents]
    totals = card.process.incident_totals
    if totals is not None:
        rows.append(_incident_row(totals, ""))
    return Table(
        "incidents",
        "Incidents by department",
        (
            "Department",
            "Opened",
            "Severity 1",
            "Resolved",
            "Mean hours to resolve",
            "SLA breaches",
            "Breach rate",
            "Consistency mismatches",
            "Clients",
        ),
        rows,
    )


def on_time(card: Scorecard) -> Table:
    """Cadence touches, playbook tasks and promises due in the period."""
    process = card.process
    return Table(
        "on_time",
        "Work due in the period",
        ("Work", "Due", "On time", "Late", "Missed", "On-time rate"),
        [
            _on_time_row("Cadence touches", process.cadence, "touches_missed"),
            _on_time_row("Playbook tasks", process.playbooks, "playbook_tasks_missed"),
            _on_time_row("Promises to clients", process.promises, "promises_missed"),
        ],
    )


def surveys(card: Scorecard) -> Table:
    """Answers by survey kind and score."""
    rows = [
        [Cell(scores.kind.upper()), Cell(score, COUNT), Cell(n, COUNT)]
        for scores in (card.client.nps, card.client.csat)
        for score, n in sorted(scores.counts.items())
    ]
    return Table("surveys", "Survey answers by score", ("Survey", "Score", "Answers"), rows)


def coverage(card: Scorecard) -> Table:
    """The situations that start a playbook, and the runs started in the period."""
    rows = [
        [
            Cell(t.label),
            Cell(", ".join(t.playbooks) or "No active playbook"),
            Cell(t.situations, COUNT),
            Cell(t.runs, COUNT),
        ]
        for t in card.growth.coverage.triggers
    ]
    return Table(
        "coverage",
        "Playbook coverage",
        ("Situation", "Playbooks", "In the period", "Runs started"),
        rows,
    )


def pareto(card: Scorecard) -> Table:
    """The Pareto curve's points."""
    curve = card.financial.pareto
    if curve is None:
        return Table("pareto", "Pareto curve of MRR", ("Share of clients", "Share of MRR"))
    return Table(
        "pareto",
        "Pareto curve of MRR",
        ("Share of clients", "Share of MRR"),
        [
            [Cell(float(x), PERCENT), Cell(float(y), PERCENT)]
            for x, y in zip(curve.client_share, curve.revenue_share, strict=True)
        ],
    )


TABLES: dict[str, Callable[[Scorecard], Table]] = {
    "summary": summary,
    "trend": trend,
    "cohorts": cohorts,
    "incidents": incidents,
    "on_time": on_time,
    "surveys": surveys,
    "coverage": coverage,
    "pareto": pareto,
}
