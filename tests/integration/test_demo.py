"""`retain demo`: a deterministic, believable demo company whose churn follows hidden satisfaction.

Most checks read one demo company loaded once for the module (120 clients);
tests that reload or delete it run inside a transaction that is rolled back, so
the shared company is back for the next test.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from statistics import mean

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from retain.accounts.models import User
from retain.clients.choices import ClientStatus, LifecycleStage, TimelineKind
from retain.clients.models import (
    Client,
    Contact,
    OwnershipChange,
    SubscriptionLine,
    TimelineEntry,
    Transaction,
    UsageEvent,
)
from retain.clients.selectors import list_clients
from retain.demo import vocabulary
from retain.demo.generator import generate_company
from retain.demo.models import ClientTruth
from retain.demo.records import SHOCKS
from retain.demo.services import (
    DEMO_PASSWORD,
    DemoSummary,
    delete_demo_company,
    load_demo_company,
)
from tests.demo import demo_company
from tests.factories import ClientFactory

AS_OF = date(2026, 6, 15)
HISTORY_START = date(2023, 6, 1)  # 36 months before AS_OF's month
END = datetime(2026, 6, 15, tzinfo=UTC)  # nothing happens on or after it
CLIENTS = 120
SEED = 7
DEMO_EMAILS = Q(email__iendswith=f"@{vocabulary.STAFF_DOMAIN}")
LOGIN_LINE = (
    "Sign in at http://127.0.0.1:8000/ as clara.weiss@brightwell.example "
    "with password retain-demo-2026"
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[DemoSummary]:
    """One demo company, committed, shared by the module's tests; removed afterwards."""
    with demo_company(django_db_blocker, clients=CLIENTS, seed=SEED, as_of=AS_OF) as summary:
        yield summary


@pytest.fixture(autouse=True)
def default_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The login line names RETAIN_BIND when set; these tests expect the default."""
    monkeypatch.delenv("RETAIN_BIND", raising=False)


# model -> (ordering, fields): everything the demo writes, by natural keys, for _digest().
DIGESTED = {
    Client: (
        "external_id",
        "external_id name segment industry country lifecycle_stage status churned_on "
        "churn_reason owner__email backup_owner__email created_at",
    ),
    SubscriptionLine: (
        "client__external_id start_date product",
        "client__external_id product start_date end_date mrr quantity billing_period_months "
        "discount_percent",
    ),
    Transaction: (
        "client__external_id occurred_at order_id",
        "client__external_id occurred_at amount order_id",
    ),
    Contact: (
        "client__external_id email",
        "client__external_id name email phone role is_primary",
    ),
    OwnershipChange: (
        "client__external_id changed_at role",
        "client__external_id role previous_user__email new_user__email changed_at note",
    ),
    UsageEvent: (
        "client__external_id occurred_at event_type__name value user",
        "client__external_id occurred_at event_type__name value user",
    ),
    TimelineEntry: (
        "client__external_id occurred_at kind subject",
        "client__external_id occurred_at kind department__slug author__email subject body",
    ),
    ClientTruth: (
        "client__external_id",
        "client__external_id satisfaction_by_month shocks_by_month churned main_churn_driver "
        "revenue_weight",
    ),
}


def _digest() -> str:
    """A fingerprint of the demo's data by natural keys (database ids differ between loads)."""
    digest = hashlib.sha256()
    for model, (ordering, fields) in DIGESTED.items():
        rows = model._default_manager.order_by(*ordering.split()).values_list(*fields.split())
        for row in rows.iterator(chunk_size=10_000):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _truths() -> list[ClientTruth]:
    return list(ClientTruth.objects.select_related("client"))


# --- Determinism


def test_the_generator_is_deterministic_and_seeded():
    first = generate_company(clients=40, seed=1, as_of=AS_OF)
    again = generate_company(clients=40, seed=1, as_of=AS_OF)
    other = generate_company(clients=40, seed=2, as_of=AS_OF)

    assert first.timeline == again.timeline
    assert first.subscriptions == again.subscriptions
    assert np.array_equal(first.usage.occurred_us, again.usage.occurred_us)
    assert first.clients.name != other.clients.name
    assert first.timeline != other.timeline


def test_same_seed_loads_identical_data(demo, db):
    before = _digest()

    load_demo_company(clients=CLIENTS, seed=SEED, as_of=AS_OF, replace=True)

    assert _digest() == before


def test_another_seed_loads_different_data(demo, db):
    before = _digest()

    load_demo_company(clients=CLIENTS, seed=SEED + 1, as_of=AS_OF, replace=True)

    assert Client.objects.count() == CLIENTS
    assert _digest() != before


# --- Revenue


