"""Retention measures (retain.analytics.measures): each against a direct computation that
walks client by client and day by day over generated lines, the worked example of
docs/metrics.md read from the doc itself, and the edges of the definitions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics import measures
from retain.analytics.measures import (
    active_clients,
    churned_clients,
    client_movements,
    client_mrr,
    cohort_retention,
    gini,
    logo_churn,
    monthly_movements,
    mrr_churn,
    new_clients,
    pareto_curve,
    prepare_lines,
    reactivated_clients,
    revenue_concentration,
    revenue_retention,
    top_share,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {"client_id": pl.Int64, "start_date": pl.Date, "end_date": pl.Date, "mrr": pl.Float64}

Row = tuple[int, date, date | None, float]


def frame(rows: list[Row]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def days(first: date, stop: date) -> list[date]:
    """Every day from ``first`` up to, not including, ``stop``."""
    return [first + timedelta(days=k) for k in range((stop - first).days)]


# The direct computation ----------------------------------------------------------------


class Direct:
    """The figures the long way: sum the lines on each day, walk the days one by one."""

    def __init__(self, rows: list[Row]):
        self.rows = rows
        self.clients = sorted({row[0] for row in rows})
        self._cache: dict[tuple[int, date], float] = {}

    def mrr(self, client: int, day: date) -> float:
        key = (client, day)
        if key not in self._cache:
            self._cache[key] = sum(
                mrr
                for c, start, end, mrr in self.rows
                if c == client and start <= day and (end is None or end >= day)
            )
        return self._cache[key]

    def active(self, client: int, day: date) -> bool:
        return self.mrr(client, day) > 0

    def first_active(self, client: int) -> date | None:
        # A client is first active, if ever, on the start of one of its lines.
        starts = [start for c, start, _, _ in self.rows if c == client]
        for day in days(min(starts), max(starts) + timedelta(days=1)):
            if self.active(client, day):
                return day
        return None

    def churns_on(self, client: int, day: date, grace: int) -> bool:
        """Active the day before, then no revenue on ``day`` and the ``grace`` days after."""
        return self.active(client, day - timedelta(days=1)) and not any(
            self.active(client, day + timedelta(days=k)) for k in range(grace + 1)
        )

    def reactivated_on(self, client: int, day: date, grace: int) -> bool:
        """Active on ``day`` after more than ``grace`` days without revenue, and active
        at some time before."""
        return (
            self.active(client, day)
            and not any(self.active(client, day - timedelta(days=k)) for k in range(1, grace + 2))
            and any(self.active(client, earlier) for earlier in days(ORIGIN, day))
        )


# Generated lines ----------------------------------------------------------------------

ORIGIN = date(2024, 1, 1)  # 2024 is a leap year: February has 29 days
LAST_START = ORIGIN + timedelta(days=150)
MONTHS = [date(2024, month, 1) for month in range(1, 7)]
# The days either side of each month boundary, where off-by-one mistakes live.
BOUNDARY_DAYS = sorted(
    {
        month + timedelta(days=k)
        for month in MONTHS
        for k in (-2, -1, 0, 1)
        if ORIGIN <= month + timedelta(days=k) <= LAST_START
    }
)
day_offsets = st.integers(0, (LAST_START - ORIGIN).days).map(lambda k: ORIGIN + timedelta(days=k))
some_days = st.one_of(day_offsets, st.sampled_from(BOUNDARY_DAYS))
# Zero MRR often; amounts that do not add up exactly in binary floating point too.
amounts = st.sampled_from([0.0, 0.0, 0.1, 0.7, 1.0, 2.5, 100.0])
graces = st.sampled_from([0, 1, 7, 30])


@st.composite
def a_period(draw: st.DrawFn) -> tuple[date, date | None, date]:
    """(start, end as passed, end): a calendar month by default, or any stretch of days."""
    if draw(st.booleans()):
        start = draw(st.sampled_from(MONTHS[:5]))
        return start, None, MONTHS[MONTHS.index(start) + 1]
    start = draw(some_days)
    end = start + timedelta(days=draw(st.one_of(st.just(1), st.integers(1, 70))))
    return start, end, end


@st.composite
def line_sets(draw: st.DrawFn, grace: int = 30, anchors: tuple[date, ...] = ()) -> list[Row]:
    """Lines of up to 5 clients: random, or following one of the client's earlier lines
    after a gap of exactly ``grace`` or ``grace + 1`` days without revenue (the edge of
    churn), none (back to back), or a random one; starts and ends often on ``anchors``
    (a period's first and last days, either side) and around month boundaries."""
    special = st.sampled_from(sorted({*BOUNDARY_DAYS, *anchors}))
    rows: list[Row] = []
    for _ in range(draw(st.integers(0, 12))):
        client = draw(st.integers(0, 4))
        ends = [end for c, _, end, _ in rows if c == client and end is not None]
        if ends and draw(st.booleans()):
            gap = draw(st.sampled_from([0, grace, grace + 1]) | st.integers(0, 40))
            start = draw(st.sampled_from(ends)) + timedelta(days=1 + gap)
        else:
            start = draw(day_offsets | special)
        end = draw(
            st.none()  # open-ended
            | st.just(start)  # starts and ends the same day
            | st.integers(1, 60).map(lambda k, start=start: start + timedelta(days=k))
            | st.sampled_from([d for d in [*BOUNDARY_DAYS, *anchors] if d >= start] or [start])
        )
        rows.append((client, start, end, draw(amounts)))
    return rows


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Row], tuple[date, date | None, date], int]:
    """Lines, a period and a grace window: lines drawn around the period's edges, or a
    period drawn with an edge on, or next to, a day something happens (a line starts, or
    the day after one ends: a possible churn)."""
    grace = draw(graces)
    one = timedelta(days=1)
    if draw(st.booleans()):
        start, _, stop = period = draw(a_period())
        return draw(line_sets(grace, (start - one, start, stop - one, stop))), period, grace
    rows = draw(line_sets(grace))
    pivots = sorted({day for _, s, e, _ in rows for day in (s, s if e is None else e + one)})
    pivot = draw(st.sampled_from(pivots or [ORIGIN])) + draw(st.sampled_from([-1, 0, 1])) * one
    length = draw(st.integers(1, 40)) * one
    start = pivot if draw(st.booleans()) else pivot - length
    return rows, (start, start + length, start + length), grace


