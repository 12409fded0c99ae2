"""Paging long lists: capped counts, and My clients merged from owner and backup sides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from retain.clients.models import Client
from retain.clients.selectors import get_my_clients
from retain.clients.services import index_client_search
from retain.core.paging import page_number_from, paginate
from tests.factories import ClientFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def seven_clients() -> list[Client]:
    return [ClientFactory(name=f"client {n}", mrr=Decimal(n)) for n in range(7)]


def test_a_count_under_the_cap_is_exact_and_a_page_past_the_end_gives_the_last():
    seven_clients()
    ordered = Client.objects.order_by("-mrr")

    page = paginate(ordered, "99", 3, cap=10)

    assert (page.count, page.more, page.num_pages, page.number) == (7, False, 3, 3)
    assert [c.mrr for c in page] == [Decimal(0)]
    assert page.has_previous and not page.has_next


def test_a_count_over_the_cap_says_more_and_pages_on_without_a_last_page():
    seven_clients()
    ordered = Client.objects.order_by("-mrr")

    first = paginate(ordered, 1, 3, cap=5)
    third = paginate(ordered, 3, 3, cap=5)
    beyond = paginate(ordered, 4, 3, cap=5)

    assert (first.count, first.more, first.num_pages) == (5, True, None)
    assert [c.mrr for c in first] == [Decimal(6), Decimal(5), Decimal(4)]
    assert first.has_next and not first.has_previous
    assert [c.mrr for c in third] == [Decimal(0)] and not third.has_next
    assert list(beyond) == [] and not beyond.has_next


def test_the_capped_page_count_is_written_on_the_page(client, owner):
    for n in range(3):
        ClientFactory(name=f"client {n}")
    client.force_login(owner)

    html = client.get("/clients/").content.decode()

    assert "Page 1 of 1 · 3 clients" in html


@pytest.mark.parametrize("typed", ["", "abc", "-3", "0", None, "2.5"])
def test_a_bad_page_number_means_page_one(typed):
    assert page_number_from(typed) == 1


def test_my_clients_pages_owner_and_backup_clients_in_one_revenue_order():
    me, colleague = UserFactory(), UserFactory()
    # Ties in MRR on both sides, so the name and then the id decide.
    for n in range(13):
        mine = n % 3 != 0
        ClientFactory(
            name=f"client {n % 4}",
            mrr=Decimal(n % 5) * 100,
            owner=me if mine else colleague,
            backup_owner=colleague if mine else me,
        )
    ClientFactory(owner=colleague, backup_owner=None)  # neither mine nor backed up by me
    expected = list(
        Client.objects.filter(Q(owner=me) | Q(backup_owner=me))
        .order_by("-mrr", "name", "pk")
        .values_list("pk", flat=True)
    )

    pages = [get_my_clients(user=me, page_number=n, per_page=4).page for n in (1, 2, 3, 4)]

    assert [c.pk for page in pages for c in page] == expected
    assert [page.count for page in pages] == [13] * 4
    assert [page.has_next for page in pages] == [True, True, True, False]


def test_my_clients_counts_renewals_due_within_90_days_on_both_sides():
    me, colleague = UserFactory(), UserFactory()
    today = timezone.localdate()
    for days, mine, status in [
        (0, True, "active"),  # due today
        (90, False, "active"),  # as backup, last day of the window
        (91, True, "active"),  # outside the window
        (-1, True, "active"),  # already past
        (30, True, "churned"),  # churned clients renew nothing
        (10, None, "active"),  # someone else's
    ]:
        owner, backup = (me, colleague) if mine else (colleague, me)
        if mine is None:
            owner, backup = colleague, UserFactory()
        ClientFactory(
            owner=owner,
            backup_owner=backup,
            renewal_on=today + dt.timedelta(days=days),
            status=status,
            churned_on=today if status == "churned" else None,
        )

    view = get_my_clients(user=me)

    assert view.renewals_due == 2
    assert view.page.count == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "maple"}, "3 clients"),  # one word: counted in the search terms
        ({"q": "maple", "segment": "smb"}, "2 clients"),  # narrowed further: counted on clients
        ({"q": "maple fo"}, "1 client"),  # two words: both must match
        ({"q": "nothing"}, "0 clients"),
    ],
)
def test_the_client_list_counts_a_search_as_it_shows_it(client, owner, query, expected):
    for name, segment in [
        ("Maple Foods", "smb"),
        ("Maple Metals", "smb"),
        ("Maple Labs", "enterprise"),
        ("Cedar Foods", "smb"),
    ]:
        account = ClientFactory(name=name, segment=segment)
        if name == "Maple Foods":  # a contact sharing the word: the client counts once
            ContactFactory(client=account, name="Ann Maple", email="ann@maplefoods.test")
    index_client_search()
    client.force_login(owner)

    html = client.get("/clients/", query).content.decode()

    assert f"· {expected}</span>" in html
