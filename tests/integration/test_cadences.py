"""Contact cadences: which clients a rule covers, what counts as a touch and by whom,
what is due and overdue, compliance by rule, owner and department."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from retain.accounts.models import Department
from retain.cadences.models import CadenceRule, TouchClosed, TouchTask
from retain.cadences.selectors import compliance, touches, touches_due_for
from retain.cadences.services import TouchPlan, plan_touches
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


def _open_tasks(user) -> set[tuple[str, str]]:
    return {
        (task.client.name, task.rule.name)
        for task in TouchTask.objects.filter(owner=user, closed_at__isnull=True).select_related(
            "client", "rule"
        )
    }


def test_due_touches_become_tasks_that_a_logged_call_closes_at_once(owner, teammate, book):
    top_owned, top_other = book[9], book[8]
    _touch(top_owned, owner, "call", days_ago=25)  # owner touch due in 5 days: a task

    first = plan_touches()
    assert _open_tasks(owner) == {
        (top_owned.name, OWNER_30),
        (top_owned.name, EXEC_90),
        (top_owned.name, QBR),
    }
    assert _open_tasks(teammate) == {(top_other.name, r) for r in (OWNER_30, EXEC_90, QBR)}
    assert plan_touches() == TouchPlan(opened=0, closed=0)  # safe to run again
    assert first.opened == 6

    # A call by the owner closes the owner touch at once; a note does not count.
    _touch(top_owned, owner, "note", days_ago=0)
    assert (top_owned.name, OWNER_30) in _open_tasks(owner)
    _touch(top_owned, owner, "call", days_ago=0)
    assert (top_owned.name, OWNER_30) not in _open_tasks(owner)
    closed = TouchTask.objects.get(client=top_owned, rule__name=OWNER_30)
    assert closed.closed_how == TouchClosed.TOUCHED

    page = signed_in(owner).get("/").content.decode()
    assert "Touches due" in page and EXEC_90 in page and OWNER_30 not in page


def test_tasks_follow_the_client_to_a_new_owner_and_close_when_no_longer_asked(
    owner, teammate, book
):
    top_owned = book[9]
    plan_touches()
    Client.objects.filter(pk=top_owned.pk).update(owner=teammate)
    plan_touches()
    assert {name for name, _ in _open_tasks(teammate)} == {book[8].name, top_owned.name}
    assert _open_tasks(owner) == set()

    Client.objects.filter(pk=top_owned.pk).update(mrr=Decimal(1))  # out of the top fifth
    assert plan_touches().closed == 3
    assert set(TouchTask.objects.filter(client=top_owned).values_list("closed_how", flat=True)) == {
        TouchClosed.NOT_DUE
    }


def test_my_clients_lists_touch_tasks_in_a_fixed_number_of_queries(
    owner, book, django_assert_num_queries
):
    plan_touches()
    browser = signed_in(owner)
    browser.get("/")  # warm the session and caches
    with django_assert_num_queries(11):
        page = browser.get("/").content.decode()
    assert page.count("overdue</strong>") == 3