def expected_events(direct: Direct, start: date, end: date, grace: int) -> dict[str, set[int]]:
    period = days(start, end)
    return {
        "new": {c for c in direct.clients if direct.first_active(c) in period},
        "churned": {
            c for c in direct.clients if any(direct.churns_on(c, d, grace) for d in period)
        },
        "reactivated": {
            c for c in direct.clients if any(direct.reactivated_on(c, d, grace) for d in period)
        },
    }


# Properties -----------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(rows=line_sets(), day=some_days)
def test_active_clients_and_their_mrr_are_the_sum_of_the_running_lines(rows, day):
    direct = Direct(rows)
    expected = {c: direct.mrr(c, day) for c in direct.clients if direct.active(c, day)}

    found = client_mrr(frame(rows), on=day)

    assert active_clients(frame(rows), on=day).to_list() == sorted(expected)
    assert found.get_column("client_id").to_list() == sorted(expected)
    assert found.get_column("mrr").to_list() == pytest.approx(
        [expected[c] for c in sorted(expected)]
    )


@settings(max_examples=100, deadline=None)
@given(scenario=scenarios())
def test_new_churned_and_reactivated_clients_agree_with_a_day_by_day_walk(scenario):
    rows, period, grace = scenario
    start, end, stop = period
    expected = expected_events(Direct(rows), start, stop, grace)
    lines = frame(rows)

    assert set(new_clients(lines, start=start, end=end).to_list()) == expected["new"]
    assert (
        set(churned_clients(lines, start=start, end=end, grace_days=grace).to_list())
        == expected["churned"]
    )
    assert (
        set(reactivated_clients(lines, start=start, end=end, grace_days=grace).to_list())
        == expected["reactivated"]
    )


@settings(max_examples=100, deadline=None)
@given(scenario=scenarios())
def test_client_movements_agree_with_a_direct_walk(scenario):
    rows, period, grace = scenario
    start, end, stop = period
    direct = Direct(rows)
    opening, closing = start - timedelta(days=1), stop - timedelta(days=1)
    events = expected_events(direct, start, stop, grace)
    expected = {}
    for c in direct.clients:
        m0, m1 = direct.mrr(c, opening), direct.mrr(c, closing)
        flags = {name: c in members for name, members in events.items()}
        if m0 <= 0 and m1 <= 0 and not any(flags.values()):
            continue
        in_cohort, churned = m0 > 0, flags["churned"]
        expected[c] = {
            "mrr_at_start": m0 if m0 > 0 else 0.0,
            "mrr_at_end": m1 if m1 > 0 else 0.0,
            **flags,
            "expansion": max(m1 - m0, 0) if in_cohort and not churned else 0.0,
            "contraction": max(m0 - m1, 0) if in_cohort and not churned else 0.0,
            "churned_mrr": m0 if in_cohort and churned else 0.0,
        }

    found = client_movements(frame(rows), start=start, end=end, grace_days=grace)

    assert found.get_column("client_id").to_list() == sorted(expected)
    for row in found.to_dicts():
        assert row == pytest.approx({"client_id": row["client_id"], **expected[row["client_id"]]})


