"""Benchmark: `retain check-consistency` over 1,000 clients with three years of documents.

For each database, on a fresh schema: --clients clients, each with --years chain years
(a quote, a contract and --orders orders a year, each delivered and invoiced: 2 + 3 x
orders documents a year, one to three lines each), with the demo's planted mismatches
(docs/coordination.md). Measured, each in its own process (max RSS from wait4):

  * check-consistency      the real command, end to end (process start included), first
                           run: finds every mismatch and opens an incident for each
  * again                  the same command once more: finds them, opens nothing new
  * report only            --no-incidents
  * bare read (baseline)   the floor: every document and line read with one plain SQL
                           query each through the driver, no engine, no Django
  * process start          `retain check-consistency --help`: what any command costs

Every run checks that the mismatches found are exactly the planted ones. Target: the
check at most 10 s on each database. Usage:

    .venv/bin/python benchmarks/check_consistency.py [--clients 1000] [--years 3]
        [--orders 12] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from import_events import RETAIN, prepare_database, run_child  # noqa: E402

PYTHON = sys.executable
AS_OF = date(2026, 6, 1)
TARGET_SECONDS = 10.0


def stage_load(clients: int, years: int, orders: int) -> None:
    """Clients and their document chains, written as the demo writes them."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from retain.clients.models import Client
    from retain.demo.documents import generate_chains
    from retain.demo.services import write_document_chains
    from retain.documents.models import Document, DocumentLine

    started = AS_OF - timedelta(days=365 * years + 60)
    external_ids = [f"B{i:05d}" for i in range(clients)]
    chains = generate_chains(
        [(i, external_id, started) for i, external_id in enumerate(external_ids)],
        as_of=AS_OF,
        seed=2026,
        years=years,
        orders_per_year=orders,
    )
    with transaction.atomic():
        created = Client.objects.bulk_create(
            Client(
                external_id=external_id,
                name=f"Benchmark client {external_id}",
                created_at=timezone.now(),
            )
            for external_id in external_ids
        )
        write_document_chains(chains, [client.pk for client in created])
    planted = sorted(
        [external_ids[p.client], p.kind, list(p.documents), p.item, p.field] for p in chains.planted
    )
    print(
        json.dumps(
            {
                "documents": Document.objects.count(),
                "lines": DocumentLine.objects.count(),
                "planted": planted,
            }
        )
    )


def stage_bare(database_url: str) -> None:
    """The floor: every document and line, one plain query each, through the driver."""
    documents = (
        "SELECT id, client_id, kind, number, follows_id, promised_on, delivered_on, terms "
        "FROM documents_document ORDER BY client_id, id"
    )
    lines = (
        "SELECT document_id, sku, quantity, unit_price, discount, attributes "
        "FROM documents_documentline ORDER BY document_id, line"
    )
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as conn:
            counts = [len(conn.execute(query).fetchall()) for query in (documents, lines)]
    else:
        import sqlite3

        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        counts = [len(conn.execute(query).fetchall()) for query in (documents, lines)]
    print(json.dumps({"rows": sum(counts)}))


def _found(out: str) -> list[list[object]]:
    found = []
    for line in out.splitlines():
        if line.startswith("{"):
            m = json.loads(line)
            found.append(
                [m["client_external_id"], m["kind"], m["documents"], m["item"], m["field"]]
            )
    return sorted(found)


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> list[dict[str, object]]:
    env = prepare_database(kind, workdir)
    env["PYTHONPATH"] = str(ROOT / "src")
    load_seconds, _, out = run_child(
        [
            PYTHON,
            __file__,
            "--stage",
            "load",
            "--clients",
            str(args.clients),
            "--years",
            str(args.years),
            "--orders",
            str(args.orders),
        ],
        env,
    )
    loaded = json.loads(out.strip().splitlines()[-1])
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    print(
        f"{kind}: {args.clients:,} clients, {loaded['documents']:,} documents, "
        f"{loaded['lines']:,} lines, {len(loaded['planted'])} planted mismatches; "
        f"loaded in {load_seconds:.1f} s",
        flush=True,
    )
    check = [*RETAIN, "check-consistency", "--json", "--as-of", AS_OF.isoformat()]
    results = []
    for name, argv in [
        ("check-consistency", check),
        ("again", check),
        ("report only", [*check, "--no-incidents"]),
        (
            "bare read (baseline)",
            [PYTHON, __file__, "--stage", "bare", "--database-url", env["DATABASE_URL"]],
        ),
        ("process start", [*RETAIN, "check-consistency", "--help"]),
    ]:
        seconds, rss, out = run_child(argv, env)
        row: dict[str, object] = {
            "database": kind,
            "run": name,
            "seconds": round(seconds, 2),
            "max_rss_mib": round(rss),
        }
        if argv[: len(check)] == check:
            found = _found(out)
            row["mismatches"] = len(found)
            row["exact"] = found == loaded["planted"]
            row["summary"] = out.strip().splitlines()[-1]
            if not row["exact"]:
                raise SystemExit(f"{kind} {name}: the mismatches found are not the planted ones")
        results.append(row)
        verdict = ""
        if name == "check-consistency":
            verdict = "met" if seconds <= TARGET_SECONDS else "MISSED"
        print(
            f"  {kind:<11}{name:<22}{seconds:>8.2f} s {rss:>7.0f} MiB"
            + (
                f"  {row['mismatches']} found, exactly the planted: {row['exact']}"
                if "exact" in row
                else ""
            )
            + (f"  target <= {TARGET_SECONDS:.0f} s: {verdict}" if verdict else ""),
            flush=True,
        )
    if kind == "postgresql":
        import psycopg

        from import_events import POSTGRES_ADMIN, POSTGRES_DB

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--orders", type=int, default=12, help="orders per contract year")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--stage", choices=["load", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "load":
        stage_load(args.clients, args.years, args.orders)
        return
    if args.stage == "bare":
        stage_bare(args.database_url)
        return
    print(
        f"check-consistency: {args.clients:,} clients x {args.years} years, {args.orders} orders "
        f"a year; {os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="retain-bench-consistency-") as tmp:
        for kind in args.databases.split(","):
            results.extend(run_database(kind, args, Path(tmp)))
    print(json.dumps({"clients": args.clients, "years": args.years, "results": results}))


if __name__ == "__main__":
    main()
