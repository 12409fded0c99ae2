"""Generate a deterministic usage-events CSV for the import benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

EVENT_TYPES = ["login", "report_viewed", "export", "api_call", "dashboard_opened", "invite_sent"]


def client_ids(count: int) -> list[str]:
    return [f"B{i:06d}" for i in range(count)]


def write_events_file(path: Path, rows: int, clients: int, seed: int = 7) -> None:
    """Write ``rows`` events over two years for ``clients`` clients, time-ordered like a real export.

    About 1% of rows repeat the previous row exactly (two clicks in one second), and
    a share of timestamps carry a +02:00 offset instead of Z, as mixed sources do.
    """
    rng = np.random.default_rng(seed)
    start = 1_672_531_200  # 2023-01-01T00:00:00Z
    seconds = np.sort(rng.integers(start, start + 2 * 365 * 86_400, rows))
    ids = np.array(client_ids(clients))[rng.zipf(1.3, rows) % clients]
    types = np.array(EVENT_TYPES)[rng.integers(0, len(EVENT_TYPES), rows)]
    values = rng.integers(1, 20, rows).astype(str)
    users = np.char.add("user", (rng.integers(0, 40, rows)).astype(str))
    stamps = pl.from_epoch(pl.Series(seconds), time_unit="s")
    offset = rng.random(rows) < 0.2
    text_z = stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    text_offset = (stamps + pl.duration(hours=2)).dt.strftime("%Y-%m-%dT%H:%M:%S+02:00")
    occurred = pl.select(pl.when(pl.Series(offset)).then(text_offset).otherwise(text_z)).to_series()
    frame = pl.DataFrame(
        {
            "client_external_id": ids,
            "occurred_at": occurred,
            "event_type": types,
            "value": values,
            "user": users,
        }
    )
    repeat = np.flatnonzero(rng.random(rows) < 0.01)
    repeat = repeat[repeat > 0]
    frame = frame.with_row_index("i")
    duplicates = frame.filter(pl.col("i").is_in((repeat - 1).tolist()))
    frame = pl.concat([frame, duplicates]).sort("i", maintain_order=True).drop("i").head(rows)
    frame.write_csv(path)
