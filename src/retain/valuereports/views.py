"""The value report of a client: the page (a client tab) and its PDF for sending."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from retain.clients.models import Client
from retain.clients.permissions import require
from retain.core.charts import Series, bar_chart
from retain.core.templatetags.formats import MONTHS
from retain.valuereports import selectors


def _months(request: HttpRequest) -> int:
    """The period asked for (?months=3|6|12); anything else is the default year."""
    asked = request.GET.get("months", "")
    if asked.isdigit() and int(asked) in selectors.MONTH_CHOICES:
        return int(asked)
    return selectors.DEFAULT_MONTHS


def _report(request: HttpRequest, pk: int) -> tuple[Client, selectors.ValueReport, int]:
    client = get_object_or_404(Client, pk=pk)
    # Whoever may view the client may see (and send) what we did for it.
    require(request.user, "clients.view_client", client)
    months = _months(request)
    return client, selectors.value_report(client, months=months), months


def client_value_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-page value report for a business review, with a period chooser."""
    client, report, months = _report(request, pk)
    usage = report.usage.months
    chart = bar_chart(
        title="Usage events by month",
        description="Usage events the client's users recorded in each month of the period.",
        labels=[f"{MONTHS[m.month.month - 1]} {m.month:%y}" for m in usage],
        series=[Series("Events", [m.events for m in usage])],
        height=220,
    )
    return render(
        request,
        "valuereports/value_report.html",
        {
            "client": client,
            "report": report,
            "months": months,
            "month_choices": selectors.MONTH_CHOICES,
            "usage_chart": chart,
        },
    )


def client_value_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same report as a one-page A4 PDF, downloaded to send to the client."""
    # Imported here: fpdf2 takes about 2 s to import, a cost only PDFs should pay (not
    # every web process's first page).
    from retain.valuereports import pdf

    _client, report, _months_asked = _report(request, pk)
    response = HttpResponse(pdf.render_value_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=pdf.filename(report)
    )
    return response