def test_top_fifth_of_paying_clients_brings_70_to_90_percent_of_mrr(demo, db):
    # 300 clients: at 120 the share of a few giants still swings by +-0.1 between seeds.
    summary = load_demo_company(clients=300, seed=SEED, as_of=AS_OF, replace=True)

    # The MRR the product itself shows (its summary is as of the last day of history).
    mrr = sorted(
        (float(c.mrr) for c in list_clients() if c.mrr > 0),
        reverse=True,
    )
    top_fifth = sum(mrr[: -(-len(mrr) // 5)]) / sum(mrr)

    assert len(mrr) > 200
    assert 0.70 <= top_fifth <= 0.90
    assert summary.top_fifth_mrr_share == pytest.approx(top_fifth, abs=1e-6)


def test_bigger_segments_pay_more(demo, db):
    by_segment: dict[str, list[float]] = {}
    for client in list_clients():
        if client.mrr > 0:
            by_segment.setdefault(client.segment, []).append(float(client.mrr))

    assert set(by_segment) == {"enterprise", "mid-market", "smb"}
    assert mean(by_segment["enterprise"]) > mean(by_segment["mid-market"]) > mean(by_segment["smb"])


# --- Churn follows the hidden satisfaction


def test_churned_clients_were_less_satisfied_than_survivors(demo, db):
    truths = _truths()
    churned = [t for t in truths if t.churned]
    stayed = [t for t in truths if not t.churned]

    assert len(truths) == CLIENTS
    assert 10 <= len(churned) <= 60
    churned_final = mean(t.final_satisfaction for t in churned)
    stayed_final = mean(t.final_satisfaction for t in stayed)
    assert churned_final < stayed_final - 0.15
    assert all(0.0 <= s <= 1.0 for t in truths for s in t.satisfaction_by_month)


def test_truth_agrees_with_the_client_records(demo, db):
    for truth in _truths():
        client = truth.client
        assert truth.churned == (client.status == ClientStatus.CHURNED)
        assert truth.initial_satisfaction == truth.satisfaction_by_month[0]
        assert truth.final_satisfaction == truth.satisfaction_by_month[-1]
        assert truth.revenue_weight >= 1.0
        if truth.churned:
            assert client.churned_on is not None and client.churn_reason
            assert truth.main_churn_driver in {*SHOCKS, "drift"}
        else:
            assert client.churned_on is None and truth.main_churn_driver == ""
        for month, shocks in truth.shocks_by_month.items():
            assert 0 <= int(month) < len(truth.satisfaction_by_month)
            assert set(shocks) <= set(SHOCKS)


def test_churned_clients_used_the_product_less_before_they_left(demo, db):
    first_quarter, last_quarter = [], []
    for client in Client.objects.filter(status=ClientStatus.CHURNED):
        started = max(client.created_at.date(), HISTORY_START)
        if (client.churned_on - started).days < 240:
            continue  # too short a life to compare its first and last quarters
        start = datetime.combine(started, datetime.min.time(), tzinfo=UTC)
        stop = datetime.combine(client.churned_on, datetime.min.time(), tzinfo=UTC)
        events = UsageEvent.objects.filter(client=client)
        first_quarter.append(
            events.filter(
                occurred_at__gte=start, occurred_at__lt=start + timedelta(days=91)
            ).count()
        )
        last_quarter.append(
            events.filter(occurred_at__gte=stop - timedelta(days=91), occurred_at__lt=stop).count()
        )

    assert len(first_quarter) >= 8
    assert mean(last_quarter) < 0.85 * mean(first_quarter)


def test_churned_clients_had_more_incidents(demo, db):
    rates: dict[bool, list[float]] = {True: [], False: []}
    incidents = Count(
        "client__timeline",
        filter=Q(client__timeline__kind=TimelineKind.INCIDENT)
        | Q(client__timeline__body__startswith="No reply for"),
    )
    for truth in ClientTruth.objects.annotate(incidents=incidents):
        rates[truth.churned].append(truth.incidents / len(truth.satisfaction_by_month))

    assert mean(rates[True]) > 1.3 * mean(rates[False])


# --- A believable company


def test_every_client_has_one_primary_contact_an_owner_and_a_different_backup(demo, db):
    clients = Client.objects.annotate(
        contacts_count=Count("contacts"),
        primaries=Count("contacts", filter=Q(contacts__is_primary=True)),
        emails=Count("contacts__email", distinct=True),
    )

    assert clients.count() == CLIENTS
    for client in clients:
        assert 1 <= client.contacts_count <= 5
        assert client.primaries == 1
        assert client.emails == client.contacts_count
        assert client.owner_id is not None and client.backup_owner_id is not None
        assert client.owner_id != client.backup_owner_id
        assert re.fullmatch(r"C\d{5}", client.external_id)
        assert re.fullmatch(r"[A-Z]{2}", client.country) and client.country in vocabulary.COUNTRIES
        assert client.segment in vocabulary.SEGMENTS
        assert client.lifecycle_stage in LifecycleStage.values
        assert client.created_at < END
    assert len(set(clients.values_list("name", flat=True))) == CLIENTS


def test_ownership_history_has_notes_and_mid_life_changes(demo, db):
    changes = OwnershipChange.objects.all()

    assert changes.filter(previous_user__isnull=True).count() == 2 * CLIENTS  # first owner, backup
    assert changes.filter(previous_user__isnull=False, role="owner").count() >= 5
    assert all(note.strip() for note in changes.values_list("note", flat=True))
    # The latest change per client and role names the client's current owner and backup.
    for client in Client.objects.all():
        latest = client.ownership_changes.order_by("-changed_at", "-id")
        assert latest.filter(role="owner").first().new_user_id == client.owner_id
        assert latest.filter(role="backup").first().new_user_id == client.backup_owner_id


def test_about_25_staff_in_many_departments_and_the_logins_work(demo, db):
    staff = User.objects.filter(DEMO_EMAILS)

    assert 22 <= staff.filter(is_active=True).count() <= 30
    assert staff.order_by().values("department").distinct().count() == 12
    assert set(staff.values_list("role", flat=True)) == {"admin", "manager", "member"}
    assert all(user.username == user.email.lower() for user in staff)
    admin, manager, member = demo.logins
    assert (admin.role, manager.role, member.role) == ("admin", "manager", "member")
    signed_in = authenticate(username=admin.email, password=DEMO_PASSWORD)
    assert signed_in is not None and signed_in.is_superuser
    # Only account managers own clients.
    owners = User.objects.filter(owned_clients__isnull=False).distinct()
    assert set(owners.values_list("department__slug", flat=True)) == {"account-management"}


def test_timeline_comes_from_many_departments_in_their_own_words(demo, db):
    entries = TimelineEntry.objects.select_related("author", "department")

    departments = set(entries.values_list("department__slug", flat=True))
    assert len(departments) >= 6
    assert set(entries.values_list("kind", flat=True)) <= set(TimelineKind.values)
    for entry in entries:
        assert entry.author.department_id == entry.department_id
        assert entry.occurred_at < END
        assert entry.subject
    assert entries.filter(kind=TimelineKind.INCIDENT, subject__startswith="Late delivery").exists()
    assert entries.filter(kind=TimelineKind.TICKET, body__startswith="No reply for").exists()


def test_subscriptions_transactions_and_usage_are_consistent(demo, db):
    for line in SubscriptionLine.objects.select_related("client"):
        assert line.mrr >= 0
        if line.client.status == ClientStatus.CHURNED:
            assert line.end_date is not None and line.end_date < line.client.churned_on
    with_contract = SubscriptionLine.objects.order_by().values("client").distinct().count()
    assert 0.6 * CLIENTS < with_contract < CLIENTS  # some clients buy without a contract
    for order_id in Transaction.objects.values_list("order_id", flat=True):
        assert re.fullmatch(r"SO-\d{6}(-CR)?", order_id)
    events = UsageEvent.objects.all()
    assert 20_000 <= events.count() <= 60_000  # ~200-400k for 1,000 clients
    assert not events.filter(occurred_at__gte=END).exists()
    assert not events.filter(occurred_at__lt=datetime(2023, 5, 29, tzinfo=UTC)).exists()


# --- The command


def test_if_empty_leaves_an_existing_database_alone(demo, db):
    before = _digest()
    out = StringIO()

    call_command("demo", "--if-empty", "--clients", "30", stdout=out)

    assert "nothing loaded" in out.getvalue()
    assert LOGIN_LINE in out.getvalue()
    assert _digest() == before


def test_if_empty_loads_an_empty_database(demo, db):
    delete_demo_company()
    out = StringIO()

    call_command("demo", "--if-empty", "--clients", "25", "--as-of", AS_OF.isoformat(), stdout=out)

    assert Client.objects.count() == 25
    assert "Loaded the demo company" in out.getvalue()
    assert LOGIN_LINE in out.getvalue()
    assert "sofia.marchetti@brightwell.example" in out.getvalue()  # a manager
    assert "jonas.berg@brightwell.example" in out.getvalue()  # a member


def test_an_existing_database_is_refused(demo, db):
    before = _digest()

    with pytest.raises(CommandError, match=r"already has 120 clients.*--reset"):
        call_command("demo", "--clients", "30", stdout=StringIO())

    assert _digest() == before


def test_reset_replaces_the_demo(demo, db):
    out = StringIO()

    call_command("demo", "--reset", "--clients", "30", "--seed", "3", stdout=out)

    assert Client.objects.count() == 30
    assert ClientTruth.objects.count() == 30
    assert User.objects.filter(DEMO_EMAILS).count() == len(vocabulary.STAFF)
    assert set(Client.objects.values_list("external_id", flat=True)) == {
        f"C{i:05d}" for i in range(1, 31)
    }
    assert UsageEvent.objects.exclude(client__in=Client.objects.all()).count() == 0
    # The deletion left no history behind: only the new demo's "created" rows remain.
    assert Client.history.count() == 30
    assert set(Client.history.values_list("history_change_reason", flat=True)) == {
        "demo company loaded"
    }
    assert LOGIN_LINE in out.getvalue()


def test_reset_refuses_to_mix_with_clients_the_demo_did_not_create(demo, db):
    ClientFactory(external_id="REAL-1", name="A real client")

    with pytest.raises(CommandError, match="did not create"):
        call_command("demo", "--reset", "--clients", "30", stdout=StringIO())

    assert Client.objects.count() == CLIENTS + 1  # the demo is still there, untouched


def test_if_empty_and_reset_exclude_each_other(demo, db):
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("demo", "--if-empty", "--reset", stdout=StringIO())
