"""Fitting data simulated from each model recovers the parameters it was drawn with.

MBG/NBD has no published target on CDNOW, so this (with the gradient checks in
test_clv_likelihoods.py) is what stands behind it. Seeds are fixed; tolerances allow for
the sampling error at these sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

from retain.analytics.clv import (
    BgNbdParameters,
    GammaGammaParameters,
    MbgNbdParameters,
    ParetoNbdParameters,
    fit_bgnbd,
    fit_gammagamma,
    fit_mbgnbd,
    fit_paretonbd,
)
from retain.analytics.clv.simulation import (
    simulate_bgnbd,
    simulate_gammagamma_mean_spend,
    simulate_mbgnbd,
    simulate_paretonbd,
)


def relative_errors(estimate: dict[str, float], truth: dict[str, float]) -> dict[str, float]:
    return {name: round(abs(estimate[name] / truth[name] - 1), 3) for name in truth}


def test_bgnbd_recovers_the_cdnow_parameters_from_50000_simulated_customers():
    truth = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426)
    rng = np.random.default_rng(20050101)
    histories = simulate_bgnbd(truth, rng.uniform(20, 80, 50_000), rng)

    fitted = fit_bgnbd(histories.frequency, histories.recency, histories.T)

    errors = relative_errors(fitted.parameters.as_dict(), truth.as_dict())
    assert max(errors.values()) < 0.06, errors


def test_mbgnbd_recovers_its_parameters_from_100000_simulated_customers():
    truth = MbgNbdParameters(r=0.525, alpha=6.183, a=0.891, b=1.614)
    rng = np.random.default_rng(20070101)
    histories = simulate_mbgnbd(truth, rng.uniform(20, 80, 100_000), rng)

    fitted = fit_mbgnbd(histories.frequency, histories.recency, histories.T)

    errors = relative_errors(fitted.parameters.as_dict(), truth.as_dict())
    assert max(errors.values()) < 0.08, errors


def test_paretonbd_recovers_the_cdnow_parameters_from_simulated_customers():
    # The dropout parameters (s, beta) are the hard ones to pin down: long histories
    # (one to three years) make them identifiable with 8,000 customers.
    truth = ParetoNbdParameters(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    rng = np.random.default_rng(19870101)
    histories = simulate_paretonbd(truth, rng.uniform(52, 156, 8_000), rng)

    fitted = fit_paretonbd(histories.frequency, histories.recency, histories.T)

    errors = relative_errors(fitted.parameters.as_dict(), truth.as_dict())
    assert max(errors["r"], errors["alpha"]) < 0.08, errors
    assert max(errors["s"], errors["beta"]) < 0.25, errors


def test_gammagamma_recovers_the_cdnow_parameters_from_100000_simulated_buyers():
    # p and gamma trade off against each other (the mean spend is p gamma / (q - 1)),
    # so they need more buyers than q does.
    truth = GammaGammaParameters(p=6.25, q=3.74, gamma=15.44)
    rng = np.random.default_rng(20130101)
    frequency = rng.integers(1, 15, 100_000).astype(float)
    mean_spend = simulate_gammagamma_mean_spend(truth, frequency, rng)

    fitted = fit_gammagamma(frequency, mean_spend)

    errors = relative_errors(fitted.parameters.as_dict(), truth.as_dict())
    assert max(errors.values()) < 0.08, errors


@pytest.mark.parametrize("merge", [True, False])
def test_merging_identical_histories_changes_nothing_but_speed(merge):
    truth = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426)
    rng = np.random.default_rng(7)
    # Whole weeks, so many customers share (x, t_x, T).
    histories = simulate_bgnbd(truth, rng.integers(20, 80, 5_000).astype(float), rng)
    x, t_x, T = histories.frequency, np.round(histories.recency), histories.T

    merged = fit_bgnbd(x, t_x, T)
    weights = np.ones_like(x) if merge else None
    again = fit_bgnbd(x, t_x, T, weights=weights)

    assert again.log_likelihood == pytest.approx(merged.log_likelihood, abs=1e-9)
