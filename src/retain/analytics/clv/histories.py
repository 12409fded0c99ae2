"""Purchase histories in the form the purchase models fit on: (x, t_x, T) with weights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from retain.analytics.clv.fitting import (
    FitFailed,
    FloatArray,
    IntArray,
    ModelFit,
    PositiveParameters,
    as_float_array,
    maximise_log_likelihood,
)


@dataclass(frozen=True)
class PurchaseHistories:
    """Customers' repeat-purchase histories, validated, with identical ones merged.

    ``frequency`` is x, the number of repeat purchases; ``recency`` is t_x, the time
    of the last purchase since the first (0 when x = 0); ``T`` the time from the first
    purchase to the end of calibration; ``weights`` how many customers share the row.

    Terms that depend on x alone (gamma and beta functions of x) are computed once per
    distinct x: ``frequency == distinct_frequency[frequency_index]``, and
    ``distinct_weight`` sums the weights of each distinct x. That turns most of the
    special-function work of a likelihood evaluation from one per customer into one
    per distinct frequency (a few hundred at most).
    """

    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    weights: FloatArray
    distinct_frequency: FloatArray
    frequency_index: IntArray
    distinct_weight: FloatArray

    @classmethod
    def from_arrays(
        cls,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        merge_duplicates: bool = True,
    ) -> PurchaseHistories:
        """Validate the three columns and, unless told not to, merge identical rows."""
        x = as_float_array(frequency, "frequency")
        t_x = as_float_array(recency, "recency")
        age = as_float_array(T, "T")
        if not x.shape == t_x.shape == age.shape:
            raise ValueError("frequency, recency and T must have the same length")
        w = np.ones_like(x) if weights is None else as_float_array(weights, "weights")
        if w.shape != x.shape or np.any(w < 0):
            raise ValueError("weights must be non-negative, one per customer")
        if np.any(x < 0) or np.any(x != np.round(x)):
            raise ValueError("frequency must be a whole number of repeat purchases, >= 0")
        if np.any(t_x < 0) or np.any(t_x > age):
            raise ValueError("recency must be between 0 and T")
        if np.any((x == 0) & (t_x != 0)):
            raise ValueError("recency must be 0 for customers with no repeat purchase")
        if merge_duplicates and x.size > 1:
            x, t_x, age, w = _merge_identical_rows(x, t_x, age, w)
        distinct_frequency, frequency_index = np.unique(x, return_inverse=True)
        frequency_index = frequency_index.astype(np.int64).ravel()
        distinct_weight = np.bincount(
            frequency_index, weights=w, minlength=distinct_frequency.size
        ).astype(np.float64)
        return cls(x, t_x, age, w, distinct_frequency, frequency_index, distinct_weight)

    @property
    def n_customers(self) -> float:
        """The number of customers (the sum of the weights)."""
        return float(self.weights.sum())

    @cached_property
    def without_repeat(self) -> RowSubset:
        """The rows with x = 0, taken once: models that treat them apart reuse them."""
        return RowSubset.of(self, self.frequency == 0)

    @cached_property
    def with_repeat(self) -> RowSubset:
        """The rows with x > 0."""
        return RowSubset.of(self, self.frequency > 0)


@dataclass(frozen=True)
class RowSubset:
    """Some rows of a ``PurchaseHistories``: their columns, and where they sit in it."""

    rows: NDArray[np.bool_]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    weights: FloatArray
    frequency_index: IntArray

    @classmethod
    def of(cls, histories: PurchaseHistories, rows: NDArray[np.bool_]) -> RowSubset:
        """The rows of ``histories`` where ``rows`` is True."""
        return cls(
            rows,
            histories.frequency[rows],
            histories.recency[rows],
            histories.T[rows],
            histories.weights[rows],
            histories.frequency_index[rows],
        )


def _merge_identical_rows(
    x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Rows with the same (x, t_x, T) merged into one, their weights added.

    A lexicographic sort is ten times faster than ``np.unique(axis=0)`` here. Kept only
    when it saves at least a fifth of the rows: continuous-time data rarely repeats, and
    when T alone has too many distinct values to allow that, the sort is skipped.
    """
    if np.unique(age).size > 0.8 * age.size:
        return x, t_x, age, w
    order = np.lexsort((age, t_x, x))
    x, t_x, age, w = x[order], t_x[order], age[order], w[order]
    starts = np.flatnonzero(
        np.concatenate(([True], (x[1:] != x[:-1]) | (t_x[1:] != t_x[:-1]) | (age[1:] != age[:-1])))
    )
    if starts.size > 0.8 * x.size:
        return x, t_x, age, w
    return x[starts], t_x[starts], age[starts], np.add.reduceat(w, starts)


def fit_on_histories[P: PositiveParameters](
    histories: PurchaseHistories,
    *,
    model: str,
    start: P,
    log_likelihood_and_gradient: Callable[[FloatArray], tuple[float, FloatArray]],
) -> ModelFit[P]:
    """Maximise a purchase model's log-likelihood (a function of the log-parameters
    returning the weighted total and its gradient) from ``start``; shared by BG/NBD,
    MBG/NBD and Pareto/NBD."""
    if not np.any(histories.frequency > 0):
        raise FitFailed(f"{model} needs at least one customer with a repeat purchase")
    theta, log_likelihood, iterations, converged = maximise_log_likelihood(
        log_likelihood_and_gradient, start.to_array(), n_customers=histories.n_customers
    )
    return ModelFit(
        parameters=type(start).from_array(theta),
        log_likelihood=log_likelihood,
        n_customers=round(histories.n_customers),
        iterations=iterations,
        converged=converged,
    )
