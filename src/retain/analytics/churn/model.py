"""Churn-risk models: a regularised logistic regression and gradient-boosted trees
(LightGBM), tuned and calibrated on time-later data only, and the choice between them.

**Preprocessing**, shared by both models and driven by each feature's ``kind``
(``churn.features`` documents the kinds):

* ``count``, ``rate`` and ``amount``: ``sign(x) * log(1 + |x|)``, so that one client with
  40,000 events does not outweigh a thousand with 40 (a negative amount keeps its sign);
* ``days`` ("days since ...", tenure): ``log(1 + min(max(x, 0), DAYS_CAP))``; the log
  because the first weeks matter most (7 against 30 days since the last use says more
  than 300 against 330), the cap because beyond two years it no longer matters; a
  missing value (it never happened) is read as ``DAYS_CAP`` and flagged in a
  ``<name>__missing`` column;
* ``change`` (``new / old - 1``): clipped to ``CHANGE_RANGE``; ``ratio``: clipped to
  ``RATIO_RANGE`` (a tenfold rise is as telling as a hundredfold);
* ``percent``, ``months`` and ``score``: as they are.

Any other missing value is filled with the training median (after the transform) and
flagged the same way when the training data had missing values in that column. NaN and
infinities count as missing. The logistic regression also standardises every column,
``z = (v - mean) / sd`` with the training mean and standard deviation; trees need no
scaling.

**Time-based inner validation**: the fits see only their training observations. The last
``validation_fraction`` (20%) of their distinct ``as_of`` dates form the validation
slice; the earlier observations whose label window ends on or before the slice's first
date (``as_of + gap_days <= cut``, ``gap_days`` being the horizon) train. Nothing is ever
split at random: a random split would let the model learn from the future of the
clients it is tested on. The slice chooses the logistic regression's ``C``, stops the
boosting, fits the calibration and compares the two models.

**Logistic regression** (L2): minimises ``mean(log loss) + lambda * ||w||^2 / 2`` and picks
``lambda`` from ``L2_GRID`` by validation AUC (the strongest penalty within
``C_TIE_TOLERANCE`` of the best AUC). scikit-learn's ``C`` is ``1 / (lambda * n)``: the grid
is per observation, so it means the same for 5,000 observations as for 5,000,000.

**LightGBM**: ``LIGHTGBM_PARAMS`` (15 leaves, learning rate 0.05, at least 50
observations a leaf, 80% of the features per tree, 80% bagging, L2 1.0), up to
``MAX_ROUNDS`` rounds, stopped when the validation log loss has not improved for
``EARLY_STOPPING_ROUNDS`` rounds; deterministic (``deterministic=True``, a fixed seed,
row-wise histograms) for a given thread count.

**Class imbalance** is left to the calibration, not reweighting: weights would distort the
probabilities the calibration then has to undo, and the ranking (AUC, lift) does not need
them.

**Calibration** maps the model's uncalibrated log-odds ``m`` to a probability, fitted on the
validation slice's out-of-sample predictions (never on test data): isotonic regression
(Zadrozny & Elkan 2002, "Transforming classifier scores into accurate multiclass
probability estimates") when the slice has at least ``ISOTONIC_MIN_CLASS`` churned and
``ISOTONIC_MIN_CLASS`` retained observations, otherwise Platt scaling
``p = 1 / (1 + exp(-(a m + b)))`` (Platt 1999). Probabilities are kept within
``PROBABILITY_RANGE``: a finite sample never proves certainty. Because the slice is the
latest data, the calibration also follows a drift of the churn rate over time.

**Refit**: once tuned, the chosen model is refitted on all the training observations with
the tuned ``C`` or number of rounds (the latest weeks matter most when behaviour drifts),
and keeps the calibration fitted on the tuned model's out-of-sample predictions.
Calibrating the refitted model on the slice it was just trained on would learn its
in-sample overconfidence instead.

**Contributions** (the reasons' raw material) are in the uncalibrated log-odds: for the
logistic regression ``coef_j * z_j`` (the baseline is the training mean, ``z = 0``), for
LightGBM the TreeSHAP values (Lundberg et al. 2020, "From local explanations to global
understanding with explainable AI for trees"); both summed per original feature over
the columns the preprocessing made of it. A row's contributions plus the bias (the
intercept, or LightGBM's expected value) equal its log-odds.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal, Protocol

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

__all__ = [
    "CHANGE_RANGE",
    "C_TIE_TOLERANCE",
    "DAYS_CAP",
    "EARLY_STOPPING_ROUNDS",
    "FEATURE_KINDS",
    "ISOTONIC_MIN_CLASS",
    "L2_GRID",
    "LIGHTGBM_PARAMS",
    "MAX_ROUNDS",
    "MODEL_TIE_TOLERANCE",
    "PROBABILITY_RANGE",
    "RATIO_RANGE",
    "VALIDATION_FRACTION",
    "Calibrator",
    "ChurnModel",
    "Dates",
    "FeatureSpec",
    "Features",
    "ModelChoice",
    "ModelName",
    "Preprocessor",
    "choose_model",
    "feature_list",
    "fit_calibrator",
    "fit_lightgbm",
    "fit_logistic",
    "fit_preprocessor",
    "inner_split",
]

type FloatArray = npt.NDArray[np.float64]
type BoolArray = npt.NDArray[np.bool_]
type IntArray = npt.NDArray[np.int64]
type ModelName = Literal["logistic", "lightgbm"]

_LOG_KINDS: Final = frozenset({"count", "rate", "amount"})
_AS_IS_KINDS: Final = frozenset({"percent", "months", "score"})
FEATURE_KINDS: Final = _LOG_KINDS | _AS_IS_KINDS | {"days", "change", "ratio"}
"""The feature kinds the preprocessing knows."""

DAYS_CAP: Final = 730.0
""""Days since" values are clipped here: two years or more ago, or never, read the same."""

CHANGE_RANGE: Final = (-1.0, 3.0)
"""Relative changes (``new / old - 1``) are clipped to this range: at most fourfold."""

RATIO_RANGE: Final = (-10.0, 10.0)
"""Ratios are clipped to this range."""

VALIDATION_FRACTION: Final = 0.2
"""The share of the training dates, the latest, that validate, calibrate and compare."""

L2_GRID: Final = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5)
"""Per-observation L2 penalties tried for the logistic regression (``C = 1 / (lambda n)``)."""

C_TIE_TOLERANCE: Final = 1e-3
"""Validation AUCs within this of the best count as ties; the strongest penalty wins."""

LIGHTGBM_PARAMS: Final[Mapping[str, Any]] = {
    "objective": "binary",
    "metric": "binary_logloss",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 255,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}
"""Conservative LightGBM parameters (the seed and thread count are added per fit)."""

MAX_ROUNDS: Final = 400
"""The most boosting rounds LightGBM may use."""

EARLY_STOPPING_ROUNDS: Final = 30
"""Boosting stops when the validation log loss has not improved for this many rounds."""

ISOTONIC_MIN_CLASS: Final = 300
"""Isotonic calibration needs this many churned and this many retained observations."""

PROBABILITY_RANGE: Final = (0.001, 0.999)
"""Calibrated probabilities are kept within this range."""

MODEL_TIE_TOLERANCE: Final = 0.005
"""LightGBM is chosen only when its validation AUC beats the logistic's by more than this."""

