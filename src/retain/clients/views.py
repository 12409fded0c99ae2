"""Client pages. Views parse, authorize, call one selector or service, and render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from retain.clients.selectors import list_clients


def client_list(request: HttpRequest) -> HttpResponse:
    """Every client, largest revenue first, searchable by name or external id."""
    search = request.GET.get("q", "").strip()
    page = Paginator(list_clients(search=search), 50).get_page(request.GET.get("page"))
    return render(request, "clients/client_list.html", {"page": page, "search": search})
