"""Observations and churn labels for churn-risk prediction.

A churn-risk model learns from **observations**: one row per (client, observation day
``as_of``), the client's features computed from what was known before ``as_of``
(:mod:`retain.analytics.churn.features`) and a label saying whether it churned soon
after. This module makes both ends that are not features:

* :func:`observation_grid`: every client active on each of a regular series of days
  (every 7 days by default): who a score would have been given to on that day.
* :func:`label_observations`: whether each observed client churned within the horizon
  after ``as_of`` (30 days by default), and whether that is known yet.

Churn is the product's definition, the one :mod:`retain.analytics.measures` implements
and this module reuses rather than repeats (through :meth:`PreparedLines.tenures
<retain.analytics.measures.PreparedLines.tenures>`): a client churns when its revenue
stops and does not resume within ``grace_days`` (30 by default); the churn is dated on
its first day without revenue, ``d``, and is only certain once ``d + grace_days`` has
passed. For a subscription client that is "all its subscriptions have ended and none
starts again within 30 days".

``lines`` is the subscription lines frame of :mod:`retain.analytics.measures`
(``client_id, start_date, end_date, mrr``; other columns are ignored) or the
:class:`~retain.analytics.measures.PreparedLines` made of it. Everything is computed in
bulk (interval arithmetic and joins), never client by client: 100,000 clients observed
weekly for a year are about 5 million observations.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import polars as pl

from retain.analytics.measures import DEFAULT_GRACE_DAYS, PreparedLines, prepare_lines

__all__ = [
    "DEFAULT_EVERY_DAYS",
    "DEFAULT_HORIZON_DAYS",
    "label_observations",
    "observation_grid",
]

DEFAULT_EVERY_DAYS: Final = 7
"""Days between two observations of the same client (weekly scores)."""

DEFAULT_HORIZON_DAYS: Final = 30
"""Days after ``as_of`` within which a churn makes the observation positive."""


def _positive_int(name: str, value: int, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


def observation_grid(
    lines: pl.DataFrame | PreparedLines,
    *,
    first: date,
    last: date,
    every_days: int = DEFAULT_EVERY_DAYS,
) -> pl.DataFrame:
    """Every client active on each grid day: columns ``client_id, as_of`` (Date).

    The grid days are ``first, first + every_days, first + 2 * every_days, ...`` up to
    and including ``last``; a client is observed on a grid day ``g`` when it is active
    that day, ``mrr(c, g) > 0`` as :func:`retain.analytics.measures.active_clients`
    defines it. These are the moments a weekly churn-risk score would have been given,
    so the model learns from the same population it scores. Sorted by ``client_id``
    then ``as_of``; each pair once.

    Computed from the clients' stretches of active days (the tenures with no grace,
    disjoint by construction): a stretch ``[a, b]`` covers the grid indices
    ``ceil((a - first) / every_days) .. floor((b - first) / every_days)``, which are
    expanded in one step rather than day by day or client by client.
    """
    every = _positive_int("every_days", every_days, minimum=1)
    if last < first:
        raise ValueError(f"last ({last}) is before first ({first})")
    prepared = prepare_lines(lines)
    spells = prepared.tenures(grace_days=0)
    count = (last - first).days // every + 1  # grid days
    origin = pl.lit(first, dtype=pl.Date)
    start = (pl.col("first_active") - origin).dt.total_days()
    stop = (pl.col("last_active").fill_null(last) - origin).dt.total_days()
    # ceil(x / e) = -((-x) // e) with floor division (right for negative x too).
    low = (-((-start) // every)).clip(lower_bound=0)
    high = (stop // every).clip(upper_bound=count - 1)
    grid = (
        spells.select("client_id", low=low, high=high)
        .filter(pl.col("low") <= pl.col("high"))
        .select("client_id", step=pl.int_ranges("low", pl.col("high") + 1, dtype=pl.Int64))
        .explode("step")
    )
    return grid.select(
        "client_id",
        as_of=origin + pl.duration(days=pl.col("step") * every),
    )


def label_observations(
    observations: pl.DataFrame,
    lines: pl.DataFrame | PreparedLines,
    *,
    data_end: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> pl.DataFrame:
    """``observations`` (``client_id, as_of``, any other columns kept) with two Boolean
    columns added, in the same row order:

    * ``churned``: the client churns on some day ``d`` with
      ``as_of < d <= as_of + horizon_days``, a churn as
      :func:`retain.analytics.measures.churned_clients` dates it (the first day without
      revenue of a stop that lasts more than ``grace_days`` days). For each observation
      this is exactly ``client_id in churned_clients(lines, start=as_of + 1 day,
      end=as_of + horizon_days + 1 day, grace_days=grace_days)``.
    * ``label_known``: ``as_of + horizon_days + grace_days <= data_end``, where
      ``data_end`` is the last day the lines cover (lines starting after it are not in
      the data yet). A churn on the horizon's last day is only confirmed ``grace_days``
      later; before that a client without a later line counts as churned, as in the
      measures, but might still come back. Train and evaluate on known labels only; the
      others are the observations to score.

    Vectorised: the clients' churn days (one per ended tenure, from the measures'
    tenures for ``grace_days``) are joined to the observations by client and kept when
    they fall in the horizon. Observations of clients without lines are not churned.
    """
    horizon = _positive_int("horizon_days", horizon_days, minimum=1)
    grace = _positive_int("grace_days", grace_days, minimum=0)
    missing = [name for name in ("client_id", "as_of") if name not in observations.columns]
    if missing:
        raise ValueError(f"observations lack the column(s) {', '.join(missing)}")
    if observations.schema["as_of"] != pl.Date:
        raise ValueError("as_of must be a polars Date column")
    for name in ("churned", "label_known", "_row"):
        if name in observations.columns:
            raise ValueError(f"observations already have a column {name!r}")
    churns = (
        prepare_lines(lines)
        .tenures(grace_days=grace)
        .filter(pl.col("last_active").is_not_null())
        .select(
            pl.col("client_id").cast(observations.schema["client_id"]),
            churned_on=pl.col("last_active") + timedelta(days=1),
        )
    )
    rows = observations.with_row_index("_row")
    hits = (
        rows.select("_row", "client_id", "as_of")
        .join(churns, on="client_id", how="inner")
        .filter(
            (pl.col("churned_on") > pl.col("as_of"))
            & (pl.col("churned_on") <= pl.col("as_of") + timedelta(days=horizon))
        )
        .get_column("_row")
        .unique()
    )
    known_until = data_end - timedelta(days=horizon + grace)
    return rows.with_columns(
        churned=pl.col("_row").is_in(hits.implode()),
        label_known=pl.col("as_of") <= known_until,
    ).drop("_row")