@settings(max_examples=100, deadline=None)
@given(scenario=scenarios())
def test_churn_rates_and_revenue_retention_agree_with_a_direct_walk(scenario):
    rows, period, grace = scenario
    start, end, stop = period
    direct = Direct(rows)
    opening, closing = start - timedelta(days=1), stop - timedelta(days=1)
    cohort = [c for c in direct.clients if direct.active(c, opening)]
    churned = [c for c in cohort if any(direct.churns_on(c, d, grace) for d in days(start, stop))]
    stayed = [c for c in cohort if c not in churned]
    start_mrr = sum(direct.mrr(c, opening) for c in cohort)
    churned_mrr = sum(direct.mrr(c, opening) for c in churned)
    changes = [direct.mrr(c, closing) - direct.mrr(c, opening) for c in stayed]
    expansion = sum(change for change in changes if change > 0)
    contraction = -sum(change for change in changes if change < 0)
    lines, kwargs = frame(rows), {"start": start, "end": end, "grace_days": grace}

    logos = logo_churn(lines, **kwargs)
    revenue = mrr_churn(lines, **kwargs)
    retention = revenue_retention(lines, **kwargs)

    assert (logos.clients_at_start, logos.churned) == (len(cohort), len(churned))
    assert logos.rate == (len(churned) / len(cohort) if cohort else None)
    assert (revenue.mrr_at_start, revenue.churned_mrr) == pytest.approx((start_mrr, churned_mrr))
    assert retention.start_mrr == pytest.approx(start_mrr)
    assert retention.expansion == pytest.approx(expansion)
    assert retention.contraction == pytest.approx(contraction)
    assert retention.churned_mrr == pytest.approx(churned_mrr)
    if cohort:
        assert revenue.rate == pytest.approx(churned_mrr / start_mrr)
        assert retention.grr == pytest.approx((start_mrr - contraction - churned_mrr) / start_mrr)
        assert retention.nrr == pytest.approx(
            (start_mrr + expansion - contraction - churned_mrr) / start_mrr
        )
        assert retention.nrr == pytest.approx(
            sum(direct.mrr(c, closing) for c in stayed) / start_mrr
        )
        assert -1e-12 <= retention.grr <= 1 + 1e-12
    else:
        assert (revenue.rate, retention.grr, retention.nrr) == (None, None, None)


@settings(max_examples=80, deadline=None)
@given(rows=line_sets(), first=st.integers(0, 4), months=st.integers(1, 5))
def test_the_cohort_triangle_agrees_with_a_month_by_month_count(rows, first, months):
    direct = Direct(rows)
    first_month = MONTHS[first]
    last_month = date(2024, min(first + months, 6), 1)
    month_list = [m for m in MONTHS if first_month <= m <= last_month]

    def month_end(month: date) -> date:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return following - timedelta(days=1)

    expected = []
    for index, cohort in enumerate(month_list):
        members = [
            c
            for c in direct.clients
            if (day := direct.first_active(c)) is not None
            and (day.year, day.month) == (cohort.year, cohort.month)
        ]
        if not members:
            continue
        starting = sum(direct.mrr(c, direct.first_active(c)) for c in members)
        for k, month in enumerate(month_list[index:]):
            on = month_end(month)
            still = [c for c in members if direct.active(c, on)]
            mrr = sum(direct.mrr(c, on) for c in members)
            expected.append(
                {
                    "cohort": cohort,
                    "months_since_start": k,
                    "cohort_clients": len(members),
                    "clients": len(still),
                    "clients_share": len(still) / len(members),
                    "cohort_mrr": starting,
                    "mrr": mrr,
                    "mrr_share": mrr / starting,
                }
            )

    found = cohort_retention(frame(rows), first_month=first_month, last_month=last_month)

    rows = found.to_dicts()
    assert len(rows) == len(expected)
    for row, wanted in zip(rows, expected, strict=True):
        assert row == pytest.approx(wanted)


# From two months before the generated lines to three after the last can start: months
# where nothing happens, or only churns dated after every line ended.
TREND_MONTHS = [
    date(2023, 11, 1),
    date(2023, 12, 1),
    *MONTHS,
    *(date(2024, m, 1) for m in (7, 8, 9)),
]


def movements_totals(lines: pl.DataFrame, month: date, grace: int) -> dict[str, object]:
    """One row of the monthly trend, the long way: client_movements for the month, summed."""
    found = client_movements(lines, start=month, grace_days=grace)
    opening = pl.col("mrr_at_start") > 0
    return {
        "month": month,
        **found.select(
            clients_at_start=opening.sum(),
            clients_at_end=(pl.col("mrr_at_end") > 0).sum(),
            new=pl.col("new").sum(),
            reactivated=pl.col("reactivated").sum(),
            churned=pl.col("churned").sum(),
            churned_from_start=(opening & pl.col("churned")).sum(),
            mrr_at_start=pl.col("mrr_at_start").sum(),
            mrr_at_end=pl.col("mrr_at_end").sum(),
            expansion=pl.col("expansion").sum(),
            contraction=pl.col("contraction").sum(),
            churned_mrr=pl.col("churned_mrr").sum(),
        ).row(0, named=True),
    }


COUNTS = ("clients_at_start", "clients_at_end", "new", "reactivated", "churned")
AMOUNTS = ("mrr_at_start", "mrr_at_end", "expansion", "contraction", "churned_mrr")


