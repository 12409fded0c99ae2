"""Everything the churn features read, as polars frames, straight from SQL.

The analytics package (``retain.analytics.churn``) never sees the database: this module
reads each table once, in bulk, with SQL written for each database so that 50,000,000
usage events arrive already summed per client and week. Days are UTC days (a feature
window of 30 days does not move by the hours a time zone adds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db import connection

from retain.accounts.models import Department
from retain.clients.models import (
    Client,
    OwnershipChange,
    SubscriptionLine,
    TimelineEntry,
    UsageEvent,
)
from retain.incidents.models import Incident
from retain.surveys.models import Response

MICROSECONDS_A_DAY = 86_400_000_000


@dataclass(frozen=True)
class ChurnInputs:
    """The frames ``retain.analytics.churn.features.build_features`` reads (its module
    docstring has the columns)."""

    lines: pl.DataFrame
    usage: pl.DataFrame
    timeline: pl.DataFrame
    incidents: pl.DataFrame
    surveys: pl.DataFrame
    ownership: pl.DataFrame
    external_ids: pl.DataFrame
    """``client_id, external_id``: how the command names clients."""


def _utc_day(column: str) -> str:
    """SQL for a moment's UTC day as ``YYYY-MM-DD`` text (parsed by polars)."""
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f"substr({column}, 1, 10)"  # SQLite stores moments as UTC text


def _rows(sql: str, params: list[int] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _frame(sql: str, schema: Mapping[str, Any], days: tuple[str, ...] = ()) -> pl.DataFrame:
    """The query's rows as a frame; ``days`` are text columns parsed to Date."""
    read = {name: (pl.String if name in days else kind) for name, kind in schema.items()}
    frame = pl.DataFrame(_rows(sql), schema=read, orient="row")
    return frame.with_columns(pl.col(name).str.to_date("%Y-%m-%d") for name in days)


def read_lines() -> pl.DataFrame:
    table = SubscriptionLine._meta.db_table
    if connection.vendor == "postgresql":
        days = "to_char(start_date, 'YYYY-MM-DD'), to_char(end_date, 'YYYY-MM-DD')"
        money = "mrr::float8, discount_percent::float8"
    else:
        days = "CAST(start_date AS TEXT), CAST(end_date AS TEXT)"  # not the date converter
        money = "CAST(mrr AS REAL), CAST(discount_percent AS REAL)"
    return _frame(
        f"SELECT client_id, {days}, {money}, billing_period_months, quantity FROM {table}",
        {
            "client_id": pl.Int64,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "mrr": pl.Float64,
            "discount_percent": pl.Float64,
            "billing_period_months": pl.Int64,
            "quantity": pl.Int64,
        },
        days=("start_date", "end_date"),
    )


def read_weekly_usage(*, before: date | None = None) -> pl.DataFrame:
    """Usage events summed per client and week (weeks start on Monday, UTC): ``client_id,
    week, events, users`` (distinct non-blank users that week)."""
    table = UsageEvent._meta.db_table
    # 1970-01-01 was a Thursday: adding 3 days makes integer weeks start on Mondays.
    week = f"(occurred_at / {MICROSECONDS_A_DAY} + 3) / 7"
    where = ""
    params: list[int] = []
    if before is not None:
        where = "WHERE occurred_at < %s"
        params.append((before - date(1970, 1, 1)).days * MICROSECONDS_A_DAY)
    rows = _rows(
        f"SELECT client_id, {week} AS week, COUNT(*), COUNT(DISTINCT NULLIF(\"user\", '')) "
        f"FROM {table} {where} GROUP BY client_id, week",
        params,
    )
    frame = pl.DataFrame(
        rows,
        schema={"client_id": pl.Int64, "week": pl.Int64, "events": pl.Int64, "users": pl.Int64},
        orient="row",
    )
    return frame.with_columns(week=(pl.col("week") * 7 - 3).cast(pl.Int32).cast(pl.Date)).sort(
        "client_id", "week"
    )


def read_timeline() -> pl.DataFrame:
    entries, departments = TimelineEntry._meta.db_table, Department._meta.db_table
    return _frame(
        f"SELECT e.client_id, {_utc_day('e.occurred_at')}, e.kind, d.slug "
        f"FROM {entries} e LEFT JOIN {departments} d ON d.id = e.department_id",
        {"client_id": pl.Int64, "day": pl.Date, "kind": pl.String, "department": pl.String},
        days=("day",),
    )


def read_incidents() -> pl.DataFrame:
    incidents, departments = Incident._meta.db_table, Department._meta.db_table
    return _frame(
        f"SELECT i.client_id, {_utc_day('i.opened_at')}, i.severity, d.slug, "
        f"{_utc_day('i.due_at')}, {_utc_day('i.resolved_at')} "
        f"FROM {incidents} i JOIN {departments} d ON d.id = i.responsible_department_id",
        {
            "client_id": pl.Int64,
            "opened_on": pl.Date,
            "severity": pl.Int64,
            "department": pl.String,
            "due_on": pl.Date,
            "resolved_on": pl.Date,
        },
        days=("opened_on", "due_on", "resolved_on"),
    )


def read_surveys() -> pl.DataFrame:
    return _frame(
        f"SELECT client_id, {_utc_day('answered_at')}, kind, score FROM {Response._meta.db_table}",
        {"client_id": pl.Int64, "day": pl.Date, "kind": pl.String, "score": pl.Int64},
        days=("day",),
    )


def read_ownership() -> pl.DataFrame:
    """Changes of owner or backup: a client's first assignment is not a change."""
    return _frame(
        f"SELECT client_id, {_utc_day('changed_at')}, role "
        f"FROM {OwnershipChange._meta.db_table} WHERE previous_user_id IS NOT NULL",
        {"client_id": pl.Int64, "day": pl.Date, "role": pl.String},
        days=("day",),
    )


def read_churn_inputs() -> ChurnInputs:
    """Every frame the features need, read once each."""
    return ChurnInputs(
        lines=read_lines(),
        usage=read_weekly_usage(),
        timeline=read_timeline(),
        incidents=read_incidents(),
        surveys=read_surveys(),
        ownership=read_ownership(),
        external_ids=pl.DataFrame(
            list(Client.objects.values_list("id", "external_id")),
            schema={"client_id": pl.Int64, "external_id": pl.String},
            orient="row",
        ),
    )
