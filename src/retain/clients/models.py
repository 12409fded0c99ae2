"""The one client record every department reads and writes.

Writes go through ``retain.clients.services`` (and ``retain.transfer`` for bulk
imports); reads through ``retain.clients.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from retain.clients.choices import ClientStatus, LifecycleStage, OwnerRole, TimelineKind
from retain.core.fields import EpochMicrosecondsField


class Client(models.Model):
    """A company we serve. ``owner`` is the point person accountable for it."""

    external_id = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    segment = models.CharField(max_length=100, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.ONBOARDING
    )
    status = models.CharField(
        max_length=10, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    churned_on = models.DateField(null=True, blank=True)
    churn_reason = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_clients",
    )
    backup_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="backed_up_clients",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by services.refresh_client_revenue from the subscription lines, so lists of
    # 100,000 clients sort and filter by revenue without aggregating per request.
    mrr = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    renewal_on = models.DateField(null=True, blank=True, editable=False)
    revenue_as_of = models.DateField(null=True, blank=True, editable=False)
    # Incremented by every service write; a stale version means someone else saved first.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "mrr", "renewal_on", "revenue_as_of"]
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(Lower("name"), name="clients_client_name_ci"),
            models.Index(fields=["status", "segment"], name="clients_client_status_segment"),
            models.Index(fields=["-mrr", "name"], name="clients_client_mrr"),
            models.Index(fields=["owner", "-mrr"], name="clients_client_owner_mrr"),
            models.Index(fields=["backup_owner", "-mrr"], name="clients_client_backup_mrr"),
            models.Index(fields=["renewal_on"], name="clients_client_renewal"),
            # Status in the middle: renewals due and clients left without an active
            # owner are both counted on active clients only, from the index alone.
            models.Index(fields=["owner", "status", "renewal_on"], name="clients_client_owner_due"),
            models.Index(
                fields=["backup_owner", "status", "renewal_on"], name="clients_client_backup_due"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=ClientStatus.CHURNED) & Q(churned_on__isnull=False))
                | (Q(status=ClientStatus.ACTIVE) & Q(churned_on__isnull=True)),
                name="clients_client_churned_on_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | ~Q(owner=F("backup_owner")),
                name="clients_client_backup_differs_from_owner",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="clients_client_external_id_set"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OwnershipChange(models.Model):
    """Who owned (or backed up) a client from when, and the handoff note that came with it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ownership_changes")
    role = models.CharField(max_length=10, choices=OwnerRole.choices)
    previous_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    note = models.TextField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-changed_at"], name="clients_ownership_client_time")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="clients_ownership_note_required"),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.role} {self.previous_user} -> {self.new_user}"


class Contact(models.Model):
    """A person at the client."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    role = models.CharField(max_length=100, blank=True)
    is_primary = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        indexes = [
            models.Index(Lower("email"), name="clients_contact_email_ci"),
            models.Index(Lower("name"), name="clients_contact_name_ci"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_primary=True), name="clients_contact_one_primary"
            ),
            models.UniqueConstraint(
                "client",
                Lower("email"),
                condition=~Q(email=""),
                name="clients_contact_email_unique_per_client",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubscriptionLine(models.Model):
    """One product a client subscribes to, for a period; ``end_date`` empty means open-ended.

    ``mrr`` is the monthly recurring revenue actually billed for the line (after
    discount); ``discount_percent`` records the discount granted on list price.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="subscription_lines")
    product = models.CharField(max_length=100)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    mrr = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(default=1)
    billing_period_months = models.PositiveSmallIntegerField(default=1)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "start_date", "product"]
        indexes = [
            models.Index(fields=["client", "start_date"], name="clients_subline_client_start")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "product", "start_date"], name="clients_subline_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="clients_subline_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(mrr__gte=0), name="clients_subline_mrr_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(billing_period_months__gte=1),
                name="clients_subline_billing_period_positive",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="clients_subline_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.product} from {self.start_date}"


class Transaction(models.Model):
    """A purchase by a client who buys without a contract (negative amounts are refunds)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="transactions")
    occurred_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    order_id = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "occurred_at"]
        indexes = [models.Index(fields=["client", "occurred_at"], name="clients_txn_client_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "order_id"],
                condition=~Q(order_id=""),
                name="clients_txn_order_unique_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.amount} at {self.occurred_at:%Y-%m-%d}"


class EventType(models.Model):
    """A kind of usage event ("login", "report_exported"); stored once, referenced by id."""

    id = models.SmallAutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class UsageEvent(models.Model):
    """One thing a client's user did in the product; tens of millions of rows.

    Kept compact: a small integer for the type, an integer timestamp, no audit
    history per row (imports are audited as a whole by ``ImportRun``). The
    ``(client, occurred_at)`` index serves per-client time-range scans. Identical
    rows are legitimate: two clicks in one second are two events.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+", db_index=False)
    occurred_at = EpochMicrosecondsField()
    event_type = models.ForeignKey(
        EventType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    value = models.FloatField(default=1.0)
    user = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "occurred_at"], name="clients_usage_client_time")]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.event_type_id} at {self.occurred_at}"


class TimelineEntry(models.Model):
    """Something a person cares about, on the client's one timeline.

    ``source`` links back to the record the entry came from (an order, an
    incident, a survey response) when there is one.
    """

    # No index of its own: (client, -occurred_at) serves every lookup by client, and a
    # plain client index tempts PostgreSQL into reading a whole 50,000-entry timeline
    # to sort it when it expects a client to have a handful of entries.
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="timeline", db_index=False
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=TimelineKind.choices)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(
                fields=["client", "-occurred_at", "-id"], name="clients_timeline_client_time"
            ),
            models.Index(fields=["source_type", "source_id"], name="clients_timeline_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id__isnull=True)
                | Q(source_type__isnull=False, source_id__isnull=False),
                name="clients_timeline_source_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.kind} {self.subject}"


class ClientSearchTerm(models.Model):
    """One searchable word of a client: from its name, external id, contacts' names and emails.

    Searching 100,000 clients for a substring would read every row; a word-prefix
    lookup in this table is an index range scan. Kept by
    ``services.index_client_search`` whenever a client or contact is written.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=254)

    class Meta:
        indexes = [
            # "Does this client have a word starting with w?", asked client by client when
            # the list walks clients in sort order: one index probe on both columns.
            models.Index(
                fields=["client", "term"],
                name="clients_search_client_term",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # SQLite (binary order): prefix search as a range, term >= w AND term < w + U+10FFFF.
            models.Index(fields=["term", "client"], name="clients_search_term"),
            # PostgreSQL: LIKE 'w%' needs a pattern opclass under a non-C collation.
            models.Index(
                fields=["term"], name="clients_search_term_like", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.term


class TableRevision(models.Model):
    """A token that changes whenever a table's rows change, kept by database triggers
    (migration 0007), so every write counts: the ORM, bulk loads, COPY, raw SQL.

    Readers that keep a table in memory (the scorecard's subscription lines) read the
    token first and reuse their copy only while it is unchanged. A random token, not a
    counter: a rolled-back transaction's change can never come back under the same token.
    """

    table = models.CharField(max_length=63, primary_key=True)
    token = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.table} at {self.token}"
