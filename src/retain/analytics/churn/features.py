"""Churn-risk features: what was known about each client before each observation day.

:func:`build_features` turns observations (``client_id, as_of``, e.g. from
:func:`retain.analytics.churn.labels.observation_grid`) and six frames of the client
record into one row per observation of raw, interpretable feature values, and
:data:`FEATURES` says what each one is: its group of correlated metrics, its kind (so
the model knows how to transform it), a short label for tables, the demo shocks it
reflects, and :meth:`Feature.describe`, the plain-language sentence a reason shows.

**No leakage.** Only records dated strictly before ``as_of`` (``day < as_of``) enter an
observation's features; the record's date is the column named below. Changing, adding
or removing any record dated on or after ``as_of`` leaves the observation's features as
they were (the tests check it). "In the last 30 days" means the days
``as_of - 30 .. as_of - 1``; "days since" counts ``as_of - day``, so a record from the
day before is 1 day old. The subscription figures ("now") are those of ``as_of - 1``.

Input frames
------------
Built by the Django side with SQL, one row per record; extra columns are ignored, dates
are polars ``Date`` (a datetime truncated to the day in the company's time zone),
``client_id`` any integer type (the same ids in every frame; clients that are not
observed are ignored). Sorting each frame by ``client_id`` then its date is not required
but saves a sort.

``lines``: the subscription lines, as :mod:`retain.analytics.measures` reads them
    ``client_id``, ``start_date`` (record date), ``end_date`` (Date or null: open-ended;
    the line's last day, inclusive), ``mrr`` (>= 0), and optionally
    ``discount_percent`` (Float64, null or missing: 0), ``billing_period_months``
    (Int64, null or missing: 1). ``quantity`` is accepted and not used. A line dated
    before ``as_of`` that ends on or after it counts as running on ``as_of - 1``: its
    end date is not read beyond that.
``usage``: weekly usage aggregates
    ``client_id``, ``week`` (the Monday starting the week; the record date is the
    week's **last** day, ``week + 6``, so only weeks that ended before ``as_of`` count),
    ``events`` (Int64, events that week), ``users`` (Int64, distinct users that week;
    null: 0). Weeks without events may be left out.
``timeline``: timeline entries
    ``client_id``, ``day``, ``kind`` (String, :class:`TimelineKind` values: ``call``,
    ``meeting``, ``email`` are contacts, ``ticket`` a support ticket; other kinds are
    not used: incidents come from ``incidents``, owner changes from ``ownership``),
    ``department`` (String or null; accepted, not used).
``incidents``: incidents
    ``client_id``, ``opened_on`` (record date), ``severity`` (Int64, 1 worst .. 4),
    ``department`` (String: the responsible department's slug: ``shipping``,
    ``billing``, ``support``, ``product`` and ``production`` (one group), anything else
    or null counts as another department), and optionally ``due_on`` (Date: the SLA's
    due day) with ``resolved_on`` (Date or null: still open). An incident is
    **overdue** when it was not resolved by its due day, ``resolved_on is null or
    resolved_on > due_on``; that is known once the due day has passed, so its record
    date for the overdue count is ``max(opened_on, due_on)``, and a resolution on or
    after ``as_of`` is only read as "not resolved by the due day". Without ``due_on``
    the overdue count is null.
``surveys``: survey answers
    ``client_id``, ``day``, ``kind`` (``nps``: score 0-10; ``csat``: score 1-5),
    ``score`` (Int64). Two answers of one kind on one day: the later row is the last.
``ownership``: changes of account owner
    ``client_id``, ``day``, ``role`` (``owner`` or ``backup``; only ``owner`` rows are
    read). One row per **change** (an ``OwnershipChange`` with a previous owner): leave
    out each client's first assignment, which is no change.

Features
--------
Counts are 0 when there is nothing to count; a "days since" or a last score with
nothing before ``as_of``, and a ratio whose denominator is 0, is **null** (the model
side imputes it; LightGBM takes it as missing). Kinds, for the model's transforms:

* ``count``: a count or an average of counts (>= 0): ``log1p``;
* ``rate``: events per user or per 1,000 of MRR (>= 0): ``log1p``;
* ``change``: a relative change, ``new / old - 1`` (>= -1; -0.6 is "down 60%"): clip,
  e.g. to [-1, 3];
* ``days``: days since something, or tenure (>= 0): ``log1p``;
* ``amount``: money (MRR, >= 0): ``log1p``;
* ``percent``, ``months``, ``score``: as they are (a score change is a ``score``).

Usage compares the last 4 weeks that ended before ``as_of`` with the 12 weeks before
them (weekly means; the 12 weeks start at the client's first week with usage when that
is later, and with fewer than 4 such weeks the change is null).

===========================  ============  =======  ==========================================
feature                      group         kind     drivers (demo shocks it reflects)
===========================  ============  =======  ==========================================
usage_events_4w              usage         count    drift
usage_change                 usage         change   drift
active_users_4w              usage         count    drift
active_users_change          usage         change   drift
events_per_user_4w           usage         rate     drift
events_per_kmrr_4w           usage         rate     drift
days_since_usage             usage         days     drift
mrr                          financial     amount   -
mrr_change_90d               financial     change   drift
discount_percent             financial     percent  -
billing_period_months        financial     months   -
active_lines                 financial     count    -
tenure_days                  relationship  days     -
owner_changes_180d           relationship  count    owner_change
owner_changes_365d           relationship  count    owner_change
days_since_owner_change      relationship  days     owner_change
contacts_90d                 contact       count    drift
days_since_contact           contact       days     drift
tickets_30d                  support       count    unanswered_ticket
tickets_90d                  support       count    unanswered_ticket
incidents_support_30d        support       count    unanswered_ticket
incidents_support_90d        support       count    unanswered_ticket
incidents_shipping_30d       shipping      count    late_delivery, wrong_delivery
incidents_shipping_90d       shipping      count    late_delivery, wrong_delivery
incidents_billing_30d        billing       count    billing_error
incidents_billing_90d        billing       count    billing_error
incidents_product_30d        product       count    product_defect
incidents_product_90d        product       count    product_defect
incidents_other_90d          incidents     count    -
incidents_sev1_90d           incidents     count    late_delivery, wrong_delivery, product_defect
incidents_severe_90d         incidents     count    late_delivery, wrong_delivery, product_defect
incidents_overdue_90d        incidents     count    -
nps_last                     sentiment     score    drift
nps_change                   sentiment     score    drift
days_since_nps               sentiment     days     drift
csat_last                    sentiment     score    drift
days_since_csat              sentiment     days     drift
===========================  ============  =======  ==========================================

**Drivers** map features to the demo company's hidden churn drivers
(:data:`retain.demo.generator.SHOCK_MODEL` and ``ClientTruth.main_churn_driver``), the
mapping used to check the reasons given for churned demo clients against the truth:
a late or wrong delivery leaves a shipping incident; a billing error a billing
incident; an unanswered ticket a support ticket (no incident); a product defect an
incident from product or production (severity 2 from production, as shipping's); an
owner change an ownership row. Every kind of dissatisfaction lowers usage, survey
scores and, through fewer business reviews, contact; when no shock is behind a churn
(``drift``) these are the only signs, so they are mapped to ``drift``. Features with
no driver are context (size, tenure, terms) rather than a cause.

Computed in bulk: each event frame is sorted once on a composite key ``client rank *
width + day`` (``width`` wider than the span of days, the client-rank offset of
:func:`retain.analytics.measures._tenures`), and every window count or sum for every
observation is a difference of prefix sums at two positions found with
``np.searchsorted``; "the last record before ``as_of``" is the position just before.
No Python loop runs over clients, observations or records. Subscription figures are
step functions (a line adds its amounts on its start and removes them the day after its
end) read the same way; tenure comes from the measures' tenures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from retain.analytics.measures import DEFAULT_GRACE_DAYS, prepare_lines

__all__ = [
    "DEMO_DRIVERS",
    "FEATURES",
    "Feature",
    "FeatureKind",
    "build_features",
]

FeatureKind = Literal["count", "rate", "change", "days", "amount", "percent", "months", "score"]

DEMO_DRIVERS: Final = (
    "late_delivery",
    "wrong_delivery",
    "billing_error",
    "unanswered_ticket",
    "product_defect",
    "owner_change",
    "drift",
)
"""The demo company's churn drivers (``ClientTruth.main_churn_driver`` values)."""

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Row = Mapping[str, object]

