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
from retain.core.http import actor, chosen_department
from retain.incidents import selectors, services
from retain.incidents.forms import (
    AnswerTransferForm,
    IncidentForm,
    ResolveIncidentForm,
    TakeIncidentForm,
    TransferForm,
)
from retain.incidents.models import Incident, IncidentTransfer


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
