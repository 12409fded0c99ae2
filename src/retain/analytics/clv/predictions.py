"""Per-customer predictions from fitted models: purchases, P(alive), spend and lifetime value.

Customer lifetime value over a horizon H (in the summary's time unit) is the discounted
expected spend of the purchases in each period, summed over the periods:

    CLV = E(Z | z, x) * sum_{k=1..K} (E[Y(tau_k)] - E[Y(tau_{k-1})]) / (1 + R)^(tau_k / P),

with tau_k = min(k, H), K = ceil(H), E[Y(t)] the purchase model's conditional expected
purchases in the next t time units, E(Z | z, x) the Gamma-Gamma expected transaction
value, R the annual discount rate (0.10 for 10% a year) and P the time units in a year
(365.25/7 weeks or 365.25 days). Each period's purchases are discounted from the end of
that period. This is the discounted-expected-transactions approach of Fader, Hardie &
Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", in
discrete periods, with spend independent of the purchase process as Gamma-Gamma assumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from retain.analytics.clv.bgnbd import (
    BgNbdParameters,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    fit_bgnbd,
)
from retain.analytics.clv.data import CustomerSummary, TimeUnit, periods_per_year
from retain.analytics.clv.fitting import FloatArray, ModelFit
from retain.analytics.clv.gammagamma import GammaGammaParameters, gammagamma_expected_spend
from retain.analytics.clv.mbgnbd import (
    MbgNbdParameters,
    fit_mbgnbd,
    mbgnbd_expected_purchases,
    mbgnbd_probability_alive,
)
from retain.analytics.clv.paretonbd import (
    ParetoNbdParameters,
    fit_paretonbd,
    paretonbd_expected_purchases,
    paretonbd_probability_alive,
)

type PurchaseModel = Literal["bgnbd", "paretonbd", "mbgnbd"]
type PurchaseParameters = BgNbdParameters | ParetoNbdParameters | MbgNbdParameters
type PurchaseModelFit = (
    ModelFit[BgNbdParameters] | ModelFit[ParetoNbdParameters] | ModelFit[MbgNbdParameters]
)

PURCHASE_MODELS: tuple[PurchaseModel, ...] = ("bgnbd", "paretonbd", "mbgnbd")


def fit_purchase_model(model: PurchaseModel, summary: CustomerSummary) -> PurchaseModelFit:
    """Fit one of the purchase models by name on a customer summary."""
    columns = (summary.frequency, summary.recency, summary.T)
    if model == "bgnbd":
        return fit_bgnbd(*columns)
    if model == "paretonbd":
        return fit_paretonbd(*columns)
    if model == "mbgnbd":
        return fit_mbgnbd(*columns)
    raise ValueError(f"unknown purchase model {model!r}")


def expected_purchases(
    parameters: PurchaseParameters, t: float, summary: CustomerSummary
) -> FloatArray:
    """Each customer's E[Y(t) | x, t_x, T] under the model the parameters belong to."""
    columns = (summary.frequency, summary.recency, summary.T)
    if isinstance(parameters, BgNbdParameters):
        return bgnbd_expected_purchases(parameters, t, *columns)
    if isinstance(parameters, ParetoNbdParameters):
        return paretonbd_expected_purchases(parameters, t, *columns)
    return mbgnbd_expected_purchases(parameters, t, *columns)


def probability_alive(parameters: PurchaseParameters, summary: CustomerSummary) -> FloatArray:
    """Each customer's P(alive at T | x, t_x, T) under the model the parameters belong to."""
    columns = (summary.frequency, summary.recency, summary.T)
    if isinstance(parameters, BgNbdParameters):
        return bgnbd_probability_alive(parameters, *columns)
    if isinstance(parameters, ParetoNbdParameters):
        return paretonbd_probability_alive(parameters, *columns)
    return mbgnbd_probability_alive(parameters, *columns)


def discounted_expected_purchases(
    parameters: PurchaseParameters,
    summary: CustomerSummary,
    *,
    horizon: float,
    annual_discount_rate: float,
    time_unit: TimeUnit,
) -> FloatArray:
    """sum_{k=1..K} (E[Y(tau_k)] - E[Y(tau_{k-1})]) / (1 + R)^(tau_k / P) (module docstring)."""
    if horizon < 0 or not math.isfinite(horizon):
        raise ValueError("horizon must be a finite number >= 0")
    if annual_discount_rate <= -1 or not math.isfinite(annual_discount_rate):
        raise ValueError("the discount rate must be above -1 (-100%)")
    units_per_year = periods_per_year(time_unit)
    total = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for k in range(1, math.ceil(horizon) + 1):
        tau = min(float(k), horizon)
        current = expected_purchases(parameters, tau, summary)
        total += (current - previous) / (1.0 + annual_discount_rate) ** (tau / units_per_year)
        previous = current
    return total


@dataclass(frozen=True)
class CustomerPredictions:
    """Per-customer predictions, in the summary's customer order.

    ``expected_spend`` and ``lifetime_value`` are None when no spend model was given.
    """

    expected_purchases: FloatArray
    probability_alive: FloatArray
    expected_spend: FloatArray | None
    lifetime_value: FloatArray | None


def predict_customers(
    summary: CustomerSummary,
    purchase_parameters: PurchaseParameters,
    spend_parameters: GammaGammaParameters | None,
    *,
    horizon: float,
    annual_discount_rate: float = 0.0,
    time_unit: TimeUnit = "week",
) -> CustomerPredictions:
    """Expected purchases over ``horizon``, P(alive) now, expected spend and CLV per customer.

    Expected spend needs the summary's monetary values and Gamma-Gamma parameters; CLV
    is expected spend times the discounted expected purchases (module docstring).
    """
    purchases = expected_purchases(purchase_parameters, horizon, summary)
    alive = probability_alive(purchase_parameters, summary)
    if spend_parameters is None or summary.monetary_value is None:
        return CustomerPredictions(purchases, alive, None, None)
    spend = gammagamma_expected_spend(spend_parameters, summary.frequency, summary.monetary_value)
    discounted = discounted_expected_purchases(
        purchase_parameters,
        summary,
        horizon=horizon,
        annual_discount_rate=annual_discount_rate,
        time_unit=time_unit,
    )
    return CustomerPredictions(purchases, alive, spend, spend * discounted)
