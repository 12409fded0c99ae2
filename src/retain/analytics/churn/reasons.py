"""Why a client is at risk, in plain language, and how risky it is, as a band.

**Reasons** come from the model's per-feature contributions to the client's log-odds
(``ChurnModel.contributions``: coefficient times standardised value for the logistic
regression, TreeSHAP for LightGBM): a positive contribution pushes the risk up compared
with the average client. Correlated features describe one underlying problem (falling
logins and falling API calls are both "usage"), so features are first gathered by their
``group``:

1. a group's weight is the **sum** of its features' contributions: with correlated
   features a model can give one a positive and another a negative weight that largely
   cancel, and only the net push is the group's;
2. groups are ranked by weight, and only groups with a positive weight are reasons;
   ties keep the features' order;
3. each reason is told by the group's feature with the largest contribution, through
   its ``describe`` (which reads the client's raw feature values).

So a client has at most ``k`` reasons, one per group, and fewer when fewer groups push
its risk up. The first reason's ``group`` and its feature's ``drivers`` are returned as
well, to check them against known causes (the demo's hidden drivers).

**Risk bands** are relative to the base rate ``b`` (the churn rate of the latest
validation weeks, ``ChurnModel.base_rate``), so they mean the same for a 30-day as for a
90-day horizon: **high** from ``min(3 b, 0.5)``, **medium** from ``min(1.5 b, 0.25)``,
**low** below. Three times the base rate is the issue's target lift for the top decile; the
caps keep the bands meaningful when churn is common (50% is high whatever the base
rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from retain.analytics.churn.model import ChurnModel, Features, FeatureSpec, feature_list

__all__ = [
    "HIGH_CAP",
    "HIGH_MULTIPLE",
    "MEDIUM_CAP",
    "MEDIUM_MULTIPLE",
    "Reasons",
    "RiskBand",
    "band_thresholds",
    "explain",
    "risk_band",
    "risk_bands",
    "score_clients",
    "top_reasons",
]

type RiskBand = Literal["high", "medium", "low"]

HIGH_MULTIPLE: Final = 3.0
"""High risk from this multiple of the base rate (or ``HIGH_CAP``, the lower)."""
HIGH_CAP: Final = 0.5
MEDIUM_MULTIPLE: Final = 1.5
"""Medium risk from this multiple of the base rate (or ``MEDIUM_CAP``, the lower)."""
MEDIUM_CAP: Final = 0.25

# Contributions this close to zero push nothing.
_NEGLIGIBLE: Final = 1e-9


@dataclass(frozen=True)
class Reasons:
    """One client's reasons, strongest first: the sentences, the feature each tells of,
    its group and the group's summed contribution to the log-odds."""

    texts: tuple[str, ...]
    features: tuple[str, ...]
    groups: tuple[str, ...]
    weights: tuple[float, ...]
    first_drivers: tuple[str, ...]

    @property
    def first_group(self) -> str | None:
        """The group of the strongest reason, None when nothing pushes the risk up."""
        return self.groups[0] if self.groups else None


