"""The scorecard page, its CSV tables, and the clients behind each number."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import SafeString

from retain.accounts.models import Department
from retain.analytics.calendar import add_months
from retain.clients.permissions import require
from retain.core.charts import Series, bar_chart, heatmap, line_chart, share_curve
from retain.core.http import stream_csv
from retain.core.paging import paginate
from retain.scorecard import tables
from retain.scorecard.drilldown import MEASURES, ClientRows, drill_down, iter_clients
from retain.scorecard.forms import ScorecardForm
from retain.scorecard.period import Period, ScorecardFilters
from retain.scorecard.selectors import Scorecard, get_scorecard
from retain.transfer.csvio import escape_cell

CLIENTS_PER_PAGE = 50


def _form(request: HttpRequest, today: date) -> ScorecardForm:
    return ScorecardForm(request.GET, today=today)


def _refused(form: ScorecardForm) -> HttpResponse:
    """A download's answer to filters that cannot be shown: why, as plain text."""
    message = " ".join(map(str, form.non_field_errors()))
    return HttpResponse(message, status=400, content_type="text/plain")


def _query(filters: ScorecardFilters) -> str:
    """The filters as a query string, for links that keep them."""
    period = filters.period
    params = {"first": f"{period.first_month:%Y-%m}", "last": f"{period.last_month:%Y-%m}"}
    if filters.segment:
        params["segment"] = filters.segment
    return urlencode(params)


def _presets(today: date, segment: str) -> list[tuple[str, str]]:
    """Quick periods: last month, last quarter's three months, the last twelve, this year."""
    this_month = today.replace(day=1)
    periods = [
        ("Last month", Period.last_complete_months(1, today)),
        ("Last 3 months", Period.last_complete_months(3, today)),
        ("Last 12 months", Period.last_complete_months(12, today)),
        ("This year so far", Period(this_month.replace(month=1), this_month)),
    ]
    return [(label, _query(ScorecardFilters(period, segment))) for label, period in periods]


def _charts(card: Scorecard) -> dict[str, SafeString]:
    trend = card.trend
    labels = [f"{month:%b %y}" for month in trend.get_column("month")]

    def percents(column: str) -> list[float | None]:
        return [None if v is None else 100 * v for v in trend.get_column(column)]

    cohorts = card.client.cohorts
    cohort_months = sorted(set(cohorts.get_column("cohort")))
    shares: dict[date, list[float | None]] = {month: [] for month in cohort_months}
    for row in cohorts.iter_rows(named=True):
        shares[row["cohort"]].append(row["clients_share"])
    width = max((len(v) for v in shares.values()), default=0)
    incidents = card.process.incidents
    curve = card.financial.pareto
    top = card.financial.concentration.top
    return {
        "mrr": line_chart(
            title="MRR at each month's close",
            description="Monthly recurring revenue on the last day of each month.",
            labels=labels,
            series=[Series("MRR", list(trend.get_column("mrr_at_end")))],
        ),
        "retention": line_chart(
            title="Revenue retention by month",
            description="Gross and net revenue retention of each month's opening MRR.",
            labels=labels,
            series=[Series("GRR", percents("grr")), Series("NRR", percents("nrr"))],
            unit="%",
        ),
        "churn": line_chart(
            title="Logo churn by month",
            description="Share of the clients active at each month's opening that churned in it.",
            labels=labels,
            series=[Series("Logo churn", percents("logo_churn"))],
            unit="%",
        ),
        "cohorts": heatmap(
            title="Logo retention by start month",
            description="Share of each month's new clients still active each month after.",
            row_labels=[f"{month:%b %Y}" for month in cohort_months],
            column_labels=[str(n) for n in range(width)],
            values=[shares[month] for month in cohort_months],
        ),
        "pareto": SafeString("")
        if curve is None
        else share_curve(
            title="Pareto curve of MRR",
            description=(
                f"The top {top.fraction:.0%} of clients by MRR bring "
                f"{0 if top.share is None else top.share:.0%} of it."
            ),
            x=[float(v) for v in curve.client_share],
            series=[Series("Share of MRR", [float(v) for v in curve.revenue_share])],
            marker_label="top {x} of clients → {y} of MRR",
            x_label="Share of clients, largest first",
            y_label="Share of MRR",
            marker_x=top.fraction,
        ),
        "incidents": bar_chart(
            title="Incidents by department",
            description="Incidents each department caused in the period, and SLA breaches.",
            labels=[row.department.name for row in incidents],
            series=[
                Series("Opened", [row.opened for row in incidents]),
                Series("SLA breaches", [row.sla_breaches for row in incidents]),
            ],
        ),
    }