@settings(max_examples=120, deadline=None)
@given(
    grace=st.sampled_from([0, 0, 1, 30, 30]),
    data=st.data(),
    first=st.integers(0, len(TREND_MONTHS) - 1),
    months=st.integers(1, len(TREND_MONTHS)),
    first_day=st.sampled_from([1, 1, 15]),
)
def test_the_monthly_trend_is_client_movements_month_by_month(
    grace, data, first, months, first_day
):
    rows = data.draw(line_sets(grace))
    first_month = TREND_MONTHS[first].replace(day=first_day)  # any day of the month
    last_month = TREND_MONTHS[min(first + months, len(TREND_MONTHS)) - 1]
    lines = frame(rows)
    expected = [
        movements_totals(lines, month, grace) for month in TREND_MONTHS[first : first + months]
    ]

    found = monthly_movements(
        lines, first_month=first_month, last_month=last_month, grace_days=grace
    )

    assert found.columns == ["month", *COUNTS, "churned_from_start", *AMOUNTS]
    assert found.dtypes == [pl.Date, *[pl.Int64] * 6, *[pl.Float64] * 5]
    assert len(found) == len(expected)
    for row, wanted in zip(found.to_dicts(), expected, strict=True):
        assert {k: row[k] for k in ("month", *COUNTS, "churned_from_start")} == {
            k: wanted[k] for k in ("month", *COUNTS, "churned_from_start")
        }
        assert [row[k] for k in AMOUNTS] == pytest.approx(
            [wanted[k] for k in AMOUNTS], rel=1e-6, abs=1e-9
        )
    # A month's opening is the month before's closing, to the last digit.
    assert found["clients_at_start"][1:].to_list() == found["clients_at_end"][:-1].to_list()
    assert found["mrr_at_start"][1:].to_list() == found["mrr_at_end"][:-1].to_list()
    assert found.equals(
        monthly_movements(
            prepare_lines(lines), first_month=first_month, last_month=last_month, grace_days=grace
        )
    )


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios(), day=some_days)
def test_prepared_lines_give_what_the_frame_gives(scenario, day):
    rows, (start, end, _), grace = scenario
    lines = frame(rows)
    prepared = prepare_lines(lines)
    period = {"start": start, "end": end}
    window = {**period, "grace_days": grace}
    months = {"first_month": date(2024, 1, 1), "last_month": date(2024, 6, 1)}
    calls = [
        lambda x: client_mrr(x, on=day),
        lambda x: active_clients(x, on=day),
        lambda x: new_clients(x, **period),
        lambda x: churned_clients(x, **window),
        lambda x: reactivated_clients(x, **window),
        lambda x: client_movements(x, **window),
        lambda x: logo_churn(x, **window),
        lambda x: mrr_churn(x, **window),
        lambda x: revenue_retention(x, **window),
        lambda x: monthly_movements(x, **months, grace_days=grace),
        lambda x: cohort_retention(x, **months),
        lambda x: revenue_concentration(x, on=day),
    ]

    for call in calls * 2:  # the second round reads the kept tenures
        from_frame, from_prepared = call(lines), call(prepared)
        if isinstance(from_frame, pl.DataFrame | pl.Series):
            assert from_frame.equals(from_prepared)
        else:
            assert from_frame == from_prepared


fractions_written = st.sampled_from(["0.1", "0.2", "0.25", "0.3333", "0.5", "0.7", "0.9", "1"])
revenues = st.lists(st.sampled_from([0, 1, 1, 2, 5, 5, 40]), max_size=8)


@settings(max_examples=150, deadline=None)
@given(values=revenues, written=fractions_written)
def test_the_top_share_is_the_best_that_many_clients_can_make(values, written):
    n = len(values)
    # The smallest count that is at least the fraction of the clients, counted up.
    numerator, denominator = Fraction(written).numerator, Fraction(written).denominator
    count = 0
    while count * denominator < numerator * n:
        count += 1
    total = sum(values)
    best = max((sum(group) for group in combinations(values, count)), default=0)

    found = top_share(values, fraction=float(written))

    assert (found.clients, found.top_clients) == (n, count)
    assert (found.top_revenue, found.total_revenue) == (best, total)
    assert found.share == (best / total if total else None)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.floats(0, 1000, allow_subnormal=False), max_size=12))
def test_gini_agrees_with_the_mean_absolute_difference(values):
    n, total = len(values), sum(values)
    # G = sum_i sum_j |x_i - x_j| / (2 n^2 mean), with n^2 mean = n total.
    expected = (
        sum(abs(x - y) for x in values for y in values) / (2 * n * total)
        if n and total > 0
        else None
    )

    found = gini(values)

    assert found == (pytest.approx(expected, abs=1e-9) if expected is not None else None)
    if found is not None:
        assert -1e-12 <= found <= 1 - 1 / n + 1e-9


