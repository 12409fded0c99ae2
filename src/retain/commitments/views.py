"""Commitment pages: record one for a client; a department's promises to keep."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.clients.models import Client
from retain.clients.permissions import require
from retain.commitments import selectors, services
from retain.commitments.forms import CloseCommitmentForm, CommitmentForm
from retain.commitments.models import Commitment
from retain.core.http import actor, chosen_department, redirect_back


def department_commitments(request: HttpRequest) -> HttpResponse:
    """What a department must keep (the viewer's own by default), and kept vs broken."""
    department, departments = chosen_department(request)
    return render(
        request,
        "commitments/department.html",
        {
            "department": department,
            "departments": departments,
            "commitments": selectors.list_department_commitments(department=department),
            "tally": selectors.count_kept_and_broken(),
        },
    )


def record_commitment(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    require(request.user, "commitments.record_commitment", client)
    form = CommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_commitment(actor=actor(request), client=client, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Promise recorded.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "commitments/commitment_form.html", {"client": client, "form": form})


@require_POST
def close_commitment(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(Commitment, pk=pk)
    form = CloseCommitmentForm(request.POST)
    if form.is_valid():
        try:
            services.close_commitment(
                actor=actor(request),
                commitment=commitment,
                kept=form.cleaned_data["kept"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
    return redirect_back(request, "client-detail", commitment.client_id)
