"""Churn-risk prediction: observations and labels (``labels``), features (``features``).

``labels`` makes the observations (every active client every 7 days) and their labels
(churned within the horizon, by the product's churn rule from
:mod:`retain.analytics.measures`); ``features`` computes, for each observation, what was
known before it, and describes each feature in plain language. Everything is computed
in bulk over polars frames and numpy arrays; nothing here imports Django.
"""

from retain.analytics.churn.features import (
    DEMO_DRIVERS,
    FEATURES,
    Feature,
    FeatureKind,
    build_features,
)
from retain.analytics.churn.labels import (
    DEFAULT_EVERY_DAYS,
    DEFAULT_HORIZON_DAYS,
    label_observations,
    observation_grid,
)

__all__ = [
    "DEFAULT_EVERY_DAYS",
    "DEFAULT_HORIZON_DAYS",
    "DEMO_DRIVERS",
    "FEATURES",
    "Feature",
    "FeatureKind",
    "build_features",
    "label_observations",
    "observation_grid",
]
