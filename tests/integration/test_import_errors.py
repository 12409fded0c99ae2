"""Bad input: exit status 2, every problem as FILE:ROW: column: problem, nothing written."""

from __future__ import annotations

import pytest

from retain.clients.models import Client, Contact, SubscriptionLine, Transaction, UsageEvent
from tests.factories import ClientFactory, UserFactory
from tests.integration.transfer_helpers import run_import, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    """The one client the rows refer to."""
    return ClientFactory(external_id="ACME", name="Acme")


def test_missing_column_is_reported_on_the_header_row(tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        "clients",
        ["C1,Acme,smb,,DE,2024-01-01"],
        header="external_id,name,segment,industry,country,created_at",
    )
    result = run_import("clients", path)
    assert result.status == 2
    assert result.error_lines[0] == f"{path}:1: owner_email: missing column"
    assert Client.objects.count() == 0


def test_unknown_column_is_reported_on_the_header_row(tmp_path, acme):
    path = write_csv(
        tmp_path / "e.csv",
        "events",
        ["ACME,2024-01-01T00:00:00Z,login,1,u,x"],
        header="client_external_id,occurred_at,event_type,value,user,colour",
    )
    result = run_import("events", path)
    assert result.status == 2
    assert result.error_lines[0].startswith(f"{path}:1: colour: unknown column (expected: ")
    assert UsageEvent.objects.count() == 0


def test_bad_date_names_file_row_and_column(tmp_path, acme):
    path = write_csv(
        tmp_path / "e.csv",
        "events",
        [
            "ACME,2024-01-01T00:00:00Z,login,1,u",
            "ACME,2024-02-30T00:00:00Z,login,1,u",
        ],
    )
    result = run_import("events", path)
    assert result.status == 2
    assert result.error_lines[0] == (
        f"{path}:3: occurred_at: not an ISO 8601 date and time (e.g. 2024-05-01T09:30:00Z)"
    )
    assert UsageEvent.objects.count() == 0


def test_bad_number_names_file_row_and_column(tmp_path, acme):
    path = write_csv(
        tmp_path / "s.csv",
        "subscriptions",
        [
            "ACME,Platform,2024-01-01,,1.000,1,1,0",
            "ACME,Analytics,2024-01-01,,12a,1,1,0",
        ],
    )
    result = run_import("subscriptions", path)
    assert result.status == 2
    assert result.error_lines[0] == (
        f"{path}:3: mrr: not a number (use a dot for decimals, no thousands separators)"
    )
    assert SubscriptionLine.objects.count() == 0


def test_unknown_client_names_file_row_and_column(tmp_path, acme):
    path = write_csv(
        tmp_path / "t.csv",
        "transactions",
        [
            "ACME,2024-01-01T10:00:00Z,100.00,SO-1",
            "NOPE,2024-01-01T10:00:00Z,100.00,SO-2",
        ],
    )
    result = run_import("transactions", path)
    assert result.status == 2
    assert result.error_lines[0] == f"{path}:3: client_external_id: no client with this external id"
    assert Transaction.objects.count() == 0


def test_duplicate_key_names_both_rows(tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        "clients",
        [
            "C1,Acme,,,,,",
            "C2,Beta,,,,,",
            "C1,Acme again,,,,,",
        ],
    )
    result = run_import("clients", path)
    assert result.status == 2
    assert result.error_lines[0] == f"{path}:4: external_id: duplicate external_id (first on row 2)"
    assert Client.objects.count() == 0


def test_duplicate_contact_email_and_second_primary(tmp_path, acme):
    path = write_csv(
        tmp_path / "k.csv",
        "contacts",
        [
            "ACME,Ann,ann@acme.test,,CEO,true",
            "ACME,Ann B,ANN@acme.test,,CFO,false",
            "ACME,Bob,bob@acme.test,,CTO,yes",
        ],
    )
    result = run_import("contacts", path)
    assert result.status == 2
    assert result.error_lines == [
        f"{path}:3: email: duplicate contact for this client (first on row 2)",
        f"{path}:4: primary: duplicate primary contact for this client (first on row 2)",
        f"{path}: 2 errors; nothing was imported.",
    ]
    assert Contact.objects.count() == 0


