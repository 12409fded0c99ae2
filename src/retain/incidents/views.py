"""Incident pages: a department's inbox, one incident, raising one from a client page."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.clients.models import Client
from retain.clients.permissions import may, require
from retain.core.charts import Series, bar_chart, line_chart
from retain.core.http import actor, chosen_department
from retain.incidents import reports, selectors, services
from retain.incidents.forms import (
    AnswerTransferForm,
    IncidentForm,
    ResolveIncidentForm,
    TakeIncidentForm,
    TransferForm,
)
from retain.incidents.models import Incident, IncidentTransfer
from retain.transfer.csvio import csv_writer, escape_cell


def inbox(request: HttpRequest) -> HttpResponse:
    """A department's open incidents, overdue first (the viewer's own department by default)."""
    department, departments = chosen_department(request)
    page = selectors.list_department_inbox(
        department=department, page_number=request.GET.get("page")
    )
    return render(
        request,
        "incidents/inbox.html",
        {
            "department": department,
            "departments": departments,
            "page": page,
            "waiting": selectors.list_transfers_waiting(department=department),
        },
    )


def _incident(pk: int) -> Incident:
    try:
        return selectors.get_incident(pk=pk)
    except Incident.DoesNotExist:
        raise Http404("No such incident") from None


def _detail_context(request: HttpRequest, incident: Incident, **forms: object) -> dict[str, object]:
    context = selectors.get_incident_context(incident=incident)
    pending = next(
        (t for t in cast(list[IncidentTransfer], context["transfers"]) if t.status == "pending"),
        None,
    )
    return {
        "incident": incident,
        "can_act": may(request.user, "incidents.act_on_incident", incident),
        "pending": pending,
        "can_answer": pending is not None
        and may(request.user, "incidents.answer_transfer", pending),
        "resolve_form": ResolveIncidentForm(initial={"version": incident.version}),
        "transfer_form": TransferForm(initial={"version": incident.version}),
        **context,
        **forms,
    }


def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One incident with what travels with it: transfers and the client's recent history."""
    incident = _incident(pk)
    require(request.user, "clients.view_client", incident.client)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


@require_POST
def transfer_incident(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    require(request.user, "incidents.act_on_incident", incident)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            services.request_transfer(
                actor=actor(request),
                incident=incident,
                to_department=form.cleaned_data["to_department"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, services.StaleIncident) as error:
            form.add_error(None, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request, f"Waiting for {form.cleaned_data['to_department']} to accept."
            )
            return redirect("incident-detail", pk=pk)
    context = _detail_context(request, incident, transfer_form=form)
    return render(request, "incidents/incident_detail.html", context, status=422)


@require_POST
def answer_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_object_or_404(IncidentTransfer, pk=pk)
    form = AnswerTransferForm(request.POST)
    if form.is_valid():
        try:
            services.answer_transfer(
                actor=actor(request),
                transfer=transfer,
                accept=form.cleaned_data["accept"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
    return redirect("incident-detail", pk=transfer.incident_id)


def open_incident(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise an incident for a client."""
    client = get_object_or_404(Client.objects.select_related("owner"), pk=pk)
    require(request.user, "incidents.open_incident", client)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.open_incident(
                actor=actor(request), client=client, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Incident raised for {incident.responsible_department}.")
            return redirect("incident-detail", pk=incident.pk)
    return render(request, "incidents/incident_form.html", {"client": client, "form": form})


@require_POST
def take_incident(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = TakeIncidentForm(request.POST)
    if form.is_valid():
        try:
            services.take_incident(
                actor=actor(request),
                incident=incident,
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, services.StaleIncident) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
    return redirect("incident-detail", pk=pk)


@require_POST
def resolve_incident(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    require(request.user, "incidents.act_on_incident", incident)
    form = ResolveIncidentForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_incident(
                actor=actor(request),
                incident=incident,
                resolution=form.cleaned_data["resolution"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, services.StaleIncident) as error:
            form.add_error(None, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Incident resolved.")
            return redirect("incident-detail", pk=pk)
    context = _detail_context(request, incident, resolve_form=form)
    return render(request, "incidents/incident_detail.html", context, status=422)


IMPACT_CSV_HEADER = [
    "department",
    "month",
    "active_clients",
    "incidents",
    "incidents_per_100_clients",
    "resolved",
    "mean_hours_to_resolve",
    "sla_breaches",
    "clients_affected",
    "mrr_affected",
    "with_incident",
    "with_incident_churned_6m",
    "without_incident",
    "without_incident_churned_6m",
    "churn_window_closed",
]


def department_impact(request: HttpRequest) -> HttpResponse:
    """Per department and month: incidents per 100 clients, time to resolve, SLA
    breaches, revenue affected, and later churn with against without its incidents."""
    require(request.user, "clients.view_client")
    try:
        months = min(36, max(3, int(request.GET.get("months", reports.DEFAULT_MONTHS))))
    except ValueError:
        months = reports.DEFAULT_MONTHS
    report = reports.department_impact_report(months=months)
    names = {d.pk: d.name for d in report.departments}
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="department-impact.csv"'
        writer = csv_writer(response)
        writer.writerow(IMPACT_CSV_HEADER)
        for row in report.rows:
            hours = row.mean_hours_to_resolve
            writer.writerow(
                [
                    escape_cell(names[row.department_id]),
                    f"{row.month:%Y-%m}",
                    row.active_clients,
                    row.incidents,
                    f"{row.incidents_per_100_clients:.2f}",
                    row.resolved,
                    "" if hours is None else f"{hours:.1f}",
                    row.sla_breaches,
                    row.clients_affected,
                    f"{row.revenue_affected:.2f}",
                    row.churn.with_incident,
                    row.churn.with_incident_churned,
                    row.churn.without_incident,
                    row.churn.without_incident_churned,
                    "yes" if row.window_closed else "no",
                ]
            )
        return response
    labels = [f"{month:%b %y}" for month in report.months]
    pooled = [(d, report.pooled_churn(d)) for d in report.departments]
    # Charted: the departments with incidents in the period (the tables list them all).
    charted = [d for d in report.departments if any(r.incidents for r in report.for_department(d))]
    charted_churn = [(d, split) for d, split in pooled if d in charted]
    trend = line_chart(
        title="Incidents per 100 active clients",
        description="Incidents each department caused, per 100 active clients, by month.",
        labels=labels,
        series=[
            Series(d.name, [r.incidents_per_100_clients for r in report.for_department(d)])
            for d in charted
        ],
    )
    churn = bar_chart(
        title=f"Churn within {report.churn_window_months} months",
        description="Share of clients who left within the window, with an incident from "
        "the department in the month against without, over the months whose window closed.",
        labels=[d.name for d, _ in charted_churn],
        series=[
            Series(
                "with its incidents",
                [None if s.rate_with is None else 100 * s.rate_with for _, s in charted_churn],
            ),
            Series(
                "without",
                [
                    None if s.rate_without is None else 100 * s.rate_without
                    for _, s in charted_churn
                ],
            ),
        ],
        unit="%",
    )
    return render(
        request,
        "incidents/department_impact.html",
        {
            "report": report,
            "months": months,
            "month_choices": [3, 6, 12, 24, 36],
            "tables": [(d, report.for_department(d)) for d in charted],
            "pooled": charted_churn,
            "quiet": [d for d in report.departments if d not in charted],
            "trend_chart": trend,
            "churn_chart": churn,
        },
    )
