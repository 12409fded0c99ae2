"""The workspace benchmark's database: many clients, one client with a very long timeline.

Run by ``load_workspace.py`` in a child process with ``DATABASE_URL`` set, after
``retain init``. It writes the way ``retain.demo.services`` does (``bulk_create`` in
big batches, one transaction, revenue summary refreshed at the end) and prints one
JSON line: the ids the load driver needs and how long each part took.

Shape (seeded, so every run builds the same database):
  * ``ACCOUNT_MANAGERS`` account managers own the clients round-robin, each with a backup
    who is another account manager; the first of them is the benchmark user, who signs
    in with ``PASSWORD`` and so owns 1/20 of the clients (5,000 of 100,000);
  * every client has one primary contact and one or two subscription lines (so MRR and
    renewal dates exist), about three timeline entries, and 1 in 200 an ownership change;
  * ``HEAVY_EXTERNAL_ID``, owned by the benchmark user, has ``--entries`` timeline entries
    of mixed kinds and departments.

Vocabulary and ``search_terms`` import nothing from Django, so the parent process can
build its search terms without setting Django up.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

SEED = 20261123
PASSWORD = "bench-workspace-2026"
BENCH_EMAIL = "bench.manager@bench.retain.test"
HEAVY_EXTERNAL_ID = "BENCH-HEAVY"
ACCOUNT_MANAGERS = 20
BATCH_SIZE = 5_000

FIRST = ["Acme", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
         "Juniper", "Kestrel", "Lumen", "Maple", "Nimbus", "Onyx", "Pioneer", "Quarry",
         "Redwood", "Summit", "Tidal", "Umber", "Vertex", "Willow", "Zenith"]  # fmt: skip
SECOND = ["Logistics", "Foods", "Robotics", "Textiles", "Labs", "Freight", "Dental",
          "Analytics", "Builders", "Pharma", "Studios", "Metals", "Farms", "Energy",
          "Optics", "Travel"]  # fmt: skip
SUFFIX = ["Ltd", "GmbH", "Inc", "SA", "BV", "AB", "Oy", "SRL"]
PEOPLE_FIRST = ["Anna", "Ben", "Chiara", "David", "Elif", "Farid", "Greta", "Hugo", "Ines",
                "Jonas", "Kaito", "Lena", "Marta", "Noah", "Olga", "Pavel"]  # fmt: skip
PEOPLE_LAST = ["Andersen", "Brown", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia",
               "Horvat", "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak"]  # fmt: skip
PRODUCTS = ["Core", "Analytics add-on", "Support plus", "Extra seats", "Integrations"]
SEGMENTS = ["smb", "mid-market", "enterprise"]
COUNTRIES = ["DE", "FR", "NL", "SE", "IT", "ES", "PL", "GB"]
SUBJECTS = {
    "meeting": "Quarterly review", "call": "Check-in call", "email": "Follow-up email",
    "note": "Account note", "quote": "Quote sent", "contract": "Contract signed",
    "order": "Order placed", "delivery": "Delivery confirmed", "invoice": "Invoice issued",
    "payment": "Payment received", "ticket": "Support ticket opened",
    "incident": "Delivery incident", "survey": "Survey response",
    "milestone": "Onboarding milestone",
}  # fmt: skip
DEPARTMENT_OF = {
    "meeting": "account-management", "call": "account-management",
    "email": "account-management", "note": "sales", "quote": "sales", "contract": "legal",
    "order": "operations", "delivery": "shipping", "invoice": "billing", "payment": "billing",
    "ticket": "support", "incident": "shipping", "survey": "product",
    "milestone": "account-management",
}  # fmt: skip
KINDS = list(SUBJECTS)


def client_name(rng: random.Random, i: int) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(SUFFIX)} {i}"


def search_terms(clients: int, count: int = 200) -> list[tuple[str, str]]:
    """What people type in the search box, as (kind, term): name words and fragments,
    external ids, contacts' surnames, in equal shares."""
    rng = random.Random(SEED + 1)
    terms: list[tuple[str, str]] = []
    for n in range(count):
        match n % 4:
            case 0:  # a whole word of a company name: matches ~1/24 of the clients
                terms.append(("name word", rng.choice(FIRST)))
            case 1:  # a fragment, as typed halfway: "redw", "ptic"
                word = rng.choice(FIRST + SECOND)
                start = rng.randrange(0, max(1, len(word) - 4))
                terms.append(("name fragment", word[start : start + 4].lower()))
            case 2:  # an external id, exact
                terms.append(("external id", f"W{rng.randrange(1, max(2, clients)):06d}"))
            case _:  # a contact's surname: matches ~1/14 of the clients
                terms.append(("contact surname", rng.choice(PEOPLE_LAST)))
    return terms