_FORMAT: Final = 1
_MISSING_SUFFIX: Final = "__missing"


class FeatureSpec(Protocol):
    """What the models and reasons read of a feature (``churn.features.Feature`` fits it)."""

    @property
    def name(self) -> str: ...

    @property
    def group(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def drivers(self) -> Collection[str]: ...

    def describe(self, row: Mapping[str, object]) -> str: ...


type Features = Mapping[str, FeatureSpec] | Iterable[FeatureSpec]
type Dates = pl.Series | Sequence[date] | npt.NDArray[np.datetime64]


def feature_list(features: Features) -> list[FeatureSpec]:
    """The features in order: a registry's values, or the given sequence; names unique."""
    items = list(features.values()) if isinstance(features, Mapping) else list(features)
    if not items:
        raise ValueError("no features given")
    names = [feature.name for feature in items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"feature names must be unique: {', '.join(duplicates)}")
    unknown = sorted({feature.kind for feature in items} - FEATURE_KINDS)
    if unknown:
        raise ValueError(f"unknown feature kind(s) {', '.join(unknown)}")
    return items


def _raw_matrix(X: pl.DataFrame, names: Sequence[str]) -> FloatArray:
    """The named columns as a float64 matrix, nulls as NaN."""
    missing = [name for name in names if name not in X.columns]
    if missing:
        raise ValueError(f"the feature frame lacks column(s) {', '.join(missing)}")
    matrix = X.select(pl.col(name).cast(pl.Float64) for name in names).to_numpy()
    return np.ascontiguousarray(matrix, dtype=np.float64)


def _transform_values(values: FloatArray, kind: str) -> FloatArray:
    """One column through its kind's transform; missing stays NaN."""
    with np.errstate(invalid="ignore"):
        finite = np.where(np.isfinite(values), values, np.nan)
        if kind in _LOG_KINDS:
            return np.asarray(np.sign(finite) * np.log1p(np.abs(finite)), dtype=np.float64)
        if kind == "days":
            return np.asarray(np.log1p(np.clip(finite, 0.0, DAYS_CAP)), dtype=np.float64)
        if kind == "change":
            return np.clip(finite, *CHANGE_RANGE)
        if kind == "ratio":
            return np.clip(finite, *RATIO_RANGE)
        return finite


# Preprocessing ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Preprocessor:
    """The fitted preprocessing: per feature a transform, a fill value and maybe a
    missing flag; per output column the training mean and standard deviation."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    fill: FloatArray
    flagged: BoolArray
    mean: FloatArray
    scale: FloatArray

    @property
    def columns(self) -> tuple[str, ...]:
        """The output columns: each feature's value, then the missing flags."""
        flags = tuple(
            name + _MISSING_SUFFIX
            for name, flag in zip(self.names, self.flagged, strict=True)
            if flag
        )
        return self.names + flags

    @property
    def source(self) -> IntArray:
        """For each output column, the index of the feature it comes from."""
        n = len(self.names)
        return np.concatenate([np.arange(n), np.flatnonzero(self.flagged)]).astype(np.int64)

    def transform(self, X: pl.DataFrame, *, standardise: bool) -> FloatArray:
        """The model matrix of a feature frame (only the named columns are read)."""
        return self.transform_matrix(_raw_matrix(X, self.names), standardise=standardise)

    def transform_matrix(self, raw: FloatArray, *, standardise: bool) -> FloatArray:
        """The model matrix of a raw matrix (features in ``names`` order, NaN missing)."""
        n_rows = raw.shape[0]
        flagged = np.flatnonzero(self.flagged)
        out = np.empty((n_rows, len(self.names) + flagged.size), dtype=np.float64)
        for j, kind in enumerate(self.kinds):
            values = _transform_values(raw[:, j], kind)
            missing = np.isnan(values)
            values[missing] = self.fill[j]
            out[:, j] = values
        for position, source in enumerate(flagged):
            out[:, len(self.names) + position] = ~np.isfinite(raw[:, source])
        if standardise:
            out -= self.mean
            out /= self.scale
        return out


def fit_preprocessor(raw: FloatArray, features: Sequence[FeatureSpec]) -> Preprocessor:
    """Fit the preprocessing on training rows (``raw``: features in order, NaN missing)."""
    names = tuple(feature.name for feature in features)
    kinds = tuple(feature.kind for feature in features)
    fill = np.zeros(len(names))
    flagged = np.zeros(len(names), dtype=np.bool_)
    for j, kind in enumerate(kinds):
        values = _transform_values(raw[:, j], kind)
        missing = np.isnan(values)
        if kind == "days":
            fill[j], flagged[j] = math.log1p(DAYS_CAP), True
        else:
            flagged[j] = bool(missing.any())
            fill[j] = float(np.median(values[~missing])) if (~missing).any() else 0.0
    unscaled = Preprocessor(names, kinds, fill, flagged, np.zeros(0), np.ones(0)).transform_matrix(
        raw, standardise=False
    )
    mean = unscaled.mean(axis=0)
    scale = unscaled.std(axis=0)
    scale[~(scale > 1e-12)] = 1.0  # a constant column standardises to 0
    return Preprocessor(names, kinds, fill, flagged, mean, scale)


# Calibration ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Calibrator:
    """Maps uncalibrated log-odds to probabilities.

    ``isotonic``: linear interpolation through ``(x, y)``, flat beyond the ends (what
    scikit-learn's ``IsotonicRegression.predict`` does with ``out_of_bounds="clip"``);
    ``sigmoid``: ``1 / (1 + exp(-(x[0] m + x[1])))``.
    """

    method: Literal["isotonic", "sigmoid"]
    x: FloatArray
    y: FloatArray

    def __call__(self, margin: FloatArray) -> FloatArray:
        """Calibrated probabilities of the log-odds ``margin``."""
        if self.method == "isotonic":
            probability = np.interp(margin, self.x, self.y)
        else:
            probability = _sigmoid(self.x[0] * margin + self.x[1])
        return np.clip(probability, *PROBABILITY_RANGE)


def fit_calibrator(margin: FloatArray, y: BoolArray) -> Calibrator:
    """Fit the calibration on out-of-sample log-odds and outcomes (see the module doc)."""
    positives = int(y.sum())
    negatives = int(y.size - positives)
    if min(positives, negatives) >= ISOTONIC_MIN_CLASS:
        isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        isotonic.fit(margin, y.astype(np.float64))
        return Calibrator(
            "isotonic",
            np.asarray(isotonic.X_thresholds_, dtype=np.float64),
            np.asarray(isotonic.y_thresholds_, dtype=np.float64),
        )
    # Platt scaling: an (essentially) unpenalised one-variable logistic regression.
    platt = LogisticRegression(C=1e6, l1_ratio=0.0, solver="lbfgs", max_iter=1000)
    platt.fit(margin.reshape(-1, 1), y)
    return Calibrator(
        "sigmoid",
        np.array([float(platt.coef_[0, 0]), float(platt.intercept_[0])]),
        np.zeros(0),
    )


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


# Scorers ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Linear:
    coef: FloatArray
    intercept: float

    def margin(self, Z: FloatArray) -> FloatArray:
        return np.asarray(Z @ self.coef + self.intercept, dtype=np.float64)

    def column_contributions(self, Z: FloatArray) -> tuple[FloatArray, FloatArray]:
        return Z * self.coef, np.full(Z.shape[0], self.intercept)


@dataclass(frozen=True, eq=False)
class _Trees:
    booster: lgb.Booster
    num_threads: int

    def margin(self, Z: FloatArray) -> FloatArray:
        raw = self.booster.predict(Z, raw_score=True, num_threads=self.num_threads)
        return np.asarray(raw, dtype=np.float64)

    def column_contributions(self, Z: FloatArray) -> tuple[FloatArray, FloatArray]:
        values = self.booster.predict(Z, pred_contrib=True, num_threads=self.num_threads)
        values = np.asarray(values, dtype=np.float64)
        return values[:, :-1], values[:, -1]


# The model --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ChurnModel:
    """A fitted, calibrated churn model.

    ``validation_auc`` is its AUC on the inner validation slice (before the refit);
    ``base_rate`` the churn rate of that slice, the latest the model saw; ``params``
    the tuned settings (``C`` and ``l2`` for the logistic regression, ``rounds`` for
    LightGBM) and the training size.
    """

    name: ModelName
    preprocessor: Preprocessor
    calibrator: Calibrator
    base_rate: float
    validation_auc: float
    params: Mapping[str, float | int | str]
    _scorer: _Linear | _Trees = field(repr=False)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The features the model reads, in the order of its contribution columns."""
        return self.preprocessor.names

    def _matrix(self, X: pl.DataFrame) -> FloatArray:
        return self.preprocessor.transform(X, standardise=self.name == "logistic")

    def predict_margin(self, X: pl.DataFrame) -> FloatArray:
        """Uncalibrated log-odds of churning within the horizon, one per row of ``X``.

        Calibration is monotone, so this orders clients as ``predict_proba`` does, and
        also breaks the ties isotonic calibration makes.
        """
        return self._scorer.margin(self._matrix(X))

    def predict_proba(self, X: pl.DataFrame) -> FloatArray:
        """Calibrated probabilities of churning within the horizon, one per row of ``X``."""
        return self.calibrator(self.predict_margin(X))

    def contributions(self, X: pl.DataFrame, *, include_bias: bool = False) -> FloatArray:
        """Each feature's contribution to each row's uncalibrated log-odds, ``(n, features)``.

        Columns follow ``feature_names``; with ``include_bias`` a last column holds the
        bias, and each row then sums to ``predict_margin``.
        """
        columns, bias = self._scorer.column_contributions(self._matrix(X))
        n_features = len(self.preprocessor.names)
        # Sum the columns made from one feature (its value and its missing flag).
        per_feature = np.zeros((columns.shape[0], n_features))
        for column, j in enumerate(self.preprocessor.source):
            per_feature[:, j] += columns[:, column]
        if include_bias:
            return np.column_stack([per_feature, bias])
        return per_feature

    def to_bytes(self) -> bytes:
        """The model as bytes (a NumPy ``.npz`` archive, no pickle) for ``from_bytes``."""
        meta = {
            "format": _FORMAT,
            "name": self.name,
            "names": list(self.preprocessor.names),
            "kinds": list(self.preprocessor.kinds),
            "calibration": self.calibrator.method,
            "base_rate": self.base_rate,
            "validation_auc": self.validation_auc,
            "params": dict(self.params),
        }
        arrays: dict[str, npt.NDArray[Any]] = {
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            "fill": self.preprocessor.fill,
            "flagged": self.preprocessor.flagged,
            "mean": self.preprocessor.mean,
            "scale": self.preprocessor.scale,
            "calibration_x": self.calibrator.x,
            "calibration_y": self.calibrator.y,
        }
        if isinstance(self._scorer, _Linear):
            arrays["coef"] = self._scorer.coef
            arrays["intercept"] = np.array([self._scorer.intercept])
        else:
            text = self._scorer.booster.model_to_string()
            arrays["booster"] = np.frombuffer(text.encode(), dtype=np.uint8)
            arrays["num_threads"] = np.array([self._scorer.num_threads])
        buffer = io.BytesIO()
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ChurnModel:
        """The model ``to_bytes`` wrote."""
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        meta = json.loads(arrays["meta"].tobytes().decode())
        if meta.get("format") != _FORMAT:
            raise ValueError(f"unknown churn model format {meta.get('format')!r}")
        preprocessor = Preprocessor(
            tuple(meta["names"]),
            tuple(meta["kinds"]),
            arrays["fill"],
            arrays["flagged"].astype(np.bool_),
            arrays["mean"],
            arrays["scale"],
        )
        calibrator = Calibrator(
            meta["calibration"], arrays["calibration_x"], arrays["calibration_y"]
        )
        scorer: _Linear | _Trees
        if meta["name"] == "logistic":
            scorer = _Linear(arrays["coef"], float(arrays["intercept"][0]))
        else:
            booster = lgb.Booster(model_str=arrays["booster"].tobytes().decode())
            scorer = _Trees(booster, int(arrays["num_threads"][0]))
        return cls(
            meta["name"],
            preprocessor,
            calibrator,
            float(meta["base_rate"]),
            float(meta["validation_auc"]),
            meta["params"],
            scorer,
        )


@dataclass(frozen=True)
class ModelChoice:
    """The chosen model and both models' AUCs on the inner validation slice."""

    model: ChurnModel
    validation_auc: Mapping[str, float]


# Fitting ----------------------------------------------------------------------------


def _day_numbers(dates: Dates) -> IntArray:
    if isinstance(dates, pl.Series):
        series = dates
    elif isinstance(dates, np.ndarray):
        series = pl.Series(values=dates.astype("datetime64[D]"))
    else:
        series = pl.Series(values=list(dates), dtype=pl.Date)
    if series.null_count():
        raise ValueError("dates must not be missing")
    days = series.cast(pl.Date).cast(pl.Int32).to_numpy()
    return np.asarray(days, dtype=np.int64)


def inner_split(
    days: IntArray, *, validation_fraction: float = VALIDATION_FRACTION, gap_days: int = 0
) -> tuple[BoolArray, BoolArray]:
    """The inner (training, validation) masks over observation day numbers.

    Validation: the observations on the latest ``validation_fraction`` of the distinct
    dates (at least one date, never all), from ``cut`` on. Training: those before
    ``cut`` whose label window has closed by then, ``day + gap_days <= cut``.
    """
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    unique = np.unique(days)
    if unique.size < 2:
        raise ValueError(
            "the training observations need at least two dates for a time-based validation"
        )
    n_valid = min(max(1, math.floor(validation_fraction * unique.size + 0.5)), unique.size - 1)
    cut = unique[unique.size - n_valid]
    valid = days >= cut
    train = (days < cut) & (days + gap_days <= cut)
    if not train.any():
        raise ValueError(
            f"no training observation's {gap_days}-day label window closes before the "
            "validation dates: the training period is too short for the horizon"
        )
    return train, valid


def _labels(y: pl.Series | npt.ArrayLike, n: int) -> BoolArray:
    values = y.to_numpy() if isinstance(y, pl.Series) else np.asarray(y)
    if values.shape != (n,):
        raise ValueError(f"expected {n} labels, got shape {values.shape}")
    if values.dtype == object or not np.all(np.isin(values, (0, 1))):
        raise ValueError("labels must be booleans (or 0 and 1) without missing values")
    return values.astype(np.bool_)


def _check_classes(y: BoolArray, what: str) -> None:
    if y.size == 0:
        raise ValueError(f"the {what} has no observations")
    if y.all() or not y.any():
        kind = "churned" if y.all() else "retained"
        raise ValueError(f"the {what} has only {kind} observations: cannot fit or rank")


@dataclass(frozen=True)
class _Prepared:
    features: list[FeatureSpec]
    raw: FloatArray
    y: BoolArray
    train: BoolArray
    valid: BoolArray


def _prepare(
    X: pl.DataFrame,
    y: pl.Series | npt.ArrayLike,
    dates: Dates | None,
    features: Features,
    validation_fraction: float,
    gap_days: int,
) -> _Prepared:
    items = feature_list(features)
    raw = _raw_matrix(X, [feature.name for feature in items])
    labels = _labels(y, X.height)
    days = _day_numbers(X["as_of"] if dates is None else dates)
    if days.size != X.height:
        raise ValueError(f"expected {X.height} dates, got {days.size}")
    train, valid = inner_split(days, validation_fraction=validation_fraction, gap_days=gap_days)
    _check_classes(labels[train], "inner training slice")
    _check_classes(labels[valid], "inner validation slice")
    return _Prepared(items, raw, labels, train, valid)


@dataclass(frozen=True)
class _Tuned:
    name: ModelName
    auc: float
    calibrator: Calibrator
    base_rate: float
    params: dict[str, float | int | str]


def _fit_linear(Z: FloatArray, y: BoolArray, l2: float, num_threads: int) -> _Linear:
    estimator = LogisticRegression(
        C=1.0 / (l2 * Z.shape[0]), l1_ratio=0.0, solver="lbfgs", max_iter=1000, tol=1e-6
    )
    # scikit-learn computes the loss with OpenMP threads and the products with BLAS.
    with threadpool_limits(limits=num_threads):
        estimator.fit(Z, y)
    return _Linear(np.asarray(estimator.coef_[0], dtype=np.float64), float(estimator.intercept_[0]))


def _tune_logistic(data: _Prepared, num_threads: int) -> _Tuned:
    preprocessor = fit_preprocessor(data.raw[data.train], data.features)
    Z_train = preprocessor.transform_matrix(data.raw[data.train], standardise=True)
    Z_valid = preprocessor.transform_matrix(data.raw[data.valid], standardise=True)
    y_train, y_valid = data.y[data.train], data.y[data.valid]
    results = []
    for l2 in L2_GRID:  # strongest penalty first
        scorer = _fit_linear(Z_train, y_train, l2, num_threads)
        margin = scorer.margin(Z_valid)
        results.append((float(roc_auc_score(y_valid, margin)), l2, margin))
    best_auc = max(auc for auc, _, _ in results)
    auc, l2, margin = next(item for item in results if item[0] >= best_auc - C_TIE_TOLERANCE)
    return _Tuned(
        "logistic",
        auc,
        fit_calibrator(margin, y_valid),
        float(y_valid.mean()),
        {"l2": l2},
    )


def _refit_logistic(data: _Prepared, tuned: _Tuned, num_threads: int) -> ChurnModel:
    preprocessor = fit_preprocessor(data.raw, data.features)
    Z = preprocessor.transform_matrix(data.raw, standardise=True)
    l2 = float(tuned.params["l2"])
    scorer = _fit_linear(Z, data.y, l2, num_threads)
    params = {**tuned.params, "C": 1.0 / (l2 * Z.shape[0]), "n_train": int(Z.shape[0])}
    return ChurnModel(
        "logistic", preprocessor, tuned.calibrator, tuned.base_rate, tuned.auc, params, scorer
    )


def _lightgbm_params(seed: int, num_threads: int) -> dict[str, Any]:
    return {**LIGHTGBM_PARAMS, "seed": seed, "num_threads": num_threads}


def _tune_lightgbm(data: _Prepared, seed: int, num_threads: int) -> _Tuned:
    preprocessor = fit_preprocessor(data.raw[data.train], data.features)
    Z_train = preprocessor.transform_matrix(data.raw[data.train], standardise=False)
    Z_valid = preprocessor.transform_matrix(data.raw[data.valid], standardise=False)
    y_valid = data.y[data.valid]
    params = _lightgbm_params(seed, num_threads)
    train_set = lgb.Dataset(Z_train, data.y[data.train].astype(np.float64), params=params)
    valid_set = lgb.Dataset(Z_valid, y_valid.astype(np.float64), reference=train_set)
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )
    rounds = max(1, int(booster.best_iteration or booster.current_iteration()))
    margin = np.asarray(
        booster.predict(Z_valid, raw_score=True, num_iteration=rounds, num_threads=num_threads),
        dtype=np.float64,
    )
    return _Tuned(
        "lightgbm",
        float(roc_auc_score(y_valid, margin)),
        fit_calibrator(margin, y_valid),
        float(y_valid.mean()),
        {"rounds": rounds, "seed": seed},
    )