def naive_pareto(values: list[float], points: int) -> list[float]:
    """The top x of clients' revenue share in exact arithmetic: whole clients, then the
    fraction of the next one."""
    ordered = [Fraction(v) for v in sorted(values, reverse=True)]
    total, shares = sum(ordered), []
    for i in range(points):
        clients = Fraction(i * len(values), points - 1)
        whole = int(clients)
        part = (clients - whole) * ordered[whole] if whole < len(values) else 0
        shares.append(float((sum(ordered[:whole]) + part) / total))
    return shares


pareto_points = st.sampled_from([2, 3, 5, 11, 21, 101]) | st.integers(2, 40)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.floats(0, 1000, allow_subnormal=False), max_size=12), points=pareto_points
)
def test_the_pareto_curve_is_the_top_clients_share_interpolated(values, points):
    found = pareto_curve(values, points=points)

    if not values or sum(values) == 0:
        assert found is None
        return
    x, y = found.client_share, found.revenue_share
    assert x.tolist() == [i / (points - 1) for i in range(points)]
    assert y.tolist() == pytest.approx(naive_pareto(values, points), rel=1e-9, abs=1e-12)
    assert (x[0], y[0], x[-1], y[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(y) >= -1e-12)  # non-decreasing
    assert np.all(np.diff(y, 2) <= 1e-12)  # concave: each step adds no more than the last


@settings(max_examples=150, deadline=None)
@given(values=revenues, points=st.sampled_from([2, 3, 5, 6, 11, 21, 101]))
def test_the_pareto_curve_meets_the_top_share_at_whole_clients(values, points):
    found = pareto_curve(values, points=points)
    whole = [i for i in range(1, points) if i * len(values) % (points - 1) == 0]

    if found is None:
        assert sum(values) == 0
        return
    for i in whole:
        fraction = float(found.client_share[i])
        assert found.revenue_share[i] == pytest.approx(top_share(values, fraction=fraction).share)


@settings(max_examples=60, deadline=None)
@given(rows=line_sets(), day=some_days, written=fractions_written)
def test_revenue_concentration_is_taken_over_the_clients_active_that_day(rows, day, written):
    direct = Direct(rows)
    values = [direct.mrr(c, day) for c in direct.clients if direct.active(c, day)]

    found = revenue_concentration(frame(rows), on=day, fraction=float(written))

    assert found.top == top_share(values, fraction=float(written))
    assert found.gini == (None if not values else pytest.approx(gini(values)))


# The edges of the definitions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("restart", "churned", "reactivated"),
    [
        (date(2026, 3, 3), [], []),  # 1 Feb - 2 Mar: 30 days without revenue, in the window
        (date(2026, 3, 4), [1], [1]),  # 31 days: churned on 1 Feb, back on 4 Mar
    ],
)
def test_the_grace_window_is_thirty_days_without_revenue(restart, churned, reactivated):
    lines = frame([(1, date(2025, 10, 1), date(2026, 1, 31), 50.0), (1, restart, None, 50.0)])

    february = churned_clients(lines, start=date(2026, 2, 1)).to_list()
    march = reactivated_clients(lines, start=date(2026, 3, 1)).to_list()

    assert (february, march) == (churned, reactivated)
    assert churned_clients(lines, start=date(2026, 2, 1), grace_days=0).to_list() == [1]


def test_a_line_ending_on_a_periods_last_day_churns_in_the_next_period():
    lines = frame([(1, date(2026, 1, 1), date(2026, 1, 31), 10.0)])

    assert churned_clients(lines, start=date(2026, 1, 1)).to_list() == []
    assert churned_clients(lines, start=date(2026, 2, 1)).to_list() == [1]
    assert logo_churn(lines, start=date(2026, 2, 1)).rate == 1.0
    assert new_clients(lines, start=date(2026, 1, 1)).to_list() == [1]
    assert logo_churn(lines, start=date(2026, 1, 1)).clients_at_start == 0


def test_the_monthly_trend_of_a_small_book_by_hand():
    lines = frame(
        [
            (1, date(2025, 11, 1), None, 100.0),  # A: throughout
            (1, date(2026, 1, 15), date(2026, 2, 10), 50.0),  # A: a second line for a while
            (2, date(2025, 12, 10), date(2026, 1, 20), 200.0),  # B: new in Dec, gone 21 Jan
            (3, date(2025, 11, 1), date(2025, 12, 31), 80.0),  # C: gone on 1 Jan
            (3, date(2026, 3, 5), None, 80.0),  # C: back after 63 days without revenue
            (4, date(2026, 2, 1), None, 0.0),  # D: a free pilot, never active
        ]
    )

    found = monthly_movements(lines, first_month=date(2025, 12, 1), last_month=date(2026, 3, 1))

    # Active on 30 Nov: A, C (180); 31 Dec: A, B, C (380); 31 Jan: A (150);
    # 28 Feb: A (100); 31 Mar: A, C (180).
    assert found.rows() == [
        # month, at start, at end, new, back, churned, of the opening, MRR at start, at end,
        # expansion, contraction, churned MRR
        (date(2025, 12, 1), 2, 3, 1, 0, 0, 0, 180.0, 380.0, 0.0, 0.0, 0.0),
        (date(2026, 1, 1), 3, 1, 0, 0, 2, 2, 380.0, 150.0, 50.0, 0.0, 280.0),
        (date(2026, 2, 1), 1, 1, 0, 0, 0, 0, 150.0, 100.0, 0.0, 50.0, 0.0),
        (date(2026, 3, 1), 1, 2, 0, 1, 0, 0, 100.0, 180.0, 0.0, 0.0, 0.0),
    ]