# The longest look-back any feature needs, in days (owner changes over 365 days; usage
# over 16 weeks that ended 6 days before as_of is less).
_LOOKBACK: Final = 366
_CONTACT_KINDS: Final = ("call", "meeting", "email")
_DEPARTMENTS: Final = {
    "shipping": ("shipping",),
    "billing": ("billing",),
    "support": ("support",),
    "product": ("product", "production"),
}


# Sentences -----------------------------------------------------------------------------


def _value(row: Row, name: str) -> float | None:
    """``row[name]`` as a float, or None when absent, null or NaN."""
    raw = row.get(name)
    if raw is None or isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    value = float(raw)
    return None if math.isnan(value) else value


def _number(value: float, decimals: int = 0) -> str:
    """``1234.5 -> "1,234"``; with decimals only when the value is not whole."""
    if decimals and abs(value - round(value)) > 1e-9:
        return f"{value:,.{decimals}f}"
    return f"{round(value):,}"


def _counted(count: float, singular: str, plural: str | None = None) -> str:
    """``"1 incident"``, ``"3 incidents"``, ``"no incidents"``."""
    plural = plural or singular + "s"
    if count == 0:
        return f"no {plural}"
    return f"{_number(count)} {singular if round(count) == 1 else plural}"


def _times(count: float) -> str:
    n = round(count)
    return {0: "not", 1: "once", 2: "twice"}.get(n, f"{n:,} times")


def _change(change: float) -> str:
    """``-0.6 -> "down 60%"``, ``0.25 -> "up 25%"``."""
    percent = round(abs(change) * 100)
    if percent == 0:
        return "unchanged"
    return f"{'down' if change < 0 else 'up'} {percent}%"


def _ago(row: Row, days: float | None) -> str:
    """``"on 12 Oct"`` when the row carries its ``as_of`` date, else ``"40 days ago"``."""
    if days is None:
        return "at an unknown date"
    as_of = row.get("as_of")
    if isinstance(as_of, date):
        day = as_of - timedelta(days=round(days))
        return f"on {day.day} {day:%b}" + ("" if day.year == as_of.year else f" {day.year}")
    return f"{_number(days)} days ago"