def explain(
    contributions: npt.ArrayLike, rows: pl.DataFrame, features: Features, *, k: int = 3
) -> list[Reasons]:
    """Each row's at most ``k`` reasons (see the module doc).

    ``contributions``: ``(n, features)`` log-odds contributions in the features' order
    (``ChurnModel.contributions``); ``rows``: the same ``n`` rows' raw feature values,
    handed to ``Feature.describe`` as polars gives them (a missing value is None; other
    columns, such as ``as_of``, come along).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    items = feature_list(features)
    values = np.asarray(contributions, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(items):
        raise ValueError(
            f"contributions must have one column per feature ({len(items)}), "
            f"got shape {values.shape}"
        )
    if values.shape[0] != rows.height:
        raise ValueError(f"{values.shape[0]} rows of contributions but {rows.height} rows")
    group_names = list(dict.fromkeys(feature.group for feature in items))
    members = [
        np.array([j for j, feature in enumerate(items) if feature.group == group])
        for group in group_names
    ]
    weight = np.column_stack([values[:, index].sum(axis=1) for index in members])
    lead = np.column_stack([index[np.argmax(values[:, index], axis=1)] for index in members])
    # A stable sort on -weight keeps the first-listed group among equals.
    order = np.argsort(-weight, axis=1, kind="stable")[:, :k]
    ranked = np.take_along_axis(weight, order, axis=1)
    chosen = np.take_along_axis(lead, order, axis=1)
    result: list[Reasons] = []
    empty = Reasons((), (), (), (), ())
    for i, row in enumerate(rows.iter_rows(named=True)):
        count = int((ranked[i] > _NEGLIGIBLE).sum())
        if count == 0:
            result.append(empty)
            continue
        told: Sequence[FeatureSpec] = [items[j] for j in chosen[i, :count]]
        result.append(
            Reasons(
                tuple(feature.describe(row) for feature in told),
                tuple(feature.name for feature in told),
                tuple(group_names[g] for g in order[i, :count]),
                tuple(float(w) for w in ranked[i, :count]),
                tuple(told[0].drivers),
            )
        )
    return result


def top_reasons(
    contributions: npt.ArrayLike, rows: pl.DataFrame, features: Features, *, k: int = 3
) -> list[list[str]]:
    """Each row's at most ``k`` reasons as sentences, strongest first (``explain``)."""
    return [list(reasons.texts) for reasons in explain(contributions, rows, features, k=k)]


def band_thresholds(base_rate: float) -> tuple[float, float]:
    """The (high, medium) probability thresholds for a base rate (module doc)."""
    if not 0 <= base_rate <= 1:
        raise ValueError(f"base_rate must be within [0, 1], got {base_rate}")
    return min(HIGH_MULTIPLE * base_rate, HIGH_CAP), min(MEDIUM_MULTIPLE * base_rate, MEDIUM_CAP)


def risk_band(probability: float, *, base_rate: float) -> RiskBand:
    """``high``, ``medium`` or ``low``: the band of one calibrated probability."""
    high, medium = band_thresholds(base_rate)
    if probability >= high:
        return "high"
    return "medium" if probability >= medium else "low"


def risk_bands(probability: npt.ArrayLike, *, base_rate: float) -> list[RiskBand]:
    """The band of each probability (``risk_band`` over an array)."""
    return [risk_band(float(p), base_rate=base_rate) for p in np.asarray(probability).ravel()]


def score_clients(
    model: ChurnModel,
    frame: pl.DataFrame,
    features: Features,
    *,
    mrr_column: str | None = None,
    k: int = 3,
) -> pl.DataFrame:
    """Score clients: ``client_id``, ``probability``, ``risk_band``, ``mrr_at_risk``
    (``probability * MRR``, the MRR expected to be lost within the horizon; null without
    ``mrr_column``), ``reason_1`` .. ``reason_k`` (null when fewer), ``reason_group`` and
    ``reason_drivers`` (the first reason's), sorted riskiest first.

    ``frame``: one row per client with ``client_id`` and the model's feature columns.
    """
    margin = model.predict_margin(frame)
    probability = model.calibrator(margin)
    reasons = explain(model.contributions(frame), frame, features, k=k)
    if mrr_column is None:
        at_risk = pl.Series("mrr_at_risk", [None] * frame.height, dtype=pl.Float64)
    else:
        at_risk = pl.Series("mrr_at_risk", probability * frame[mrr_column].cast(pl.Float64))
    columns: dict[str, pl.Series] = {
        "client_id": frame["client_id"],
        "probability": pl.Series("probability", probability),
        "risk_band": pl.Series("risk_band", risk_bands(probability, base_rate=model.base_rate)),
        "mrr_at_risk": at_risk,
    }
    for position in range(k):
        texts = [r.texts[position] if len(r.texts) > position else None for r in reasons]
        columns[f"reason_{position + 1}"] = pl.Series(f"reason_{position + 1}", texts, pl.String)
    columns["reason_group"] = pl.Series("reason_group", [r.first_group for r in reasons], pl.String)
    columns["reason_drivers"] = pl.Series(
        "reason_drivers", [list(r.first_drivers) for r in reasons], pl.List(pl.String)
    )
    # Riskiest first: by margin, which breaks the ties isotonic calibration makes.
    scored = pl.DataFrame(columns).with_columns(_margin=pl.Series(margin))
    return scored.sort(["_margin", "client_id"], descending=[True, False]).drop("_margin")
