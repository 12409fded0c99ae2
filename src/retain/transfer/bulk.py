"""Fast, database-specific writes for append-only, high-volume tables (usage events).

PostgreSQL gets COPY; SQLite gets executemany on the raw connection. Both run
inside the caller's transaction, so a failed import still writes nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from django.db import connection

from retain.clients.models import UsageEvent

EVENT_COLUMNS = ("client_id", "occurred_at", "event_type_id", "value", "user")
EVENT_INDEX = "clients_usage_client_time"


def _table() -> str:
    return UsageEvent._meta.db_table


def quoted(names: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def max_event_id() -> int:
    """The highest event id now (0 when there are none): rows above it came from this import."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {_table()}")
        (value,) = cursor.fetchone()
    return int(value or 0)


def write_events(frame: pl.DataFrame) -> None:
    """Append rows with columns ``EVENT_COLUMNS`` (occurred_at in epoch microseconds)."""
    frame = frame.select(EVENT_COLUMNS)
    if frame.is_empty():
        return
    table = connection.ops.quote_name(_table())
    if connection.vendor == "postgresql":
        # CSV with every text quoted, so an empty user is '' rather than NULL.
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, quote_style="non_numeric")
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                f"COPY {table} ({quoted(EVENT_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                copy.write(buffer.getbuffer())
    else:
        connection.ensure_connection()
        placeholders = ", ".join("?" * len(EVENT_COLUMNS))
        sql = f"INSERT INTO {table} ({quoted(EVENT_COLUMNS)}) VALUES ({placeholders})"
        # The raw sqlite3 connection: Django's cursor wrapper costs a Python call per row.
        connection.connection.executemany(sql, frame.iter_rows())


def existing_event_counts(frame: pl.DataFrame, up_to_id: int) -> pl.DataFrame:
    """How many events with each of ``frame``'s identities existed before this import.

    An identity is (client, time, type, value, user); identical events are legitimate,
    so they are counted, not collapsed. Only rows with ``id <= up_to_id`` count: rows
    this import has already written must not hide its own later duplicates.
    """
    schema = {
        "client_id": pl.Int64,
        "occurred_at": pl.Int64,
        "event_type_id": pl.Int64,
        "value": pl.Float64,
        "user": pl.String,
        "existing": pl.Int64,
    }
    if up_to_id == 0 or frame.is_empty():
        return pl.DataFrame(schema=schema)
    client_ids = frame.get_column("client_id").unique().to_list()
    low = int(frame.get_column("occurred_at").min())  # type: ignore[arg-type]
    high = int(frame.get_column("occurred_at").max())  # type: ignore[arg-type]
    table = connection.ops.quote_name(_table())
    clients_param: object
    if connection.vendor == "postgresql":
        clients_sql, clients_param = "client_id = ANY(%s)", client_ids
    else:
        clients_sql, clients_param = (
            "client_id IN (SELECT value FROM json_each(%s))",
            json.dumps(client_ids),
        )
    sql = (
        f"SELECT {quoted(EVENT_COLUMNS)}, COUNT(*) FROM {table} "
        f"WHERE {clients_sql} AND occurred_at BETWEEN %s AND %s AND id <= %s "
        f"GROUP BY {quoted(EVENT_COLUMNS)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [clients_param, low, high, up_to_id])
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass(frozen=True)
class DroppedForeignKey:
    name: str
    column: str
    target_table: str
    target_column: str


def relax_event_table() -> list[DroppedForeignKey]:
    """Drop the events table's secondary index (and, on PostgreSQL, its foreign keys).

    For a load larger than the table, building the index once and checking the
    foreign keys in one join afterwards is far cheaper than doing both row by
    row (PostgreSQL's "Populating a Database" advice). Only ever called inside the
    import's transaction, so a failed import puts everything back.
    """
    table = _table()
    dropped: list[DroppedForeignKey] = []
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(EVENT_INDEX)}")
        if connection.vendor != "postgresql":
            return dropped
        # PostgreSQL refuses to alter a table with deferred foreign-key checks still queued
        # in this transaction; run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        constraints = connection.introspection.get_constraints(cursor, table)
        for name, info in constraints.items():
            if info["foreign_key"]:
                target_table, target_column = info["foreign_key"]
                dropped.append(
                    DroppedForeignKey(name, info["columns"][0], target_table, target_column)
                )
                cursor.execute(
                    f"ALTER TABLE {connection.ops.quote_name(table)} "
                    f"DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
    return dropped


def restore_event_table(dropped: list[DroppedForeignKey]) -> None:
    """Re-create what :func:`relax_event_table` dropped, exactly as the migrations define it."""
    table = connection.ops.quote_name(_table())
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for fk in dropped:
            # Adding the constraint checks every row in one join; a bad row fails the import.
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {q(fk.name)} FOREIGN KEY ({q(fk.column)}) "
                f"REFERENCES {q(fk.target_table)} ({q(fk.target_column)}) DEFERRABLE INITIALLY DEFERRED"
            )
        cursor.execute(
            f"CREATE INDEX {q(EVENT_INDEX)} ON {table} ({quoted(['client_id', 'occurred_at'])})"
        )
        if dropped:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
