"""A client's lifetime value and probability of being alive, kept per day."""

from __future__ import annotations

from django.db import models

from retain.clients.models import Client


class ClientValue(models.Model):
    """What the purchase models say of a client that buys without a contract, as of a
    day: written by ``valuation.services.value_clients`` (the worker, nightly). One row per
    client and day, so the history shows how it moved."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="values")
    as_of = models.DateField()
    purchase_model = models.CharField(max_length=12)
    horizon_weeks = models.PositiveSmallIntegerField()
    # Empty where the model could not say (numerically, at extreme parameters).
    expected_purchases = models.FloatField(null=True, blank=True)
    probability_alive = models.FloatField(null=True, blank=True)
    # Also empty when spend could not be modelled (too few repeat buyers with amounts).
    expected_spend = models.FloatField(null=True, blank=True)
    lifetime_value = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "as_of"], name="valuation_one_value_a_day")
        ]
        indexes = [
            models.Index(fields=["client", "-as_of"], name="valuation_latest_value"),
            # The scorecard reads the latest day's values for every client.
            models.Index(fields=["as_of"], name="valuation_value_day"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} as of {self.as_of}: P(alive) {self.probability_alive}"
