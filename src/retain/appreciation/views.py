"""Appreciation pages: the thank-yous to say (yours or everyone's) and a client's
milestones."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.appreciation import selectors, services
from retain.appreciation.forms import MilestoneForm, ThankForm
from retain.appreciation.models import ThankYou
from retain.clients.models import Client
from retain.clients.permissions import may, require
from retain.core.http import actor

LISTED = 200


def thank_yous(request: HttpRequest) -> HttpResponse:
    """Thank-yous to say, soonest first: yours by default, everyone's with ?all=1."""
    require(request.user, "clients.view_client")
    everyone = request.GET.get("all") == "1"
    owner = None if everyone else actor(request)
    return render(
        request,
        "appreciation/thank_yous.html",
        {
            "everyone": everyone,
            "open": list(selectors.open_thank_yous(owner=owner)[:LISTED]),
            "done": list(selectors.recently_thanked(owner=owner)[:LISTED]),
            "form": ThankForm(),
        },
    )


@require_POST
def thank(request: HttpRequest, pk: int) -> HttpResponse:
    thank_you = get_object_or_404(ThankYou.objects.select_related("client", "milestone"), pk=pk)
    require(request.user, "appreciation.thank", thank_you)
    form = ThankForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say how you thanked them.")
    else:
        try:
            services.thank(actor=actor(request), thank_you=thank_you, **form.cleaned_data)
        except services.AlreadyThanked as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Thank-you to {thank_you.client} recorded.")
    return redirect(request.POST.get("next") or "appreciation")


def client_milestones(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's milestones and their thank-yous; recording a project launch."""
    client = get_object_or_404(Client.objects.select_related("owner", "backup_owner"), pk=pk)
    require(request.user, "clients.view_client", client)
    can_record = may(request.user, "appreciation.record_milestone", client)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "appreciation.record_milestone", client)
        if form.is_valid():
            try:
                services.record_milestone(actor=actor(request), client=client, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Milestone recorded.")
                return redirect("client-milestones", pk=client.pk)
    return render(
        request,
        "appreciation/client_milestones.html",
        {
            "client": client,
            "milestones": selectors.client_milestones(client),
            "form": form,
            "thank_form": ThankForm(),
            "can_record": can_record,
        },
    )
