"""Churn-risk observations and labels (retain.analytics.churn.labels): the grid against
``active_clients`` day by day, the labels against ``churned_clients`` over each
observation's horizon, a hand-checked book, and when a label is known."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics import churn
from retain.analytics.churn import label_observations, observation_grid
from retain.analytics.measures import active_clients, churned_clients, prepare_lines

SCHEMA = {"client_id": pl.Int64, "start_date": pl.Date, "end_date": pl.Date, "mrr": pl.Float64}
ORIGIN = date(2025, 1, 6)  # a Monday


def frame(rows: list[tuple[int, date, date | None, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def random_lines(seed: int, clients: int = 6, span: int = 200) -> pl.DataFrame:
    """A few lines per client with gaps short and long, zero-MRR lines, open ends."""
    rng = np.random.default_rng(seed)
    rows = []
    for client in range(1, clients + 1):
        for _ in range(int(rng.integers(0, 4))):
            start = ORIGIN + timedelta(days=int(rng.integers(0, span)))
            end = None if rng.random() < 0.3 else start + timedelta(days=int(rng.integers(0, 90)))
            rows.append((client, start, end, float(rng.choice([0.0, 10.0, 25.5]))))
    return frame(rows)


# The grid -----------------------------------------------------------------------------


def test_the_grid_holds_each_client_active_on_each_grid_day():
    # Given client 1 active Jan 6 .. Jan 20 and again from Feb 10, client 2 only on a
    # free (zero-MRR) line, and client 3 from Jan 14 with no end
    lines = frame(
        [
            (1, date(2025, 1, 6), date(2025, 1, 20), 10.0),
            (1, date(2025, 2, 10), None, 10.0),
            (2, date(2025, 1, 1), None, 0.0),
            (3, date(2025, 1, 14), None, 5.0),
        ]
    )

    # When the grid runs weekly from Jan 6 to Feb 10
    grid = observation_grid(lines, first=date(2025, 1, 6), last=date(2025, 2, 10))

    # Then each client is observed on exactly the grid days it is active
    assert grid.rows() == [
        (1, date(2025, 1, 6)),
        (1, date(2025, 1, 13)),
        (1, date(2025, 1, 20)),
        (1, date(2025, 2, 10)),
        (3, date(2025, 1, 20)),
        (3, date(2025, 1, 27)),
        (3, date(2025, 2, 3)),
        (3, date(2025, 2, 10)),
    ]
    assert grid.schema == pl.Schema({"client_id": pl.Int64, "as_of": pl.Date})


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), every=st.integers(1, 20), offset=st.integers(-30, 60))
def test_the_grid_is_active_clients_on_each_grid_day(seed: int, every: int, offset: int):
    lines = prepare_lines(random_lines(seed))
    first = ORIGIN + timedelta(days=offset)
    last = first + timedelta(days=100)

    grid = observation_grid(lines, first=first, last=last, every_days=every)

    expected = []
    day = first
    while day <= last:
        expected += [(client, day) for client in active_clients(lines, on=day).to_list()]
        day += timedelta(days=every)
    assert sorted(grid.rows()) == sorted(expected)
    assert grid.rows() == sorted(grid.rows())  # sorted by client, then day


def test_the_grid_refuses_bad_arguments():
    lines = frame([(1, date(2025, 1, 1), None, 1.0)])
    with pytest.raises(ValueError, match="every_days"):
        observation_grid(lines, first=date(2025, 1, 1), last=date(2025, 2, 1), every_days=0)
    with pytest.raises(ValueError, match="before first"):
        observation_grid(lines, first=date(2025, 2, 1), last=date(2025, 1, 1))


# Labels -------------------------------------------------------------------------------


def test_labels_on_a_hand_checked_book():
    # Given client 1 whose revenue stops after Mar 31 for good, client 2 whose line
    # stops after Mar 31 but comes back on Apr 20 (within the 30-day grace), and client 3
    # who stops after Mar 31 and comes back on May 15 (after it: a churn on Apr 1)
    lines = frame(
        [
            (1, date(2025, 1, 1), date(2025, 3, 31), 10.0),
            (2, date(2025, 1, 1), date(2025, 3, 31), 10.0),
            (2, date(2025, 4, 20), None, 10.0),
            (3, date(2025, 1, 1), date(2025, 3, 31), 10.0),
            (3, date(2025, 5, 15), None, 10.0),
        ]
    )
    observations = pl.DataFrame(
        {
            "client_id": [1, 1, 1, 2, 3, 3],
            "as_of": [
                date(2025, 3, 1),  # churn on Apr 1 is 31 days later: outside 30 days
                date(2025, 3, 2),  # Apr 1 is 30 days later: inside
                date(2025, 4, 1),  # the churn day itself is not after as_of
                date(2025, 3, 10),
                date(2025, 3, 10),
                date(2025, 5, 20),  # back, and no churn ahead
            ],
            "note": ["a", "b", "c", "d", "e", "f"],
        },
        schema_overrides={"client_id": pl.Int64},
    )

    labelled = label_observations(observations, lines, data_end=date(2025, 6, 30))

    assert labelled.get_column("churned").to_list() == [False, True, False, False, True, False]
    # Known when as_of + 30 + 30 <= Jun 30, that is as_of <= May 1
    assert labelled.get_column("label_known").to_list() == [True] * 5 + [False]
    assert labelled.get_column("note").to_list() == list("abcdef")  # order and columns kept


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    horizon=st.integers(1, 60),
    grace=st.integers(0, 40),
)
def test_labels_are_churned_clients_over_each_horizon(seed: int, horizon: int, grace: int):
    lines = random_lines(seed)
    prepared = prepare_lines(lines)
    grid = observation_grid(
        prepared, first=ORIGIN + timedelta(days=3), last=ORIGIN + timedelta(days=250), every_days=5
    )
    # Observations in a shuffled order, with a client that has no lines at all
    observations = pl.concat(
        [grid, pl.DataFrame({"client_id": [99], "as_of": [ORIGIN]}, schema=grid.schema)]
    ).sample(fraction=1.0, shuffle=True, seed=seed % 1000)

    labelled = label_observations(
        observations,
        prepared,
        data_end=ORIGIN + timedelta(days=200),
        horizon_days=horizon,
        grace_days=grace,
    )

    churned_after = {
        as_of: churned_clients(
            prepared,
            start=as_of + timedelta(days=1),
            end=as_of + timedelta(days=horizon + 1),
            grace_days=grace,
        ).to_list()
        for as_of in observations.get_column("as_of").unique()
    }
    expected = []
    for client, as_of in observations.iter_rows():
        churned = churned_after[as_of]
        known = as_of + timedelta(days=horizon + grace) <= ORIGIN + timedelta(days=200)
        expected.append((client, as_of, client in churned, known))
    assert labelled.rows() == expected


def test_a_label_is_known_once_the_horizon_and_the_grace_have_passed():
    lines = frame([(1, date(2025, 1, 1), None, 1.0)])
    observations = pl.DataFrame(
        {"client_id": [1, 1], "as_of": [date(2025, 3, 1), date(2025, 3, 2)]},
        schema_overrides={"client_id": pl.Int64},
    )

    # Mar 1 + 30 + 30 = Apr 30: the last day of data confirms Mar 1's label only
    labelled = label_observations(observations, lines, data_end=date(2025, 4, 30))

    assert labelled.get_column("label_known").to_list() == [True, False]
    assert labelled.get_column("churned").to_list() == [False, False]


def test_labels_refuse_bad_arguments():
    lines = frame([(1, date(2025, 1, 1), None, 1.0)])
    observations = pl.DataFrame({"client_id": [1], "as_of": [date(2025, 3, 1)]})
    with pytest.raises(ValueError, match="horizon_days"):
        label_observations(observations, lines, data_end=date(2025, 5, 1), horizon_days=0)
    with pytest.raises(ValueError, match="as_of"):
        label_observations(observations.drop("as_of"), lines, data_end=date(2025, 5, 1))
    with pytest.raises(ValueError, match="churned"):
        label_observations(
            observations.with_columns(churned=True), lines, data_end=date(2025, 5, 1)
        )


def test_the_package_exports_a_sorted_all_of_real_names():
    # ruff's RUF022 order: constants, then classes, then functions.
    def kind_then_name(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert churn.__all__ == sorted(churn.__all__, key=kind_then_name)
    assert all(hasattr(churn, name) for name in churn.__all__)