def test_a_client_coming_and_going_twice_in_a_month_counts_once_in_the_trend():
    lines = frame(
        [
            (1, date(2025, 12, 1), date(2026, 1, 5), 10.0),  # gone on 6 Jan
            (1, date(2026, 1, 10), date(2026, 1, 12), 10.0),  # back on 10 Jan, gone on 13 Jan
            (1, date(2026, 1, 20), None, 10.0),  # back on 20 Jan
        ]
    )

    found = monthly_movements(
        lines, first_month=date(2026, 1, 1), last_month=date(2026, 1, 1), grace_days=0
    )

    assert found.select("reactivated", "churned", "churned_from_start").row(0) == (1, 1, 1)
    assert found.row(0) == tuple(movements_totals(lines, date(2026, 1, 1), 0).values())


def test_prepared_lines_work_out_each_windows_tenures_once(monkeypatch):
    lines = frame(
        [(1, date(2026, 1, 1), date(2026, 1, 31), 10.0), (2, date(2026, 1, 5), None, 5.0)]
    )
    windows = []
    tenures = measures._tenures
    monkeypatch.setattr(
        measures, "_tenures", lambda f, grace: windows.append(grace) or tenures(f, grace)
    )
    prepared = prepare_lines(lines)

    for _ in range(2):
        logo_churn(prepared, start=date(2026, 2, 1))
        churned_clients(prepared, start=date(2026, 2, 1), grace_days=0)
        monthly_movements(prepared, first_month=date(2026, 1, 1), last_month=date(2026, 3, 1))
        new_clients(prepared, start=date(2026, 1, 1))
    logo_churn(lines, start=date(2026, 2, 1))  # a frame: worked out again

    assert windows == [30, 0, 30]
    assert prepare_lines(prepared) is prepared
    assert repr(prepared) == "PreparedLines(2 lines)"
    with pytest.raises(AttributeError, match="read-only"):
        prepared._frame = lines
    with pytest.raises(TypeError, match="DataFrame or PreparedLines"):
        prepare_lines(lines.rows())


def test_the_pareto_curve_of_three_clients_by_hand():
    # 5, 3 and 2 of 10: a sixth of the clients is half of the top client, and so on.
    found = pareto_curve([2, 5, 3], points=7)

    assert found.client_share.tolist() == pytest.approx([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1])
    assert found.revenue_share.tolist() == pytest.approx([0, 0.25, 0.5, 0.65, 0.8, 0.9, 1])
    assert pareto_curve([], points=7) is None
    assert pareto_curve([0, 0], points=7) is None
    assert pareto_curve([4.0]).revenue_share[50] == 0.5  # half of one client
    with pytest.raises(ValueError, match="read-only"):
        found.revenue_share[0] = 1.0


def test_retain_s_own_types_are_accepted_decimal_mrr_and_text_ids():
    lines = pl.DataFrame(
        {
            "client_id": ["acme", "acme", "birch"],
            "start_date": [date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 1)],
            "end_date": [None, date(2026, 2, 10), None],
            "mrr": [Decimal("100.10"), Decimal("20.20"), Decimal("0.00")],
            "product": ["core", "seats", "pilot"],  # other columns are ignored
        }
    )

    found = client_mrr(lines, on=date(2026, 1, 31))

    assert found.rows() == [("acme", pytest.approx(120.30))]
    assert revenue_retention(lines, start=date(2026, 2, 1)).contraction == pytest.approx(20.20)
    trend = monthly_movements(lines, first_month=date(2026, 1, 1), last_month=date(2026, 2, 1))
    assert trend["clients_at_end"].to_list() == [1, 1]
    assert trend["contraction"].to_list() == [0.0, pytest.approx(20.20)]


