"""How well churn scores rank and how honest their probabilities are, and the time-based
backtest behind ``retain churn evaluate``.

**Metrics** (``y`` whether each observation churned within the horizon):

* ``auc``: the area under the ROC curve, the probability that a churned observation
  scores above a retained one, ties counting one half (Hanley & McNeil 1982);
* ``lift_top_decile``: the churn rate among the 10% highest scores divided by the base
  rate. The top decile holds ``k = ceil(n / 10)`` observations; when several share the
  score at the cut, those strictly above it count fully and the tied ones share the
  remaining places equally, which is the expected lift over every ordering of the ties:
  deterministic and independent of the row order;
* ``brier``: ``mean((p - y)^2)`` of calibrated probabilities (Brier 1950);
* ``base_rate``: ``mean(y)``;
* ``reliability``: per bin of predicted probability, the mean prediction against the
  observed churn rate (a reliability diagram; DeGroot & Fienberg 1983).

**Backtest**: the observations are split by date exactly as the issue says, with ``h`` the
horizon and only observations whose label is known:

* train: ``as_of + h <= train_until`` (every training label was settled by then);
* test: ``train_until <= as_of <= test_until - h``.

Both models are tuned on the training observations alone (``model.choose_model``, with
its own time-based inner validation), the better is refitted, and the test observations
are scored. AUC and lift rank by the model's log-odds (calibration is monotone, so this is
the order of its probabilities, with the ties isotonic calibration makes broken); the
Brier score and the reliability table use the calibrated probabilities.

**Rule baseline** ("usage decline"), in the same run on the same test observations: it
ranks by how far usage fell, the usage of the last 4 weeks against the 12 weeks before
(per week): the score is ``-x`` of that feature (``baseline_feature``, by default
``usage_change``, ``new / old - 1``; a ``ratio`` kind, ``new / old``, ranks the same), so
the bigger the fall, the riskier. A missing value (no earlier usage to compare with)
reads as no change (0 for a change, 1 for a ratio). It is a ranking, not a probability:
its Brier score is None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.metrics import roc_auc_score

from retain.analytics.churn.model import (
    BoolArray,
    ChurnModel,
    Features,
    FloatArray,
    choose_model,
    feature_list,
)

__all__ = [
    "DEFAULT_BASELINE_FEATURE",
    "OBSERVATION_COLUMNS",
    "Backtest",
    "Metrics",
    "auc",
    "backtest",
    "base_rate",
    "brier",
    "lift_top_decile",
    "reliability",
    "usage_decline_score",
]

DEFAULT_BASELINE_FEATURE: Final = "usage_change"
"""The feature the rule baseline ranks by: the last 4 weeks' usage against the 12 before."""

OBSERVATION_COLUMNS: Final = ("client_id", "as_of", "churned", "label_known")
"""The columns ``backtest`` needs besides the features."""


def _outcomes(y: npt.ArrayLike) -> BoolArray:
    values = np.asarray(y)
    if values.ndim != 1:
        raise ValueError(f"outcomes must be one-dimensional, got shape {values.shape}")
    if values.dtype == object or not np.all(np.isin(values, (0, 1))):
        raise ValueError("outcomes must be booleans (or 0 and 1) without missing values")
    return values.astype(np.bool_)


