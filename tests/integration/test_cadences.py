"""Contact cadences: which clients a rule covers, what counts as a touch and by whom,
what is due and overdue, compliance by rule, owner and department."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from retain.accounts.models import Department
from retain.cadences.models import CadenceRule
from retain.cadences.selectors import compliance, touches, touches_due_for
from retain.clients.models import Client, TimelineEntry
from tests.factories import ClientFactory, UserFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db

OWNER_30, EXEC_90, QBR = (
    "Top 20%: a touch by the owner every 30 days",
    "Top 20%: an executive touch every 90 days",
    "Top 20%: a business review every quarter",
)


@pytest.fixture
def book(owner, teammate):
    """Ten clients a year old, MRR 100..1000: the top 20% are the last two."""
    clients = []
    for n in range(10):
        client = ClientFactory(
            owner=owner if n % 2 else teammate,
            created_at=timezone.now() - dt.timedelta(days=365),
            name=f"Client {n}",
        )
        Client.objects.filter(pk=client.pk).update(mrr=Decimal(100 * (n + 1)))
        clients.append(client)
    return clients


def _touch(client, author, kind="call", days_ago=1):
    TimelineEntry.objects.create(
        client=client,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        kind=kind,
        subject="Checked in",
        author=author,
        department=author.department,
    )


def test_the_top_fifth_is_covered_and_only_the_right_touches_count(owner, teammate, book):
    top_owned, top_other = book[9], book[8]  # owner owns odd ones: 9; teammate owns 8
    _touch(top_owned, owner, "call", days_ago=10)  # counts for the owner cadence
    _touch(top_other, owner, "call", days_ago=10)  # not the owner of this one: no
    executive = UserFactory(
        email="ceo@retain.test", department=Department.objects.get(slug="executive")
    )
    _touch(top_other, executive, "meeting", days_ago=20)  # executive touch and a review
    found = {(t.rule.name, t.client.pk): t for t in touches()}
    assert {pk for _, pk in found} == {top_owned.pk, top_other.pk}
    assert found[(OWNER_30, top_owned.pk)].kept
    assert not found[(OWNER_30, top_other.pk)].kept  # a year without its owner's touch
    assert found[(EXEC_90, top_other.pk)].kept and not found[(EXEC_90, top_owned.pk)].kept
    assert found[(QBR, top_other.pk)].kept  # a meeting by anyone
    assert not found[(QBR, top_owned.pk)].kept  # a call is not a business review
    expected_due = (timezone.localdate() - dt.timedelta(days=10)) + dt.timedelta(days=30)
    assert found[(OWNER_30, top_owned.pk)].due_on == expected_due

    by_rule = {row.group: (row.covered, row.kept) for row in compliance("rule")}
    assert by_rule == {OWNER_30: (2, 1), EXEC_90: (2, 1), QBR: (2, 1)}
    by_owner = {row.group: (row.covered, row.kept) for row in compliance("owner")}
    assert by_owner == {str(owner): (3, 1), str(teammate): (3, 2)}
    by_department = {row.group: row.covered for row in compliance("department")}
    assert by_department == {"Account management": 6}


def test_an_owner_sees_their_due_and_overdue_touches(owner, book):
    mine = touches_due_for(owner)
    assert {t.client.pk for t in mine} == {book[9].pk}
    assert all(t.overdue for t in mine) and len(mine) == 3
    page = signed_in(owner).get("/cadences/?mine=1").content.decode()
    assert "Your touches due" in page and OWNER_30 in page and "overdue since" in page
    assert "/cadences/?mine=1" in signed_in(owner).get("/").content.decode()
    _touch(book[9], owner, "meeting")
    assert [t.rule.name for t in touches_due_for(owner)] == [EXEC_90]  # executive still due


def test_the_cadences_page_and_who_may_add_rules(owner, manager, book):
    page = signed_in(owner).get("/cadences/?by=owner")
    assert page.status_code == 200 and "Overdue touches (6)" in page.content.decode()
    rule = {
        "name": "Enterprise: a call every 14 days",
        "top_share": "",
        "segment": "enterprise",
        "every_days": "14",
        "kinds": ["call"],
        "by": "owner",
    }
    assert signed_in(owner).post("/cadences/", rule).status_code == 403
    assert signed_in(manager).post("/cadences/", rule).status_code == 302
    added = CadenceRule.objects.get(name=rule["name"])
    assert (added.top_share, added.segment, added.kinds) == (None, "enterprise", ["call"])
