"""MBG/NBD: the modified BG/NBD, where a customer may also drop out right after the first purchase.

Batislam, E. P., Denizel, M. and Filiztekin, A. (2007), "Empirical validation and
comparison of models for customer base analysis", International Journal of Research
in Marketing 24 (3), 201-209. (Hoppe & Wagner 2007 reached the same model as "CBG/NBD"
by another route.)

As BG/NBD, but the dropout coin (probability p ~ beta(a, b)) is also tossed at the
first purchase, so a customer with no repeat purchase may already be gone. Per customer:

    L = B(a, b+x+1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + B(a+1, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

for every x, x = 0 included (Batislam et al. 2007). With
B(a+1, b+x) / B(a, b+x+1) = a / (b+x), in logs:

    ln L = ln Gamma(r+x) - ln Gamma(r) + r ln alpha + ln B(a, b+x+1) - ln B(a, b)
           - (r+x) ln(alpha+T) + softplus(c),
    c    = ln a - ln(b+x) + (r+x) (ln(alpha+T) - ln(alpha+t_x)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, gammaln

from retain.analytics.clv.fitting import (
    FloatArray,
    ModelFit,
    PositiveParameters,
)
from retain.analytics.clv.histories import PurchaseHistories, fit_on_histories
from retain.analytics.clv.special import log1p_exp, logistic, power_times_hyp2f1


@dataclass(frozen=True)
class MbgNbdParameters(PositiveParameters):
    """MBG/NBD parameters: purchase rate ~ gamma(shape r, rate alpha), dropout ~ beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


def _dropout_log_odds(
    theta: FloatArray, histories: PurchaseHistories
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """c (above) per row; and ln(alpha+T), ln(alpha+t_x)."""
    r, alpha, a, b = theta
    x = histories.frequency
    log_alpha_T = np.log(alpha + histories.T)
    log_alpha_t = np.log(alpha + histories.recency)
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (log_alpha_T - log_alpha_t)
    return log_odds, log_alpha_T, log_alpha_t


def _log_likelihood_rows_and_gradient(
    theta: FloatArray, histories: PurchaseHistories
) -> tuple[FloatArray, FloatArray]:
    """Each row's ln L and the weighted total gradient d(sum w ln L)/d(r, alpha, a, b)."""
    r, alpha, a, b = theta
    x, t_x, T, w = histories.frequency, histories.recency, histories.T, histories.weights
    distinct_x, n_at_x = histories.distinct_frequency, histories.distinct_weight

    gamma_ratio = gammaln(r + distinct_x) - gammaln(r)
    beta_ratio = betaln(a, b + distinct_x + 1.0) - betaln(a, b)
    digamma_ab = digamma(a + b)
    digamma_abx1 = digamma(a + b + distinct_x + 1.0)
    d_gamma_ratio_dr = digamma(r + distinct_x) - digamma(r)
    d_beta_ratio_da = digamma_ab - digamma_abx1
    d_beta_ratio_db = digamma(b + distinct_x + 1.0) - digamma(b) - digamma_abx1 + digamma_ab

    log_odds, log_alpha_T, log_alpha_t = _dropout_log_odds(theta, histories)
    rows = (
        (gamma_ratio + beta_ratio)[histories.frequency_index]
        + r * np.log(alpha)
        - (r + x) * log_alpha_T
        + log1p_exp(log_odds)
    )

    share = w * logistic(log_odds)
    total_weight = w.sum()
    r_plus_x = r + x
    gradient = np.array(
        [
            n_at_x @ d_gamma_ratio_dr
            + total_weight * np.log(alpha)
            - w @ log_alpha_T
            + share @ (log_alpha_T - log_alpha_t),
            total_weight * r / alpha
            - w @ (r_plus_x / (alpha + T))
            + share @ (r_plus_x * (1.0 / (alpha + T) - 1.0 / (alpha + t_x))),
            n_at_x @ d_beta_ratio_da + share.sum() / a,
            n_at_x @ d_beta_ratio_db - share @ (1.0 / (b + x)),
        ]
    )
    return rows, gradient


def mbgnbd_log_likelihood(
    parameters: MbgNbdParameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Each customer's MBG/NBD log-likelihood (Batislam et al. 2007; module docstring)."""
    histories = PurchaseHistories.from_arrays(frequency, recency, T, merge_duplicates=False)
    rows, _ = _log_likelihood_rows_and_gradient(parameters.to_array(), histories)
    return rows


def mbgnbd_log_likelihood_gradient(
    parameters: MbgNbdParameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """The gradient of the summed MBG/NBD log-likelihood with respect to (r, alpha, a, b).

    With w = logistic(c), the share of L's second term (module docstring):
      d/dr     = psi(r+x) - psi(r) + ln alpha - ln(alpha+T) + w (ln(alpha+T) - ln(alpha+t_x))
      d/dalpha = r/alpha - (r+x)/(alpha+T) + w (r+x) (1/(alpha+T) - 1/(alpha+t_x))
      d/da     = psi(a+b) - psi(a+b+x+1) + w/a
      d/db     = psi(b+x+1) - psi(b) - psi(a+b+x+1) + psi(a+b) - w/(b+x)
    """
    histories = PurchaseHistories.from_arrays(frequency, recency, T, merge_duplicates=False)
    _, gradient = _log_likelihood_rows_and_gradient(parameters.to_array(), histories)
    return gradient


def fit_mbgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    initial: MbgNbdParameters | None = None,
) -> ModelFit[MbgNbdParameters]:
    """Maximum-likelihood MBG/NBD estimates with the analytical gradient."""
    histories = PurchaseHistories.from_arrays(frequency, recency, T, weights)

    def log_likelihood_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        rows, gradient = _log_likelihood_rows_and_gradient(theta, histories)
        return float(histories.weights @ rows), gradient

    return fit_on_histories(
        histories,
        model="MBG/NBD",
        start=initial or MbgNbdParameters(r=1.0, alpha=1.0, a=1.0, b=1.0),
        log_likelihood_and_gradient=log_likelihood_and_gradient,
    )


def mbgnbd_probability_alive(
    parameters: MbgNbdParameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)).

    Batislam et al. 2007: unlike BG/NBD, below 1 for x = 0 too.
    """
    histories = PurchaseHistories.from_arrays(frequency, recency, T, merge_duplicates=False)
    log_odds, _, _ = _dropout_log_odds(parameters.to_array(), histories)
    return logistic(-log_odds)


def mbgnbd_expected_purchases(
    parameters: MbgNbdParameters,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` time units.

    Batislam et al. 2007 (and Hoppe & Wagner 2007):
        E = (a+b+x)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                                 2F1(r+x, b+x+1; a+b+x; z)] * P(alive),
        z = t / (alpha+T+t),
    with the product (1-z)^(r+x) 2F1(...) taken by ``power_times_hyp2f1``, which does
    not overflow for large x or large a.
    """
    r, alpha, a, b = parameters.to_array()
    histories = PurchaseHistories.from_arrays(frequency, recency, T, merge_duplicates=False)
    x, age = histories.frequency, histories.T
    z = t / (alpha + age + t)
    survival_term = power_times_hyp2f1(r + x, r + x, b + x + 1.0, a + b + x, z)
    expected_if_alive = (a + b + x) / (a - 1.0) * (1.0 - survival_term)
    return np.asarray(
        expected_if_alive * mbgnbd_probability_alive(parameters, x, histories.recency, age),
        dtype=np.float64,
    )