def _refit_lightgbm(data: _Prepared, tuned: _Tuned, num_threads: int) -> ChurnModel:
    preprocessor = fit_preprocessor(data.raw, data.features)
    Z = preprocessor.transform_matrix(data.raw, standardise=False)
    params = _lightgbm_params(int(tuned.params["seed"]), num_threads)
    booster = lgb.train(
        params,
        lgb.Dataset(Z, data.y.astype(np.float64), params=params),
        num_boost_round=int(tuned.params["rounds"]),
    )
    return ChurnModel(
        "lightgbm",
        preprocessor,
        tuned.calibrator,
        tuned.base_rate,
        tuned.auc,
        {**tuned.params, "n_train": int(Z.shape[0])},
        _Trees(booster, num_threads),
    )


def fit_logistic(
    X: pl.DataFrame,
    y: pl.Series | npt.ArrayLike,
    *,
    features: Features,
    dates: Dates | None = None,
    gap_days: int = 0,
    validation_fraction: float = VALIDATION_FRACTION,
    num_threads: int = 1,
) -> ChurnModel:
    """Fit the calibrated L2 logistic regression (see the module doc).

    ``X`` holds the feature columns (others are ignored), ``y`` whether each observation
    churned within the horizon, ``dates`` each observation's date (default ``X["as_of"]``);
    ``gap_days`` is the horizon, so that no inner training label looks into the
    validation dates; ``num_threads`` caps scikit-learn's threads while fitting.
    """
    data = _prepare(X, y, dates, features, validation_fraction, gap_days)
    return _refit_logistic(data, _tune_logistic(data, num_threads), num_threads)


