"""From dated transactions to the per-customer summary the CLV models take.

The conventions are those of Fader, Hardie & Lee (2005) and of Bruce Hardie's CDNOW
summary files, which this reproduces exactly from the CDNOW transactions:

* purchases on the same day count as one purchase, their amounts added;
* frequency x: the number of repeat purchases (days with a purchase, less the first)
  up to and including the calibration end;
* recency t_x: the time from the first purchase to the last one (0 when x = 0);
* T: the time from the first purchase to the calibration end;
* monetary value: the mean amount of the repeat purchases, the first purchase left out
  (0 when x = 0), which is what the Gamma-Gamma model of spend is fitted on;

times in weeks (days / 7) or days. Transactions after the calibration end are ignored,
and so are customers whose first purchase comes after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from retain.analytics.clv.fitting import FloatArray, as_float_array

type TimeUnit = Literal["week", "day"]

DAYS_PER_TIME_UNIT: dict[str, float] = {"week": 7.0, "day": 1.0}
# For turning an annual discount rate into one per time unit.
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class CustomerSummary:
    """One row per customer: x, t_x, T (in one time unit) and, when known, mean repeat spend.

    ``monetary_value`` is None when no amounts were given.
    """

    customer_ids: tuple[str, ...]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray | None = None

    def __post_init__(self) -> None:
        columns = [self.frequency, self.recency, self.T]
        if self.monetary_value is not None:
            columns.append(self.monetary_value)
        if any(column.shape != (len(self.customer_ids),) for column in columns):
            raise ValueError("every column needs one value per customer")

    def __len__(self) -> int:
        return len(self.customer_ids)

    @classmethod
    def from_columns(
        cls,
        customer_ids: Sequence[str],
        frequency: Sequence[float] | FloatArray,
        recency: Sequence[float] | FloatArray,
        T: Sequence[float] | FloatArray,
        monetary_value: Sequence[float] | FloatArray | None = None,
    ) -> CustomerSummary:
        """A summary from plain columns, converted to float arrays."""
        return cls(
            customer_ids=tuple(customer_ids),
            frequency=as_float_array(frequency, "frequency"),
            recency=as_float_array(recency, "recency"),
            T=as_float_array(T, "T"),
            monetary_value=(
                None if monetary_value is None else as_float_array(monetary_value, "monetary_value")
            ),
        )


def summarise_transactions(
    customer_ids: Sequence[str],
    dates: Sequence[date],
    amounts: Sequence[float] | None,
    *,
    calibration_end: date,
    time_unit: TimeUnit = "week",
) -> CustomerSummary:
    """The per-customer summary of ``(customer_id, date, amount)`` transactions.

    Conventions in the module docstring. Customers come in the order of their first
    transaction in the input.
    """
    if len(customer_ids) != len(dates) or (amounts is not None and len(amounts) != len(dates)):
        raise ValueError("customer_ids, dates and amounts must have the same length")
    days_per_unit = DAYS_PER_TIME_UNIT[time_unit]
    transactions = pl.DataFrame(
        {
            "customer_id": pl.Series(list(customer_ids), dtype=pl.String),
            "date": pl.Series(list(dates), dtype=pl.Date),
            "amount": pl.Series(
                [0.0] * len(dates) if amounts is None else list(amounts), dtype=pl.Float64
            ),
        }
    )
    purchase_days = (
        transactions.filter(pl.col("date") <= calibration_end)
        .group_by("customer_id", "date", maintain_order=True)
        .agg(pl.col("amount").sum())
    )
    customers = purchase_days.group_by("customer_id", maintain_order=True).agg(
        first=pl.col("date").min(),
        last=pl.col("date").max(),
        days=pl.len(),
        total=pl.col("amount").sum(),
        first_amount=pl.col("amount").sort_by("date").first(),
    )
    end = pl.lit(calibration_end, dtype=pl.Date)
    summary = customers.select(
        "customer_id",
        frequency=(pl.col("days") - 1).cast(pl.Float64),
        recency=(pl.col("last") - pl.col("first")).dt.total_days() / days_per_unit,
        T=(end - pl.col("first")).dt.total_days() / days_per_unit,
        monetary_value=pl.when(pl.col("days") > 1)
        .then((pl.col("total") - pl.col("first_amount")) / (pl.col("days") - 1))
        .otherwise(0.0),
    )
    return CustomerSummary(
        customer_ids=tuple(summary["customer_id"].to_list()),
        frequency=summary["frequency"].to_numpy().astype(np.float64),
        recency=summary["recency"].to_numpy().astype(np.float64),
        T=summary["T"].to_numpy().astype(np.float64),
        monetary_value=(
            None if amounts is None else summary["monetary_value"].to_numpy().astype(np.float64)
        ),
    )


def periods_per_year(time_unit: TimeUnit) -> float:
    """How many time units make a year (365.25 days): 52.18 weeks, or 365.25 days."""
    return DAYS_PER_YEAR / DAYS_PER_TIME_UNIT[time_unit]
