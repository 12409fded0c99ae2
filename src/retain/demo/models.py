"""The hidden truth behind the demo company, kept so tests can check findings against it."""

from __future__ import annotations

from django.db import models


class ClientTruth(models.Model):
    """What really drove a demo client: its hidden satisfaction and why it churned.

    The generator decides churn from this hidden satisfaction process; the data a
    user sees (usage, incidents, late deliveries, unanswered tickets, owner
    changes) only reflects it, noisily. Nothing in the product reads this table.
    """

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="+")
    # Monthly satisfaction in [0, 1], from the client's start to its end or the demo's end.
    satisfaction_by_month = models.JSONField()
    # Month index -> list of the shocks that hit it (e.g. "late_delivery", "owner_change").
    shocks_by_month = models.JSONField(default=dict)
    initial_satisfaction = models.FloatField()
    final_satisfaction = models.FloatField()
    churned = models.BooleanField()
    # The shock that did the most damage in the months before churn ("" when it did not churn).
    main_churn_driver = models.CharField(max_length=50, blank=True)
    revenue_weight = models.FloatField(help_text="The power-law draw behind the client's size")

    def __str__(self) -> str:
        return f"truth for client {self.client_id}"


class PlantedMismatch(models.Model):
    """A mismatch the demo planted in a client's documents (see demo/documents.py).

    Tests check that `retain check-consistency` finds exactly these.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    documents = models.JSONField()
    item = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=50)

    def __str__(self) -> str:
        return f"{self.kind} {self.field} in {', '.join(self.documents)}"
