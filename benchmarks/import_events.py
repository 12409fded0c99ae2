"""Benchmark: `retain import events` on SQLite and PostgreSQL, against two baselines.

For each database, on a fresh schema with the benchmark's clients loaded:
  * retain import     the real command, end to end (process start included)
  * re-import         the same file again: validated, found present, nothing written
  * bare bulk load    the floor: PostgreSQL COPY / SQLite executemany of the raw
                      text into a bare table, no parsing, validation or lookups
  * naive ORM loop    csv.DictReader + Client.objects.get + UsageEvent.objects.create
                      per row, in one transaction, on the first --naive-rows rows

Each measurement runs in its own process, so its peak memory (max RSS, from
wait4) is its own. Usage:

    .venv/bin/python benchmarks/import_events.py [--rows 1000000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
RETAIN = [PYTHON, "-m", "retain"]
POSTGRES_ADMIN = os.environ.get(
    "BENCH_POSTGRES_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_DB = "retain_bench_import"


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Like run_measured, but reaping the child ourselves so its own max RSS is known."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{out}")
    return seconds, usage.ru_maxrss / 1024, out


def prepare_database(kind: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ, RETAIN_VAR_DIR=str(workdir / "var"))
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB}")
            admin.execute(f"CREATE DATABASE {POSTGRES_DB}")
        env["DATABASE_URL"] = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + POSTGRES_DB
    subprocess.run([*RETAIN, "init", "-v", "0"], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def write_clients(path: Path, clients: int) -> None:
    client_ids = [f"B{i:06d}" for i in range(clients)]  # as _events_file.client_ids
    lines = ["external_id,name,segment,industry,country,owner_email,created_at"]
    lines += [f"{cid},Benchmark client {cid},smb,,,,2022-01-01" for cid in client_ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def stage_bare(database_url: str, events_file: str) -> None:
    """The floor: raw text into a bare table, no parsing or validation."""
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_bare")
            conn.execute("CREATE TABLE bench_bare (a text, b text, c text, d text, e text)")
            with (
                conn.cursor().copy(
                    "COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
                open(events_file, "rb") as stream,
            ):
                while block := stream.read(1 << 20):
                    copy.write(block)
            conn.execute("DROP TABLE bench_bare")
    else:
        import csv
        import sqlite3

        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        conn.execute("CREATE TABLE bench_bare (a text, b text, c text, d text, e text)")
        with open(events_file, encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            next(reader)
            conn.executemany("INSERT INTO bench_bare VALUES (?, ?, ?, ?, ?)", reader)
        conn.commit()
        conn.execute("DROP TABLE bench_bare")
        conn.commit()


def stage_naive(events_file: str, rows: int) -> None:
    """What a straightforward ORM import would do, row by row."""
    import csv
    import itertools

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    django.setup()
    from django.db import transaction
    from django.utils.dateparse import parse_datetime

    from retain.clients.models import Client, EventType, UsageEvent

    with open(events_file, encoding="utf-8", newline="") as stream, transaction.atomic():
        for record in itertools.islice(csv.DictReader(stream), rows):
            client = Client.objects.get(external_id=record["client_external_id"])
            event_type, _ = EventType.objects.get_or_create(name=record["event_type"])
            UsageEvent.objects.create(
                client=client,
                occurred_at=parse_datetime(record["occurred_at"].replace("Z", "+00:00")),
                event_type=event_type,
                value=float(record["value"] or 1),
                user=record["user"],
            )
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--stage", choices=["generate", "bare", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage == "generate":
        sys.path.insert(0, str(HERE))
        from _events_file import write_events_file

        write_events_file(Path(args.file), args.rows, args.clients)
        return
    if args.stage == "bare":
        stage_bare(os.environ["DATABASE_URL"], args.file)
        return
    if args.stage == "naive":
        stage_naive(args.file, args.naive_rows)
        return

    # The parent stays small (no polars, no Django): a child's max RSS starts from its parent's.
    results = []
    with tempfile.TemporaryDirectory(prefix="retain-bench-") as tmp:
        workdir = Path(tmp)
        events_file = workdir / "events.csv"
        clients_file = workdir / "clients.csv"
        started = time.perf_counter()
        subprocess.run(
            [
                PYTHON,
                __file__,
                "--stage",
                "generate",
                "--file",
                str(events_file),
                "--rows",
                str(args.rows),
                "--clients",
                str(args.clients),
            ],
            check=True,
        )
        write_clients(clients_file, args.clients)
        size_mb = events_file.stat().st_size / 2**20
        print(
            f"events file: {args.rows:,} rows, {size_mb:.1f} MiB, written in {time.perf_counter() - started:.1f} s"
        )
        for database in args.databases.split(","):
            env = prepare_database(database, workdir)
            subprocess.run(
                [*RETAIN, "import", "clients", str(clients_file)],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            import_cmd = [*RETAIN, "import", "events", str(events_file), "--no-progress"]
            for label, argv, rows in [
                (
                    "bare bulk load",
                    [PYTHON, __file__, "--stage", "bare", "--file", str(events_file)],
                    args.rows,
                ),
                ("retain import", import_cmd, args.rows),
                ("re-import (no-op)", import_cmd, args.rows),
                (
                    "naive ORM loop",
                    [
                        PYTHON,
                        __file__,
                        "--stage",
                        "naive",
                        "--file",
                        str(events_file),
                        "--naive-rows",
                        str(args.naive_rows),
                    ],
                    args.naive_rows,
                ),
            ]:
                seconds, peak, out = run_child(argv, env)
                results.append((database, label, rows, seconds, peak))
                print(
                    f"  {database:<10} {label:<18} {rows:>9,} rows {seconds:7.2f} s {rows / seconds:>10,.0f} rows/s  peak {peak:6.0f} MiB"
                )
                if label == "retain import":
                    print(f"  {'':<10} {out.strip()}")
            if database == "postgresql":
                import psycopg

                with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB}")

    print()
    print(
        f"{'database':<11}{'method':<19}{'rows':>10}{'seconds':>9}{'rows/s':>11}{'peak MiB':>10}{'vs naive':>10}"
    )
    for database, label, rows, seconds, peak in results:
        naive = next(r for r in results if r[0] == database and r[1] == "naive ORM loop")
        speedup = (rows / seconds) / (naive[2] / naive[3])
        print(
            f"{database:<11}{label:<19}{rows:>10,}{seconds:>9.2f}{rows / seconds:>11,.0f}{peak:>10.0f}{speedup:>9.1f}x"
        )
    print(
        json.dumps(
            [
                dict(zip(["database", "method", "rows", "seconds", "peak_mib"], r, strict=True))
                for r in results
            ]
        )
    )


if __name__ == "__main__":
    main()
