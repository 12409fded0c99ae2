"""The real `retain` command in its own process, on its own SQLite database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

# These tests run the command on a database file of their own, whatever DATABASE_URL
# says, so the PostgreSQL pass of the suite would only repeat them.
pytestmark = pytest.mark.own_database

Run = Callable[..., subprocess.CompletedProcess[str]]


def _runner(database: Path, var: Path) -> Run:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", RETAIN_VAR_DIR=str(var))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "retain", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file after `retain init`, made once (init takes about 9 s): each test
    starts from a copy of it."""
    folder = tmp_path_factory.mktemp("initialised")
    database = folder / "retain.sqlite3"
    result = _runner(database, folder / "var")("init")
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(database)) as db:  # everything in the file itself
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database


@pytest.fixture
def retain(initialised: Path, tmp_path: Path) -> Run:
    """Run `python -m retain ...` against a fresh initialised database file in tmp_path."""
    shutil.copyfile(initialised, tmp_path / "retain.sqlite3")
    return _runner(tmp_path / "retain.sqlite3", tmp_path / "var")


def count_events(tmp_path: Path) -> int:
    with closing(sqlite3.connect(tmp_path / "retain.sqlite3")) as db:
        return db.execute("SELECT COUNT(*) FROM clients_usageevent").fetchone()[0]


def test_bad_file_exits_2_names_the_row_and_writes_nothing(retain, tmp_path):
    (tmp_path / "clients.csv").write_text(
        "external_id,name,segment,industry,country,owner_email,created_at\nC1,Acme,,,,,\n"
    )
    (tmp_path / "events.csv").write_text(
        "client_external_id,occurred_at,event_type,value,user\n"
        "C1,2024-01-01T09:00:00Z,login,1,ann\n"
        "C2,2024-01-01T09:00:00Z,login,1,bob\n"
    )
    assert retain("import", "clients", str(tmp_path / "clients.csv")).returncode == 0

    result = retain("import", "events", str(tmp_path / "events.csv"))

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'events.csv'}:3: client_external_id: no client with this external id",
        f"{tmp_path / 'events.csv'}: 1 error; nothing was imported.",
    ]
    assert count_events(tmp_path) == 0


def test_import_then_export_gives_the_file_back(retain, tmp_path):
    clients = 'external_id,name,segment,industry,country,owner_email,created_at\r\nC1,"\'=Acme, Inc",smb,,DE,,2024-01-01T00:00:00Z\r\n'
    (tmp_path / "clients.csv").write_text(clients, newline="")
    assert retain("import", "clients", str(tmp_path / "clients.csv")).returncode == 0

    exported = retain("export", "clients", str(tmp_path / "out.csv"))

    assert exported.returncode == 0
    assert exported.stdout == f"{tmp_path / 'out.csv'}: 1 row of clients written.\n"
    assert (tmp_path / "out.csv").read_bytes() == clients.encode()


def test_check_consistency_json_is_only_json_while_mail_goes_out(retain, tmp_path):
    """Standard output holds the mismatches, one JSON object per line; the owner's mail
    about the new incident is queued with it and sent by the worker (console mail, the
    default, on standard error)."""
    import json

    assert (
        retain(
            "createuser",
            "olivia@retain.test",
            "--department",
            "account-management",
            "--password",
            "lantern-orchard-velvet-42",
        ).returncode
        == 0
    )
    (tmp_path / "clients.csv").write_text(
        "external_id,name,segment,industry,country,owner_email,created_at\n"
        "C1,Acme,,,,olivia@retain.test,\n"
    )
    (tmp_path / "documents.csv").write_text(
        "client_external_id,kind,number,follows_number,issued_on,promised_on,delivered_on,"
        "terms,line,sku,description,attributes,quantity,unit_price,discount\n"
        "C1,order,O-1,,2026-02-01,2026-02-20,,,1,SN-S2,,colour=blue,10,189,0\n"
        "C1,delivery,D-1,O-1,2026-02-18,,2026-02-18,,1,SN-S2,,colour=white,10,0,0\n"
    )
    assert retain("import", "clients", str(tmp_path / "clients.csv")).returncode == 0
    assert retain("import", "documents", str(tmp_path / "documents.csv")).returncode == 0

    result = retain("check-consistency", "--json", "--as-of", "2026-06-01")

    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["field"] == "attributes.colour"
    assert result.stderr.rstrip().endswith("1 mismatch(es); 1 new incident(s).")
    assert "To:" not in result.stdout + result.stderr  # queued, not sent by the command

    sent = retain("tick")
    assert sent.returncode == 0, sent.stderr
    assert "To: olivia@retain.test" in sent.stderr
    assert "http://127.0.0.1:8000/incidents/1/" in sent.stderr
    assert retain("tick").stderr.count("To: olivia@retain.test") == 0  # sent once
