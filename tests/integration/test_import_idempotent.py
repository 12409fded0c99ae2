"""Importing the same file twice changes nothing; changed rows update in place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from retain.clients.models import (
    Client,
    Contact,
    OwnershipChange,
    SubscriptionLine,
    Transaction,
    UsageEvent,
)
from retain.transfer.models import ImportRun
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.integration.transfer_helpers import run_import, write_csv

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    """Everything the importers can write, as comparable tuples."""
    return {
        "clients": list(Client.objects.order_by("id").values_list()),
        "contacts": list(Contact.objects.order_by("id").values_list()),
        "subscriptions": list(SubscriptionLine.objects.order_by("id").values_list()),
        "transactions": list(Transaction.objects.order_by("id").values_list()),
        "events": list(UsageEvent.objects.order_by("id").values_list()),
        "ownership": list(OwnershipChange.objects.order_by("id").values_list()),
        "client_history": [Client.history.count()],
    }


@pytest.fixture
def acme(db):
    """The client the rows refer to."""
    return ClientFactory(external_id="ACME", name="Acme")


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        (
            "clients",
            ["C1,Acme,enterprise,Manufacturing,de,,2024-01-01T08:00:00+01:00", "C2,Beta,,,,,"],
        ),
        ("contacts", ["ACME,Ann Lee,ann@acme.test,+49 30 1234,CEO,true", "ACME,Bob,,,,no"]),
        (
            "subscriptions",
            [
                "ACME,Platform,2024-01-01,,1200.50,3,12,10",
                "ACME,Support,2024-01-01,2024-12-31,99,,,",
            ],
        ),
        (
            "transactions",
            [
                "ACME,2024-03-01T10:00:00Z,250.00,SO-1",
                "ACME,2024-03-02T10:00:00Z,99.5,",
                "ACME,2024-03-02T10:00:00Z,99.50,",
            ],
        ),
        (
            "events",
            [
                "ACME,2024-03-01T10:00:00Z,login,1,ann",
                "ACME,2024-03-01T10:00:00Z,login,1,ann",
                "ACME,2024-03-01 11:00,export,,",
            ],
        ),
    ],
)
def test_second_import_of_the_same_file_changes_nothing(tmp_path, acme, kind, rows):
    path = write_csv(tmp_path / f"{kind}.csv", kind, rows)
    first = run_import(kind, path)
    assert first.status == 0, first.err
    after_first = snapshot()
    second = run_import(kind, path)
    assert second.status == 0, second.err
    assert f"{len(rows)} rows read; 0 created, 0 updated, {len(rows)} unchanged." in second.out
    assert snapshot() == after_first
    assert ImportRun.objects.filter(kind=kind).count() == 2


def test_identical_events_are_two_events_and_stay_two(tmp_path, acme):
    path = write_csv(tmp_path / "e.csv", "events", ["ACME,2024-03-01T10:00:00Z,click,1,ann"] * 2)
    run_import("events", path)
    run_import("events", path)
    assert UsageEvent.objects.count() == 2


def test_a_third_identical_event_in_a_later_file_is_added(tmp_path, acme):
    run_import(
        "events",
        write_csv(tmp_path / "a.csv", "events", ["ACME,2024-03-01T10:00:00Z,click,1,ann"] * 2),
    )
    result = run_import(
        "events",
        write_csv(tmp_path / "b.csv", "events", ["ACME,2024-03-01T10:00:00Z,click,1,ann"] * 3),
    )
    assert "1 created" in result.out
    assert UsageEvent.objects.count() == 3


def test_identical_events_split_across_batches_are_all_kept(tmp_path, acme, settings):
    settings.IMPORT_BATCH_ROWS = 2
    rows = ["ACME,2024-03-01T10:00:00Z,click,1,ann"] * 5
    run_import("events", write_csv(tmp_path / "a.csv", "events", rows[:1]))
    result = run_import("events", write_csv(tmp_path / "b.csv", "events", rows))
    assert "4 created, 0 updated, 1 unchanged" in result.out
    assert UsageEvent.objects.count() == 5


def test_messy_but_legitimate_file_is_accepted(tmp_path, acme):
    """Byte-order mark, Windows line endings, spaced header, blank line, offsets, blank value."""
    path = tmp_path / "messy.csv"
    path.write_bytes(
        b"\xef\xbb\xbf client_external_id , occurred_at,event_type,value,user\r\n"
        b"ACME,2024-03-01T10:00:00+02:00,login,,\r\n"
        b"\r\n"
        b' ACME ,2024-03-01 08:00:00,login,2.5,"ann, from sales"\r\n'
    )
    result = run_import("events", path)
    assert result.status == 0, result.err
    events = list(UsageEvent.objects.order_by("id").values_list("occurred_at", "value", "user"))
    moment = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert events == [(moment, 1.0, ""), (moment, 2.5, "ann, from sales")]


def test_changed_client_is_updated_and_owner_change_gets_a_handoff_note(tmp_path):
    first_owner = UserFactory(email="first@retain.test")
    second_owner = UserFactory(email="second@retain.test")
    run_import(
        "clients",
        write_csv(tmp_path / "a.csv", "clients", ["C1,Acme,smb,,,first@retain.test,2024-01-01"]),
    )
    result = run_import(
        "clients",
        write_csv(tmp_path / "b.csv", "clients", ["C1,Acme GmbH,smb,,,SECOND@retain.test,"]),
    )
    assert "0 created, 1 updated, 0 unchanged" in result.out
    client = Client.objects.get(external_id="C1")
    assert (client.name, client.owner, client.version) == ("Acme GmbH", second_owner, 2)
    assert client.created_at == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    changes = list(
        client.ownership_changes.order_by("id").values_list("previous_user", "new_user", "note")
    )
    assert changes == [
        (None, first_owner.pk, "Owner set by import of a.csv."),
        (first_owner.pk, second_owner.pk, "Owner set by import of b.csv."),
    ]
    assert [h.history_change_reason for h in client.history.order_by("history_id")] == [
        "import of a.csv",
        "import of b.csv",
    ]


def test_new_primary_contact_replaces_the_old_one(tmp_path, acme):
    old = ContactFactory(client=acme, name="Old", email="old@acme.test", is_primary=True)
    result = run_import(
        "contacts", write_csv(tmp_path / "k.csv", "contacts", ["ACME,New,new@acme.test,,,true"])
    )
    assert result.status == 0, result.err
    old.refresh_from_db()
    assert old.is_primary is False
    assert Contact.objects.get(email="new@acme.test").is_primary is True


def test_subscription_upsert_by_client_product_and_start(tmp_path, acme):
    run_import(
        "subscriptions",
        write_csv(tmp_path / "a.csv", "subscriptions", ["ACME,Platform,2024-01-01,,100,1,1,0"]),
    )
    run_import(
        "subscriptions",
        write_csv(
            tmp_path / "b.csv", "subscriptions", ["ACME,Platform,2024-01-01,2024-06-30,150,2,1,5.5"]
        ),
    )
    line = SubscriptionLine.objects.get()
    assert (line.end_date, line.mrr, line.quantity, line.discount_percent) == (
        dt.date(2024, 6, 30),
        Decimal("150.00"),
        2,
        Decimal("5.50"),
    )


def test_import_as_a_team_member_is_audited(tmp_path):
    member = UserFactory(email="importer@retain.test")
    run_import(
        "clients",
        write_csv(tmp_path / "a.csv", "clients", ["C1,Acme,,,,,"]),
        "--as",
        "importer@retain.test",
    )
    assert Client.history.get().history_user == member
    assert ImportRun.objects.get().actor == member