def scorecard(request: HttpRequest) -> HttpResponse:
    """The balanced scorecard for a period and segment (the last 12 months by default)."""
    require(request.user, "clients.view_client")
    today = timezone.localdate()
    form = _form(request, today)
    if not form.is_valid():
        return render(
            request,
            "scorecard/scorecard.html",
            {"form": form, "presets": _presets(today, "")},
            status=400,
        )
    filters = form.filters
    card = get_scorecard(filters, today=today)
    period = filters.period
    return render(
        request,
        "scorecard/scorecard.html",
        {
            "form": form,
            "card": card,
            "query": _query(filters),
            "presets": _presets(today, filters.segment),
            "previous": _query(
                ScorecardFilters(
                    Period(
                        add_months(period.first_month, -period.months),
                        add_months(period.last_month, -period.months),
                    ),
                    filters.segment,
                )
            ),
            "running": period.is_running(today),
            "provisional": period.churn_is_provisional(today),
            "charts": _charts(card),
            "tables": {key: build(card) for key, build in tables.TABLES.items()},
        },
    )


def scorecard_csv(request: HttpRequest, table: str) -> HttpResponse | StreamingHttpResponse:
    """One of the scorecard's tables as CSV, for the same filters."""
    require(request.user, "clients.view_client")
    build = tables.TABLES.get(table)
    if build is None:
        raise Http404("No such table")
    today = timezone.localdate()
    form = _form(request, today)
    if not form.is_valid():
        return _refused(form)
    built = build(get_scorecard(form.filters, today=today))
    period = form.filters.period
    name = f"scorecard-{table}-{period.first_month:%Y-%m}-{period.last_month:%Y-%m}.csv"
    return stream_csv(
        name,
        built.columns,
        ([escape_cell(tables.csv_value(cell)) for cell in row] for row in built.rows),
    )


def scorecard_clients(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The clients behind one number of the scorecard (``?measure=``), paged or as CSV."""
    require(request.user, "clients.view_client")
    measure = MEASURES.get(request.GET.get("measure", ""))
    if measure is None:
        raise Http404("No such measure")
    today = timezone.localdate()
    form = _form(request, today)
    if not form.is_valid():
        return _refused(form)
    department = None
    if measure.by_department and request.GET.get("department"):
        department = get_object_or_404(Department, slug=request.GET["department"])
    found = drill_down(form.filters, measure.key, department=department, today=today)
    filters = form.filters
    if request.GET.get("format") == "csv":
        period = filters.period
        return stream_csv(
            f"scorecard-{measure.key}-{period.first_month:%Y-%m}-{period.last_month:%Y-%m}.csv",
            ["external_id", "name", "segment", "owner", *(label for label, _ in measure.columns)],
            (
                [
                    escape_cell(client.external_id),
                    escape_cell(client.name),
                    escape_cell(client.segment),
                    escape_cell(str(client.owner) if client.owner else ""),
                    *(
                        escape_cell(tables.csv_value(tables.Cell(value, kind)))
                        for value, (_, kind) in zip(row.figures, measure.columns, strict=True)
                    ),
                ]
                for client, row in iter_clients(found.rows)
            ),
        )
    query = (
        _query(filters)
        + "&"
        + urlencode(
            {"measure": measure.key, **({"department": department.slug} if department else {})}
        )
    )
    page = paginate(
        ClientRows(found.rows), request.GET.get("page"), CLIENTS_PER_PAGE, cap=len(found.rows)
    )
    return render(
        request,
        "scorecard/clients.html",
        {
            "found": found,
            "page": page,
            "query": query,
            "back": _query(filters),
            "rows": [
                (client, list(zip(row.figures, measure.columns, strict=True)))
                for client, row in page.rows
            ],
        },
    )
