"""Webhooks page (admins): endpoints, their secrets, the delivery log, replay."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.clients.permissions import require
from retain.core.http import actor
from retain.webhooks import services
from retain.webhooks.delivery import EVENT_TYPES
from retain.webhooks.models import Delivery, Endpoint

RECENT_DELIVERIES = 50


class EndpointForm(forms.Form):
    url = forms.URLField(max_length=500, label="URL")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=sorted(EVENT_TYPES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )


def webhooks(request: HttpRequest) -> HttpResponse:
    require(request.user, "webhooks.manage_webhooks")
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.add_endpoint(actor=actor(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{endpoint.url} added. Its secret is shown below.")
            return redirect("webhooks")
    deliveries = (
        Delivery.objects.select_related("endpoint")
        .prefetch_related("log")
        .order_by("-created_at", "-pk")[:RECENT_DELIVERIES]
    )
    return render(
        request,
        "webhooks/webhooks.html",
        {
            "endpoints": Endpoint.objects.order_by("created_at"),
            "deliveries": deliveries,
            "form": form,
        },
    )


@require_POST
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    services.replay_delivery(actor=actor(request), delivery=delivery)
    messages.success(request, f"{delivery.event_type} to {delivery.endpoint} queued again.")
    return redirect("webhooks")
