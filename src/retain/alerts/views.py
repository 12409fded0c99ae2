"""The notification centre: my alerts, newest first; mark them read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from retain.alerts.models import Notification
from retain.alerts.services import mark_read
from retain.core.http import actor

SHOWN = 200


def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(user=actor(request)).select_related("client")
    return render(
        request,
        "alerts/notifications.html",
        {
            "notifications": mine.order_by("-created_at", "-pk")[:SHOWN],
            "unread": mine.filter(read_at__isnull=True).count(),
        },
    )


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_read(user=actor(request))
    return redirect("notifications")