def test_wrong_number_of_fields(tmp_path, acme):
    path = write_csv(tmp_path / "e.csv", "events", ["ACME,2024-01-01T00:00:00Z,login,1"])
    result = run_import("events", path)
    assert result.status == 2
    assert result.error_lines[0] == f"{path}:2: -: expected 5 fields, found 4"


def test_file_that_is_not_utf8(tmp_path, acme):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "external_id,name,segment,industry,country,owner_email,created_at\nC1,Café,,,,,\n".encode(
            "latin-1"
        )
    )
    result = run_import("clients", path)
    assert result.status == 2
    assert result.error_lines[0].startswith(f"{path}:2: -: not UTF-8 text")
    assert not Client.objects.filter(external_id="C1").exists()


def test_required_and_range_checks(tmp_path, acme):
    path = write_csv(
        tmp_path / "s.csv",
        "subscriptions",
        [
            "ACME,,2024-01-01,,10,1,1,0",
            "ACME,Platform,2024-05-01,2024-04-01,10,1,1,0",
            "ACME,Support,2024-01-01,,-5,1,0,101",
        ],
    )
    result = run_import("subscriptions", path)
    assert result.error_lines == [
        f"{path}:2: product: required, but empty",
        f"{path}:3: end_date: before start_date",
        f"{path}:4: mrr: must be at least 0",
        f"{path}:4: billing_period_months: must be between 1 and 120",
        f"{path}:4: discount: must be at most 100",
        f"{path}: 5 errors; nothing was imported.",
    ]


def test_first_fifty_errors_then_a_count(tmp_path, acme):
    rows = [f"ACME,not-a-date-{i},login,1,u" for i in range(120)]
    path = write_csv(tmp_path / "e.csv", "events", rows)
    result = run_import("events", path)
    assert result.status == 2
    assert len(result.error_lines) == 52
    assert result.error_lines[0].startswith(f"{path}:2: occurred_at: ")
    assert result.error_lines[49].startswith(f"{path}:51: occurred_at: ")
    assert result.error_lines[50] == "... and 70 more errors"
    assert result.error_lines[51] == f"{path}: 120 errors; nothing was imported."


def test_unknown_owner_email(tmp_path):
    path = write_csv(tmp_path / "c.csv", "clients", ["C1,Acme,,,,nobody@retain.test,"])
    result = run_import("clients", path)
    assert result.error_lines[0] == f"{path}:2: owner_email: no active team member with this email"


def test_one_bad_row_in_100000_writes_nothing(tmp_path, acme, settings):
    """All-or-nothing across batches: earlier batches were written, then rolled back."""
    settings.IMPORT_BATCH_ROWS = 10_000
    rows = [f"ACME,2024-01-01T00:00:{i % 60:02d}Z,login,{i},user{i % 7}" for i in range(99_999)]
    rows.append("ACME,2024-01-01T00:00:00Z,login,not-a-number,user1")
    path = write_csv(tmp_path / "big.csv", "events", rows)
    result = run_import("events", path)
    assert result.status == 2
    assert result.error_lines == [
        f"{path}:100001: value: not a number",
        f"{path}: 1 error; nothing was imported.",
    ]
    assert UsageEvent.objects.count() == 0


def test_owner_who_is_already_the_backup_is_refused(tmp_path):
    backup = UserFactory(email="backup@retain.test")
    ClientFactory(external_id="C1", backup_owner=backup)
    path = write_csv(tmp_path / "c.csv", "clients", ["C1,Acme,,,,backup@retain.test,"])
    result = run_import("clients", path)
    assert result.status == 2
    assert result.error_lines[0] == (
        f"{path}:2: owner_email: is this client's backup owner; "
        "name a different owner or change the backup first"
    )
    assert Client.objects.get(external_id="C1").owner is None
