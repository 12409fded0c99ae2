"""The department impact arithmetic: a worked example, and the vectorised computation
against a direct one on random data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics.calendar import add_months
from retain.incidents.impact import (
    ClientSpan,
    IncidentRow,
    department_impact,
    months_between,
)

SHIPPING, BILLING = 1, 2
TODAY = date(2026, 12, 3)
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_a_worked_example():
    # Four clients in March 2026; 3 and 4 leave later, 4 within 6 months of March.
    clients = [
        ClientSpan(1, date(2025, 1, 1), None),
        ClientSpan(2, date(2025, 6, 1), None),
        ClientSpan(3, date(2025, 6, 1), date(2026, 12, 1)),  # after the window
        ClientSpan(4, date(2026, 3, 10), date(2026, 7, 1)),  # within it
        ClientSpan(5, date(2024, 1, 1), date(2026, 3, 1)),  # gone on the 1st: not active
    ]
    opened = _at(date(2026, 3, 12))
    incidents = [
        # Resolved in 30 h, within the 72 h target.
        IncidentRow(
            4, SHIPPING, opened, opened + timedelta(hours=72), opened + timedelta(hours=30)
        ),
        # Resolved in 90 h: a breach.
        IncidentRow(
            4, SHIPPING, opened, opened + timedelta(hours=72), opened + timedelta(hours=90)
        ),
        # Still open and past due: a breach.
        IncidentRow(1, SHIPPING, opened, opened + timedelta(hours=72), None),
        IncidentRow(
            2, BILLING, opened, opened + timedelta(hours=168), opened + timedelta(hours=10)
        ),
    ]
    mrr = {(4, date(2026, 3, 1)): Decimal("500"), (1, date(2026, 3, 1)): Decimal("250")}
    rows = department_impact(
        months=[date(2026, 3, 1)],
        departments=[SHIPPING, BILLING],
        clients=clients,
        incidents=incidents,
        mrr_at_month_end=mrr,
        today=TODAY,
        now=NOW,
    )
    shipping, billing = rows
    assert shipping.active_clients == 4
    assert shipping.incidents == 3 and shipping.incidents_per_100_clients == 75.0
    assert shipping.resolved == 2 and shipping.mean_hours_to_resolve == 60.0
    assert shipping.sla_breaches == 2
    assert shipping.clients_affected == 2 and shipping.revenue_affected == Decimal("750")
    # Window Apr-Sep 2026: client 4 left (with shipping's incidents); 3 left in December.
    assert (shipping.churn.with_incident, shipping.churn.with_incident_churned) == (2, 1)
    assert (shipping.churn.without_incident, shipping.churn.without_incident_churned) == (2, 0)
    assert shipping.churn.rate_with == 0.5 and shipping.churn.rate_without == 0.0
    assert shipping.window_closed
    assert (billing.incidents, billing.sla_breaches, billing.churn.with_incident) == (1, 0, 1)
    assert (billing.churn.without_incident, billing.churn.without_incident_churned) == (3, 1)


def test_a_recent_month_waits_for_its_window():
    (row,) = department_impact(
        months=[date(2026, 10, 1)],
        departments=[SHIPPING],
        clients=[ClientSpan(1, date(2025, 1, 1), None)],
        incidents=[],
        mrr_at_month_end={},
        today=TODAY,
        now=NOW,
    )
    assert not row.window_closed and row.mean_hours_to_resolve is None


def test_months():
    assert add_months(date(2026, 11, 20), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert months_between(date(2025, 11, 5), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


days = st.integers(min_value=0, max_value=900)


@settings(max_examples=60, deadline=None)
@given(
    spans=st.lists(st.tuples(days, st.none() | st.integers(1, 400)), min_size=1, max_size=25),
    picks=st.lists(
        st.tuples(st.integers(0, 24), st.sampled_from([SHIPPING, BILLING]), st.integers(0, 400)),
        max_size=30,
    ),
)
def test_it_agrees_with_a_direct_count(spans, picks):
    origin = date(2024, 1, 1)
    clients = [
        ClientSpan(
            n, origin + timedelta(days=s), None if c is None else origin + timedelta(days=s + c)
        )
        for n, (s, c) in enumerate(spans)
    ]
    incidents = [
        IncidentRow(
            i % len(clients),
            department,
            _at(origin + timedelta(days=day)),
            _at(origin + timedelta(days=day + 3)),
            None,
        )
        for i, department, day in picks
    ]
    months = months_between(origin, date(2025, 2, 1))
    rows = department_impact(
        months=months,
        departments=[SHIPPING, BILLING],
        clients=clients,
        incidents=incidents,
        mrr_at_month_end={},
        today=TODAY,
        now=NOW,
    )
    for row in rows:
        first, end = row.month, add_months(row.month, 1) - timedelta(days=1)
        window_end = add_months(row.month, 7) - timedelta(days=1)
        active = [
            c for c in clients if c.started <= end and (c.churned is None or c.churned > first)
        ]
        at_end = [c for c in clients if c.started <= end and (c.churned is None or c.churned > end)]
        found = [
            i
            for i in incidents
            if i.department_id == row.department_id and i.opened_at.date().replace(day=1) == first
        ]
        hit = {i.client_id for i in found}
        with_ = [c for c in at_end if c.client_id in hit]
        without = [c for c in at_end if c.client_id not in hit]

        def left(group, window_end=window_end):
            return sum(1 for c in group if c.churned is not None and c.churned <= window_end)

        assert row.active_clients == len(active)
        assert row.incidents == len(found)
        assert row.sla_breaches == sum(1 for i in found if i.due_at < NOW)
        assert (row.churn.with_incident, row.churn.with_incident_churned) == (
            len(with_),
            left(with_),
        )
        assert (row.churn.without_incident, row.churn.without_incident_churned) == (
            len(without),
            left(without),
        )
