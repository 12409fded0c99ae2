"""The subscription lines a process keeps in memory are reused only while the table is
unchanged: every kind of write changes its revision token (database triggers), so the
next read sees it, and a rolled-back change never comes back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.db import connection, transaction

from retain.clients.models import SubscriptionLine, TableRevision
from retain.clients.selectors import read_subscription_lines
from tests.factories import ClientFactory, SubscriptionLineFactory

pytestmark = pytest.mark.django_db


def _mrr_by_client() -> dict[int, float]:
    frame = read_subscription_lines().frame
    return dict(frame.group_by("client_id").agg(pl.col("mrr").sum()).iter_rows())


@pytest.fixture
def line():
    return SubscriptionLineFactory(start_date=dt.date(2025, 1, 1), mrr=Decimal("100.00"))


def test_unchanged_lines_are_read_once_then_kept(line, django_assert_num_queries):
    assert _mrr_by_client() == {line.client_id: 100.0}
    with django_assert_num_queries(1):  # the revision token only
        assert _mrr_by_client() == {line.client_id: 100.0}


def test_an_edit_through_the_orm_is_seen_at_once(line):
    _mrr_by_client()
    SubscriptionLine.objects.filter(pk=line.pk).update(mrr=Decimal("250.00"))
    assert _mrr_by_client() == {line.client_id: 250.0}
    line.refresh_from_db()
    line.end_date = dt.date(2025, 6, 30)
    line.save()
    assert read_subscription_lines().frame.get_column("end_date").to_list() == [
        dt.date(2025, 6, 30)
    ]


def test_raw_sql_inserts_and_deletes_are_seen_at_once(line):
    _mrr_by_client()
    other = ClientFactory()
    SubscriptionLine.objects.bulk_create(
        [SubscriptionLine(client=other, product="P", start_date=dt.date(2025, 2, 1), mrr=40)]
    )
    assert _mrr_by_client() == {line.client_id: 100.0, other.pk: 40.0}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SubscriptionLine._meta.db_table} SET mrr = 7 WHERE client_id = %s",
            [other.pk],
        )
    assert _mrr_by_client()[other.pk] == 7.0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SubscriptionLine._meta.db_table} WHERE id = %s", [line.pk])
    assert _mrr_by_client() == {other.pk: 7.0}


def test_a_rolled_back_change_is_never_served_afterwards(line):
    _mrr_by_client()
    token = TableRevision.objects.get(table=SubscriptionLine._meta.db_table).token
    with pytest.raises(RuntimeError), transaction.atomic():
        SubscriptionLine.objects.filter(pk=line.pk).update(mrr=Decimal("999.00"))
        assert _mrr_by_client() == {line.client_id: 999.0}  # its own change, inside
        raise RuntimeError("roll back")
    assert TableRevision.objects.get(table=SubscriptionLine._meta.db_table).token == token
    assert _mrr_by_client() == {line.client_id: 100.0}


def test_a_segment_is_applied_on_every_read(line):
    client = line.client
    client.segment = "enterprise"
    client.save()
    before = read_subscription_lines(segment="enterprise")
    assert before.frame.height == 1
    client.segment = "smb"
    client.save()  # the lines did not change; the segment did
    after = read_subscription_lines(segment="enterprise")
    assert after.frame.height == 0
    assert after.version != before.version  # nothing derived from the lines is reused
    assert read_subscription_lines(segment="smb").frame.height == 1
