"""Appreciation: milestones found (anniversaries of the first order, renewals) and
recorded (project launches) become thank-you touches for the owner, said once, on the
timeline, alerted and listed on My clients."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from retain.alerts.models import AlertKind, Notification
from retain.alerts.services import raise_alerts
from retain.appreciation import services
from retain.appreciation.models import Milestone, MilestoneKind, ThankYou
from retain.appreciation.services import AlreadyThanked, plan_appreciation
from retain.cadences.models import TouchTask
from retain.cadences.services import plan_touches
from retain.clients.choices import TimelineKind
from retain.clients.models import Client, TimelineEntry
from retain.clients.services import mark_churned
from tests.factories import ClientFactory, SubscriptionLineFactory, TransactionFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def _years_ago(years: int, plus_days: int) -> dt.datetime:
    today = timezone.localdate()
    day = services._same_day_in(today.year - years, today) + dt.timedelta(days=plus_days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _milestones() -> set[tuple[str, str, dt.date]]:
    return set(Milestone.objects.values_list("client__name", "title", "occurs_on"))


def test_the_first_orders_anniversary_is_found_two_weeks_ahead_once(owner):
    today = timezone.localdate()
    soon = ClientFactory(owner=owner, name="Soon")
    TransactionFactory(client=soon, occurred_at=_years_ago(3, plus_days=5))
    TransactionFactory(client=soon, occurred_at=_years_ago(2, plus_days=0))  # not the first
    by_subscription = ClientFactory(owner=owner, name="Subscribed")
    SubscriptionLineFactory(client=by_subscription, start_date=_years_ago(1, -3).date())
    TransactionFactory(client=by_subscription, occurred_at=_years_ago(1, plus_days=10))
    far = ClientFactory(owner=owner, name="Far")
    TransactionFactory(client=far, occurred_at=_years_ago(2, plus_days=30))
    young = ClientFactory(owner=owner, name="Young")
    TransactionFactory(client=young, occurred_at=_years_ago(0, plus_days=-2))
    gone = ClientFactory(owner=owner, name="Gone")
    TransactionFactory(client=gone, occurred_at=_years_ago(4, plus_days=1))
    mark_churned(
        actor=owner,
        client=gone,
        reason="Moved",
        churned_on=timezone.localdate(),
        expected_version=gone.version,
    )

    plan = plan_appreciation()

    assert _milestones() == {
        ("Soon", "3 years since the first order", _years_ago(3, 5).date().replace(year=today.year)),
        (
            "Subscribed",
            "1 year since the first order",
            _years_ago(1, -3).date().replace(year=today.year),
        ),
    }
    assert plan.milestones_found == 2 and plan.thank_yous_planned == 2
    thank_you = ThankYou.objects.get(client=soon)
    assert thank_you.owner == owner and thank_you.due_on == today + dt.timedelta(days=5)
    assert plan_appreciation() == services.AppreciationPlan(0, 0)


def test_a_29_february_first_order_is_celebrated_on_the_28th():
    assert services._same_day_in(2027, dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)
    assert services._same_day_in(2028, dt.date(2024, 2, 29)) == dt.date(2028, 2, 29)


def test_a_renewal_is_a_new_line_for_the_same_product_right_after_the_last(owner):
    today = timezone.localdate()
    renewed = ClientFactory(owner=owner, name="Renewed")
    SubscriptionLineFactory(
        client=renewed, start_date=today - dt.timedelta(days=400), end_date=today
    )
    SubscriptionLineFactory(client=renewed, start_date=today + dt.timedelta(days=1))
    other_product = ClientFactory(owner=owner, name="Other product")
    SubscriptionLineFactory(
        client=other_product, start_date=today - dt.timedelta(days=400), end_date=today
    )
    SubscriptionLineFactory(
        client=other_product, product="Analytics", start_date=today + dt.timedelta(days=1)
    )
    lapsed = ClientFactory(owner=owner, name="Came back")
    SubscriptionLineFactory(
        client=lapsed,
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=60),
    )
    SubscriptionLineFactory(client=lapsed, start_date=today - dt.timedelta(days=2))

    plan_appreciation()

    renewals = Milestone.objects.filter(kind=MilestoneKind.RENEWAL)
    assert [(m.client.name, m.title, m.occurs_on) for m in renewals] == [
        ("Renewed", "Renewed Platform", today + dt.timedelta(days=1))
    ]


def test_a_project_launch_is_recorded_and_thanked_once_on_the_timeline(owner, teammate):
    client = ClientFactory(owner=owner, name="Launching", created_at=timezone.now())
    launch_day = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(PermissionDenied):
        services.record_milestone(
            actor=teammate, client=client, kind="launch", occurs_on=launch_day, title="Lyon"
        )
    with pytest.raises(ValidationError):
        services.record_milestone(
            actor=owner, client=client, kind="anniversary", occurs_on=launch_day, title="x"
        )
    milestone = services.record_milestone(
        actor=owner, client=client, kind="launch", occurs_on=launch_day, title="Lyon plant opens"
    )
    assert milestone.history.first().history_user == owner
    thank_you = ThankYou.objects.get(milestone=milestone)  # within two weeks: at once
    assert thank_you.due_on == launch_day and thank_you.owner == owner

    with pytest.raises(PermissionDenied):
        services.thank(actor=teammate, thank_you=thank_you, how="call")
    done = services.thank(actor=owner, thank_you=thank_you, how="call", note="Sent flowers too")
    assert done.done_by == owner and done.how == "call"
    with pytest.raises(AlreadyThanked):
        services.thank(actor=owner, thank_you=thank_you, how="email")

    entries = TimelineEntry.objects.filter(client=client).order_by("pk")
    assert [(e.kind, e.subject) for e in entries] == [
        (TimelineKind.MILESTONE, f"Project launch on {launch_day:%d %b %Y}: Lyon plant opens"),
        (TimelineKind.CALL, "Thank-you for Lyon plant opens"),
    ]
    assert done.history.first().history_user == owner


def test_a_thank_you_call_is_a_cadence_touch_too(owner):
    today = timezone.localdate()
    client = ClientFactory(owner=owner, created_at=timezone.now() - dt.timedelta(days=365))
    Client.objects.filter(pk=client.pk).update(mrr=1000)
    TransactionFactory(client=client, occurred_at=_years_ago(1, plus_days=2))
    plan_touches()  # one client: it is the top fifth, every touch overdue
    assert TouchTask.objects.filter(client=client, closed_at__isnull=True).count() == 3
    plan_appreciation()
    thank_you = ThankYou.objects.get(client=client)
    assert thank_you.due_on == today + dt.timedelta(days=2)
    services.thank(actor=owner, thank_you=thank_you, how="call")
    assert TouchTask.objects.filter(client=client, closed_at__isnull=True).count() == 2


def test_thank_yous_alert_the_owner_and_show_on_my_clients(owner, django_assert_num_queries):
    client = ClientFactory(owner=owner, name="Loyal Ltd")
    TransactionFactory(client=client, occurred_at=_years_ago(5, plus_days=4))
    far = ClientFactory(owner=owner, name="Later Ltd")
    TransactionFactory(client=far, occurred_at=_years_ago(5, plus_days=12))
    plan_appreciation()

    raise_alerts()
    alerts = Notification.objects.filter(kind=AlertKind.THANK_YOU)
    assert [a.text[:40] for a in alerts] == ["Thank Loyal Ltd: 5 years since the first"]

    browser = signed_in(owner)
    browser.get("/")
    with django_assert_num_queries(11):
        home = browser.get("/").content.decode()
    assert "Thank-yous to say" in home and "Loyal Ltd" in home and "Later Ltd" in home

    page = browser.get("/appreciation/").content.decode()
    assert "5 years since the first order" in page
    thank_you = ThankYou.objects.get(client=client)
    response = browser.post(
        f"/appreciation/{thank_you.pk}/thank/", {"how": "email", "note": "A card", "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    thank_you.refresh_from_db()
    assert thank_you.done_at is not None and thank_you.how == "email"
    milestones = browser.get(f"/clients/{client.pk}/milestones/").content.decode()
    assert "An email or letter by" in milestones


def test_recording_a_milestone_from_the_client_page(owner, teammate):
    client = ClientFactory(owner=owner)
    day = timezone.localdate() + dt.timedelta(days=40)
    form = {"kind": "launch", "title": "Opens in Oslo", "occurs_on": day.isoformat()}
    assert signed_in(teammate).post(f"/clients/{client.pk}/milestones/", form).status_code == 403
    response = signed_in(owner).post(f"/clients/{client.pk}/milestones/", form)
    assert response.status_code == 302
    milestone = Milestone.objects.get(client=client)
    assert milestone.title == "Opens in Oslo" and not ThankYou.objects.exists()  # 40 days out
    page = signed_in(teammate).get(f"/clients/{client.pk}/milestones/").content.decode()
    assert "Opens in Oslo" in page and "Record a milestone" not in page
    assert Client.objects.get(pk=client.pk).version == client.version
