"""Gamma-Gamma: how much a customer spends per transaction.

Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value"
(brucehardie.com/notes/025), after Colombo & Jiang (1999) and the spend sub-model of
Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis", Journal of Marketing Research 42 (4), 415-430.

A customer's transaction values are gamma(p, nu), independent of each other and of
her purchase process; nu ~ gamma(q, gamma) across customers. Her mean transaction value
z over x transactions is then gamma(p x, nu x), and, nu integrated out:

    ln f(z | x) = ln Gamma(p x + q) - ln Gamma(p x) - ln Gamma(q) + q ln gamma
                  + (p x - 1) ln z + p x ln x - (p x + q) ln(gamma + x z).

It is fitted on customers with x > 0 repeat purchases and z > 0, where z is the mean
value of the repeat purchases (the first purchase left out), as in the note's CDNOW
example: p = 6.25, q = 3.74, gamma = 15.44 on its 946 repeat buyers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from retain.analytics.clv.fitting import (
    FitFailed,
    FloatArray,
    ModelFit,
    PositiveParameters,
    as_float_array,
    maximise_log_likelihood,
)


@dataclass(frozen=True)
class GammaGammaParameters(PositiveParameters):
    """Gamma-Gamma parameters: spend ~ gamma(p, nu) with nu ~ gamma(q, gamma)."""

    p: float
    q: float
    gamma: float


def _spend_columns(
    frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(frequency, "frequency")
    z = as_float_array(monetary_value, "monetary_value")
    if x.shape != z.shape:
        raise ValueError("frequency and monetary_value must have the same length")
    if np.any(x < 0) or np.any(z < 0):
        raise ValueError("frequency and monetary_value must be >= 0")
    return x, z


def _log_likelihood_rows_and_gradient(
    theta: FloatArray, x: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Each row's ln f(z | x) (x > 0, z > 0) and the summed gradient in (p, q, gamma)."""
    p, q, gamma = theta
    px = p * x
    log_gamma_xz = np.log(gamma + x * z)
    digamma_pxq = digamma(px + q)
    rows = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(z)
        + px * np.log(x)
        - (px + q) * log_gamma_xz
    )
    gradient = np.array(
        [
            np.sum(x * (digamma_pxq - digamma(px) + np.log(z) + np.log(x) - log_gamma_xz)),
            np.sum(digamma_pxq - digamma(q) + np.log(gamma) - log_gamma_xz),
            np.sum(q / gamma - (px + q) / (gamma + x * z)),
        ]
    )
    return rows, gradient


def gammagamma_log_likelihood(
    parameters: GammaGammaParameters, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Each customer's ln f(z | x) (module docstring); customers need x > 0 and z > 0."""
    x, z = _spend_columns(frequency, monetary_value)
    if np.any(x <= 0) or np.any(z <= 0):
        raise ValueError("the Gamma-Gamma likelihood needs frequency > 0 and monetary_value > 0")
    rows, _ = _log_likelihood_rows_and_gradient(parameters.to_array(), x, z)
    return rows


def gammagamma_log_likelihood_gradient(
    parameters: GammaGammaParameters, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """The gradient of the summed Gamma-Gamma log-likelihood with respect to (p, q, gamma).

      d/dp     = x (psi(p x + q) - psi(p x) + ln z + ln x - ln(gamma + x z))
      d/dq     = psi(p x + q) - psi(q) + ln gamma - ln(gamma + x z)
      d/dgamma = q/gamma - (p x + q)/(gamma + x z)
    summed over customers (psi is the digamma function).
    """
    x, z = _spend_columns(frequency, monetary_value)
    if np.any(x <= 0) or np.any(z <= 0):
        raise ValueError("the Gamma-Gamma likelihood needs frequency > 0 and monetary_value > 0")
    _, gradient = _log_likelihood_rows_and_gradient(parameters.to_array(), x, z)
    return gradient


def fit_gammagamma(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    initial: GammaGammaParameters | None = None,
) -> ModelFit[GammaGammaParameters]:
    """Maximum-likelihood Gamma-Gamma estimates on the repeat buyers with a positive spend.

    Customers with x = 0 (no repeat purchase, so no repeat spend) or z = 0 carry no
    information about (p, q, gamma) here and are left out; ``n_customers`` counts the rest.
    """
    x, z = _spend_columns(frequency, monetary_value)
    used = (x > 0) & (z > 0)
    if np.count_nonzero(used) < 2:
        raise FitFailed("Gamma-Gamma needs at least two repeat buyers with a positive spend")
    x, z = x[used], z[used]
    start = initial or GammaGammaParameters(p=1.0, q=1.0, gamma=1.0)

    def log_likelihood_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        rows, gradient = _log_likelihood_rows_and_gradient(theta, x, z)
        return float(rows.sum()), gradient

    theta, log_likelihood, iterations, converged = maximise_log_likelihood(
        log_likelihood_and_gradient, start.to_array(), n_customers=x.size
    )
    return ModelFit(
        parameters=GammaGammaParameters.from_array(theta),
        log_likelihood=log_likelihood,
        n_customers=int(x.size),
        iterations=iterations,
        converged=converged,
    )


def gammagamma_population_mean_spend(parameters: GammaGammaParameters) -> float:
    """E(Z) = p gamma / (q - 1), the mean transaction value across customers (q > 1).

    NaN when q <= 1: the mixing distribution then has no mean.
    """
    p, q, gamma = parameters.to_array()
    return float(p * gamma / (q - 1.0)) if q > 1.0 else float("nan")


def gammagamma_expected_spend(
    parameters: GammaGammaParameters, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """E(Z | z, x) = p (gamma + x z) / (p x + q - 1), a customer's expected transaction value.

    From the note: a weighted mean of the population mean p gamma/(q-1) and the
    customer's own mean z, the weight on z growing with x. For x = 0 it is the
    population mean. NaN where p x + q <= 1 (no finite mean).
    """
    p, q, gamma = parameters.to_array()
    x, z = _spend_columns(frequency, monetary_value)
    denominator = p * x + q - 1.0
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, p * (gamma + x * z) / safe, np.nan)