def _scores(score: npt.ArrayLike, n: int) -> FloatArray:
    values = np.asarray(score, dtype=np.float64)
    if values.shape != (n,):
        raise ValueError(f"expected {n} scores, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("scores must be finite numbers")
    return values


def _both_classes(y: BoolArray, what: str) -> None:
    if y.size == 0:
        raise ValueError(f"{what} needs at least one observation")
    if y.all() or not y.any():
        raise ValueError(f"{what} needs both churned and retained observations")


def auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """The area under the ROC curve of ``score`` for outcomes ``y`` (ties count 1/2)."""
    outcomes = _outcomes(y)
    _both_classes(outcomes, "AUC")
    return float(roc_auc_score(outcomes, _scores(score, outcomes.size)))


def base_rate(y: npt.ArrayLike) -> float:
    """The share of observations that churned, ``mean(y)``."""
    outcomes = _outcomes(y)
    if outcomes.size == 0:
        raise ValueError("the base rate needs at least one observation")
    return float(outcomes.mean())


def lift_top_decile(y: npt.ArrayLike, score: npt.ArrayLike, *, fraction: float = 0.1) -> float:
    """The churn rate among the ``fraction`` highest scores over the base rate.

    The top holds ``k = ceil(fraction * n)`` observations; ties at the cut share the
    places left equally (see the module doc). 1.0 is no better than chance.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    outcomes = _outcomes(y)
    values = _scores(score, outcomes.size)
    _both_classes(outcomes, "lift")
    k = math.ceil(fraction * outcomes.size - 1e-9)
    cut = np.sort(values)[::-1][k - 1]
    above = values > cut
    tied = values == cut
    places = k - int(above.sum())
    churned = outcomes[above].sum() + places * outcomes[tied].mean()
    return float((churned / k) / outcomes.mean())


def brier(y: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """The Brier score ``mean((p - y)^2)``: 0 is perfect, lower is better."""
    outcomes = _outcomes(y)
    if outcomes.size == 0:
        raise ValueError("the Brier score needs at least one observation")
    p = _scores(probability, outcomes.size)
    if p.min() < 0 or p.max() > 1:
        raise ValueError("probabilities must be within [0, 1]")
    return float(np.mean((p - outcomes) ** 2))


def reliability(
    y: npt.ArrayLike,
    probability: npt.ArrayLike,
    *,
    bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> pl.DataFrame:
    """The reliability table: per bin of predicted probability, its range, the mean
    prediction, the observed churn rate and the count; empty bins are left out.

    ``uniform`` bins split [0, 1] into ``bins`` equal widths (bin ``i`` holds
    ``i / bins <= p < (i + 1) / bins``, the last one including 1); ``quantile`` bins
    hold about equally many observations, which suits rare churn better.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    outcomes = _outcomes(y)
    p = _scores(probability, outcomes.size)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("probabilities must be within [0, 1]")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(p, np.linspace(0.0, 1.0, bins + 1)) if p.size else np.zeros(2)
        edges[0], edges[-1] = 0.0, 1.0
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    count = np.bincount(index, minlength=edges.size - 1)
    predicted = np.bincount(index, weights=p, minlength=edges.size - 1)
    observed = np.bincount(index, weights=outcomes.astype(np.float64), minlength=edges.size - 1)
    kept = np.flatnonzero(count)
    return pl.DataFrame(
        {
            "bin": kept.astype(np.int64),
            "lower": edges[kept],
            "upper": edges[kept + 1],
            "mean_predicted": predicted[kept] / count[kept],
            "observed_rate": observed[kept] / count[kept],
            "count": count[kept].astype(np.int64),
        }
    )


def usage_decline_score(change: npt.ArrayLike, *, no_change: float = 0.0) -> FloatArray:
    """The rule baseline's risk score ``-x`` of the usage change ``x``; a missing value
    reads as ``no_change`` (0 for ``new / old - 1``, 1 for ``new / old``)."""
    values = np.asarray(change, dtype=np.float64)
    return np.asarray(-np.where(np.isfinite(values), values, no_change), dtype=np.float64)


@dataclass(frozen=True)
class Metrics:
    """One scorer's figures on the test observations (``brier`` None for a ranking rule)."""

    auc: float
    lift_top_decile: float
    brier: float | None
    base_rate: float
    n_train: int
    n_test: int

    def as_dict(self) -> dict[str, float | int | None]:
        """The figures by name, for JSON."""
        return {
            "auc": self.auc,
            "lift_top_decile": self.lift_top_decile,
            "brier": self.brier,
            "base_rate": self.base_rate,
            "n_train": self.n_train,
            "n_test": self.n_test,
        }


@dataclass(frozen=True, eq=False)
class Backtest:
    """A backtest's result: the chosen model, its test figures and the rule baseline's,
    both models' inner validation AUCs, the first and last ``as_of`` of each split, the
    reliability table of the test probabilities
    and the test predictions (client_id, as_of, churned, probability, margin,
    baseline_score)."""

    model: ChurnModel
    metrics: Metrics
    baseline: Metrics
    validation_auc: dict[str, float]
    train_dates: tuple[date, date]
    test_dates: tuple[date, date]
    train_until: date
    test_until: date
    horizon_days: int
    reliability: pl.DataFrame
    predictions: pl.DataFrame

    def as_dict(self) -> dict[str, Any]:
        """``{model, auc, lift_top_decile, brier, base_rate, n_train, n_test}`` plus the
        baseline's figures and the validation AUCs, for ``--json``."""
        return {
            "model": self.model.name,
            **self.metrics.as_dict(),
            "baseline": {"rule": "usage decline", **self.baseline.as_dict()},
            "validation_auc": dict(self.validation_auc),
            "train_until": self.train_until.isoformat(),
            "test_until": self.test_until.isoformat(),
            "horizon_days": self.horizon_days,
        }


def _split_label(what: str, rule: str) -> str:
    return f"the {what} split ({rule}, label known)"


def backtest(
    observations: pl.DataFrame,
    *,
    train_until: date,
    test_until: date,
    horizon_days: int = 30,
    features: Features,
    baseline_feature: str = DEFAULT_BASELINE_FEATURE,
    seed: int = 0,
    num_threads: int = 1,
) -> Backtest:
    """Fit on the observations before ``train_until``, score those after (module doc).

    ``observations``: one row per client and date with ``client_id``, ``as_of`` (Date),
    ``churned`` and ``label_known`` (Boolean), the feature columns and the baseline
    feature's column. Refuses a split with no observations or only one outcome.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    if test_until <= train_until:
        raise ValueError(f"test_until ({test_until}) must come after train_until ({train_until})")
    items = feature_list(features)
    needed = [*OBSERVATION_COLUMNS, *(feature.name for feature in items), baseline_feature]
    missing = sorted({name for name in needed if name not in observations.columns})
    if missing:
        raise ValueError(f"the observations lack column(s) {', '.join(missing)}")
    horizon = timedelta(days=horizon_days)
    last_test = test_until - horizon
    if last_test < train_until:
        raise ValueError(
            f"the test period is shorter than the horizon: observations from {train_until} "
            f"need their {horizon_days}-day outcome by {test_until}"
        )
    known = pl.col("label_known").fill_null(False)
    train_rule = f"as_of + {horizon_days} days <= {train_until}"
    test_rule = f"{train_until} <= as_of <= {last_test}"
    train = observations.filter(known & (pl.col("as_of") <= train_until - horizon))
    test = observations.filter(known & pl.col("as_of").is_between(train_until, last_test))
    splits = (
        (train, _split_label("training", train_rule)),
        (test, _split_label("test", test_rule)),
    )
    for frame, what in splits:
        if frame.height == 0:
            raise ValueError(f"{what} has no observations")
        if frame["churned"].null_count():
            raise ValueError(f"{what} has observations whose churned value is missing")
        churned = int(frame["churned"].sum())
        if churned in (0, frame.height):
            kind = "churned" if churned else "retained"
            raise ValueError(f"{what} has only {kind} observations: cannot fit or rank")

    choice = choose_model(
        train,
        train["churned"],
        train["as_of"],
        features=items,
        gap_days=horizon_days,
        seed=seed,
        num_threads=num_threads,
    )
    model = choice.model
    y_test = test["churned"].to_numpy().astype(np.bool_)
    margin = model.predict_margin(test)
    probability = model.calibrator(margin)
    kinds = {feature.name: feature.kind for feature in items}
    baseline_score = usage_decline_score(
        test[baseline_feature].cast(pl.Float64).to_numpy(),
        no_change=1.0 if kinds.get(baseline_feature) == "ratio" else 0.0,
    )
    rate = base_rate(y_test)
    metrics = Metrics(
        auc(y_test, margin),
        lift_top_decile(y_test, margin),
        brier(y_test, probability),
        rate,
        train.height,
        test.height,
    )
    baseline = Metrics(
        auc(y_test, baseline_score),
        lift_top_decile(y_test, baseline_score),
        None,
        rate,
        train.height,
        test.height,
    )
    predictions = test.select("client_id", "as_of", "churned").with_columns(
        probability=pl.Series(probability),
        margin=pl.Series(margin),
        baseline_score=pl.Series(baseline_score),
    )
    return Backtest(
        model,
        metrics,
        baseline,
        dict(choice.validation_auc),
        (train["as_of"].min(), train["as_of"].max()),  # type: ignore[arg-type]
        (test["as_of"].min(), test["as_of"].max()),  # type: ignore[arg-type]
        train_until,
        test_until,
        horizon_days,
        reliability(y_test, probability, strategy="quantile"),
        predictions,
    )
