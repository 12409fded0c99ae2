"""Numerically safe special-function helpers shared by the models."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import hyp2f1

from retain.analytics.clv.fitting import FloatArray


def power_times_hyp2f1(
    power: ArrayLike, A: ArrayLike, B: ArrayLike, C: ArrayLike, z: ArrayLike
) -> FloatArray:
    """(1-z)^power * 2F1(A, B; C; z) for 0 <= z < 1, through whichever series stays bounded.

    When C - A - B > 0 the hypergeometric series converges at z = 1 (Gauss's theorem), so
    it is evaluated directly; otherwise Euler's transformation
        2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)
    gives a series with (C-A) + (C-B) < C, bounded on [0, 1), and the power absorbs the
    rest. Either way no inf * 0 arises: the BG/NBD and MBG/NBD expected purchases need
    this for large frequencies (the direct series overflows) and for large a (the
    transformed one does).
    """
    k, a, b, c, x = np.broadcast_arrays(
        *(np.asarray(value, dtype=np.float64) for value in (power, A, B, C, z))
    )
    log_one_minus_z = np.log1p(-x)
    direct = (c - a - b) > 0
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        direct_value = np.exp(k * log_one_minus_z) * hyp2f1(a, b, c, x)
        euler_value = np.exp((k + c - a - b) * log_one_minus_z) * hyp2f1(c - a, c - b, c, x)
    return np.asarray(np.where(direct, direct_value, euler_value), dtype=np.float64)


def log_sum_exp_rows(terms: FloatArray) -> FloatArray:
    """log(sum(exp(terms), axis=1)), finite-safe: a row of all -inf gives -inf, silently."""
    row_max = np.max(terms, axis=1)
    shift = np.where(np.isfinite(row_max), row_max, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(terms - shift[:, None]), axis=1)) + shift


def log1p_exp(values: FloatArray) -> FloatArray:
    """log(1 + exp(values)) without overflow (the softplus)."""
    return np.logaddexp(0.0, values)


def logistic(values: FloatArray) -> FloatArray:
    """1 / (1 + exp(-values)) without overflow."""
    return np.exp(-np.logaddexp(0.0, -values))
