"""Shifted-beta-geometric (sBG): projecting a contractual cohort's retention.

Fader, P. S. and Hardie, B. G. S. (2007), "How to Project Customer Retention",
Journal of Interactive Marketing 21 (1), 76-90.

Each customer renews at the end of each period with her own probability 1 - theta,
theta ~ beta(alpha, beta) across the cohort. The chance of churning in period t and of
surviving past period t are

    P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta),      t = 1, 2, ...
    S(t)     = B(alpha, beta+t) / B(alpha, beta),           S(0) = 1,

and a survivor series n_0, n_1, ..., n_k (customers still active at the start of each
period) has log-likelihood

    LL = sum_{t=1..k} (n_{t-1} - n_t) ln P(T = t) + n_k ln S(k).

The paper's "regular" and "high end" cohorts give alpha = 0.704, beta = 1.182 and
alpha = 0.668, beta = 3.806.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma

from retain.analytics.clv.fitting import (
    FloatArray,
    ModelFit,
    PositiveParameters,
    as_float_array,
    maximise_log_likelihood,
)


@dataclass(frozen=True)
class SbgParameters(PositiveParameters):
    """sBG parameters: each customer's per-period churn probability ~ beta(alpha, beta)."""

    alpha: float
    beta: float


def _survivor_series(survivors: ArrayLike) -> FloatArray:
    counts = as_float_array(survivors, "survivors")
    if counts.size < 2:
        raise ValueError("survivors needs at least two values: the cohort and one period on")
    if counts[0] <= 0 or np.any(counts < 0):
        raise ValueError("survivors must be >= 0 and start above 0")
    if np.any(np.diff(counts) > 0):
        raise ValueError("survivors must not increase: a cohort only loses customers")
    return counts


def _log_likelihood_and_gradient(theta: FloatArray, counts: FloatArray) -> tuple[float, FloatArray]:
    alpha, beta = theta
    periods = np.arange(1, counts.size, dtype=np.float64)
    churned = counts[:-1] - counts[1:]
    remaining = counts[-1]
    last = periods[-1]
    log_beta_ab = betaln(alpha, beta)
    digamma_ab = digamma(alpha + beta)
    log_churn = betaln(alpha + 1.0, beta + periods - 1.0) - log_beta_ab
    log_survive = betaln(alpha, beta + last) - log_beta_ab
    value = float(churned @ log_churn + remaining * log_survive)
    digamma_abt = digamma(alpha + beta + periods)
    d_churn_dalpha = digamma(alpha + 1.0) - digamma_abt - digamma(alpha) + digamma_ab
    d_churn_dbeta = digamma(beta + periods - 1.0) - digamma_abt - digamma(beta) + digamma_ab
    d_survive_dalpha = digamma_ab - digamma_abt[-1]
    d_survive_dbeta = digamma(beta + last) - digamma_abt[-1] - digamma(beta) + digamma_ab
    gradient = np.array(
        [
            churned @ d_churn_dalpha + remaining * d_survive_dalpha,
            churned @ d_churn_dbeta + remaining * d_survive_dbeta,
        ]
    )
    return value, gradient


def sbg_log_likelihood(parameters: SbgParameters, survivors: ArrayLike) -> float:
    """The sBG log-likelihood of a survivor series (module docstring; FH 2007)."""
    value, _ = _log_likelihood_and_gradient(parameters.to_array(), _survivor_series(survivors))
    return value


def sbg_log_likelihood_gradient(parameters: SbgParameters, survivors: ArrayLike) -> FloatArray:
    """The gradient of the sBG log-likelihood with respect to (alpha, beta).

    d ln P(T=t)/d alpha = psi(alpha+1) - psi(alpha) + psi(alpha+beta) - psi(alpha+beta+t)
    d ln P(T=t)/d beta  = psi(beta+t-1) - psi(beta) + psi(alpha+beta) - psi(alpha+beta+t)
    d ln S(t)/d alpha   = psi(alpha+beta) - psi(alpha+beta+t)
    d ln S(t)/d beta    = psi(beta+t) - psi(beta) + psi(alpha+beta) - psi(alpha+beta+t)
    """
    _, gradient = _log_likelihood_and_gradient(parameters.to_array(), _survivor_series(survivors))
    return gradient


def fit_sbg(survivors: ArrayLike) -> ModelFit[SbgParameters]:
    """Maximum-likelihood sBG estimates from a survivor series n_0, n_1, ..., n_k (FH 2007).

    ``n_customers`` is the cohort's size n_0 (rounded).
    """
    counts = _survivor_series(survivors)

    def log_likelihood_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        return _log_likelihood_and_gradient(theta, counts)

    theta, log_likelihood, iterations, converged = maximise_log_likelihood(
        log_likelihood_and_gradient, [1.0, 1.0], n_customers=float(counts[0])
    )
    return ModelFit(
        parameters=SbgParameters.from_array(theta),
        log_likelihood=log_likelihood,
        n_customers=round(float(counts[0])),
        iterations=iterations,
        converged=converged,
    )


def sbg_survival(parameters: SbgParameters, periods: int) -> FloatArray:
    """S(0), S(1), ..., S(periods): the share of the cohort still active after each period.

    S(t) = B(alpha, beta+t) / B(alpha, beta) (FH 2007), in logs so long horizons stay exact.
    """
    if periods < 0:
        raise ValueError("periods must be >= 0")
    alpha, beta = parameters.to_array()
    t = np.arange(periods + 1, dtype=np.float64)
    return np.asarray(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)), dtype=np.float64)


def sbg_retention_rates(parameters: SbgParameters, periods: int) -> FloatArray:
    """r_1, ..., r_periods: the share of period t-1's survivors who renew in period t.

    r_t = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1) (FH 2007): rising with t,
    as the cohort sheds its likeliest churners first.
    """
    alpha, beta = parameters.to_array()
    t = np.arange(1, periods + 1, dtype=np.float64)
    return np.asarray((beta + t - 1.0) / (alpha + beta + t - 1.0), dtype=np.float64)
