"""The CLV log-likelihoods: finite for extreme inputs, gradients equal to finite differences.

Every model's analytical gradient is checked against central finite differences on the
CDNOW sample and, with hypothesis, on random customers and parameters; the likelihoods
are checked finite for frequencies up to 10,000, ages up to 10,000 weeks and
parameters from 1e-6 to 1e6.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import hyp2f1

from retain.analytics.clv import (
    BgNbdParameters,
    GammaGammaParameters,
    MbgNbdParameters,
    ParetoNbdParameters,
    SbgParameters,
    bgnbd_log_likelihood,
    bgnbd_log_likelihood_gradient,
    gammagamma_log_likelihood,
    gammagamma_log_likelihood_gradient,
    mbgnbd_log_likelihood,
    mbgnbd_log_likelihood_gradient,
    paretonbd_log_likelihood,
    paretonbd_log_likelihood_gradient,
    paretonbd_probability_alive,
    sbg_log_likelihood,
    sbg_log_likelihood_gradient,
)

DATA = Path(__file__).resolve().parents[1] / "data"

PURCHASE_MODELS = {
    "bgnbd": (BgNbdParameters, bgnbd_log_likelihood, bgnbd_log_likelihood_gradient),
    "mbgnbd": (MbgNbdParameters, mbgnbd_log_likelihood, mbgnbd_log_likelihood_gradient),
    "paretonbd": (ParetoNbdParameters, paretonbd_log_likelihood, paretonbd_log_likelihood_gradient),
}


def cdnow_columns() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with (DATA / "cdnow_summary.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return tuple(  # type: ignore[return-value]
        np.array([float(row[name]) for row in rows])
        for name in ("frequency", "recency", "T", "monetary_value")
    )


def central_differences(total: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """d total / d theta by central differences with a relative step."""
    gradient = np.empty_like(theta)
    for i in range(theta.size):
        step = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        gradient[i] = (total(up) - total(down)) / (2 * step)
    return gradient


@pytest.mark.parametrize("model", sorted(PURCHASE_MODELS))
@pytest.mark.parametrize(
    "theta", [[0.24, 4.4, 0.79, 2.4], [0.55, 10.6, 0.61, 11.7], [2.0, 0.5, 3.0, 0.2]]
)
def test_purchase_model_gradient_matches_finite_differences_on_cdnow(model, theta):
    parameters_class, log_likelihood, gradient = PURCHASE_MODELS[model]
    x, t_x, T, _ = cdnow_columns()
    theta = np.array(theta)

    analytical = gradient(parameters_class.from_array(theta), x, t_x, T)
    numerical = central_differences(
        lambda th: float(log_likelihood(parameters_class.from_array(th), x, t_x, T).sum()),
        theta,
    )

    np.testing.assert_allclose(analytical, numerical, rtol=1e-6, atol=1e-4)


def test_gammagamma_gradient_matches_finite_differences_on_cdnow():
    x, _, _, z = cdnow_columns()
    repeat = x > 0
    theta = np.array([6.0, 3.5, 15.0])

    analytical = gammagamma_log_likelihood_gradient(
        GammaGammaParameters.from_array(theta), x[repeat], z[repeat]
    )
    numerical = central_differences(
        lambda th: float(
            gammagamma_log_likelihood(
                GammaGammaParameters.from_array(th), x[repeat], z[repeat]
            ).sum()
        ),
        theta,
    )

    np.testing.assert_allclose(analytical, numerical, rtol=1e-6, atol=1e-4)


def test_sbg_gradient_matches_finite_differences():
    survivors = [1000, 631, 468, 382, 326, 289, 262, 241]
    theta = np.array([0.5, 2.0])

    analytical = sbg_log_likelihood_gradient(SbgParameters.from_array(theta), survivors)
    numerical = central_differences(
        lambda th: sbg_log_likelihood(SbgParameters.from_array(th), survivors), theta
    )

    np.testing.assert_allclose(analytical, numerical, rtol=1e-6, atol=1e-6)


def paretonbd_likelihood_by_hypergeometric(
    r: float, alpha: float, s: float, beta: float, x: float, t_x: float, T: float
) -> float:
    """ln L by the Fader & Hardie (2005) note's closed form with 2F1, the case split on
    alpha >= beta: the reference the quadrature in paretonbd.py is checked against."""
    from scipy.special import gammaln

    rsx = r + s + x
    if alpha >= beta:
        b_, larger = s + 1, alpha
        z_t, z_T = (alpha - beta) / (alpha + t_x), (alpha - beta) / (alpha + T)
    else:
        b_, larger = r + x, beta
        z_t, z_T = (beta - alpha) / (beta + t_x), (beta - alpha) / (beta + T)
    a0 = (
        hyp2f1(rsx, b_, rsx + 1, z_t) / (larger + t_x) ** rsx
        - hyp2f1(rsx, b_, rsx + 1, z_T) / (larger + T) ** rsx
    )
    bracket = 1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / rsx * a0
    return float(
        gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.log(bracket)
    )


def test_paretonbd_likelihood_equals_the_hypergeometric_closed_form_on_cdnow():
    x, t_x, T, _ = cdnow_columns()
    for theta in ([0.553, 10.578, 0.606, 11.669], [0.3, 2.0, 1.5, 30.0], [1.2, 25.0, 0.2, 1.0]):
        ours = paretonbd_log_likelihood(ParetoNbdParameters.from_array(theta), x, t_x, T)
        reference = [
            paretonbd_likelihood_by_hypergeometric(*theta, xi, ti, Ti)
            for xi, ti, Ti in zip(x, t_x, T, strict=True)
        ]

        np.testing.assert_allclose(ours, reference, rtol=1e-10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    log_theta=st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4),
    x=st.integers(0, 60),
    recency_share=st.floats(0.0, 1.0),
    T=st.floats(0.01, 200.0),
)
def test_paretonbd_dropout_integral_equals_adaptive_quadrature(log_theta, x, recency_share, T):
    r, alpha, s, beta = np.exp(log_theta)
    t_x = recency_share * T if x > 0 else 0.0
    parameters = ParetoNbdParameters(r, alpha, s, beta)

    # P(alive) = 1 / (1 + s I (alpha+T)^(r+x) (beta+T)^s), so I follows from it.
    p_alive = float(paretonbd_probability_alive(parameters, [x], [t_x], [T])[0])
    reference, _ = quad(
        lambda y: (alpha + y) ** -(r + x) * (beta + y) ** -(s + 1),
        t_x,
        T,
        epsabs=0,
        epsrel=1e-12,
        limit=200,
    )
    expected = 1 / (1 + s * reference * (alpha + T) ** (r + x) * (beta + T) ** s)

    assert p_alive == pytest.approx(expected, rel=1e-8, abs=1e-300)


extreme_parameter = st.floats(1e-6, 1e6)
frequency = st.integers(0, 10_000)
age = st.floats(0.0, 10_000.0)


@settings(max_examples=200, deadline=None)
@given(
    model=st.sampled_from(sorted(PURCHASE_MODELS)),
    theta=st.lists(extreme_parameter, min_size=4, max_size=4),
    x=frequency,
    recency_share=st.floats(0.0, 1.0),
    T=age,
)
def test_purchase_likelihood_and_gradient_are_finite_for_extreme_inputs(
    model, theta, x, recency_share, T
):
    parameters_class, log_likelihood, gradient = PURCHASE_MODELS[model]
    parameters = parameters_class.from_array(theta)
    t_x = recency_share * T if x > 0 else 0.0

    value = log_likelihood(parameters, [x], [t_x], [T])
    slope = gradient(parameters, [x], [t_x], [T])

    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(slope))


@settings(max_examples=200, deadline=None)
@given(
    theta=st.lists(extreme_parameter, min_size=3, max_size=3),
    x=st.integers(1, 10_000),
    z=st.floats(1e-3, 1e6),
)
def test_gammagamma_likelihood_and_gradient_are_finite_for_extreme_inputs(theta, x, z):
    parameters = GammaGammaParameters.from_array(theta)

    assert np.all(np.isfinite(gammagamma_log_likelihood(parameters, [x], [z])))
    assert np.all(np.isfinite(gammagamma_log_likelihood_gradient(parameters, [x], [z])))


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(sorted(PURCHASE_MODELS)),
    log_theta=st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4),
    histories=st.lists(
        st.tuples(st.integers(0, 200), st.floats(0.0, 1.0), st.floats(1.0, 500.0)),
        min_size=1,
        max_size=5,
    ),
)
def test_purchase_gradient_matches_finite_differences(model, log_theta, histories):
    parameters_class, log_likelihood, gradient = PURCHASE_MODELS[model]
    x = np.array([h[0] for h in histories], dtype=float)
    T = np.array([h[2] for h in histories])
    t_x = np.where(x > 0, np.array([h[1] for h in histories]) * T, 0.0)
    theta = np.exp(log_theta)

    analytical = gradient(parameters_class.from_array(theta), x, t_x, T)
    numerical = central_differences(
        lambda th: float(log_likelihood(parameters_class.from_array(th), x, t_x, T).sum()),
        theta,
    )

    np.testing.assert_allclose(analytical, numerical, rtol=1e-5, atol=1e-5 * (1 + x.sum()))


@settings(max_examples=100, deadline=None)
@given(
    log_theta=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3),
    spends=st.lists(st.tuples(st.integers(1, 100), st.floats(0.5, 500.0)), min_size=1, max_size=5),
)
def test_gammagamma_gradient_matches_finite_differences(log_theta, spends):
    x = np.array([spend[0] for spend in spends], dtype=float)
    z = np.array([spend[1] for spend in spends])
    theta = np.exp(log_theta)

    analytical = gammagamma_log_likelihood_gradient(GammaGammaParameters.from_array(theta), x, z)
    numerical = central_differences(
        lambda th: float(
            gammagamma_log_likelihood(GammaGammaParameters.from_array(th), x, z).sum()
        ),
        theta,
    )

    np.testing.assert_allclose(analytical, numerical, rtol=1e-5, atol=1e-5 * (1 + x.sum()))
