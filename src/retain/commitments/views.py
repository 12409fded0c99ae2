"""Commitment pages: record one for a client; a department's promises to keep."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.accounts.models import Department, User
from retain.clients.models import Client
from retain.clients.permissions import require
from retain.commitments import selectors, services
from retain.commitments.forms import CloseCommitmentForm, CommitmentForm
from retain.commitments.models import Commitment


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def department_commitments(request: HttpRequest) -> HttpResponse:
    """What a department must keep (the viewer's own by default), and kept vs broken."""
    departments = list(Department.objects.filter(is_active=True).order_by("name"))
    slug = request.GET.get("department") or getattr(_actor(request).department, "slug", "")
    department = next((d for d in departments if d.slug == slug), None) or (
        departments[0] if departments else None
    )
    if department is None:
        raise Http404("No departments")
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
            services.record_commitment(actor=_actor(request), client=client, **form.cleaned_data)
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
                actor=_actor(request),
                commitment=commitment,
                kept=form.cleaned_data["kept"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("client-detail", pk=commitment.client_id)