def test_no_lines_give_no_clients_and_no_rates():
    lines = frame([])

    assert active_clients(lines, on=date(2026, 1, 1)).to_list() == []
    assert churned_clients(lines, start=date(2026, 1, 1)).to_list() == []
    assert logo_churn(lines, start=date(2026, 1, 1)).rate is None
    assert revenue_retention(lines, start=date(2026, 1, 1)).nrr is None
    assert cohort_retention(
        lines, first_month=date(2026, 1, 1), last_month=date(2026, 3, 1)
    ).is_empty()
    trend = monthly_movements(lines, first_month=date(2026, 1, 1), last_month=date(2026, 3, 1))
    assert trend["month"].to_list() == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert trend.drop("month").rows() == [(0,) * 6 + (0.0,) * 5] * 3
    concentration = revenue_concentration(lines, on=date(2026, 1, 1))
    assert (concentration.top.share, concentration.top.top_clients, concentration.gini) == (
        None,
        0,
        None,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("mrr"), "lack the column"),
        (lambda f: f.with_columns(mrr=pl.lit(-1.0)), "negative or non-finite"),
        (lambda f: f.with_columns(mrr=pl.lit(float("nan"))), "negative or non-finite"),
        (lambda f: f.with_columns(end_date=pl.lit(date(2025, 12, 31))), "end before they start"),
        (lambda f: f.with_columns(start_date=pl.lit(None, dtype=pl.Date)), "lack a client_id"),
        (lambda f: f.with_columns(start_date=pl.lit("2026-01-01")), "Date columns"),
        (lambda f: f.with_columns(mrr=pl.lit("12")), "numeric"),
    ],
)
def test_lines_the_database_would_refuse_are_refused(change, message):
    lines = change(frame([(1, date(2026, 1, 1), None, 10.0)]))

    with pytest.raises(ValueError, match=message):
        active_clients(lines, on=date(2026, 1, 1))
    with pytest.raises(ValueError, match=message):
        prepare_lines(lines)


def test_periods_and_windows_are_checked():
    lines = frame([(1, date(2026, 1, 1), None, 10.0)])

    with pytest.raises(ValueError, match="first day"):
        logo_churn(lines, start=date(2026, 1, 15))
    with pytest.raises(ValueError, match="end after it starts"):
        logo_churn(lines, start=date(2026, 1, 1), end=date(2026, 1, 1))
    with pytest.raises(ValueError, match="grace_days"):
        logo_churn(lines, start=date(2026, 1, 1), grace_days=-1)
    with pytest.raises(ValueError, match="fraction"):
        top_share([1.0], fraction=0)
    with pytest.raises(ValueError, match="before first_month"):
        cohort_retention(lines, first_month=date(2026, 2, 1), last_month=date(2026, 1, 1))
    with pytest.raises(ValueError, match="before first_month"):
        monthly_movements(lines, first_month=date(2026, 2, 1), last_month=date(2026, 1, 31))
    with pytest.raises(ValueError, match="grace_days"):
        monthly_movements(
            prepare_lines(lines),
            first_month=date(2026, 1, 1),
            last_month=date(2026, 2, 1),
            grace_days=-1,
        )
    with pytest.raises(ValueError, match="points"):
        pareto_curve([1.0], points=1)


def test_the_public_names_are_sorted_and_documented():
    names = measures.__all__

    # Sorted as ruff's RUF022 keeps them: constants, then classes, then functions.
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in names:
        value = getattr(measures, name)
        if callable(value):
            assert value.__doc__ and len(value.__doc__) > 40, name


# The worked example of docs/metrics.md ------------------------------------------------------

FEBRUARY = {"start": date(2026, 2, 1)}  # the doc's period: February 2026, 30-day window


def doc_section(title: str) -> str:
    doc = (ROOT / "docs/metrics.md").read_text(encoding="utf-8")
    return doc.split(f"\n### {title}\n", 1)[1].split("\n#", 1)[0]


def doc_tables(text: str) -> list[list[list[str]]]:
    """Each markdown table in ``text`` as rows of stripped cells, headers left out."""
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip("|").split("|")])
        elif current:
            tables.append(current[2:])
            current = []
    return tables


def doc_lines() -> pl.DataFrame:
    (rows,) = doc_tables(doc_section("The lines"))
    return pl.DataFrame(
        [
            (client, date.fromisoformat(start), date.fromisoformat(end) if end else None, float(m))
            for client, start, end, m in rows
        ],
        schema={**SCHEMA, "client_id": pl.String},
        orient="row",
    )


def as_shown(shown: str, value: object) -> object:
    """``value`` as the doc shows it: names, a percentage or a number, to its decimals."""
    if isinstance(value, list):
        return ", ".join(value)
    assert isinstance(value, int | float), value
    if shown.endswith("%"):
        decimals = len(shown.removesuffix("%").strip().partition(".")[2])
        return f"{value * 100:.{decimals}f} %"
    return f"{value:.{len(shown.partition('.')[2])}f}"