def _duration(days: float) -> str:
    if days < 60:
        return _counted(days, "day")
    if days < 730:
        return _counted(days // 30.44, "month")
    return f"{days / 365.25:.1f} years"


def _window_count(noun: str, window: str, plural: str | None = None) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        count = _value(row, name)
        if count is None:
            return f"{noun} in the last {window}: unknown"
        return f"{_counted(count, noun, plural)} in the last {window}"

    return sentence


def _since(what: str, never: str) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        days = _value(row, name)
        if days is None:
            return never
        return f"{what} for {_counted(days, 'day')}"

    return sentence


def _usage_change(noun: str) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        change = _value(row, name)
        if change is None:
            return f"{noun} in the last 4 weeks: no earlier weeks to compare with"
        return f"{noun} {_change(change)} in the last 4 weeks against the 12 weeks before"

    return sentence


def _usage_events(name: str, row: Row) -> str:
    return f"{_counted(_value(row, name) or 0, 'usage event')} in the last 4 weeks"


def _active_users(name: str, row: Row) -> str:
    users = _value(row, name) or 0
    return f"{_number(users, 1)} active user{'' if users == 1 else 's'} a week in the last 4 weeks"


def _per_user(name: str, row: Row) -> str:
    rate = _value(row, name)
    if rate is None:
        return "no active users in the last 4 weeks"
    return f"{_number(rate, 1)} usage events per active user a week in the last 4 weeks"


def _per_kmrr(name: str, row: Row) -> str:
    rate = _value(row, name)
    if rate is None:
        return "no revenue to compare usage with"
    return f"{_number(rate, 1)} usage events a week per 1,000 of MRR in the last 4 weeks"


def _days_since_usage(name: str, row: Row) -> str:
    days = _value(row, name)
    if days is None:
        return "no product usage on record"
    if days < 7:
        return "product used in the last week"
    return f"no product usage for {_counted(days, 'day')}"


def _mrr(name: str, row: Row) -> str:
    return f"MRR of {_number(_value(row, name) or 0, 2)}"


def _mrr_change(name: str, row: Row) -> str:
    change = _value(row, name)
    if change is None:
        return "no MRR 90 days ago to compare with"
    return f"MRR {_change(change)} against 90 days before"


def _discount(name: str, row: Row) -> str:
    return f"average discount of {_number(_value(row, name) or 0, 1)}%"


def _billing(name: str, row: Row) -> str:
    months = _value(row, name)
    if months is None:
        return "no running subscription"
    if round(months, 1) == 1:
        return "billed monthly"
    return f"billed every {_number(months, 1)} months"


def _lines(name: str, row: Row) -> str:
    return f"{_counted(_value(row, name) or 0, 'subscription line')} running"


def _tenure(name: str, row: Row) -> str:
    days = _value(row, name) or 0
    return "client since the observation day" if days == 0 else f"client for {_duration(days)}"


def _owner_changes(months: int) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        count = _value(row, name) or 0
        if count == 0:
            return f"same owner for the last {months} months"
        return f"owner changed {_times(count)} in the last {months} months"

    return sentence


def _since_owner_change(name: str, row: Row) -> str:
    days = _value(row, name)
    if days is None:
        return "no owner change on record"
    return f"owner changed {_counted(days, 'day')} ago"


def _department(title: str, window: str) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        count = _value(row, name) or 0
        return f"{_counted(count, 'incident')} from {title} in the last {window}"

    return sentence


def _survey(kind: str, days_column: str) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        score = _value(row, name)
        if score is None:
            return f"no {kind} answer on record"
        return f"{kind} answer of {_number(score)} {_ago(row, _value(row, days_column))}"

    return sentence


def _nps_change(name: str, row: Row) -> str:
    change = _value(row, name)
    if change is None:
        return "no earlier NPS answer to compare with"
    if change == 0:
        return "NPS answer unchanged from the one before"
    points = _counted(abs(change), "point")
    return f"NPS answer {'down' if change < 0 else 'up'} {points} from the one before"


def _since_survey(kind: str) -> Callable[[str, Row], str]:
    def sentence(name: str, row: Row) -> str:
        days = _value(row, name)
        if days is None:
            return f"no {kind} answer on record"
        return f"last {kind} answer {_counted(days, 'day')} ago"

    return sentence


# The registry --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feature:
    """One churn-risk feature: a column of :func:`build_features`.

    ``group`` gathers strongly correlated features (the incidents from one department,
    the usage measures...) so that reasons and importances can be summed per group
    rather than repeated; ``kind`` says how the model should transform the raw value
    (see the module docstring); ``label`` is short, for tables; ``drivers`` names the
    demo company's churn drivers the feature reflects (:data:`DEMO_DRIVERS`; empty for
    context such as size or terms), used to check reasons against the demo's truth.
    """

    name: str
    group: str
    kind: FeatureKind
    label: str
    drivers: tuple[str, ...]
    sentence: Callable[[str, Row], str] = field(repr=False, compare=False)

    def describe(self, row: Mapping[str, object]) -> str:
        """A plain-language sentence from the row's raw values, one a person can act on:
        ``"usage down 60% in the last 4 weeks against the 12 weeks before"``,
        ``"2 incidents from Shipping in the last 30 days"``, ``"no call, meeting or
        email for 95 days"``, ``"owner changed twice in the last 6 months"``, ``"NPS
        answer of 3 on 12 Oct"``. ``row`` maps feature names to values as
        :func:`build_features` gives them (null and NaN mean missing); an ``as_of``
        date in it lets dates be written as dates rather than as days ago.
        """
        return self.sentence(self.name, row)


_USAGE: Final = ("drift",)
_SHIPPING: Final = ("late_delivery", "wrong_delivery")
_SEVERE: Final = ("late_delivery", "wrong_delivery", "product_defect")

_REGISTRY: Final = (
    Feature("usage_events_4w", "usage", "count", "Usage, 4 weeks", _USAGE, _usage_events),
    Feature("usage_change", "usage", "change", "Usage change", _USAGE, _usage_change("usage")),
    Feature("active_users_4w", "usage", "count", "Weekly users", _USAGE, _active_users),
    Feature(
        "active_users_change",
        "usage",
        "change",
        "Users change",
        _USAGE,
        _usage_change("weekly active users"),
    ),
    Feature("events_per_user_4w", "usage", "rate", "Events per user", _USAGE, _per_user),
    Feature("events_per_kmrr_4w", "usage", "rate", "Events per 1,000 MRR", _USAGE, _per_kmrr),
    Feature("days_since_usage", "usage", "days", "Days since usage", _USAGE, _days_since_usage),
    Feature("mrr", "financial", "amount", "MRR", (), _mrr),
    Feature("mrr_change_90d", "financial", "change", "MRR change, 90 days", _USAGE, _mrr_change),
    Feature("discount_percent", "financial", "percent", "Discount", (), _discount),
    Feature("billing_period_months", "financial", "months", "Billing period", (), _billing),
    Feature("active_lines", "financial", "count", "Subscription lines", (), _lines),
    Feature("tenure_days", "relationship", "days", "Tenure", (), _tenure),
    Feature(
        "owner_changes_180d",
        "relationship",
        "count",
        "Owner changes, 6 months",
        ("owner_change",),
        _owner_changes(6),
    ),
    Feature(
        "owner_changes_365d",
        "relationship",
        "count",
        "Owner changes, 12 months",
        ("owner_change",),
        _owner_changes(12),
    ),
    Feature(
        "days_since_owner_change",
        "relationship",
        "days",
        "Days since owner change",
        ("owner_change",),
        _since_owner_change,
    ),
    Feature(
        "contacts_90d",
        "contact",
        "count",
        "Contacts, 90 days",
        _USAGE,
        _window_count("call, meeting or email", "90 days", "calls, meetings or emails"),
    ),
    Feature(
        "days_since_contact",
        "contact",
        "days",
        "Days since contact",
        _USAGE,
        _since("no call, meeting or email", "no call, meeting or email on record"),
    ),
    Feature(
        "tickets_30d",
        "support",
        "count",
        "Tickets, 30 days",
        ("unanswered_ticket",),
        _window_count("support ticket", "30 days"),
    ),
    Feature(
        "tickets_90d",
        "support",
        "count",
        "Tickets, 90 days",
        ("unanswered_ticket",),
        _window_count("support ticket", "90 days"),
    ),
    *(
        Feature(
            f"incidents_{key}_{days}d",
            group,
            "count",
            f"{key.capitalize()} incidents, {days} days",
            drivers,
            _department(title, f"{days} days"),
        )
        for key, group, title, drivers in (
            ("support", "support", "Support", ("unanswered_ticket",)),
            ("shipping", "shipping", "Shipping", _SHIPPING),
            ("billing", "billing", "Billing", ("billing_error",)),
            ("product", "product", "Product or Production", ("product_defect",)),
        )
        for days in (30, 90)
    ),
    Feature(
        "incidents_other_90d",
        "incidents",
        "count",
        "Other incidents, 90 days",
        (),
        _department("other departments", "90 days"),
    ),
    Feature(
        "incidents_sev1_90d",
        "incidents",
        "count",
        "Severity-1 incidents, 90 days",
        _SEVERE,
        _window_count("severity-1 incident", "90 days"),
    ),
    Feature(
        "incidents_severe_90d",
        "incidents",
        "count",
        "Severity 1-2 incidents, 90 days",
        _SEVERE,
        _window_count("severity-1 or -2 incident", "90 days"),
    ),
    Feature(
        "incidents_overdue_90d",
        "incidents",
        "count",
        "Overdue incidents, 90 days",
        (),
        _window_count("incident past its deadline", "90 days", "incidents past their deadline"),
    ),
    Feature("nps_last", "sentiment", "score", "Last NPS", _USAGE, _survey("NPS", "days_since_nps")),
    Feature("nps_change", "sentiment", "score", "NPS change", _USAGE, _nps_change),
    Feature("days_since_nps", "sentiment", "days", "Days since NPS", _USAGE, _since_survey("NPS")),
    Feature(
        "csat_last", "sentiment", "score", "Last CSAT", _USAGE, _survey("CSAT", "days_since_csat")
    ),
    Feature(
        "days_since_csat", "sentiment", "days", "Days since CSAT", _USAGE, _since_survey("CSAT")
    ),
)

FEATURES: Final[Mapping[str, Feature]] = {feature.name: feature for feature in _REGISTRY}
"""Every feature :func:`build_features` returns, by name, in column order."""


# Input ---------------------------------------------------------------------------------

_Type = Literal["id", "day", "date", "int", "num", "str"]


def _read(frame: pl.DataFrame, what: str, spec: Mapping[str, _Type]) -> pl.DataFrame:
    """Check ``frame`` has the columns of ``spec`` with usable types; return them cast:
    ids and ints to Int64, days and dates to Int64 day numbers, numbers to Float64,
    strings lower-cased. ``id`` and ``day`` columns may not hold nulls."""
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"{what} must be a polars DataFrame, not {type(frame).__name__}")
    missing = [name for name in spec if name not in frame.columns]
    if missing:
        raise ValueError(f"{what} lack the column(s) {', '.join(missing)}")
    columns = []
    for name, kind in spec.items():
        dtype = frame.schema[name]
        column = pl.col(name)
        if dtype == pl.Null:
            column = column.cast({"str": pl.String, "num": pl.Float64}.get(kind, pl.Int64))
        elif kind in ("id", "int"):
            if not dtype.is_integer():
                raise ValueError(f"{what}.{name} must be an integer column, not {dtype}")
            column = column.cast(pl.Int64)
        elif kind in ("day", "date"):
            if dtype != pl.Date:
                raise ValueError(f"{what}.{name} must be a polars Date column, not {dtype}")
            column = column.cast(pl.Int64)
        elif kind == "num":
            if not dtype.is_numeric():
                raise ValueError(f"{what}.{name} must be numeric, not {dtype}")
            column = column.cast(pl.Float64)
        elif dtype not in (pl.String, pl.Categorical, pl.Enum):
            raise ValueError(f"{what}.{name} must be a string column, not {dtype}")
        else:
            column = column.cast(pl.String).str.strip_chars().str.to_lowercase()
        columns.append(column.alias(name))
    out = frame.select(columns)
    required = [name for name, kind in spec.items() if kind in ("id", "day")]
    nulls = out.select(pl.any_horizontal(pl.col(required).is_null()).sum()).item()
    if nulls:
        raise ValueError(f"{nulls} row(s) of {what} lack a {' or '.join(required)}")
    return out