def _instant(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86_400))


def load(clients: int, entries: int) -> dict[str, object]:
    """Write the whole data set in one transaction; return what the driver needs."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from retain.accounts.choices import Role
    from retain.accounts.models import Department, User
    from retain.appreciation.models import ThankYou
    from retain.appreciation.services import plan_appreciation
    from retain.cadences.models import TouchTask
    from retain.cadences.services import plan_touches
    from retain.clients.choices import ClientStatus, LifecycleStage, OwnerRole
    from retain.clients.models import (
        Client,
        Contact,
        OwnershipChange,
        SubscriptionLine,
        TimelineEntry,
    )
    from retain.clients.services import index_client_search, refresh_client_revenue

    rng = random.Random(SEED)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    mark = started

    def lap(label: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[label] = round(now - mark, 2)
        print(f"  load: {label:<22} {now - mark:6.1f} s", file=sys.stderr, flush=True)
        mark = now

    today = date.today()
    history_start = datetime(today.year - 5, 1, 1, 9, tzinfo=UTC)
    history_days = (datetime.now(UTC) - history_start).days - 1
    with transaction.atomic():
        departments = {d.slug: d.pk for d in Department.objects.all()}
        # One hash for everyone, as the demo does: PBKDF2 is slow on purpose.
        password = make_password(PASSWORD)
        managers = User.objects.bulk_create(
            [
                User(
                    username=email,
                    email=email,
                    password=password,
                    first_name=PEOPLE_FIRST[n % len(PEOPLE_FIRST)],
                    last_name=f"Manager{n:02d}",
                    department_id=departments["account-management"],
                    role=Role.MEMBER,
                    title="Account manager",
                )
                for n, email in enumerate(
                    [BENCH_EMAIL]
                    + [f"am{n:02d}@bench.retain.test" for n in range(1, ACCOUNT_MANAGERS)]
                )
            ]
        )
        manager_ids = [user.pk for user in managers]
        bench_id = manager_ids[0]
        lap("users")

        rows = []
        for i in range(clients):
            owner = i % ACCOUNT_MANAGERS  # client 0 (BENCH-HEAVY) goes to the benchmark user
            backup = (owner + 1 + rng.randrange(ACCOUNT_MANAGERS - 1)) % ACCOUNT_MANAGERS
            churned = i > 0 and rng.random() < 0.1
            created = _instant(rng, history_start, history_days - 30)
            rows.append(
                Client(
                    external_id=HEAVY_EXTERNAL_ID if i == 0 else f"W{i:06d}",
                    name="Bench Heavy Industries" if i == 0 else client_name(rng, i),
                    segment=rng.choice(SEGMENTS),
                    industry=rng.choice(SECOND),
                    country=rng.choice(COUNTRIES),
                    lifecycle_stage=rng.choice(LifecycleStage.values),
                    status=ClientStatus.CHURNED if churned else ClientStatus.ACTIVE,
                    churned_on=today - timedelta(days=rng.randrange(1, 700)) if churned else None,
                    churn_reason="Moved to a competitor" if churned else "",
                    owner_id=manager_ids[owner],
                    backup_owner_id=manager_ids[backup],
                    created_at=created,
                )
            )
        client_ids = [c.pk for c in Client.objects.bulk_create(rows, batch_size=BATCH_SIZE)]
        heavy_id = client_ids[0]
        lap("clients")

        Contact.objects.bulk_create(
            (
                Contact(
                    client_id=pk,
                    name=f"{rng.choice(PEOPLE_FIRST)} {rng.choice(PEOPLE_LAST)}",
                    email=f"contact{i}@client{i}.example",
                    phone=f"+49 30 {i:07d}",
                    role="Purchasing",
                    is_primary=True,
                )
                for i, pk in enumerate(client_ids)
            ),
            batch_size=BATCH_SIZE,
        )
        lap("contacts")

        lines = []
        for pk in client_ids:
            products = rng.sample(PRODUCTS, rng.choice((1, 1, 2)))
            for product in products:
                start = today - timedelta(days=rng.randrange(30, 1500))
                # Half renew on a date (some within the next 90 days), half are open-ended.
                end = today + timedelta(days=rng.randrange(1, 365)) if rng.random() < 0.5 else None
                lines.append(
                    SubscriptionLine(
                        client_id=pk,
                        product=product,
                        start_date=start,
                        end_date=end,
                        mrr=Decimal(rng.randrange(5_000, 500_000)) / 100,
                        quantity=rng.randrange(1, 50),
                        discount_percent=Decimal(rng.choice((0, 0, 5, 10))),
                    )
                )
        SubscriptionLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
        lap("subscription lines")
        refresh_client_revenue()
        lap("revenue summary")
        index_client_search()
        lap("search terms")

        changes = []
        # Every 199th client, so the handoffs land on every account manager in turn.
        for n, i in enumerate(range(1, clients, 199)):
            pk = client_ids[i]
            new = manager_ids[i % ACCOUNT_MANAGERS]
            changed_at = datetime.now(UTC) - timedelta(days=rng.randrange(1, 400))
            changes.append(
                OwnershipChange(
                    client_id=pk,
                    role=OwnerRole.OWNER,
                    previous_user_id=manager_ids[(i + 3) % ACCOUNT_MANAGERS],
                    new_user_id=new,
                    changed_by_id=manager_ids[(i + 7) % ACCOUNT_MANAGERS],
                    changed_at=changed_at,
                    note="Territory change: handing over with open renewal notes.",
                    # Every third handoff is still waiting for the new owner's nod.
                    acknowledged_at=None if n % 3 == 0 else changed_at + timedelta(days=1),
                )
            )
        OwnershipChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
        lap("ownership changes")

        def entry(client_id: int) -> TimelineEntry:
            kind = rng.choice(KINDS)
            return TimelineEntry(
                client_id=client_id,
                occurred_at=_instant(rng, history_start, history_days),
                kind=kind,
                department_id=departments[DEPARTMENT_OF[kind]],
                author_id=rng.choice(manager_ids),
                subject=SUBJECTS[kind],
                body=f"{SUBJECTS[kind]} recorded by the team; reference {rng.randrange(10**6)}.",
            )

        TimelineEntry.objects.bulk_create(
            (entry(pk) for pk in client_ids[1:] for _ in range(rng.choice((2, 3, 4)))),
            batch_size=BATCH_SIZE,
        )
        lap("timeline (others)")
        TimelineEntry.objects.bulk_create(
            (entry(heavy_id) for _ in range(entries)), batch_size=BATCH_SIZE
        )
        lap("timeline (heavy)")

    # What the worker does each morning, so My clients lists real touch tasks and
    # thank-yous (and the load reports how long the daily plans take at this size).
    plan_touches()
    lap("plan touches (daily)")
    plan_appreciation()
    lap("plan thank-yous (daily)")

    if connection.vendor == "postgresql":
        # autovacuum would vacuum and analyze these fresh tables within a minute or so of
        # the load (the revenue refresh leaves a dead row version of every client); doing
        # it now means the run depends neither on when it gets to them nor on whether the
        # server runs autovacuum at all (this machine's does not).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        lap("vacuum analyze")
    timings["total"] = round(time.perf_counter() - started, 2)
    return {
        "bench_email": BENCH_EMAIL,
        "password": PASSWORD,
        "bench_user_id": bench_id,
        "heavy_client_id": heavy_id,
        "clients": clients,
        "heavy_entries": entries,
        "owned_by_bench_user": Client.objects.filter(owner_id=bench_id).count(),
        "timeline_entries": TimelineEntry.objects.count(),
        "touch_tasks_of_bench_user": TouchTask.objects.filter(owner_id=bench_id).count(),
        "thank_yous_of_bench_user": ThankYou.objects.filter(owner_id=bench_id).count(),
        "load_seconds": timings,
    }


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    print(json.dumps(load(int(sys.argv[1]), int(sys.argv[2]))))
