"""Purchase histories drawn from the models themselves: for tests and benchmarks.

Each draws every customer's latent rates, then her repeat purchases in (0, T] in closed
form (no event loop), so a million customers take about a second.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from retain.analytics.clv.bgnbd import BgNbdParameters
from retain.analytics.clv.fitting import FloatArray, as_float_array
from retain.analytics.clv.gammagamma import GammaGammaParameters
from retain.analytics.clv.histories import PurchaseHistories
from retain.analytics.clv.mbgnbd import MbgNbdParameters
from retain.analytics.clv.paretonbd import ParetoNbdParameters


def _last_of_poisson_purchases(
    count: FloatArray, kept: FloatArray, window: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Time of the ``kept``-th of ``count`` Poisson arrivals in (0, window]; 0 if kept = 0.

    Given their number, the arrivals are uniform order statistics, and the k-th of n
    uniforms on (0, 1) is beta(k, n - k + 1).
    """
    has_purchase = kept > 0
    shares = np.zeros_like(window)
    shares[has_purchase] = rng.beta(
        kept[has_purchase], count[has_purchase] - kept[has_purchase] + 1.0
    )
    return shares * window


def _geometric_dropout(
    parameters: BgNbdParameters | MbgNbdParameters,
    T: FloatArray,
    rng: np.random.Generator,
    *,
    can_leave_at_first_purchase: bool,
) -> PurchaseHistories:
    rate = rng.gamma(parameters.r, 1.0 / parameters.alpha, size=T.size)
    dropout = rng.beta(parameters.a, parameters.b, size=T.size)
    # Repeat purchases made before dropping out: at least 1 for BG/NBD (the coin is
    # tossed after each repeat purchase), at least 0 for MBG/NBD (tossed at the first).
    purchases_while_alive = rng.geometric(dropout).astype(np.float64)
    if can_leave_at_first_purchase:
        purchases_while_alive -= 1.0
    purchases_by_T = rng.poisson(rate * T).astype(np.float64)
    x = np.minimum(purchases_while_alive, purchases_by_T)
    t_x = _last_of_poisson_purchases(purchases_by_T, x, T, rng)
    return PurchaseHistories.from_arrays(x, t_x, T, merge_duplicates=False)


def simulate_bgnbd(
    parameters: BgNbdParameters, T: ArrayLike, rng: np.random.Generator
) -> PurchaseHistories:
    """Histories (x, t_x, T) drawn from BG/NBD (FHL 2005), one customer per value of T."""
    return _geometric_dropout(
        parameters, as_float_array(T, "T"), rng, can_leave_at_first_purchase=False
    )


def simulate_mbgnbd(
    parameters: MbgNbdParameters, T: ArrayLike, rng: np.random.Generator
) -> PurchaseHistories:
    """Histories (x, t_x, T) drawn from MBG/NBD (Batislam et al. 2007)."""
    return _geometric_dropout(
        parameters, as_float_array(T, "T"), rng, can_leave_at_first_purchase=True
    )


def simulate_paretonbd(
    parameters: ParetoNbdParameters, T: ArrayLike, rng: np.random.Generator
) -> PurchaseHistories:
    """Histories (x, t_x, T) drawn from Pareto/NBD (Schmittlein, Morrison & Colombo 1987)."""
    age = as_float_array(T, "T")
    rate = rng.gamma(parameters.r, 1.0 / parameters.alpha, size=age.size)
    dropout_rate = rng.gamma(parameters.s, 1.0 / parameters.beta, size=age.size)
    alive_for = np.minimum(rng.exponential(1.0 / dropout_rate), age)
    x = rng.poisson(rate * alive_for).astype(np.float64)
    t_x = _last_of_poisson_purchases(x, x, alive_for, rng)
    return PurchaseHistories.from_arrays(x, t_x, age, merge_duplicates=False)


def simulate_gammagamma_mean_spend(
    parameters: GammaGammaParameters, frequency: ArrayLike, rng: np.random.Generator
) -> FloatArray:
    """Each customer's mean transaction value over ``frequency`` (>= 1) transactions.

    nu ~ gamma(q, gamma) per customer; the mean of x gamma(p, nu) values is gamma(p x, nu x).
    """
    x = as_float_array(frequency, "frequency")
    if np.any(x < 1):
        raise ValueError("every customer needs at least one transaction")
    scale_parameter = rng.gamma(parameters.q, 1.0 / parameters.gamma, size=x.size)
    return np.asarray(rng.gamma(parameters.p * x, 1.0 / (scale_parameter * x)), dtype=np.float64)
