"""Paging long lists: capped counts, and My clients merged from owner and backup sides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Q

from retain.clients.models import Client
from retain.clients.selectors import get_my_clients
from retain.core.paging import page_number_from, paginate
from tests.factories import ClientFactory, UserFactory

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