def fit_lightgbm(
    X: pl.DataFrame,
    y: pl.Series | npt.ArrayLike,
    *,
    features: Features,
    dates: Dates | None = None,
    gap_days: int = 0,
    validation_fraction: float = VALIDATION_FRACTION,
    seed: int = 0,
    num_threads: int = 1,
) -> ChurnModel:
    """Fit the calibrated LightGBM model (see the module doc); arguments as ``fit_logistic``.

    ``num_threads`` is LightGBM's thread count: with a fixed seed, the same data and the
    same thread count give the same model.
    """
    data = _prepare(X, y, dates, features, validation_fraction, gap_days)
    return _refit_lightgbm(data, _tune_lightgbm(data, seed, num_threads), num_threads)


def choose_model(
    X: pl.DataFrame,
    y: pl.Series | npt.ArrayLike,
    dates: Dates | None = None,
    *,
    features: Features,
    gap_days: int = 0,
    validation_fraction: float = VALIDATION_FRACTION,
    seed: int = 0,
    num_threads: int = 1,
) -> ModelChoice:
    """Tune both models on the inner time split, keep the better by validation AUC and
    refit it on all the training observations.

    LightGBM must beat the logistic regression by more than ``MODEL_TIE_TOLERANCE`` AUC:
    closer than that, the interpretable model wins. Both AUCs are returned.
    """
    data = _prepare(X, y, dates, features, validation_fraction, gap_days)
    logistic = _tune_logistic(data, num_threads)
    trees = _tune_lightgbm(data, seed, num_threads)
    aucs = {"logistic": logistic.auc, "lightgbm": trees.auc}
    if trees.auc > logistic.auc + MODEL_TIE_TOLERANCE:
        return ModelChoice(_refit_lightgbm(data, trees, num_threads), aucs)
    return ModelChoice(_refit_logistic(data, logistic, num_threads), aucs)
