"""Reads of client data, shared by the web pages, the CLI and the API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from retain.clients.models import Client


def list_clients(*, search: str = "") -> QuerySet[Client]:
    """Clients with their owner, largest revenue first, optionally matching ``search``.

    Revenue is the stored summary (``Client.mrr``, kept by
    ``services.refresh_client_revenue``), so sorting 100,000 clients is an index scan.
    """
    clients = Client.objects.select_related("owner", "backup_owner")
    if search:
        clients = clients.filter(Q(name__icontains=search) | Q(external_id__iexact=search))
    return clients.order_by("-mrr", "name")
