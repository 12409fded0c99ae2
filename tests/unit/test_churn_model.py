"""Churn models, their evaluation and their reasons, on synthetic observations whose
churn depends on two known drivers (falling usage, shipping incidents) and drifts up
over time. Seeds are fixed; thresholds leave room for sampling error at these sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from retain.analytics.churn.evaluation import (
    auc,
    backtest,
    base_rate,
    brier,
    lift_top_decile,
    reliability,
    usage_decline_score,
)
from retain.analytics.churn.features import FEATURES as REGISTRY
from retain.analytics.churn.model import (
    DAYS_CAP,
    FEATURE_KINDS,
    MODEL_TIE_TOLERANCE,
    ChurnModel,
    choose_model,
    feature_list,
    fit_calibrator,
    fit_lightgbm,
    fit_logistic,
    fit_preprocessor,
    inner_split,
)
from retain.analytics.churn.reasons import (
    band_thresholds,
    explain,
    risk_band,
    risk_bands,
    score_clients,
    top_reasons,
)


@dataclass(frozen=True)
class Feature:
    """Stands in for churn.features.Feature: the same fields, a format-string describe."""

    name: str
    group: str
    label: str
    kind: str
    drivers: tuple[str, ...]
    template: str

    def describe(self, row: Mapping[str, object]) -> str:
        value = row[self.name]
        return "never" if value is None else self.template.format(value)


FEATURES = (
    Feature(
        "usage_change",
        "usage",
        "Usage change",
        "change",
        ("usage_decline",),
        "usage {:+.0%} against the 12 weeks before",
    ),
    Feature(
        "logins_4w", "usage", "Logins", "count", ("usage_decline",), "{:.0f} logins in 4 weeks"
    ),
    Feature(
        "incidents_90d",
        "incidents",
        "Incidents",
        "count",
        ("shipping_incidents",),
        "{:.0f} shipping incidents in 90 days",
    ),
    Feature(
        "days_since_incident",
        "incidents",
        "Days since incident",
        "days",
        ("shipping_incidents",),
        "last incident {:.0f} days ago",
    ),
    Feature("mrr", "revenue", "MRR", "amount", (), "MRR {:.0f}"),
    Feature("nps", "sentiment", "NPS", "score", (), "NPS {:.0f}"),
)
NAMES = [feature.name for feature in FEATURES]
START = date(2024, 1, 1)
HORIZON = 28


def observations(n_clients: int = 1500, n_weeks: int = 40, seed: int = 7) -> pl.DataFrame:
    """Weekly observations of every client; each row's hidden driver is none (70%),
    falling usage (15%) or shipping incidents (15%); churn's log-odds rise with the
    usage fall and the incidents, and by 0.02 a week."""
    rng = np.random.default_rng(seed)
    n = n_clients * n_weeks
    week = np.repeat(np.arange(n_weeks), n_clients)
    driver = rng.choice(3, size=n, p=[0.7, 0.15, 0.15])
    ratio = np.where(driver == 1, rng.uniform(0.0, 0.6, n), rng.normal(1.0, 0.15, n).clip(0.3))
    logins = rng.poisson(20 * ratio)
    incidents = np.where(driver == 2, 2 + rng.poisson(2.0, n), rng.poisson(0.15, n))
    days_since = np.where(incidents > 0, rng.uniform(0, 90, n), np.nan)
    logit = -3.6 + 3.5 * (1 - np.minimum(ratio, 1.0)) + 0.6 * incidents + 0.02 * week
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pl.DataFrame(
        {
            "client_id": np.tile(np.arange(n_clients), n_weeks),
            "as_of": [START + timedelta(weeks=int(w)) for w in week],
            "usage_change": ratio - 1,
            "logins_4w": logins.astype(np.float64),
            "incidents_90d": incidents.astype(np.float64),
            "days_since_incident": days_since,
            "mrr": rng.lognormal(6, 1, n),
            "nps": rng.normal(30, 20, n).round(),
            "churned": churned,
            "label_known": np.ones(n, dtype=np.bool_),
            "driver": np.array(["", "usage_decline", "shipping_incidents"])[driver],
        },
        schema_overrides={"as_of": pl.Date},
    ).with_columns(pl.col("days_since_incident").fill_nan(None))


DATA = observations()
TRAIN = DATA.filter(pl.col("as_of") < START + timedelta(weeks=30))
TEST = DATA.filter(pl.col("as_of") >= START + timedelta(weeks=34))


@pytest.fixture(scope="module")
def logistic() -> ChurnModel:
    return fit_logistic(TRAIN, TRAIN["churned"], features=FEATURES, gap_days=HORIZON)


@pytest.fixture(scope="module")
def lightgbm() -> ChurnModel:
    return fit_lightgbm(TRAIN, TRAIN["churned"], features=FEATURES, gap_days=HORIZON)


def sigmoid(margin: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-margin))


# Models -----------------------------------------------------------------------------


def test_both_models_rank_a_later_test_period_well_above_chance(logistic, lightgbm):
    y = TEST["churned"].to_numpy()

    assert auc(y, logistic.predict_margin(TEST)) > 0.8
    assert auc(y, lightgbm.predict_margin(TEST)) > 0.8
    assert logistic.name == "logistic" and lightgbm.name == "lightgbm"
    assert 0.7 < logistic.validation_auc < 1 and 0.7 < lightgbm.validation_auc < 1


def test_calibration_keeps_or_improves_the_brier_score_on_the_later_period(logistic, lightgbm):
    y = TEST["churned"].to_numpy()

    for model in (logistic, lightgbm):
        calibrated = brier(y, model.predict_proba(TEST))
        uncalibrated = brier(y, sigmoid(model.predict_margin(TEST)))
        assert calibrated <= uncalibrated + 1e-4, model.name


def test_calibrated_probabilities_stay_within_bounds_and_follow_the_margin(logistic):
    margin = logistic.predict_margin(TEST)
    probability = logistic.predict_proba(TEST)

    order = np.argsort(margin)
    assert np.all(np.diff(probability[order]) >= 0)
    assert probability.min() >= 0.001 and probability.max() <= 0.999


def test_lightgbm_contributions_plus_bias_equal_the_raw_margin(lightgbm):
    rows = TEST.head(500)

    with_bias = lightgbm.contributions(rows, include_bias=True)

    assert with_bias.shape == (500, len(FEATURES) + 1)
    np.testing.assert_allclose(with_bias.sum(axis=1), lightgbm.predict_margin(rows), atol=1e-9)
    np.testing.assert_array_equal(lightgbm.contributions(rows), with_bias[:, :-1])


def test_logistic_contributions_are_coefficient_times_standardised_value_per_feature(logistic):
    rows = TEST.head(500)

    with_bias = logistic.contributions(rows, include_bias=True)

    np.testing.assert_allclose(with_bias.sum(axis=1), logistic.predict_margin(rows), atol=1e-9)
    # The days feature's two columns (value, missing flag) come back as one.
    assert with_bias.shape == (500, len(FEATURES) + 1)
    assert "days_since_incident__missing" in logistic.preprocessor.columns


def test_logistic_reasons_name_the_true_driver_for_the_riskiest_rows(logistic):
    margin = logistic.predict_margin(TEST)
    riskiest = TEST[np.argsort(-margin, kind="stable")[:100]]

    reasons = explain(logistic.contributions(riskiest), riskiest, FEATURES)

    matches = [
        truth in r.first_drivers for truth, r in zip(riskiest["driver"], reasons, strict=True)
    ]
    assert sum(matches) >= 80, sum(matches)
    assert all(1 <= len(r.texts) <= 3 for r in reasons)
    # One reason per group: the same problem is never named twice.
    assert all(len(set(r.groups)) == len(r.groups) for r in reasons)


def test_serialised_models_give_identical_probabilities_and_contributions(logistic, lightgbm):
    for model in (logistic, lightgbm):
        restored = ChurnModel.from_bytes(model.to_bytes())

        assert restored.name == model.name
        assert restored.params == model.params
        assert restored.base_rate == model.base_rate
        np.testing.assert_array_equal(restored.predict_proba(TEST), model.predict_proba(TEST))
        rows = TEST.head(200)
        np.testing.assert_array_equal(restored.contributions(rows), model.contributions(rows))


def test_two_fits_on_the_same_data_give_identical_predictions(lightgbm):
    again = fit_lightgbm(TRAIN, TRAIN["churned"], features=FEATURES, gap_days=HORIZON)
    logistic_1 = fit_logistic(TRAIN, TRAIN["churned"], features=FEATURES, gap_days=HORIZON)
    logistic_2 = fit_logistic(TRAIN, TRAIN["churned"], features=FEATURES, gap_days=HORIZON)

    np.testing.assert_array_equal(again.predict_proba(TEST), lightgbm.predict_proba(TEST))
    np.testing.assert_array_equal(logistic_1.predict_proba(TEST), logistic_2.predict_proba(TEST))


def test_choose_model_keeps_lightgbm_only_when_clearly_better():
    choice = choose_model(
        TRAIN, TRAIN["churned"], TRAIN["as_of"], features=FEATURES, gap_days=HORIZON
    )

    aucs = choice.validation_auc
    assert set(aucs) == {"logistic", "lightgbm"}
    better = aucs["lightgbm"] > aucs["logistic"] + MODEL_TIE_TOLERANCE
    assert choice.model.name == ("lightgbm" if better else "logistic")
    assert choice.model.params["n_train"] == TRAIN.height


def test_preprocessing_reads_a_missing_days_value_as_the_cap_and_flags_it():
    raw = np.array([[10.0, 3.0, np.nan], [1e6, 0.0, 5.0], [-4.0, np.nan, 1000.0]])
    features = [FEATURES[4], FEATURES[2], FEATURES[3]]  # amount, count, days

    preprocessor = fit_preprocessor(raw, features)
    matrix = preprocessor.transform_matrix(raw, standardise=False)

    assert preprocessor.columns == (
        "mrr",
        "incidents_90d",
        "days_since_incident",
        "incidents_90d__missing",
        "days_since_incident__missing",
    )
    np.testing.assert_allclose(matrix[:, 0], [np.log1p(10), np.log1p(1e6), -np.log1p(4)])
    # A missing count takes the training median of the transformed values.
    np.testing.assert_allclose(matrix[:, 1], [np.log1p(3), 0.0, np.log1p(3) / 2])
    cap = np.log1p(DAYS_CAP)
    np.testing.assert_allclose(matrix[:, 2], [cap, np.log1p(5), cap])
    np.testing.assert_array_equal(matrix[:, 3:], [[0, 1], [0, 0], [1, 0]])
    standardised = preprocessor.transform_matrix(raw, standardise=True)
    np.testing.assert_allclose(standardised.mean(axis=0), 0, atol=1e-12)


def test_calibration_is_isotonic_with_enough_of_each_outcome_and_platt_otherwise():
    rng = np.random.default_rng(3)
    margin = rng.normal(-2, 1.5, 20_000)
    y = rng.random(20_000) < sigmoid(0.5 * margin + 0.3)

    few = fit_calibrator(margin[:600], y[:600])  # about 200 churned
    many = fit_calibrator(margin, y)

    assert few.method == "sigmoid" and many.method == "isotonic"
    grid = np.linspace(-4, 0, 9)
    np.testing.assert_allclose(few(grid), sigmoid(0.5 * grid + 0.3), atol=0.1)  # 186 churned
    np.testing.assert_allclose(many(grid), sigmoid(0.5 * grid + 0.3), atol=0.05)
    assert np.all(np.diff(many(grid)) >= 0)


def test_the_inner_validation_takes_the_latest_dates_and_leaves_a_gap_for_the_horizon():
    days = np.repeat(np.arange(0, 70, 7), 3)  # ten weekly dates, three clients

    train, valid = inner_split(days, validation_fraction=0.2, gap_days=14)

    assert set(days[valid]) == {56, 63}
    assert set(days[train]) == {0, 7, 14, 21, 28, 35, 42}  # 42 + 14 <= 56
    with pytest.raises(ValueError, match="too short for the horizon"):
        inner_split(days, gap_days=70)


def test_the_preprocessing_knows_every_kind_of_the_feature_registry():
    assert {feature.kind for feature in feature_list(REGISTRY)} <= FEATURE_KINDS


def test_features_with_an_unknown_kind_or_a_repeated_name_are_refused():
    odd = Feature("x", "g", "X", "colour", (), "{}")
    with pytest.raises(ValueError, match="unknown feature kind"):
        feature_list([odd])
    with pytest.raises(ValueError, match="unique: mrr"):
        feature_list([FEATURES[4], FEATURES[4]])


# Backtest ---------------------------------------------------------------------------


def test_backtest_splits_by_date_and_reports_the_rule_baseline_in_the_same_run():
    train_until = START + timedelta(weeks=30)  # an observation date: it belongs to the test
    test_until = START + timedelta(weeks=39)

    result = backtest(
        DATA,
        train_until=train_until,
        test_until=test_until,
        horizon_days=HORIZON,
        features=FEATURES,
    )

    horizon = timedelta(days=HORIZON)
    assert result.train_dates[1] + horizon <= train_until <= result.test_dates[0]
    assert result.test_dates == (train_until, test_until - horizon)
    expected_train = DATA.filter(pl.col("as_of") + horizon <= train_until).height
    expected_test = DATA.filter(pl.col("as_of").is_between(train_until, test_until - horizon))
    assert result.metrics.n_train == result.baseline.n_train == expected_train
    assert result.metrics.n_test == result.baseline.n_test == expected_test.height
    assert result.predictions["as_of"].min() == train_until
    assert result.metrics.base_rate == pytest.approx(expected_test["churned"].mean())
    assert result.metrics.auc > 0.8 and result.metrics.lift_top_decile > 3
    # Usage decline alone misses the clients with shipping incidents.
    assert result.metrics.auc > result.baseline.auc + 0.05
    assert result.baseline.brier is None and result.metrics.brier is not None
    summary = result.as_dict()
    assert list(summary)[:7] == [
        "model",
        "auc",
        "lift_top_decile",
        "brier",
        "base_rate",
        "n_train",
        "n_test",
    ]
    assert result.reliability["count"].sum() == expected_test.height


def test_backtest_leaves_out_observations_whose_label_is_unknown():
    unknown = DATA.with_columns(label_known=pl.col("client_id") % 2 == 0)
    train_until = START + timedelta(weeks=30)

    result = backtest(
        unknown,
        train_until=train_until,
        test_until=START + timedelta(weeks=39),
        horizon_days=HORIZON,
        features=FEATURES,
    )

    assert (
        result.metrics.n_train
        == unknown.filter(
            pl.col("label_known") & (pl.col("as_of") + timedelta(days=HORIZON) <= train_until)
        ).height
    )


@pytest.mark.parametrize(
    ("frame", "train_until", "test_until", "message"),
    [
        (DATA, START, START + timedelta(weeks=20), r"training split .* has no observations"),
        (
            DATA.with_columns(churned=pl.lit(False)),
            START + timedelta(weeks=30),
            START + timedelta(weeks=39),
            "training split .* has only retained observations",
        ),
        (
            DATA.with_columns(
                churned=pl.col("churned") & (pl.col("as_of") < START + timedelta(weeks=30))
            ),
            START + timedelta(weeks=30),
            START + timedelta(weeks=39),
            "test split .* has only retained observations",
        ),
        (
            DATA,
            START + timedelta(weeks=30),
            START + timedelta(weeks=33),
            "test period is shorter than the horizon",
        ),
        (DATA.drop("nps"), START + timedelta(weeks=30), START + timedelta(weeks=39), "lack column"),
        (
            DATA,
            START + timedelta(weeks=39),
            START + timedelta(weeks=30),
            "must come after",
        ),
    ],
)
def test_backtest_refuses_splits_it_cannot_use(frame, train_until, test_until, message):
    with pytest.raises(ValueError, match=message):
        backtest(
            frame,
            train_until=train_until,
            test_until=test_until,
            horizon_days=HORIZON,
            features=FEATURES,
        )


def test_a_fit_refuses_data_with_one_date_or_one_outcome():
    one_date = TRAIN.filter(pl.col("as_of") == START)
    with pytest.raises(ValueError, match="at least two dates"):
        fit_logistic(one_date, one_date["churned"], features=FEATURES)
    with pytest.raises(ValueError, match="only retained observations"):
        fit_lightgbm(TRAIN, np.zeros(TRAIN.height, dtype=bool), features=FEATURES)


# Metrics ----------------------------------------------------------------------------


def test_auc_counts_ties_as_one_half():
    # Pairs (churned, retained): (0.9, 0.1) (0.9, 0.5) (0.5, 0.1) win, (0.5, 0.5) ties.
    assert auc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]) == pytest.approx(3.5 / 4)
    assert auc([True, False], [0.2, 0.8]) == 0.0


def test_lift_of_the_top_decile_by_hand():
    y = np.zeros(20, dtype=bool)
    y[[0, 5, 19]] = True  # base rate 3/20
    score = np.arange(20, 0, -1, dtype=float)  # row 0 scores highest

    # Top 2 of 20 (rows 0 and 1): one churned, rate 1/2, lift (1/2) / (3/20).
    assert lift_top_decile(y, score) == pytest.approx((1 / 2) / (3 / 20))


def test_lift_shares_the_places_among_ties_at_the_cut():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    score = np.zeros(20)
    score[0] = 2.0
    score[[1, 2, 3, 4]] = 1.0  # the second place is shared by four rows, one churned

    # Row 0 churned (1) + one place among four tied rows with one churn (1/4): 1.25 of 2.
    expected = (1.25 / 2) / (3 / 20)
    assert lift_top_decile(y, score) == pytest.approx(expected)
    shuffled = np.random.default_rng(1).permutation(20)
    assert lift_top_decile(y[shuffled], score[shuffled]) == pytest.approx(expected)


def test_brier_base_rate_and_reliability_by_hand():
    y = [1, 0, 0, 1]
    p = [0.8, 0.2, 0.15, 0.4]

    assert brier(y, p) == pytest.approx((0.04 + 0.04 + 0.0225 + 0.36) / 4)
    assert base_rate(y) == 0.5
    table = reliability(y, p, bins=5)
    assert table.to_dicts() == [
        {
            "bin": 0,
            "lower": 0.0,
            "upper": 0.2,
            "mean_predicted": 0.15,
            "observed_rate": 0.0,
            "count": 1,
        },
        {
            "bin": 1,
            "lower": 0.2,
            "upper": 0.4,
            "mean_predicted": 0.2,
            "observed_rate": 0.0,
            "count": 1,
        },
        {
            "bin": 2,
            "lower": 0.4,
            "upper": 0.6000000000000001,
            "mean_predicted": 0.4,
            "observed_rate": 1.0,
            "count": 1,
        },
        {
            "bin": 4,
            "lower": 0.8,
            "upper": 1.0,
            "mean_predicted": 0.8,
            "observed_rate": 1.0,
            "count": 1,
        },
    ]


def test_the_usage_decline_rule_scores_a_bigger_fall_riskier_and_missing_as_no_change():
    np.testing.assert_array_equal(usage_decline_score([-0.8, 0.0, np.nan]), [0.8, -0.0, -0.0])
    ratio = usage_decline_score([0.2, 1.0, np.nan], no_change=1.0)
    np.testing.assert_array_equal(ratio, [-0.2, -1.0, -1.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: auc([1, 1], [0.1, 0.2]), "both churned and retained"),
        (lambda: lift_top_decile([0, 0, 0], [0.1, 0.2, 0.3]), "both churned and retained"),
        (lambda: auc([1, 0], [0.1]), "expected 2 scores"),
        (lambda: auc([1, 0], [0.1, np.nan]), "finite"),
        (lambda: brier([1, 0], [1.2, 0.0]), "within"),
        (lambda: auc([1, 2], [0.1, 0.2]), "booleans"),
    ],
)
def test_metrics_refuse_what_they_cannot_measure(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# Reasons and bands ------------------------------------------------------------------


def test_reasons_sum_each_group_tell_its_strongest_feature_and_skip_what_lowers_risk():
    rows = pl.DataFrame(
        {
            "usage_change": [-0.75, 0.0],
            "logins_4w": [3.0, 20.0],
            "incidents_90d": [4.0, 0.0],
            "days_since_incident": [12.0, None],
            "mrr": [900.0, 100.0],
            "nps": [-20.0, 50.0],
        }
    )
    contributions = np.array(
        [
            # usage: 0.3 + 0.6 = 0.9; incidents: 1.0 - 0.4 = 0.6; revenue -0.2; sentiment 0.
            [0.3, 0.6, 1.0, -0.4, -0.2, 0.0],
            # Only sentiment pushes up; the incidents group nets to zero.
            [-0.5, -0.1, 0.2, -0.2, -0.3, 0.4],
        ]
    )

    reasons = explain(contributions, rows, FEATURES)

    assert reasons[0].groups == ("usage", "incidents")
    assert reasons[0].features == ("logins_4w", "incidents_90d")
    assert reasons[0].texts == ("3 logins in 4 weeks", "4 shipping incidents in 90 days")
    assert reasons[0].weights == pytest.approx((0.9, 0.6))
    assert reasons[0].first_drivers == ("usage_decline",)
    assert reasons[1].texts == ("NPS 50",) and reasons[1].first_group == "sentiment"
    assert top_reasons(contributions, rows, FEATURES, k=1) == [["3 logins in 4 weeks"], ["NPS 50"]]


def test_describe_sees_a_missing_value_as_none():
    rows = pl.DataFrame({name: [None] for name in NAMES}, schema=dict.fromkeys(NAMES, pl.Float64))
    contributions = np.array([[0.0, 0.0, 0.0, 0.7, 0.0, 0.0]])

    assert top_reasons(contributions, rows, FEATURES) == [["never"]]


def test_risk_bands_are_multiples_of_the_base_rate_capped_for_common_churn():
    assert band_thresholds(0.04) == pytest.approx((0.12, 0.06))
    assert band_thresholds(0.4) == (0.5, 0.25)
    assert risk_band(0.12, base_rate=0.04) == "high"
    assert risk_band(0.1, base_rate=0.04) == "medium"
    assert risk_band(0.05, base_rate=0.04) == "low"
    assert risk_bands(np.array([0.5, 0.3, 0.1]), base_rate=0.4) == ["high", "medium", "low"]


def test_scoring_clients_gives_probability_band_mrr_at_risk_and_reasons(logistic):
    latest = TEST.filter(pl.col("as_of") == TEST["as_of"].max())

    scored = score_clients(logistic, latest, FEATURES, mrr_column="mrr")

    assert scored.columns == [
        "client_id",
        "probability",
        "risk_band",
        "mrr_at_risk",
        "reason_1",
        "reason_2",
        "reason_3",
        "reason_group",
        "reason_drivers",
    ]
    assert scored.height == latest.height
    assert scored["probability"].is_sorted(descending=True)
    joined = scored.join(latest.select("client_id", "mrr"), on="client_id")
    np.testing.assert_allclose(joined["mrr_at_risk"], joined["probability"] * joined["mrr"])
    assert scored["risk_band"][0] == "high" and scored["reason_1"][0] is not None
