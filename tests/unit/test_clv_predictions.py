"""Predictions: expected purchases, P(alive), expected spend and discounted CLV.

Reference values come from an independent implementation, the lifetimes package 0.11.3
(BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter, GammaGammaFitter), evaluated at
the same fixed parameters for six CDNOW customers.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import retain.analytics.clv as clv
from retain.analytics.clv import (
    BgNbdParameters,
    CustomerSummary,
    GammaGammaParameters,
    MbgNbdParameters,
    ParetoNbdParameters,
    SbgParameters,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    discounted_expected_purchases,
    gammagamma_expected_spend,
    gammagamma_population_mean_spend,
    mbgnbd_expected_purchases,
    mbgnbd_probability_alive,
    paretonbd_expected_purchases,
    paretonbd_probability_alive,
    predict_customers,
    sbg_retention_rates,
    sbg_survival,
)

# CDNOW customers 1, 2, 3, 6, 18 and 1001: (x, t_x, T, mean repeat spend).
X = np.array([2, 1, 0, 7, 1, 0], dtype=float)
T_X = np.array([30.43, 1.71, 0.0, 29.43, 4.86, 0.0])
AGE = np.array([38.86, 38.86, 38.86, 38.86, 38.86, 33.57])
SPEND = np.array([22.35, 11.77, 0.0, 73.74, 9.99, 0.0])

BGNBD = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426)
MBGNBD = MbgNbdParameters(r=0.525, alpha=6.183, a=0.891, b=1.614)
PARETONBD = ParetoNbdParameters(r=0.553, alpha=10.578, s=0.606, beta=11.669)
GAMMAGAMMA = GammaGammaParameters(p=6.25, q=3.74, gamma=15.44)

# lifetimes 0.11.3 at the parameters above, t = 39 weeks.
LIFETIMES = {
    "bgnbd": (
        [
            1.226028174767,
            0.20318698708,
            0.195098052011,
            3.337053274851,
            0.297721262291,
            0.219295115688,
        ],
        [0.726578570081, 0.212100985377, 1.0, 0.641756345946, 0.310782565396, 1.0],
    ),
    "mbgnbd": (
        [
            1.262960623267,
            0.188836541364,
            0.154012746675,
            3.167572432299,
            0.282821535757,
            0.178741414007,
        ],
        [
            0.706202265118,
            0.17083648431,
            0.389735080919,
            0.622723814169,
            0.255862750434,
            0.405442954835,
        ],
    ),
    "paretonbd": (
        [
            1.455123193258,
            0.171092980554,
            0.107081468215,
            3.712251380471,
            0.256030951335,
            0.131590550389,
        ],
        [
            0.869167559153,
            0.168002326724,
            0.295286604617,
            0.749501407667,
            0.251405962994,
            0.329642036448,
        ],
    ),
}
LIFETIMES_SPEND = [
    24.663713910761,
    18.916852057842,
    35.21897810219,
    71.469670896967,
    17.67936596218,
    35.21897810219,
]


@pytest.mark.parametrize(
    ("model", "parameters", "expected_purchases", "probability_alive"),
    [
        ("bgnbd", BGNBD, bgnbd_expected_purchases, bgnbd_probability_alive),
        ("mbgnbd", MBGNBD, mbgnbd_expected_purchases, mbgnbd_probability_alive),
        ("paretonbd", PARETONBD, paretonbd_expected_purchases, paretonbd_probability_alive),
    ],
)
def test_purchase_predictions_match_lifetimes(
    model, parameters, expected_purchases, probability_alive
):
    purchases, alive = LIFETIMES[model]

    np.testing.assert_allclose(
        expected_purchases(parameters, 39.0, X, T_X, AGE), purchases, rtol=1e-9
    )
    np.testing.assert_allclose(probability_alive(parameters, X, T_X, AGE), alive, rtol=1e-9)


def test_expected_spend_matches_lifetimes_and_is_the_population_mean_without_repeats():
    spend = gammagamma_expected_spend(GAMMAGAMMA, X, SPEND)

    np.testing.assert_allclose(spend, LIFETIMES_SPEND, rtol=1e-11)
    assert spend[2] == pytest.approx(gammagamma_population_mean_spend(GAMMAGAMMA))


def test_expected_purchases_stay_finite_for_ten_thousand_past_purchases():
    purchases = bgnbd_expected_purchases(BGNBD, 52.0, [10_000.0], [9_999.0], [10_000.0])

    assert np.isfinite(purchases).all()
    # At 1 purchase a week for 10,000 weeks, a year ahead holds about 52 more.
    assert purchases[0] == pytest.approx(52.0, rel=0.02)


def summary() -> CustomerSummary:
    return CustomerSummary.from_columns(["1", "2", "3", "6", "18", "1001"], X, T_X, AGE, SPEND)


def test_undiscounted_clv_is_expected_spend_times_expected_purchases():
    predictions = predict_customers(summary(), BGNBD, GAMMAGAMMA, horizon=39.0)

    assert predictions.expected_spend is not None
    assert predictions.lifetime_value is not None
    np.testing.assert_allclose(
        predictions.lifetime_value,
        predictions.expected_spend * predictions.expected_purchases,
        rtol=1e-12,
    )


def test_discounting_by_the_year_lowers_clv_by_at_most_the_horizons_full_discount():
    undiscounted = discounted_expected_purchases(
        BGNBD, summary(), horizon=52.0, annual_discount_rate=0.0, time_unit="week"
    )
    discounted = discounted_expected_purchases(
        BGNBD, summary(), horizon=52.0, annual_discount_rate=0.10, time_unit="week"
    )

    assert np.all(discounted < undiscounted)
    # Every purchase falls within the year, so its discount is between 1 and 1/1.1.
    assert np.all(discounted > undiscounted / 1.1)


def test_a_fractional_horizon_ends_on_the_horizon_itself():
    whole = discounted_expected_purchases(
        BGNBD, summary(), horizon=10.5, annual_discount_rate=0.0, time_unit="day"
    )

    np.testing.assert_allclose(whole, bgnbd_expected_purchases(BGNBD, 10.5, X, T_X, AGE))


def test_without_spend_there_is_no_expected_spend_or_clv():
    no_amounts = CustomerSummary.from_columns(["1"], [2.0], [30.43], [38.86])

    predictions = predict_customers(no_amounts, BGNBD, GAMMAGAMMA, horizon=10.0)

    assert predictions.expected_spend is None
    assert predictions.lifetime_value is None


def test_sbg_survival_and_retention_rates_agree():
    parameters = SbgParameters(alpha=0.704, beta=1.182)

    survival = sbg_survival(parameters, 7)
    rates = sbg_retention_rates(parameters, 7)

    assert survival[0] == 1.0
    np.testing.assert_allclose(survival[1:] / survival[:-1], rates, rtol=1e-12)
    # Fader & Hardie (2007): the "regular" cohort's rates rise from 0.63 towards 0.9.
    assert rates[0] == pytest.approx(1.182 / (0.704 + 1.182))
    assert np.all(np.diff(rates) > 0)


def test_clv_package_exports_a_sorted_all_of_real_names():
    # ruff's RUF022 order: constants, then classes, then functions.
    def kind_then_name(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert clv.__all__ == sorted(clv.__all__, key=kind_then_name)
    assert len(set(clv.__all__)) == len(clv.__all__)
    assert all(hasattr(clv, name) for name in clv.__all__)


def test_clv_package_imports_no_django():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, retain.analytics.clv.simulation, retain.analytics.clv; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "[]"
