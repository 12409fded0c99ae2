"""What every CLV model's maximum-likelihood fit shares.

The models are fitted by maximising the log-likelihood over the logarithms of their
parameters (every parameter is positive, so the search is unconstrained and the
scales of r ~ 0.2 and alpha ~ 10 stop mattering) with L-BFGS-B and the analytical
gradient, chain-ruled into log-space: d LL / d log(theta) = theta * d LL / d theta.

The objective is the mean log-likelihood per customer, so the stopping tolerances mean
the same thing for 2,000 customers as for 1,000,000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol, Self

import numpy as np
import scipy.optimize
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# exp(+-30) keeps every parameter within 1e-13 .. 1e13 while the line search explores.
LOG_PARAMETER_BOUND = 30.0
# On the mean log-likelihood in log-parameters: tight enough that the published
# estimates come out to four significant figures.
GRADIENT_TOLERANCE = 1e-9
RELATIVE_TOLERANCE = 1e-14
MAX_ITERATIONS = 2_000


class Parameters(Protocol):
    """A model's positive parameters, convertible to and from a flat array."""

    @classmethod
    def names(cls) -> tuple[str, ...]: ...

    @classmethod
    def from_array(cls, values: ArrayLike) -> Self: ...

    def to_array(self) -> FloatArray: ...

    def as_dict(self) -> dict[str, float]: ...


@dataclass(frozen=True)
class PositiveParameters:
    """Base of each model's parameter dataclass: named positive floats, in the papers' order."""

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The parameter names, in the papers' order."""
        return tuple(field.name for field in fields(cls))

    @classmethod
    def from_array(cls, values: ArrayLike) -> Self:
        """The parameters from an array in ``names()`` order."""
        numbers: dict[str, Any] = {
            name: float(value)
            for name, value in zip(cls.names(), np.asarray(values, dtype=np.float64), strict=True)
        }
        return cls(**numbers)

    def to_array(self) -> FloatArray:
        """The parameters as an array in ``names()`` order."""
        return np.array([getattr(self, name) for name in self.names()], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        """The parameters by name, in ``names()`` order."""
        return {name: float(getattr(self, name)) for name in self.names()}


@dataclass(frozen=True)
class ModelFit[P: Parameters]:
    """A fitted model: its estimates and the maximised log-likelihood.

    ``n_customers`` counts the customers the likelihood was summed over (for
    Gamma-Gamma, the repeat buyers with a positive spend).
    """

    parameters: P
    log_likelihood: float
    n_customers: int
    iterations: int
    converged: bool


class FitFailed(ValueError):
    """The data cannot identify the model (for example: no repeat buyer at all)."""


def as_float_array(values: ArrayLike, name: str) -> FloatArray:
    """``values`` as a 1-d float64 array, refusing NaN and infinities."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has values that are not finite")
    return array


def maximise_log_likelihood(
    log_likelihood_and_gradient: Callable[[FloatArray], tuple[float, FloatArray]],
    initial: Sequence[float] | FloatArray,
    *,
    n_customers: float,
) -> tuple[FloatArray, float, int, bool]:
    """Maximise a log-likelihood over positive parameters with L-BFGS-B in log-space.

    ``log_likelihood_and_gradient(theta)`` returns the total log-likelihood and its
    gradient with respect to ``theta`` (natural scale). Returns the estimates, the
    maximised log-likelihood, the iteration count and whether L-BFGS-B converged.
    """
    scale = 1.0 / max(float(n_customers), 1.0)

    def objective(log_theta: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(log_theta)
        value, gradient = log_likelihood_and_gradient(theta)
        if not np.isfinite(value):
            # Tell the line search to step back rather than fail on NaN.
            return np.inf, np.zeros_like(log_theta)
        return -value * scale, -(gradient * theta) * scale

    start = np.log(np.asarray(initial, dtype=np.float64))
    bounds = [(-LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND)] * start.size
    result = scipy.optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={
            "gtol": GRADIENT_TOLERANCE,
            "ftol": RELATIVE_TOLERANCE,
            "maxiter": MAX_ITERATIONS,
            "maxcor": 20,
        },
    )
    theta = np.exp(result.x)
    value, _ = log_likelihood_and_gradient(theta)
    return theta, float(value), int(result.nit), bool(result.success)