def test_the_worked_example_figures_are_the_docs():
    lines = doc_lines()
    top20 = revenue_concentration(lines, on=date(2026, 2, 28), fraction=0.2)
    top50 = revenue_concentration(lines, on=date(2026, 2, 28), fraction=0.5)
    logos, revenue = logo_churn(lines, **FEBRUARY), mrr_churn(lines, **FEBRUARY)
    retention = revenue_retention(lines, **FEBRUARY)
    computed = {
        "active_clients(on=2026-01-31)": active_clients(lines, on=date(2026, 1, 31)).to_list(),
        "active_clients(on=2026-02-28)": active_clients(lines, on=date(2026, 2, 28)).to_list(),
        "new_clients": new_clients(lines, **FEBRUARY).to_list(),
        "churned_clients": churned_clients(lines, **FEBRUARY).to_list(),
        "reactivated_clients": reactivated_clients(lines, **FEBRUARY).to_list(),
        "logo_churn.clients_at_start": logos.clients_at_start,
        "logo_churn.churned": logos.churned,
        "logo_churn.rate": logos.rate,
        "mrr_churn.mrr_at_start": revenue.mrr_at_start,
        "mrr_churn.churned_mrr": revenue.churned_mrr,
        "mrr_churn.rate": revenue.rate,
        "revenue_retention.expansion": retention.expansion,
        "revenue_retention.contraction": retention.contraction,
        "revenue_retention.grr": retention.grr,
        "revenue_retention.nrr": retention.nrr,
        "revenue_concentration(fraction=0.2).top.top_clients": top20.top.top_clients,
        "revenue_concentration(fraction=0.2).top.share": top20.top.share,
        "revenue_concentration(fraction=0.5).top.top_clients": top50.top.top_clients,
        "revenue_concentration(fraction=0.5).top.share": top50.top.share,
        "revenue_concentration.gini": top20.gini,
    }
    (rows,) = doc_tables(doc_section("The figures"))
    shown = {key.strip("`"): value for _, key, value in rows}

    assert sorted(shown) == sorted(computed)
    assert {key: as_shown(shown[key], value) for key, value in computed.items()} == shown


def test_the_worked_example_client_by_client_table_is_the_docs():
    movements = client_movements(doc_lines(), **FEBRUARY)
    by_client = {row["client_id"]: row for row in movements.to_dicts()}
    (rows,) = doc_tables(doc_section("February 2026, client by client"))

    assert sorted(by_client) == sorted(row[0] for row in rows if row[0] != "Heath")
    for client, at_start, at_end, *_ in rows:
        found = by_client.get(client, {"mrr_at_start": 0.0, "mrr_at_end": 0.0})
        assert (found["mrr_at_start"], found["mrr_at_end"]) == (float(at_start), float(at_end))


def test_the_worked_example_cohort_triangles_are_the_docs():
    found = cohort_retention(
        doc_lines(), first_month=date(2025, 11, 1), last_month=date(2026, 2, 1)
    )
    cells = {(row["cohort"], row["months_since_start"]): row for row in found.to_dicts()}
    logos, revenue = doc_tables(doc_section("Cohorts, November 2025 to February 2026"))
    cell = re.compile(r"([\d,.]+) \(([\d.]+) %\)")
    shown = 0

    for (month, size, *by_logos), (_, starting, *by_revenue) in zip(logos, revenue, strict=True):
        cohort = date.fromisoformat(f"{month}-01")
        for k, (logo_cell, revenue_cell) in enumerate(zip(by_logos, by_revenue, strict=True)):
            if not logo_cell:
                assert not revenue_cell and (cohort, k) not in cells
                continue
            row, shown = cells[(cohort, k)], shown + 1
            clients, clients_pct = cell.fullmatch(logo_cell).groups()
            mrr, mrr_pct = cell.fullmatch(revenue_cell).groups()
            assert (row["cohort_clients"], row["clients"]) == (int(size), int(clients))
            assert (row["cohort_mrr"], row["mrr"]) == (float(starting), float(mrr))
            assert round(row["clients_share"] * 100, 2) == float(clients_pct)
            assert round(row["mrr_share"] * 100, 2) == float(mrr_pct)
    assert shown == found.height


def test_the_worked_example_month_by_month_table_is_the_docs():
    found = monthly_movements(
        doc_lines(), first_month=date(2025, 11, 1), last_month=date(2026, 2, 1)
    )
    (rows,) = doc_tables(doc_section("Month by month, November 2025 to February 2026"))
    columns = [
        "clients_at_start",
        "new",
        "reactivated",
        "churned",
        "churned_from_start",
        "clients_at_end",
        "mrr_at_start",
        "expansion",
        "contraction",
        "churned_mrr",
        "mrr_at_end",
    ]

    shown = [(date.fromisoformat(f"{month}-01"), *map(float, cells)) for month, *cells in rows]
    assert found.select("month", *columns).rows() == shown


def test_the_worked_example_pareto_curve_is_the_docs():
    values = client_mrr(doc_lines(), on=date(2026, 2, 28)).get_column("mrr")
    found = pareto_curve(values, points=11)
    (rows,) = doc_tables(doc_section("The Pareto curve on 28 February"))
    computed = zip(found.client_share.tolist(), found.revenue_share.tolist(), strict=True)

    assert [
        [as_shown(x, s), as_shown(y, r)] for (x, y), (s, r) in zip(rows, computed, strict=True)
    ] == rows


def test_the_docs_name_every_public_function():
    doc = (ROOT / "docs/metrics.md").read_text(encoding="utf-8")
    public = [name for name in measures.__all__ if name[0].islower()]
    internal = {"monthly_periods"}  # a helper for callers, not a figure

    assert [name for name in public if name not in internal and f"`{name}" not in doc] == []
