"""Valuing every client that buys without a contract, from all clients' purchases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from retain.analytics.clv import (
    CustomerPredictions,
    CustomerSummary,
    FitFailed,
    GammaGammaParameters,
    PurchaseModel,
    fit_gammagamma,
    fit_purchase_model,
    predict_customers,
    summarise_transactions,
)
from retain.clients.models import Transaction
from retain.valuation.models import ClientValue

# Tried in turn; the best fit whose predictions are all numbers is kept.
PURCHASE_MODELS: tuple[PurchaseModel, ...] = ("bgnbd", "paretonbd")
HORIZON_WEEKS = 52
# Below this many buying clients the population parameters mean little.
MINIMUM_CLIENTS = 20


@dataclass(frozen=True)
class Valuation:
    as_of: date
    clients_valued: int
    skipped_because: str = ""


def value_clients(*, as_of: date | None = None) -> Valuation:
    """Fit BG/NBD (purchases) and Gamma-Gamma (spend) on every client's purchases up to
    the end of ``as_of`` (default today; Pareto/NBD when it serves better, see
    ``_best_predictions``), then keep each client's expected purchases over
    the next 52 weeks, P(alive), expected spend per purchase and lifetime value
    (discounted at ``RETAIN_CLV_DISCOUNT_RATE`` a year): docs/clv.md.

    Purchases are transactions with a positive amount (refunds are left out); several on
    one day count as one. Running it again for the same day replaces that day's values.
    """
    as_of = as_of or timezone.localdate()
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time()))
    ids: list[str] = []
    days: list[date] = []
    amounts: list[float] = []
    purchases = Transaction.objects.filter(occurred_at__lt=end, amount__gt=0).values_list(
        "client_id", "occurred_at", "amount"
    )
    for client_id, occurred_at, amount in purchases.iterator(chunk_size=10_000):
        ids.append(str(client_id))
        days.append(timezone.localtime(occurred_at).date())
        amounts.append(float(amount))
    summary = summarise_transactions(ids, days, amounts, calibration_end=as_of)
    if len(summary) < MINIMUM_CLIENTS:
        return Valuation(as_of, 0, f"{len(summary)} buying clients; {MINIMUM_CLIENTS} needed")
    spend: GammaGammaParameters | None = None
    if summary.monetary_value is not None:
        try:
            spend = fit_gammagamma(summary.frequency, summary.monetary_value).parameters
        except FitFailed:  # too few repeat buyers: purchases and P(alive) still stand
            spend = None
    model, predictions = _best_predictions(summary, spend)
    now = timezone.now()
    values = [
        ClientValue(
            client_id=int(client_id),
            as_of=as_of,
            purchase_model=model,
            horizon_weeks=HORIZON_WEEKS,
            expected_purchases=_number(predictions.expected_purchases[n]),
            probability_alive=_number(predictions.probability_alive[n]),
            expected_spend=None
            if predictions.expected_spend is None
            else _number(predictions.expected_spend[n]),
            lifetime_value=None
            if predictions.lifetime_value is None
            else _number(predictions.lifetime_value[n]),
            computed_at=now,
        )
        for n, client_id in enumerate(summary.customer_ids)
    ]
    with transaction.atomic():
        ClientValue.objects.filter(as_of=as_of).delete()
        ClientValue.objects.bulk_create(values, batch_size=2000)
    return Valuation(as_of, len(values))


def _best_predictions(
    summary: CustomerSummary, spend: GammaGammaParameters | None
) -> tuple[PurchaseModel, CustomerPredictions]:
    """BG/NBD or Pareto/NBD, whichever fits better among those that give every client a
    number. When clients buy at much the same rate the fits drift towards no
    heterogeneity (r and alpha in the billions); BG/NBD's expected purchases then go
    through a hypergeometric function that gives up, while Pareto/NBD's (integrated
    numerically) still answers. The demo company is such a case."""
    tried = []
    for model in PURCHASE_MODELS:
        fit = fit_purchase_model(model, summary)
        predictions = predict_customers(
            summary,
            fit.parameters,
            spend,
            horizon=HORIZON_WEEKS,
            annual_discount_rate=settings.RETAIN_CLV_DISCOUNT_RATE,
        )
        finite = bool(np.isfinite(predictions.expected_purchases).all())
        tried.append((finite, fit.log_likelihood, model, predictions))
    _, _, model, predictions = max(tried, key=lambda t: (t[0], t[1]))
    return model, predictions


def _number(value: float) -> float | None:
    """A float for the database, or None where the models return NaN (extreme parameters)."""
    number = float(value)
    return number if number == number else None
