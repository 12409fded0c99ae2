"""Transactions to the per-customer summary: Hardie's CDNOW conventions, reproduced exactly."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from retain.analytics.clv import summarise_transactions

DATA = Path(__file__).resolve().parents[1] / "data"


def test_cdnow_transactions_summarise_to_hardies_summary_file():
    with (DATA / "cdnow_transactions.csv").open(newline="") as stream:
        transactions = list(csv.DictReader(stream))
    with (DATA / "cdnow_summary.csv").open(newline="") as stream:
        hardie = {row["customer_id"]: row for row in csv.DictReader(stream)}

    summary = summarise_transactions(
        [row["customer_id"] for row in transactions],
        [date.fromisoformat(row["date"]) for row in transactions],
        [float(row["amount"]) for row in transactions],
        calibration_end=date(1997, 9, 30),
    )

    assert summary.monetary_value is not None
    assert list(summary.customer_ids) == list(hardie)
    for column, values in [
        ("frequency", summary.frequency),
        ("recency", summary.recency),
        ("T", summary.T),
        ("monetary_value", summary.monetary_value),
    ]:
        expected = np.array([float(row[column]) for row in hardie.values()])
        # Hardie's file has two decimals.
        np.testing.assert_allclose(values, expected, atol=0.0051, err_msg=column)


def test_same_day_purchases_are_one_purchase_and_later_ones_are_ignored():
    summary = summarise_transactions(
        ["A", "A", "A", "A", "B", "C"],
        [
            date(2024, 1, 1),
            date(2024, 1, 8),
            date(2024, 1, 8),
            date(2024, 3, 1),  # after the calibration end
            date(2024, 1, 15),
            date(2024, 2, 1),  # C's first purchase is after the end: not a customer yet
        ],
        [10.0, 5.0, 7.0, 100.0, 3.0, 9.0],
        calibration_end=date(2024, 1, 29),
    )

    assert summary.customer_ids == ("A", "B")
    assert summary.frequency.tolist() == [1.0, 0.0]
    assert summary.recency.tolist() == [1.0, 0.0]
    assert summary.T.tolist() == [4.0, 2.0]
    assert summary.monetary_value is not None
    assert summary.monetary_value.tolist() == [12.0, 0.0]


def test_days_as_the_time_unit_and_no_amounts():
    summary = summarise_transactions(
        ["A", "A"],
        [date(2024, 1, 1), date(2024, 1, 11)],
        None,
        calibration_end=date(2024, 1, 31),
        time_unit="day",
    )

    assert (summary.frequency.tolist(), summary.recency.tolist(), summary.T.tolist()) == (
        [1.0],
        [10.0],
        [30.0],
    )
    assert summary.monetary_value is None


def test_mismatched_columns_are_refused():
    with pytest.raises(ValueError, match="same length"):
        summarise_transactions(["A"], [], None, calibration_end=date(2024, 1, 1))
