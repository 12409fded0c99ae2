"""Reads of client data, shared by the web pages, the CLI and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from retain.clients.models import Client, SubscriptionLine


def current_mrr_subquery(on: date) -> Coalesce:
    """An annotation: the client's MRR from subscription lines running on ``on``."""
    running = (
        SubscriptionLine.objects.filter(client=OuterRef("pk"), start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by()
        .values("client")
        .annotate(total=Sum("mrr"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(running, output_field=money), Value(Decimal("0")), output_field=money)


def list_clients(*, search: str = "", on: date | None = None) -> QuerySet[Client]:
    """Clients with their owner and current MRR, largest revenue first."""
    on = on or timezone.localdate()
    clients = Client.objects.select_related("owner", "backup_owner").annotate(
        mrr=current_mrr_subquery(on)
    )
    if search:
        clients = clients.filter(Q(name__icontains=search) | Q(external_id__iexact=search))
    return clients.order_by("-mrr", "name")