def _ints(frame: pl.DataFrame, name: str) -> Ints:
    return np.asarray(frame.get_column(name).to_numpy(), dtype=np.int64)


def _floats(frame: pl.DataFrame, name: str) -> Floats:
    return np.asarray(frame.get_column(name).to_numpy(), dtype=np.float64)


# Composite keys ------------------------------------------------------------------------


@dataclass(slots=True)
class _Index:
    """Records of one kind sorted by ``client rank * width + day``, with prefix sums.

    ``prefix[name][i]`` is the sum of ``name`` over the first ``i`` records, so a window
    ``[lo, hi)`` of positions sums to ``prefix[hi] - prefix[lo]``; ``values`` are the
    records' own values, in key order. ``positions`` keeps the searches made in it, by
    (day offset from ``as_of``, side), since several features share them.
    """

    keys: Ints
    prefix: dict[str, Floats]
    values: dict[str, Floats]
    positions: dict[tuple[int, str], npt.NDArray[np.intp]] = field(default_factory=dict)


class _Book:
    """The observations as composite keys, and the searches every feature is made of.

    Client ``c`` of rank ``r`` (its position among the observed clients' sorted ids) and
    day ``d`` have the key ``r * width + (d - low)``, where ``[low, low + width)`` holds
    every day in play: keys of different clients never interleave, so one sorted array
    per kind of record holds every client's records in day order, and a search for
    ``key(c, d)`` finds the records of ``c`` before ``d``.
    """

    def __init__(self, client: Ints, as_of: Ints, low: int, high: int) -> None:
        self.ids = np.unique(client)
        self.low = low
        self.width = high - low + 1
        if self.width * (self.ids.size + 1) >= 2**62:
            raise ValueError("the records' dates span too wide a range")
        rank = np.searchsorted(self.ids, client).astype(np.int64)
        self.start = rank * self.width  # key of day `low` for each observation's client
        self.as_of = as_of
        self.at = self.start + (as_of - low)  # key of as_of for each observation

    def keys(self, client: Ints, day: Ints) -> tuple[Ints, npt.NDArray[np.bool_]]:
        """The keys of the records ``(client, day)`` of observed clients dated within the
        days in play, and which records those are (a mask over the input)."""
        rank = np.searchsorted(self.ids, client)
        keep = (rank < self.ids.size) & (self.ids[np.minimum(rank, self.ids.size - 1)] == client)
        keep &= (day >= self.low) & (day < self.low + self.width)
        return rank[keep].astype(np.int64) * self.width + (day[keep] - self.low), keep

    def index(
        self,
        client: Ints,
        day: Ints,
        *,
        sums: Mapping[str, Ints | Floats] | None = None,
        values: Mapping[str, Floats] | None = None,
    ) -> _Index:
        """The records ``(client, day)`` of observed clients, in key order, with prefix
        sums of ``sums`` and the ``values`` reordered alike."""
        keys, keep = self.keys(client, day)
        order: npt.NDArray[np.intp] | slice = slice(None)
        if keys.size > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
        prefix: dict[str, Floats] = {}
        for name, column in (sums or {}).items():
            prefix[name] = _prefix(np.cumsum(column[keep][order], dtype=np.float64))
        kept = {name: column[keep][order] for name, column in (values or {}).items()}
        return _Index(keys=keys, prefix=prefix, values=kept)

    def position(
        self, index: _Index, offset: int, side: Literal["left", "right"] = "left"
    ) -> npt.NDArray[np.intp]:
        """For each observation, the position of ``key(client, as_of + offset)`` in
        ``index``: the number of records before (``left``) or up to (``right``) it."""
        found = index.positions.get((offset, side))
        if found is None:
            found = index.positions[offset, side] = np.searchsorted(
                index.keys, self.at + offset, side=side
            )
        return found

    def window(self, index: _Index, days: int, end: int = 0, name: str | None = None) -> Floats:
        """Per observation: the records of the client dated ``as_of + end - days`` up to
        ``as_of + end - 1``: their number, or the sum of ``name`` over them."""
        low, high = self.position(index, end - days), self.position(index, end)
        if name is None:
            return (high - low).astype(np.float64)
        prefix = index.prefix[name]
        return prefix[high] - prefix[low]

    def last(
        self, index: _Index, end: int = 0, back: int = 0
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        """Per observation: the position of the client's last record dated before
        ``as_of + end`` (``back`` records earlier for ``back > 0``), and whether there
        is one (positions where there is none are valid indices all the same)."""
        where = self.position(index, end) - 1 - back
        return self._same_client(index, where)

    def first(self, index: _Index) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        """Per observation: the position of the client's first record, and whether there
        is one (it may be dated after ``as_of``: callers compare its day)."""
        where = np.searchsorted(index.keys, self.start, side="left")
        safe, found = self._same_client(index, where)
        return safe, found & (where < index.keys.size)

    def _same_client(
        self, index: _Index, where: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        if not index.keys.size:
            return np.zeros(where.size, dtype=np.intp), np.zeros(where.size, dtype=np.bool_)
        safe = np.clip(where, 0, index.keys.size - 1)
        key = index.keys[safe]
        found = (where >= 0) & (key >= self.start) & (key < self.start + self.width)
        return safe, found

    def day(self, index: _Index, where: npt.NDArray[np.intp]) -> Ints:
        """The day of the records at ``where`` (one per observation)."""
        if not index.keys.size:
            return np.zeros(where.size, dtype=np.int64)
        return index.keys[where] - self.start + self.low

    def step(self, index: _Index, offset: int, name: str) -> Floats:
        """Per observation: the value on ``as_of + offset`` of a step function whose
        changes are the records, where ``prefix[name][i + 1]`` is the client's running
        total at record ``i`` (see :func:`_line_features`); 0 before its first change."""
        where, found = self._same_client(index, self.position(index, offset, "right") - 1)
        prefix = index.prefix[name]
        if prefix.size < 2:  # no changes at all
            return np.zeros(where.size, dtype=prefix.dtype)
        return np.where(found, prefix[where + 1], 0)


def _prefix(running: Floats) -> Floats:
    """``running`` with a 0 in front: ``prefix[i]`` sums the first ``i`` records."""
    return np.concatenate([np.zeros(1, dtype=running.dtype), running])


def _nan(values: npt.ArrayLike, where: npt.NDArray[np.bool_]) -> Floats:
    """``values`` as floats, NaN (null in the result) where ``where`` is False."""
    return np.where(where, np.asarray(values, dtype=np.float64), np.nan)


def _ratio(numerator: Floats, denominator: Floats) -> Floats:
    """``numerator / denominator``, NaN where the denominator is 0 (never divides by 0)."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, np.nan)


# Feature blocks ------------------------------------------------------------------------


def _line_features(
    book: _Book, lines: pl.DataFrame, grace_days: int, high: int
) -> dict[str, Floats]:
    """MRR, its change, discount, billing period and running lines on ``as_of - 1``
    (and MRR on ``as_of - 91``), and the tenure, from the positive lines.

    Each positive line is a change of +amounts on its start and -amounts on the day
    after its end; sorted by client and day, each client's running totals are its
    amounts on each day (a total restarts at each client, so a float sum never carries
    another client's rounding). Changes after the last observation day are dropped.
    """
    positive = lines.filter(pl.col("mrr") > 0).with_columns(
        weighted_discount=pl.col("mrr") * pl.col("discount_percent"),
        weighted_billing=pl.col("mrr") * pl.col("billing_period_months"),
        running=pl.lit(1, dtype=pl.Int64),
    )
    amounts = ("mrr", "weighted_discount", "weighted_billing", "running")
    starts = (
        positive.filter(pl.col("start_date") <= high)
        .select("client_id", "start_date", *amounts)
        .rename({"start_date": "day"})
    )
    ends = (
        positive.filter(pl.col("end_date") < high)
        .select("client_id", pl.col("end_date") + 1, *[-pl.col(name) for name in amounts])
        .rename({"end_date": "day"})
    )
    changes = pl.concat([starts, ends])
    keys, keep = book.keys(_ints(changes, "client_id"), _ints(changes, "day"))
    order = np.argsort(keys, kind="stable")
    # Each client's running totals, in key order (restarting at each client, so a
    # float sum never carries another client's rounding).
    totals = (
        changes.filter(pl.Series(keep))[order]
        .with_columns(_client=pl.Series(keys[order] // book.width))
        .select(pl.col(*amounts).cum_sum().over("_client"))
    )
    index = _Index(
        keys=keys[order],
        prefix={name: _prefix(_floats(totals, name)) for name in amounts},
        values={},
    )

    running = book.step(index, -1, "running").astype(np.float64)
    active = running > 0
    mrr = np.where(active, book.step(index, -1, "mrr"), 0.0)
    earlier = book.step(index, -91, "mrr")
    earlier = np.where(book.step(index, -91, "running") > 0, earlier, 0.0)
    discount = _ratio(np.asarray(book.step(index, -1, "weighted_discount"), np.float64), mrr)
    billing = _ratio(np.asarray(book.step(index, -1, "weighted_billing"), np.float64), mrr)

    tenures = prepare_lines(
        lines.select(
            "client_id",
            pl.col("start_date").cast(pl.Date),
            pl.col("end_date").cast(pl.Date),
            "mrr",
        )
    ).tenures(grace_days=grace_days)
    tenure_index = book.index(
        _ints(tenures, "client_id"),
        _ints(tenures.select(pl.col("first_active").cast(pl.Int64)), "first_active"),
    )
    where, found = book.last(tenure_index)
    tenure = np.where(found, book.as_of - book.day(tenure_index, where), 0)
    return {
        "mrr": mrr,
        "mrr_change_90d": _ratio(mrr, earlier) - 1.0,
        "discount_percent": discount,
        "billing_period_months": billing,
        "active_lines": running,
        "tenure_days": tenure.astype(np.float64),
    }


def _usage_features(book: _Book, usage: pl.DataFrame, mrr: Floats) -> dict[str, Floats]:
    """Usage over the last 4 weeks that ended before ``as_of`` against the 12 before.

    A week dated ``w`` (its Monday) ended before ``as_of`` when ``w + 6 < as_of``, that
    is ``w < as_of - 6``: the windows end at ``as_of - 6``. Weekly means compare the
    two windows; the earlier one starts at the client's first week with usage when
    that is later (a new client is not "up" against weeks before it came).
    """
    used = usage.filter(pl.col("events") > 0)
    index = book.index(
        _ints(used, "client_id"),
        _ints(used, "week"),
        sums={
            "events": _ints(used, "events"),
            "users": _ints(used.select(pl.col("users").fill_null(0)), "users"),
        },
    )
    end = -6
    recent_events = book.window(index, 28, end, "events").astype(np.float64)
    earlier_events = book.window(index, 84, end - 28, "events").astype(np.float64)
    recent_users = book.window(index, 28, end, "users").astype(np.float64)
    earlier_users = book.window(index, 84, end - 28, "users").astype(np.float64)

    first, has_first = book.first(index)
    first_day = np.where(has_first, book.day(index, first), np.iinfo(np.int64).max // 2)
    window_start = book.as_of + end - 28 - 84
    window_stop = book.as_of + end - 28
    weeks = np.clip((window_stop - np.maximum(window_start, first_day)) / 7.0, 0.0, 12.0)
    enough = weeks >= 4

    def change(recent: Floats, earlier: Floats) -> Floats:
        before = np.where(enough, earlier / np.where(enough, weeks, 1.0), 0.0)
        return _ratio(recent / 4.0, before) - 1.0

    last, found = book.last(index, end)
    return {
        "usage_events_4w": recent_events,
        "usage_change": change(recent_events, earlier_events),
        "active_users_4w": recent_users / 4.0,
        "active_users_change": change(recent_users, earlier_users),
        "events_per_user_4w": _ratio(recent_events, recent_users),
        "events_per_kmrr_4w": _ratio(recent_events / 4.0, mrr / 1000.0),
        "days_since_usage": _nan(book.as_of - book.day(index, last) - 7, found),
    }


def _timeline_features(book: _Book, timeline: pl.DataFrame) -> dict[str, Floats]:
    """Contacts (calls, meetings, emails) and support tickets."""
    contacts = timeline.filter(pl.col("kind").is_in(_CONTACT_KINDS))
    contact_index = book.index(_ints(contacts, "client_id"), _ints(contacts, "day"))
    tickets = timeline.filter(pl.col("kind") == "ticket")
    ticket_index = book.index(_ints(tickets, "client_id"), _ints(tickets, "day"))
    last, found = book.last(contact_index)
    return {
        "contacts_90d": book.window(contact_index, 90).astype(np.float64),
        "days_since_contact": _nan(book.as_of - book.day(contact_index, last), found),
        "tickets_30d": book.window(ticket_index, 30).astype(np.float64),
        "tickets_90d": book.window(ticket_index, 90).astype(np.float64),
    }


def _incident_features(book: _Book, incidents: pl.DataFrame, due: bool) -> dict[str, Floats]:
    """Incidents by responsible department, by severity, and overdue ones."""
    department = pl.col("department").fill_null("")
    known = [slug for slugs in _DEPARTMENTS.values() for slug in slugs]
    flags = {
        **{key: department.is_in(slugs) for key, slugs in _DEPARTMENTS.items()},
        "other": ~department.is_in(known),
        "sev1": pl.col("severity") == 1,
        "severe": pl.col("severity") <= 2,
    }
    marked = incidents.select(
        "client_id", "opened_on", **{k: v.fill_null(False).cast(pl.Int64) for k, v in flags.items()}
    )
    index = book.index(
        _ints(marked, "client_id"),
        _ints(marked, "opened_on"),
        sums={name: _ints(marked, name) for name in flags},
    )
    out: dict[str, Floats] = {}
    for key in _DEPARTMENTS:
        for days in (30, 90):
            out[f"incidents_{key}_{days}d"] = book.window(index, days, name=key).astype(np.float64)
    for name in ("other", "sev1", "severe"):
        out[f"incidents_{name}_90d"] = book.window(index, 90, name=name).astype(np.float64)
    if due:
        late = incidents.filter(
            pl.col("due_on").is_not_null()
            & (pl.col("resolved_on").is_null() | (pl.col("resolved_on") > pl.col("due_on")))
        ).select("client_id", day=pl.max_horizontal("opened_on", "due_on"))
        late_index = book.index(_ints(late, "client_id"), _ints(late, "day"))
        out["incidents_overdue_90d"] = book.window(late_index, 90).astype(np.float64)
    else:
        out["incidents_overdue_90d"] = np.full(book.as_of.size, np.nan)
    return out


def _survey_features(book: _Book, surveys: pl.DataFrame) -> dict[str, Floats]:
    """The last NPS and CSAT answers, how long ago, and the NPS change between the last
    two answers."""
    out: dict[str, Floats] = {}
    for kind in ("nps", "csat"):
        answers = surveys.filter((pl.col("kind") == kind) & pl.col("score").is_not_null())
        index = book.index(
            _ints(answers, "client_id"),
            _ints(answers, "day"),
            values={"score": _floats(answers, "score")},
        )
        scores = index.values["score"]
        last, found = book.last(index)
        score = scores[last] if scores.size else np.zeros(last.size)
        out[f"{kind}_last"] = _nan(score, found)
        out[f"days_since_{kind}"] = _nan(book.as_of - book.day(index, last), found)
        if kind == "nps":
            before, found_before = book.last(index, back=1)
            earlier = scores[before] if scores.size else np.zeros(before.size)
            out["nps_change"] = _nan(score - earlier, found & found_before)
    return out


def _ownership_features(book: _Book, ownership: pl.DataFrame) -> dict[str, Floats]:
    """Owner changes over 6 and 12 months, and days since the last one."""
    owners = ownership.filter(pl.col("role") == "owner")
    index = book.index(_ints(owners, "client_id"), _ints(owners, "day"))
    last, found = book.last(index)
    return {
        "owner_changes_180d": book.window(index, 180).astype(np.float64),
        "owner_changes_365d": book.window(index, 365).astype(np.float64),
        "days_since_owner_change": _nan(book.as_of - book.day(index, last), found),
    }


# The entry point -----------------------------------------------------------------------


def build_features(
    observations: pl.DataFrame,
    *,
    lines: pl.DataFrame,
    usage: pl.DataFrame,
    timeline: pl.DataFrame,
    incidents: pl.DataFrame,
    surveys: pl.DataFrame,
    ownership: pl.DataFrame,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> pl.DataFrame:
    """The churn-risk features of each observation: ``client_id, as_of``, then one Float64
    column per entry of :data:`FEATURES`, in its order; one row per row of
    ``observations`` (``client_id`` integer, ``as_of`` Date), in the same order.

    Each value uses only records dated before ``as_of`` (the module docstring lists the
    input frames, each record's date, each feature's formula and window, and when a
    value is null). Raw values, not scaled: :meth:`Feature.describe` needs them, and the
    model applies the transforms each :attr:`Feature.kind` calls for. ``grace_days`` is
    the churn rule's window, which decides where a tenure starts again after a gap
    (:meth:`retain.analytics.measures.PreparedLines.tenures`).

    Bulk computation (see the module docstring): every window over every observation is
    two binary searches into one sorted array per kind of record, so the cost grows as
    ``(records + observations) * log(records)``, not with clients times days.
    """
    obs = _read(observations, "observations", {"client_id": "id", "as_of": "day"})
    line_frame = _read(
        lines.with_columns(
            *(
                pl.lit(default).alias(name)
                for name, default in (("discount_percent", 0.0), ("billing_period_months", 1))
                if name not in lines.columns
            )
        ),
        "lines",
        {
            "client_id": "id",
            "start_date": "day",
            "end_date": "date",
            "mrr": "num",
            "discount_percent": "num",
            "billing_period_months": "int",
        },
    ).with_columns(
        pl.col("discount_percent").fill_null(0.0),
        pl.col("billing_period_months").fill_null(1),
    )
    usage_frame = _read(
        usage, "usage", {"client_id": "id", "week": "day", "events": "int", "users": "int"}
    )
    timeline_frame = _read(timeline, "timeline", {"client_id": "id", "day": "day", "kind": "str"})
    due = "due_on" in incidents.columns
    incident_spec: dict[str, _Type] = {
        "client_id": "id",
        "opened_on": "day",
        "severity": "int",
        "department": "str",
    }
    if due:
        incident_spec |= {"due_on": "date", "resolved_on": "date"}
    incident_frame = _read(incidents, "incidents", incident_spec)
    survey_frame = _read(
        surveys, "surveys", {"client_id": "id", "day": "day", "kind": "str", "score": "int"}
    )
    ownership_frame = _read(
        ownership, "ownership", {"client_id": "id", "day": "day", "role": "str"}
    )

    client = _ints(obs, "client_id")
    as_of = _ints(obs, "as_of")
    if not as_of.size:
        return _assemble(observations, {name: np.zeros(0) for name in FEATURES})
    # Records dated on or after the last observation day never enter a feature.
    high = int(as_of.max())
    low = int(as_of.min()) - _LOOKBACK - 1
    for frame, name in (
        (line_frame, "start_date"),
        (usage_frame, "week"),
        (timeline_frame, "day"),
        (incident_frame, "opened_on"),
        (survey_frame, "day"),
        (ownership_frame, "day"),
    ):
        if frame.height:
            low = min(low, int(frame.select(pl.col(name).min()).item()))

    order = np.lexsort((as_of, client))
    in_order = bool(np.all(order == np.arange(order.size)))
    if not in_order:  # sorted queries make the binary searches cache-friendly
        client, as_of = client[order], as_of[order]
    book = _Book(client, as_of, low, high)

    values = _line_features(book, line_frame, grace_days, high)
    values |= _usage_features(book, usage_frame, values["mrr"])
    values |= _timeline_features(book, timeline_frame)
    values |= _incident_features(book, incident_frame, due)
    values |= _survey_features(book, survey_frame)
    values |= _ownership_features(book, ownership_frame)
    if not in_order:
        for name, column in values.items():
            restored = np.empty_like(column)
            restored[order] = column
            values[name] = restored
    return _assemble(observations, values)


def _assemble(observations: pl.DataFrame, values: Mapping[str, Floats]) -> pl.DataFrame:
    return observations.select("client_id", "as_of").with_columns(
        pl.Series(name, values[name], dtype=pl.Float64, nan_to_null=True) for name in FEATURES
    )
