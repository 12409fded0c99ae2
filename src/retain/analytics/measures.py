"""Retention measures over subscription lines: who is active, who came, left and came
back, churn rates, gross and net revenue retention, month-by-month trends, cohort
triangles and revenue concentration.

Everything here is computed from the subscription lines Retain stores, one row per line::

    client_id   any integer or string type, not null
    start_date  Date, not null: the line's first day
    end_date    Date or null: the line's last day, inclusive; null means open-ended
    mrr         number >= 0 (int, float or decimal), not null

Conventions shared by every function (docs/metrics.md explains them to users):

* A client's **MRR on a day** is the sum of the ``mrr`` of its lines running that day:
  ``start_date <= day`` and (``end_date`` is null or ``end_date >= day``).
* A client is **active** on a day when its MRR that day is > 0. Zero-MRR lines (free
  pilots, paused seats) never make a client active. Because ``mrr >= 0`` this is the same
  as "at least one line with ``mrr > 0`` runs that day", which is what keeps the
  computations interval arithmetic rather than day-by-day loops.
* A **period** is half-open, ``[start, end)``: ``start`` is its first day, ``end`` the
  first day after it (the next month's 1st for a calendar month, the default). Its
  **opening** figures are those of the day before ``start`` (the previous period's last
  day), its **closing** figures those of ``end - 1``. So a client whose first line starts
  on ``start`` is new in the period and not part of its opening cohort, and the opening
  of one month is the closing of the one before.
* **Churn** (the product's definition): a client churns when it has no revenue for more
  than ``grace_days`` consecutive days (default 30). Its churn is dated on its first day
  without revenue (the day after its last active day). A client whose next line starts
  within the window (at most ``grace_days`` days without revenue) has not churned and is
  not reactivated; a client that comes back after a longer gap is **reactivated** on its
  first active day back. A churn is only certain once ``grace_days`` days have passed:
  for a period that ended less than that before the data were read, a client with no
  later line yet is counted as churned.

**Several measures over the same lines**: every function that takes ``lines`` takes
either the frame or the :class:`PreparedLines` that :func:`prepare_lines` makes of it.
Given a frame, each call checks the lines and converts their dates to day numbers, and
each period measure works out the clients' tenures (their stretches of revenue between
churns) again; given prepared lines, the checks are done once, and the tenures once per
grace window, then kept. The results are the same either way. A page showing several
figures over one set of lines prepares them once::

    prepared = prepare_lines(lines)
    trend = monthly_movements(prepared, first_month=..., last_month=...)
    churn = logo_churn(prepared, start=...)

The MRR movements (new, expansion, contraction, churn, reactivation) and the retention
formulas follow ChartMogul's definitions (references in docs/metrics.md and in each
docstring). Amounts are returned as floats (``mrr`` is cast to Float64).

Nothing here does I/O or imports Django: selectors turn querysets into frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from retain.analytics.calendar import add_months

__all__ = [
    "DEFAULT_GRACE_DAYS",
    "LINE_COLUMNS",
    "Concentration",
    "LogoChurn",
    "MrrChurn",
    "ParetoCurve",
    "PreparedLines",
    "RevenueRetention",
    "TopShare",
    "active_clients",
    "churned_clients",
    "client_movements",
    "client_mrr",
    "cohort_retention",
    "gini",
    "logo_churn",
    "monthly_movements",
    "monthly_periods",
    "mrr_churn",
    "new_clients",
    "pareto_curve",
    "prepare_lines",
    "reactivated_clients",
    "revenue_concentration",
    "revenue_retention",
    "top_share",
]

DEFAULT_GRACE_DAYS: Final = 30
"""Days a client may go without revenue and still not have churned (the product's rule)."""

LINE_COLUMNS: Final = ("client_id", "start_date", "end_date", "mrr")
"""The columns every function reads from the lines frame (others are ignored)."""

_EPOCH: Final = date(1970, 1, 1)
# An open-ended line's last day, as a day number: far past any real date, and far enough
# from the Int64 limit that adding a grace window cannot overflow.
_OPEN: Final = 2**40


# Results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogoChurn:
    """Logo churn over a period: of the clients active at its opening, how many churned."""

    clients_at_start: int
    churned: int

    @property
    def rate(self) -> float | None:
        """``churned / clients_at_start``; None when no client was active at the opening."""
        return self.churned / self.clients_at_start if self.clients_at_start else None


@dataclass(frozen=True, slots=True)
class MrrChurn:
    """MRR churn over a period: the opening MRR of the clients that churned in it."""

    mrr_at_start: float
    churned_mrr: float

    @property
    def rate(self) -> float | None:
        """``churned_mrr / mrr_at_start``; None when there was no MRR at the opening."""
        return self.churned_mrr / self.mrr_at_start if self.mrr_at_start else None


@dataclass(frozen=True, slots=True)
class RevenueRetention:
    """How the MRR of the clients active at a period's opening moved by its closing.

    ``start_mrr`` is their opening MRR; ``churned_mrr`` the opening MRR of those that
    churned in the period; ``expansion`` and ``contraction`` the net increases and
    decreases, client by client, of the others between opening and closing. New and
    reactivated clients' revenue is left out.
    """

    start_mrr: float
    expansion: float
    contraction: float
    churned_mrr: float

    @property
    def retained_mrr(self) -> float:
        """``start_mrr + expansion - contraction - churned_mrr``: the cohort's closing MRR."""
        return self.start_mrr + self.expansion - self.contraction - self.churned_mrr

    @property
    def grr(self) -> float | None:
        """Gross revenue retention, ``(start - contraction - churned) / start``, in [0, 1]."""
        if not self.start_mrr:
            return None
        return (self.start_mrr - self.contraction - self.churned_mrr) / self.start_mrr

    @property
    def nrr(self) -> float | None:
        """Net revenue retention, ``(start + expansion - contraction - churned) / start``."""
        return self.retained_mrr / self.start_mrr if self.start_mrr else None


@dataclass(frozen=True, slots=True)
class TopShare:
    """The share of revenue from the ``top_clients`` largest of ``clients`` values."""

    fraction: float
    clients: int
    top_clients: int
    top_revenue: float
    total_revenue: float

    @property
    def share(self) -> float | None:
        """``top_revenue / total_revenue``; None when the total is zero (or no clients)."""
        return self.top_revenue / self.total_revenue if self.total_revenue else None


@dataclass(frozen=True, slots=True, eq=False)
class ParetoCurve:
    """The Pareto curve: the top ``client_share[i]`` of clients earn ``revenue_share[i]``
    of the revenue. Two read-only arrays of the same length, both from 0 to 1."""

    client_share: npt.NDArray[np.float64]
    revenue_share: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Concentration:
    """Revenue concentration among the clients active on a day."""

    top: TopShare
    gini: float | None


# Input -----------------------------------------------------------------------------


def _day(value: date) -> int:
    """A date as a day number (days since 1970-01-01, as polars stores Date)."""
    return (value - _EPOCH).days


def _prepare(lines: pl.DataFrame) -> pl.DataFrame:
    """Check the lines and turn them into ``client_id, start, end, mrr`` with day numbers.

    ``end`` of an open-ended line is ``_OPEN``. Raises ValueError (TypeError for a wrong
    type) rather than guessing: the database has the same constraints, so a violation
    means a caller bug.
    """
    if not isinstance(lines, pl.DataFrame):
        raise TypeError(
            f"lines must be a polars DataFrame or PreparedLines, not {type(lines).__name__}"
        )
    missing = [name for name in LINE_COLUMNS if name not in lines.columns]
    if missing:
        raise ValueError(f"lines lack the column(s) {', '.join(missing)}")
    schema = lines.schema
    if schema["start_date"] != pl.Date or schema["end_date"] not in (pl.Date, pl.Null):
        raise ValueError("start_date and end_date must be polars Date columns")
    if not schema["mrr"].is_numeric():
        raise ValueError(f"mrr must be numeric, not {schema['mrr']}")
    frame = lines.select(
        pl.col("client_id"),
        pl.col("start_date").cast(pl.Int64).alias("start"),
        pl.col("end_date").cast(pl.Date).cast(pl.Int64).fill_null(_OPEN).alias("end"),
        pl.col("mrr").cast(pl.Float64),
    )
    problems = frame.select(
        nulls=pl.any_horizontal(pl.col("client_id", "start", "mrr").is_null()).sum(),
        bad_mrr=(~pl.col("mrr").is_finite() | (pl.col("mrr") < 0)).sum(),
        backwards=(pl.col("end") < pl.col("start")).sum(),
    ).row(0, named=True)
    if problems["nulls"]:
        raise ValueError(f"{problems['nulls']} line(s) lack a client_id, start_date or mrr")
    if problems["bad_mrr"]:
        raise ValueError(f"{problems['bad_mrr']} line(s) have a negative or non-finite mrr")
    if problems["backwards"]:
        raise ValueError(f"{problems['backwards']} line(s) end before they start")
    return frame


def _period(start: date, end: date | None) -> tuple[int, int]:
    """``[start, end)`` as day numbers; ``end`` defaults to the next month's first day."""
    if end is None:
        if start.day != 1:
            raise ValueError("without an end, start must be a month's first day")
        end = add_months(start, 1)
    if end <= start:
        raise ValueError(f"the period must end after it starts ({start} .. {end})")
    return _day(start), _day(end)


def _check_grace(grace_days: int) -> int:
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValueError(f"grace_days must be an integer >= 0, not {grace_days!r}")
    return grace_days


# Building blocks ---------------------------------------------------------------------


def _mrr_on(frame: pl.DataFrame, day: int, name: str = "mrr") -> pl.DataFrame:
    """``client_id, <name>``: each client active on ``day`` with its MRR that day."""
    return (
        frame.filter((pl.col("mrr") > 0) & (pl.col("start") <= day) & (pl.col("end") >= day))
        .group_by("client_id")
        .agg(pl.col("mrr").sum().alias(name))
    )


def _tenures(frame: pl.DataFrame, grace_days: int) -> pl.DataFrame:
    """``client_id, initial, first, last``: each client's tenures, one row each.

    A tenure is a maximal stretch of days from an active day to an active day with no
    more than ``grace_days`` consecutive days without revenue inside it; ``first`` and
    ``last`` are its first and last active days (``last`` is ``_OPEN`` when it is still
    running) and ``initial`` marks the client's first tenure. With ``grace_days=0``
    tenures are the plain stretches of active days. Rows are sorted by ``client_id``,
    then ``first`` (:func:`monthly_movements` relies on it).

    One pass over the positive lines sorted by client and start: a line opens a new tenure
    when it is the client's first or starts more than ``grace_days + 1`` days after the
    furthest end of the client's earlier lines (the days strictly between are the days
    without revenue). The furthest end is a running maximum that must restart at each
    client; rather than a window per client (slow with 100,000 small groups), each day is
    offset by ``client rank * width``, with ``width`` wider than any day span, so that
    one running maximum over the whole column never carries a value across clients.
    """
    positive = frame.filter(pl.col("mrr") > 0).sort("client_id", "start")
    if positive.is_empty():
        return pl.DataFrame(
            schema={
                "client_id": frame.schema["client_id"],
                "initial": pl.Boolean,
                "first": pl.Int64,
                "last": pl.Int64,
            }
        )
    bounds = positive.select(
        low=pl.col("start").min(),
        high=pl.max_horizontal(
            pl.col("start").max(), pl.col("end").filter(pl.col("end") < _OPEN).max()
        ),
    ).row(0, named=True)
    low = int(bounds["low"])
    # An open end only needs to reach past every start, grace included.
    cap = int(bounds["high"]) - low + grace_days + 2
    width = cap + 1
    if width * (positive.height + 1) >= 2**62:
        raise ValueError("the lines' dates span too wide a range for this grace window")
    rank = pl.col("client_id").rle_id().cast(pl.Int64)
    offset = rank * width - low
    reach = (pl.min_horizontal(pl.col("end") - low, cap) + rank * width).cum_max()
    initial = rank != rank.shift(1, fill_value=-1)
    opens = initial | (pl.col("start") + offset > reach.shift(1) + 1 + grace_days)
    marked = positive.with_columns(initial=initial, opens=opens, reach=reach - offset).with_columns(
        closes=pl.col("opens").shift(-1, fill_value=True)
    )
    # Tenures are runs of consecutive rows: each opens on a row marked ``opens`` (whose
    # start is the tenure's first day) and closes on the row before the next such row
    # (where the running maximum is its last day).
    openings = marked.filter("opens").select("client_id", "initial", first="start")
    closings = marked.filter("closes").select(
        last=pl.when(pl.col("reach") >= low + cap).then(pl.lit(_OPEN)).otherwise(pl.col("reach"))
    )
    return pl.concat([openings, closings], how="horizontal")


def _sorted_ids(frame: pl.DataFrame) -> pl.Series:
    return frame.get_column("client_id").unique().sort()


# Prepared lines ------------------------------------------------------------------------


class PreparedLines:
    """Subscription lines checked once, to compute several measures over the same lines.

    Made by :func:`prepare_lines`. Every function here that takes ``lines`` accepts one in
    place of the frame, and then neither checks nor converts the lines again, and reuses
    the clients' tenures (the stretches of revenue between churns, which every period
    measure starts from): they are computed the first time a ``grace_days`` asks for them
    and kept for the next call with the same window. A page that shows several figures
    over the same 150,000 lines pays for the checks once and for the tenures once per
    window. Read-only; the lines it holds do not change (polars frames are immutable), so
    sharing one between threads is safe: two threads asking for a window not yet kept may
    both compute it, and get the same answer.
    """

    __slots__ = ("_frame", "_tenures")

    _frame: pl.DataFrame
    _tenures: dict[int, pl.DataFrame]

    def __init__(self, lines: pl.DataFrame) -> None:
        """Check ``lines`` as every measure would (raising ValueError or TypeError)."""
        object.__setattr__(self, "_frame", _prepare(lines))
        object.__setattr__(self, "_tenures", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"PreparedLines is read-only: cannot set {name}")

    def __repr__(self) -> str:
        return f"PreparedLines({self._frame.height} lines)"

    @property
    def height(self) -> int:
        """The number of lines."""
        return self._frame.height

    def _tenures_for(self, grace_days: int) -> pl.DataFrame:
        """:func:`_tenures` of the lines for ``grace_days``, computed once per window."""
        grace = _check_grace(grace_days)
        tenures = self._tenures.get(grace)
        if tenures is None:
            tenures = self._tenures[grace] = _tenures(self._frame, grace)
        return tenures

    def tenures(self, grace_days: int = DEFAULT_GRACE_DAYS) -> pl.DataFrame:
        """Each client's tenures: ``client_id, initial, first_active, last_active``.

        A tenure is a stretch of revenue between churns (see the module docstring): it
        runs from ``first_active``, its first day with revenue, to ``last_active``, its
        last (Date; null while it is still running, on an open-ended line), and the
        client **churns** on ``last_active + 1``, the first day without revenue, the
        churn :func:`churned_clients` counts. ``initial`` marks the client's first
        tenure (a later one is a reactivation). With ``grace_days=0`` the tenures are
        the plain stretches of active days. One row per tenure, sorted by ``client_id``
        then ``first_active``. The same tenures every period measure starts from, for
        callers that need churn dates themselves (churn-risk labels, for one), so that
        they do not re-implement the grace window.
        """
        return self._tenures_for(grace_days).select(
            "client_id",
            "initial",
            pl.col("first").cast(pl.Date).alias("first_active"),
            pl.when(pl.col("last") < _OPEN).then(pl.col("last")).cast(pl.Date).alias("last_active"),
        )


def prepare_lines(lines: pl.DataFrame | PreparedLines) -> PreparedLines:
    """Check ``lines`` once for several measures: pass the result in their place.

    ``prepare_lines(lines)`` raises what any measure would on the same frame (ValueError
    for a missing column, a null, a negative or non-finite ``mrr``, a line ending before
    it starts; TypeError for something not a frame). Each measure then gives exactly what
    it gives on the frame itself, without checking the lines again and with the tenures
    of each grace window computed once (see :class:`PreparedLines`). Prepared lines are
    returned as they are.
    """
    return lines if isinstance(lines, PreparedLines) else PreparedLines(lines)


# Clients -----------------------------------------------------------------------------


def client_mrr(lines: pl.DataFrame | PreparedLines, *, on: date) -> pl.DataFrame:
    """Each client active on ``on`` with its MRR that day: columns ``client_id, mrr``.

    ``mrr(c, d) = sum(line.mrr for c's lines with start_date <= d and (end_date is null
    or end_date >= d))``; a client is listed when that is > 0. Sorted by ``client_id``.
    The MRR every other measure starts from: ChartMogul's MRR movements are changes in it
    (https://help.chartmogul.com/hc/en-us/articles/203299912).
    """
    return _mrr_on(prepare_lines(lines)._frame, _day(on)).sort("client_id")


def active_clients(lines: pl.DataFrame | PreparedLines, *, on: date) -> pl.Series:
    """The clients active on ``on`` (MRR that day > 0), sorted.

    ``active(d) = {c : mrr(c, d) > 0}``. A client with only zero-MRR lines is never
    active. ChartMogul counts a customer while it has an active subscription
    (https://help.chartmogul.com/hc/en-us/articles/203299912).
    """
    return _sorted_ids(_mrr_on(prepare_lines(lines)._frame, _day(on)))


def new_clients(
    lines: pl.DataFrame | PreparedLines, *, start: date, end: date | None = None
) -> pl.Series:
    """The clients whose first active day ever falls in ``[start, end)``, sorted.

    ``new = {c : start <= min{d : mrr(c, d) > 0} < end}``: ChartMogul's New Business, "the
    moment a lead converts into a paid customer for the first time"
    (https://help.chartmogul.com/hc/en-us/articles/203299912). A client whose zero-MRR
    pilot line started earlier is new when its first paid line starts.
    """
    first, stop = _period(start, end)
    tenures = prepare_lines(lines)._tenures_for(0)
    return _sorted_ids(
        tenures.filter(pl.col("initial") & pl.col("first").is_between(first, stop - 1))
    )


def churned_clients(
    lines: pl.DataFrame | PreparedLines,
    *,
    start: date,
    end: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> pl.Series:
    """The clients that churned in ``[start, end)``, sorted.

    A client churns on day ``d`` when it was active on ``d - 1`` and has no revenue on any
    of ``d, d + 1, ..., d + grace_days``; the client is listed when some such ``d`` falls
    in the period. A client that leaves and comes back within the window is not listed;
    one that churned and was reactivated in the same period is (and is also in
    :func:`reactivated_clients`). Counts clients, not churn events. Unlike the numerator
    of :func:`logo_churn`, this includes clients that were not active at the opening.
    ChartMogul: a customer churns only when no other subscription is active
    (https://help.chartmogul.com/hc/en-us/articles/203299912).
    """
    first, stop = _period(start, end)
    tenures = prepare_lines(lines)._tenures_for(grace_days)
    return _sorted_ids(tenures.filter((pl.col("last") + 1).is_between(first, stop - 1)))


def reactivated_clients(
    lines: pl.DataFrame | PreparedLines,
    *,
    start: date,
    end: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> pl.Series:
    """The clients that came back in ``[start, end)`` after having churned, sorted.

    A client is reactivated on day ``d`` when it is active on ``d``, had been active
    before, and had no revenue on any of ``d - grace_days - 1, ..., d - 1``: it had
    churned. A client back within the grace window was never churned and is not listed.
    ChartMogul's Reactivation: "a previously paying customer that had churned moves back
    onto a paid plan" (https://help.chartmogul.com/hc/en-us/articles/203299912).
    """
    first, stop = _period(start, end)
    tenures = prepare_lines(lines)._tenures_for(grace_days)
    return _sorted_ids(
        tenures.filter(~pl.col("initial") & pl.col("first").is_between(first, stop - 1))
    )


def client_movements(
    lines: pl.DataFrame | PreparedLines,
    *,
    start: date,
    end: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> pl.DataFrame:
    """One row per client that was active at the opening or closing of ``[start, end)``
    or came, churned or came back in it: the drill-down behind the period measures.

    Columns, sorted by ``client_id``:

    * ``mrr_at_start``, ``mrr_at_end``: MRR on ``start - 1`` and on ``end - 1`` (0 when
      inactive);
    * ``new``, ``reactivated``, ``churned``: as :func:`new_clients`,
      :func:`reactivated_clients` and :func:`churned_clients`;
    * for the clients active at the opening (``mrr_at_start > 0``), ChartMogul's movements
      netted over the period (https://help.chartmogul.com/hc/en-us/articles/6886621218332):
      ``churned_mrr = mrr_at_start`` if the client churned in the period, else
      ``expansion = max(mrr_at_end - mrr_at_start, 0)`` and
      ``contraction = max(mrr_at_start - mrr_at_end, 0)``; 0 otherwise and for everyone
      else. A client inside its grace window at the closing has not churned: its drop to
      0 is contraction (and its return, expansion in a later period). The revenue a
      churned client brings back by reactivating in the same period is not counted.
    """
    first, stop = _period(start, end)
    prepared = prepare_lines(lines)
    frame, tenures = prepared._frame, prepared._tenures_for(grace_days)
    in_period = pl.col("first").is_between(first, stop - 1)
    events = (
        tenures.group_by("client_id")
        .agg(
            new=(pl.col("initial") & in_period).any(),
            reactivated=(~pl.col("initial") & in_period).any(),
            churned=(pl.col("last") + 1).is_between(first, stop - 1).any(),
        )
        .filter(pl.col("new") | pl.col("reactivated") | pl.col("churned"))
    )
    opening = _mrr_on(frame, first - 1, "mrr_at_start")
    closing = _mrr_on(frame, stop - 1, "mrr_at_end")
    flags = ("new", "reactivated", "churned")
    movements = (
        opening.join(closing, on="client_id", how="full", coalesce=True)
        .join(events, on="client_id", how="full", coalesce=True)
        .with_columns(
            pl.col("mrr_at_start", "mrr_at_end").fill_null(0.0),
            pl.col(*flags).fill_null(False),
        )
    )
    cohort = pl.col("mrr_at_start") > 0
    stayed = cohort & ~pl.col("churned")
    change = pl.col("mrr_at_end") - pl.col("mrr_at_start")
    return movements.select(
        "client_id",
        "mrr_at_start",
        "mrr_at_end",
        *flags,
        expansion=pl.when(stayed & (change > 0)).then(change).otherwise(0.0),
        contraction=pl.when(stayed & (change < 0)).then(-change).otherwise(0.0),
        churned_mrr=pl.when(cohort & pl.col("churned")).then("mrr_at_start").otherwise(0.0),
    ).sort("client_id")


# Rates -------------------------------------------------------------------------------


def logo_churn(
    lines: pl.DataFrame | PreparedLines,
    *,
    start: date,
    end: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> LogoChurn:
    """Logo (customer) churn over ``[start, end)``.

    ``rate = |{c active at the opening that churned in the period}| / |{c active at the
    opening}|``, the opening being ``start - 1``. Clients that came and left within the
    period are not in the numerator, so the rate stays in [0, 1] and is the complement of
    the logo retention of the opening cohort. ChartMogul's Customer Churn Rate (Standard
    formula: churned customers over customers at the start of the period,
    https://help.chartmogul.com/hc/en-us/articles/207340419).
    """
    movements = client_movements(lines, start=start, end=end, grace_days=grace_days)
    cohort = movements.filter(pl.col("mrr_at_start") > 0)
    return LogoChurn(
        clients_at_start=cohort.height,
        churned=int(cohort.get_column("churned").sum()),
    )


def mrr_churn(
    lines: pl.DataFrame | PreparedLines,
    *,
    start: date,
    end: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> MrrChurn:
    """MRR churn over ``[start, end)``: revenue lost with the clients that left.

    ``rate = sum(mrr(c, start - 1) for c active at the opening that churned in the
    period) / sum(mrr(c, start - 1) for all c)``. Contraction from clients who stay is
    not churn here (see :func:`revenue_retention` for it). ChartMogul's Churn MRR over MRR
    at the start of the period, Standard (B2B) formula
    (https://help.chartmogul.com/hc/en-us/articles/203359341).
    """
    movements = client_movements(lines, start=start, end=end, grace_days=grace_days)
    return MrrChurn(
        mrr_at_start=float(movements.get_column("mrr_at_start").sum()),
        churned_mrr=float(movements.get_column("churned_mrr").sum()),
    )


def revenue_retention(
    lines: pl.DataFrame | PreparedLines,
    *,
    start: date,
    end: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> RevenueRetention:
    """Gross and net revenue retention (GRR, NRR) of the clients active at the opening.

    With the movements of :func:`client_movements` summed over the opening cohort::

        GRR = (start MRR - contraction - churned MRR) / start MRR          (<= 1)
        NRR = (start MRR + expansion - contraction - churned MRR) / start MRR

    New clients and reactivations are excluded. GRR cannot exceed 100% by construction:
    expansion never enters it, and each client's contraction is at most its opening MRR.
    ChartMogul, Gross MRR Retention
    (https://help.chartmogul.com/hc/en-us/articles/6886621218332) and Net MRR Retention
    (https://help.chartmogul.com/hc/en-us/articles/6886664393500).
    """
    movements = client_movements(lines, start=start, end=end, grace_days=grace_days)
    sums = movements.select(
        pl.col("mrr_at_start", "expansion", "contraction", "churned_mrr").sum()
    ).row(0)
    return RevenueRetention(
        start_mrr=float(sums[0]),
        expansion=float(sums[1]),
        contraction=float(sums[2]),
        churned_mrr=float(sums[3]),
    )


# Trends --------------------------------------------------------------------------------


def monthly_movements(
    lines: pl.DataFrame | PreparedLines,
    *,
    first_month: date,
    last_month: date,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> pl.DataFrame:
    """The period figures month by month: one row per calendar month from
    ``first_month``'s to ``last_month``'s, sorted, for a trend chart.

    Each row is what :func:`client_movements` gives for that month (``start`` the
    month's 1st, ``end`` the next month's), summed over its clients::

        clients_at_start    = |{c : mrr(c, start - 1) > 0}|       clients_at_end: on end - 1
        new, reactivated, churned = |new_clients|, |reactivated_clients|, |churned_clients|
        churned_from_start  = |{c : mrr(c, start - 1) > 0, c churned in the month}|
        mrr_at_start        = sum(mrr(c, start - 1))               mrr_at_end: on end - 1
        expansion, contraction, churned_mrr = the sums of client_movements' columns

    so ``churned_from_start / clients_at_start`` is the month's :func:`logo_churn` rate,
    ``churned_mrr / mrr_at_start`` its :func:`mrr_churn` rate and
    ``(mrr_at_start + expansion - contraction - churned_mrr) / mrr_at_start`` its NRR
    (:func:`revenue_retention`). A month's opening is the previous month's closing:
    ``clients_at_start`` and ``mrr_at_start`` of each row are ``clients_at_end`` and
    ``mrr_at_end`` of the row before. Columns ``month`` (Date, the 1st), the counts as
    Int64 and the amounts as Float64. ChartMogul's MRR movements chart, month by month
    (https://help.chartmogul.com/hc/en-us/articles/203299912).

    Computed for all months at once rather than by one :func:`client_movements` per
    month: the tenures once, each client's MRR on each of the ``months + 1`` month
    boundaries with a difference array over (boundary, client) (a line running on
    boundaries ``a .. b - 1`` adds its MRR at ``a`` and takes it off at ``b``; a running
    sum along the boundaries gives the MRR on each, and a count of running lines,
    kept the same way in integers, says exactly who is active), and the month of each
    tenure's first day and of the day after its last by binary search over the month
    starts. 36 months of 100,000 clients take about one and a half single-month
    :func:`client_movements` calls, and about 15 bytes per client and month of memory
    while they run.
    """
    months = [month for month, _ in monthly_periods(first_month, last_month)]
    if not months:
        raise ValueError(f"last_month {last_month} is before first_month {first_month}")
    count = len(months)
    prepared = prepare_lines(lines)
    tenures = prepared._tenures_for(grace_days)
    # starts[j] is month j's first day and starts[count] the day after the last month;
    # boundary j, the day before starts[j], is month j's opening and month j - 1's closing.
    starts = np.array([_day(m) for m in [*months, add_months(months[-1], 1)]], dtype=np.int64)

    # Clients are numbered by their rank among the clients with a paid line: the same
    # numbers in the lines and in the tenures, which are built from those lines.
    positive = prepared._frame.filter(pl.col("mrr") > 0)
    rank = pl.col("client_id").rank("dense").cast(pl.Int64) - 1
    line_client = positive.select(rank).to_series().to_numpy()
    clients = int(line_client.max()) + 1 if line_client.size else 0

    # Every client's MRR on every boundary, one row per boundary and a column per client:
    # a line running on boundaries a .. b - 1 adds its MRR in row a and takes it off in
    # row b (nowhere when it runs past the last boundary), and running sums down the
    # rows give the MRR on each boundary. A count of running lines, kept the same way in
    # integers, says exactly who is active: the sums of amounts can leave a residue such
    # as 1e-17 once all of a client's lines have ended. The running sums go row by row,
    # each step one addition over all clients: numpy's cumsum down the rows of this
    # matrix is several times slower.
    a = np.searchsorted(starts - 1, positive.get_column("start").to_numpy(), side="left")
    b = np.searchsorted(starts - 1, positive.get_column("end").to_numpy(), side="right")
    line_mrr = positive.get_column("mrr").to_numpy()
    runs, ends = a < b, (a < b) & (b <= count)
    on = a[runs] * clients + line_client[runs]
    off = b[ends] * clients + line_client[ends]
    running = np.zeros((count + 1, clients), dtype=np.int32)
    np.add.at(running.reshape(-1), on, np.ones(on.size, dtype=np.int32))
    np.subtract.at(running.reshape(-1), off, np.ones(off.size, dtype=np.int32))
    mrr = np.zeros((count + 1, clients))
    np.add.at(mrr.reshape(-1), on, line_mrr[runs])
    np.subtract.at(mrr.reshape(-1), off, line_mrr[ends])
    for row in range(1, count + 1):
        np.add(running[row], running[row - 1], out=running[row])
        np.add(mrr[row], mrr[row - 1], out=mrr[row])
    active = running > 0
    np.multiply(mrr, active, out=mrr)

    # The months of the tenures' first days and of the days after their last (their
    # churns). Tenures come sorted by client and first day, so a client's months are in
    # order and one client-month is counted once by comparing each with the one before.
    tenure_client = tenures.select(rank).to_series().to_numpy()
    initial = tenures.get_column("initial").to_numpy()
    came = np.searchsorted(starts, tenures.get_column("first").to_numpy(), side="right") - 1
    left = np.searchsorted(starts, tenures.get_column("last").to_numpy() + 1, side="right") - 1

    def each_month(
        month: npt.NDArray[np.intp], where: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
        """(client, month) of the tenures ``where``, in range, each pair once."""
        where = where & (month >= 0) & (month < count)
        client, month = tenure_client[where], month[where]
        once = np.ones(client.size, dtype=np.bool_)
        once[1:] = (client[1:] != client[:-1]) | (month[1:] != month[:-1])
        return client[once], month[once]

    _, new_month = each_month(came, initial)
    _, back_month = each_month(came, ~initial)
    gone, gone_month = each_month(left, np.ones(initial.size, dtype=np.bool_))
    churned = np.zeros((count, clients), dtype=np.bool_)
    churned[gone_month, gone] = True
    from_start = active[gone_month, gone]

    # Expansion and contraction: the net change over the month of each client of its
    # opening that did not churn in it. It is nonzero only where one of the client's
    # lines starts or stops running on the month's closing, so only those places (each
    # once) are looked at.
    moved = np.zeros((count, clients), dtype=np.bool_)
    for events in (on, off):
        moved.reshape(-1)[events[events >= clients] - clients] = True
    moved_month, moved_client = np.nonzero(moved)
    stayed = active[moved_month, moved_client] & ~churned[moved_month, moved_client]
    moved_month, moved_client = moved_month[stayed], moved_client[stayed]
    delta = mrr[moved_month + 1, moved_client] - mrr[moved_month, moved_client]

    counts = {
        "clients_at_start": np.count_nonzero(active[:count], axis=1),
        "clients_at_end": np.count_nonzero(active[1:], axis=1),
        "new": np.bincount(new_month, minlength=count),
        "reactivated": np.bincount(back_month, minlength=count),
        "churned": np.bincount(gone_month, minlength=count),
        "churned_from_start": np.bincount(gone_month[from_start], minlength=count),
    }
    amounts = {
        "mrr_at_start": mrr[:count].sum(axis=1),
        "mrr_at_end": mrr[1:].sum(axis=1),
        "expansion": np.bincount(moved_month, weights=np.maximum(delta, 0.0), minlength=count),
        "contraction": np.bincount(moved_month, weights=np.maximum(-delta, 0.0), minlength=count),
        "churned_mrr": np.bincount(gone_month, weights=mrr[gone_month, gone], minlength=count),
    }
    return pl.DataFrame(
        {
            "month": pl.Series(months, dtype=pl.Date),
            **{name: pl.Series(value, dtype=pl.Int64) for name, value in counts.items()},
            **{name: pl.Series(value, dtype=pl.Float64) for name, value in amounts.items()},
        }
    )


# Cohorts -----------------------------------------------------------------------------


def monthly_periods(first: date, last: date) -> list[tuple[date, date]]:
    """``[(start, end), ...]`` for each calendar month from ``first``'s to ``last``'s.

    Each is half-open (``end`` is the next month's 1st), ready for the period measures.
    """
    periods, month = [], first.replace(day=1)
    while month <= last:
        following = add_months(month, 1)
        periods.append((month, following))
        month = following
    return periods


def cohort_retention(
    lines: pl.DataFrame | PreparedLines, *, first_month: date, last_month: date
) -> pl.DataFrame:
    """Cohort retention triangle by start month, in logos and in revenue.

    A client's cohort is the calendar month of its first active day ever; cohorts from
    ``first_month``'s month to ``last_month``'s are followed up to ``last_month``'s end.
    For cohort ``m`` and ``k = 0, 1, ...`` months since start, measured on the last day
    ``d`` of month ``m + k``::

        clients       = |{c in cohort : mrr(c, d) > 0}|
        clients_share = clients / cohort size
        mrr           = sum(mrr(c, d) for c in cohort)
        mrr_share     = mrr / sum(mrr(c, first active day of c) for c in cohort)

    Returns a long frame, one row per (cohort, months_since_start), columns ``cohort``
    (Date, a month's 1st), ``months_since_start``, ``cohort_clients``, ``clients``,
    ``clients_share``, ``cohort_mrr``, ``mrr``, ``mrr_share``, sorted by cohort then
    months; cohorts without clients are left out. Offset 0 is the cohort month's own
    end, so a client that came and left within it is in the size but not in ``clients``.
    Clients back after churning count again (``mrr_share`` may exceed 1). Months that
    have not ended yet are measured on their last day all the same: pass only closed
    months. ChartMogul, Cohort analysis and Net MRR Retention cohorts
    (https://help.chartmogul.com/hc/en-us/articles/213789989,
    https://help.chartmogul.com/hc/en-us/articles/203359411).
    """
    months = [month for month, _ in monthly_periods(first_month, last_month)]
    if not months:
        raise ValueError(f"last_month {last_month} is before first_month {first_month}")
    count = len(months)
    month_starts = np.array([_day(month) for month in months], dtype=np.int64)
    month_ends = np.array([_day(add_months(month, 1)) - 1 for month in months], dtype=np.int64)

    prepared = prepare_lines(lines)
    frame = prepared._frame.filter(pl.col("mrr") > 0)
    spells = prepared._tenures_for(0)
    cohorts = (
        spells.group_by("client_id")
        .agg(first_active=pl.col("first").min())
        .filter(pl.col("first_active").is_between(int(month_starts[0]), int(month_ends[-1])))
    )
    cohorts = cohorts.with_columns(
        cohort=pl.Series(
            np.searchsorted(month_starts, cohorts.get_column("first_active"), side="right") - 1,
            dtype=pl.Int64,
        )
    )
    # Interval -> month-end indices [a, b] it covers, added to a per-cohort difference
    # array whose running sum over months gives the value at each month's end.
    width = count + 1

    def per_cohort(data: pl.DataFrame, weight: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        starts = data.get_column("from").to_numpy()
        stops = data.get_column("to").to_numpy()
        cohort = data.get_column("cohort").to_numpy()
        a = np.searchsorted(month_ends, starts, side="left")
        b = np.searchsorted(month_ends, stops, side="right")  # one past the last covered
        keep = a < b
        diff = np.bincount(
            np.concatenate([cohort[keep] * width + a[keep], cohort[keep] * width + b[keep]]),
            weights=np.concatenate([weight[keep], -weight[keep]]),
            minlength=count * width,
        ).reshape(count, width)
        return np.cumsum(diff, axis=1)[:, :count]

    cohort_of = cohorts.select("client_id", "cohort")
    client_spells = spells.join(cohort_of, on="client_id").rename({"first": "from", "last": "to"})
    client_lines = frame.join(cohort_of, on="client_id").rename({"start": "from", "end": "to"})
    active = per_cohort(client_spells, np.ones(client_spells.height))
    revenue = per_cohort(client_lines, client_lines.get_column("mrr").to_numpy())
    active = np.rint(active).astype(np.int64)
    revenue = np.where(active == 0, 0.0, revenue)  # no residue of +x-x where none is left

    starting = (
        frame.join(cohorts, on="client_id")
        .filter(pl.col("start") == pl.col("first_active"))
        .group_by("cohort")
        .agg(pl.col("mrr").sum())
    )
    size = np.bincount(cohorts.get_column("cohort").to_numpy(), minlength=count)
    start_mrr = np.zeros(count)
    start_mrr[starting.get_column("cohort").to_numpy()] = starting.get_column("mrr").to_numpy()

    row, column = np.nonzero(np.triu(np.ones((count, count), dtype=bool)) & (size > 0)[:, None])
    return pl.DataFrame(
        {
            "cohort": [months[i] for i in row],
            "months_since_start": (column - row).astype(np.int64),
            "cohort_clients": size[row].astype(np.int64),
            "clients": active[row, column],
            "clients_share": active[row, column] / size[row],
            "cohort_mrr": start_mrr[row],
            "mrr": revenue[row, column],
            "mrr_share": revenue[row, column] / start_mrr[row],
        },
        schema_overrides={"cohort": pl.Date},
    )


# Concentration -----------------------------------------------------------------------


def _revenues(values: npt.ArrayLike | pl.Series) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError("values must be one-dimensional: one revenue per client")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError("values must be finite and >= 0")
    return array


def top_share(values: npt.ArrayLike | pl.Series, *, fraction: float = 0.2) -> TopShare:
    """The share of total revenue earned from the top ``fraction`` of clients.

    ``values`` holds one revenue per client (zeros count as clients). With ``n`` clients
    the top group has ``k = ceil(fraction * n)`` clients, ``fraction`` read as the decimal
    it is written as (so 0.7 of 10 is 7, not 8 as 0.7 * 10 in floating point would give),
    hence at least one client when there is any: "top 20% of 7 clients" is the top 2.
    ``share = (sum of the k largest values) / (sum of all values)``. Ties at the cut do
    not matter: whichever of the tied clients is counted, the k largest values, and so
    the share, are the same. The "top 20%" side of the Pareto (80/20) rule.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    array = _revenues(values)
    clients = int(array.size)
    top_clients = math.ceil(Fraction(repr(float(fraction))) * clients)
    ordered = np.sort(array)[::-1]
    return TopShare(
        fraction=fraction,
        clients=clients,
        top_clients=top_clients,
        top_revenue=float(ordered[:top_clients].sum()),
        total_revenue=float(array.sum()),
    )


def pareto_curve(values: npt.ArrayLike | pl.Series, *, points: int = 101) -> ParetoCurve | None:
    """The Pareto curve of the revenues in ``values`` (one per client, zeros count as
    clients): the share of revenue the top ``s`` of clients earn, for ``points`` client
    shares ``s`` evenly spaced from 0 to 1 (every percent by default).

    With the ``n`` values sorted decreasing, ``v_(1) >= ... >= v_(n)``, and
    ``T(k) = v_(1) + ... + v_(k)`` the revenue of the top ``k`` (``T(0) = 0``)::

        client_share[i]  = s = i / (points - 1)
        revenue_share[i] = (T(k) + (t - k) v_(k+1)) / T(n),  t = s n,  k = floor(t)

    the top-``k`` share, linearly interpolated between whole clients (2.5 clients: the
    top 2 and half of the 3rd). The curve starts at (0, 0), ends at (1, 1), never
    decreases and is concave (each next client adds no more than the one before); where
    ``t`` is a whole number ``k`` it is the share of the top ``k`` clients, what
    :func:`top_share` gives for that fraction (up to rounding); in between it is below
    :func:`top_share`, which rounds up to whole clients. The "top 20 % of clients earn
    80 % of revenue" reading of the Pareto principle; the Lorenz curve (M. O. Lorenz,
    "Methods of Measuring the Concentration of Wealth", Publications of the American
    Statistical Association 9, 209-219, 1905;
    https://mathworld.wolfram.com/LorenzCurve.html) read from the top: the Lorenz curve
    of the values is ``L(p) = 1 - revenue_share(1 - p)``.

    Returns a :class:`ParetoCurve` of two read-only arrays of ``points`` floats, or None
    when there are no values or their total is zero: no curve to draw (as :func:`gini`).
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be an integer >= 2, not {points!r}")
    array = _revenues(values)
    top = np.concatenate([[0.0], np.cumsum(np.sort(array)[::-1])])
    total = float(top[-1])
    if total == 0:
        return None
    steps = np.arange(points, dtype=np.int64)
    # i * n / (points - 1) divides exact integers: a whole number of clients is found
    # exactly, and the interpolation returns T(k) there.
    clients = steps * array.size / (points - 1)
    shares = np.minimum(np.interp(clients, np.arange(array.size + 1), top) / total, 1.0)
    client_share = steps / (points - 1)
    client_share.setflags(write=False)
    shares.setflags(write=False)
    return ParetoCurve(client_share=client_share, revenue_share=shares)


def gini(values: npt.ArrayLike | pl.Series) -> float | None:
    """The Gini coefficient of the revenues in ``values`` (one per client).

    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))``, computed in O(n log n) from the
    values sorted ascending as ``G = sum_i (2i - n - 1) x_(i) / (n sum(x))``, ``i = 1..n``
    (MathWorld, "Gini Coefficient", after Damgaard & Weiner 2000,
    https://mathworld.wolfram.com/GiniCoefficient.html). 0 when all clients pay the same,
    approaching 1 when one client pays everything (at most ``1 - 1/n``). The population
    form, without the ``n / (n - 1)`` small-sample correction: Retain measures all its
    clients, not a sample. None for no clients or a zero total.
    """
    array = np.sort(_revenues(values))
    total = float(array.sum())
    if array.size == 0 or total == 0:
        return None
    n = array.size
    weights = 2 * np.arange(1, n + 1, dtype=np.float64) - n - 1
    return float(weights @ array) / (n * total)


def revenue_concentration(
    lines: pl.DataFrame | PreparedLines, *, on: date, fraction: float = 0.2
) -> Concentration:
    """Revenue concentration among the clients active on ``on``: the top-``fraction``
    share (:func:`top_share`) and the Gini coefficient (:func:`gini`) of their MRR that
    day. Clients inactive that day are not counted."""
    values = client_mrr(lines, on=on).get_column("mrr").to_numpy()
    return Concentration(top=top_share(values, fraction=fraction), gini=gini(values))
