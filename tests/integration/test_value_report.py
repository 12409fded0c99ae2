"""The value report: its figures against hand-computed ones, the page, the one-page PDF,
who may see it, and a query count that does not grow with the client's records."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client as Browser
from django.utils import timezone
from pypdf import PdfReader

from retain.accounts.models import Department
from retain.clients.models import Client
from retain.clients.services import refresh_client_revenue
from retain.councils.models import Attendance
from retain.playbooks.models import Playbook, Task
from retain.playbooks.services import start_playbook
from retain.valuereports import figures
from retain.valuereports.pdf import (
    filename,
    find_unicode_font,
    latin_fallback,
    render_value_report_pdf,
)
from retain.valuereports.selectors import (
    LIST_LIMIT,
    Period,
    ValueReport,
    period_for,
    value_report,
)
from tests.factories import (
    ActionItemFactory,
    ClientFactory,
    ClientReviewFactory,
    CommitmentFactory,
    ContactFactory,
    CouncilFeedbackFactory,
    CouncilMeetingFactory,
    EventTypeFactory,
    IncidentFactory,
    SubscriptionLineFactory,
    SurveyResponseFactory,
    TransactionFactory,
    UsageEventFactory,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


def _signed_in(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


class Acme:
    """The constructed client, and the edges of its report's periods."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.period = period_for(months=12)
        self.start, self.end = self.period.bounds()
        self.previous_start = self.period.previous().bounds()[0]
        # A moment well inside the period: a month after it starts.
        self.t = self.start + 30 * DAY
        self.t_day = self.period.start + 30 * DAY
        self.today = timezone.localdate()


@pytest.fixture
def acme(owner, teammate) -> Acme:
    """A client with records on both sides of every edge of the default 12-month period.

    The figures each test expects are worked out by hand in the comments below.
    """
    client = ClientFactory(name="Acme Tools", owner=owner, backup_owner=teammate)
    a = Acme(client)
    support, shipping, billing = (_department(s) for s in ("support", "shipping", "billing"))

    # Usage. Current: E4, E5, E6, E7 (4 events, users a, b, c); previous: E2, E3 (2 events,
    # users a, b). Login 3 now against 1; report_exported 1 against 1.
    login, export = EventTypeFactory(name="login"), EventTypeFactory(name="report_exported")
    for when, kind, user in (
        (a.previous_start - SECOND, login, "a"),  # E1: before both periods
        (a.previous_start, login, "a"),  # E2: first moment of the previous period
        (a.start - SECOND, export, "b"),  # E3: last moment of the previous period
        (a.start, login, "a"),  # E4: first moment of the period, month 0
        (a.start + 40 * DAY, login, "b"),  # E5: month 1
        (a.start + 40 * DAY, export, ""),  # E6: month 1, no user recorded
        (a.end - SECOND, login, "c"),  # E7: last moment of the period, last month
        (a.end, login, "d"),  # E8: tomorrow, after the period
    ):
        UsageEventFactory(client=client, occurred_at=when, event_type=kind, user=user)
    TransactionFactory(client=client, occurred_at=a.t, amount=Decimal("100.00"))
    TransactionFactory(client=client, occurred_at=a.t + DAY, amount=Decimal("50.00"))
    TransactionFactory(client=client, occurred_at=a.start - DAY, amount=Decimal("30.00"))

    # Incidents. Opened in the period: I1, I2, I3, I5. Resolved in it: I1 (10 h, in SLA),
    # I2 (30 h, late), I3 (50 h, in SLA), I4 (168 h, late). Median (30 + 50) / 2 = 40 h;
    # p90 by nearest rank: rank ceil(0.9 * 4) = 4, so 168 h. Within SLA 2 of 4.
    t = a.t
    for title, department, opened, due, resolved in (
        ("I1", support, t, t + 24 * HOUR, t + 10 * HOUR),
        ("I2", support, t, t + 24 * HOUR, t + 30 * HOUR),
        ("I3", shipping, t, t + 72 * HOUR, t + 50 * HOUR),
        ("I4", shipping, a.start - 5 * DAY, a.start - 4 * DAY, a.start + 2 * DAY),
        ("I7", support, a.start - 90 * DAY, a.start - 89 * DAY, a.start - 80 * DAY),
    ):
        IncidentFactory(
            client=client,
            title=title,
            responsible_department=department,
            opened_at=opened,
            due_at=due,
            status="resolved",
            resolved_at=resolved,
        )
    now = timezone.now()
    IncidentFactory(  # I5: opened two hours ago, open, due tomorrow
        client=client,
        title="I5 Invoice sent twice",
        responsible_department=billing,
        opened_at=now - 2 * HOUR,
        due_at=now + 22 * HOUR,
    )
    IncidentFactory(  # I6: opened before the period, still in progress, overdue
        client=client,
        title="I6 Wrong VAT rate",
        responsible_department=billing,
        opened_at=a.start - 10 * DAY,
        due_at=a.start - 9 * DAY,
        status="in_progress",
    )

    # Promises. Kept in the period: P1 (on time), P2 (late); broken: P3; P4 kept before
    # the period; P5 and P6 open, P6 overdue.
    for promise, status, closed, due in (
        ("P1 Call back about the export", "kept", t, a.t_day + DAY),
        ("P2 Send the new price list", "kept", t + 3 * DAY, a.t_day),
        ("P3 Visit the plant", "broken", t, a.t_day),
        ("P4 Old promise", "kept", a.start - DAY, a.period.start - DAY),
    ):
        CommitmentFactory(
            client=client,
            promise=promise,
            status=status,
            closed_at=closed,
            due_on=due,
            keeper_department=shipping,
        )
    CommitmentFactory(client=client, promise="P5 Quote the spare parts", due_on=a.today + 5 * DAY)
    CommitmentFactory(client=client, promise="P6 Fix the portal login", due_on=a.today - 2 * DAY)

    # Reviews: one held in the period, one planned in ten days (the next).
    held = ClientReviewFactory(
        client=client, scheduled_for=a.t_day, status="held", held_at=t + HOUR
    )
    ClientReviewFactory(client=client, scheduled_for=a.today + 10 * DAY, reason="Renewal prep")
    ActionItemFactory(  # A1: completed in the period, on its due day
        client=client,
        review=held,
        title="A1 Train the new buyers",
        owner=owner,
        due_on=a.t_day,
        completed_at=t,
    )
    ActionItemFactory(  # A2: open
        client=client,
        review=held,
        title="A2 Agree delivery windows",
        owner=teammate,
        due_on=a.today + 3 * DAY,
    )
    ActionItemFactory(  # A3: completed before the period
        client=client,
        review=held,
        title="A3 Old action",
        owner=owner,
        due_on=a.period.start - DAY,
        completed_at=a.start - DAY,
    )

    # Council: 2 pieces of feedback raised in the period, 1 acted on; the next meeting the
    # client's contacts are invited to is in 20 days (another client's is sooner).
    in_period = CouncilMeetingFactory(title="Spring council", starts_at=t)
    CouncilFeedbackFactory(
        meeting=in_period,
        client=client,
        text="Exports are slow",
        response="Exports now run in the background",
    )
    CouncilFeedbackFactory(meeting=in_period, client=client, text="Need a French invoice")
    CouncilFeedbackFactory(meeting=in_period, text="Another client's wish")
    before = CouncilMeetingFactory(title="Old council", starts_at=a.start - DAY)
    CouncilFeedbackFactory(meeting=before, client=client, text="Old wish", response="Done")
    ann = ContactFactory(client=client, name="Ann Archer")
    bob = ContactFactory(client=client, name="Bob Baker")
    upcoming = CouncilMeetingFactory(title="Autumn council", starts_at=now + 20 * DAY)
    later = CouncilMeetingFactory(title="Winter council", starts_at=now + 40 * DAY)
    sooner = CouncilMeetingFactory(title="Someone else's", starts_at=now + 5 * DAY)
    for meeting, contact in ((upcoming, bob), (upcoming, ann), (later, ann)):
        Attendance.objects.create(meeting=meeting, contact=contact)
    Attendance.objects.create(meeting=sooner, contact=ContactFactory())

    # Surveys. NPS 10, 9, 7, 3: 2 promoters, 1 passive, 1 detractor, NPS round(100 * 1 / 4)
    # = 25. CSAT 5, 4, 2: average 11 / 3, 2 of 3 satisfied. One NPS 0 before the period.
    for kind, score, when in (
        ("nps", 10, t),
        ("nps", 9, t),
        ("nps", 7, t),
        ("nps", 3, t),
        ("nps", 0, a.start - DAY),
        ("csat", 5, t),
        ("csat", 4, t),
        ("csat", 2, t),
    ):
        SurveyResponseFactory(client=client, kind=kind, score=score, answered_at=when)

    # Playbook tasks: two of the renewal playbook's done in the period, one on time.
    start_playbook(actor=owner, client=client, playbook=Playbook.objects.get(slug="renewal"))
    first, second, *_ = Task.objects.filter(client=client).order_by("pk")
    Task.objects.filter(pk=first.pk).update(completed_at=t, due_on=a.t_day)
    Task.objects.filter(pk=second.pk).update(completed_at=t + 2 * DAY, due_on=a.t_day)

    # Touchpoints: 2 meetings and a call in the period, an email before it.
    for kind, when in (("meeting", t), ("meeting", t + DAY), ("call", t), ("email", a.start - DAY)):
        client.timeline.create(occurred_at=when, kind=kind, subject=f"A {kind}", author=owner)

    # Revenue: Platform and Analytics renew in 45 days; Support plus runs on.
    renewal = a.today + 45 * DAY
    SubscriptionLineFactory(
        client=client, product="Platform", mrr=Decimal("1000"), end_date=renewal
    )
    SubscriptionLineFactory(
        client=client, product="Analytics", mrr=Decimal("250"), end_date=renewal
    )
    SubscriptionLineFactory(client=client, product="Support plus", mrr=Decimal("100"))
    refresh_client_revenue(client_ids=[client.pk])
    client.refresh_from_db()
    return a


# --- the figures


def test_the_header_is_the_client_as_every_page_shows_it(acme, owner, teammate):
    report = value_report(acme.client)

    header = report.header
    assert header.name == "Acme Tools"
    assert header.segment == "mid-market"
    assert header.lifecycle_stage == "Onboarding"
    assert (header.owner, header.backup_owner) == (str(owner), str(teammate))
    assert header.mrr == Decimal("1350.00")
    assert header.client_since == timezone.localtime(acme.client.created_at).date()
    assert header.renewal_on == acme.today + 45 * DAY


def test_the_period_is_the_last_twelve_calendar_months_and_the_one_before(acme):
    report = value_report(acme.client)

    assert report.period == Period(start=figures.months_back(acme.today, 11), end=acme.today)
    assert report.period.start.day == 1
    assert report.previous_period.end == report.period.start - DAY
    assert report.previous_period.days == report.period.days
    assert report.months == 12


def test_usage_counts_events_in_each_period_by_month_type_and_user(acme):
    usage = value_report(acme.client).usage

    assert (usage.events, usage.previous_events, usage.change_percent) == (4, 2, 100.0)
    assert (usage.active_users, usage.previous_active_users) == (3, 2)
    assert usage.active_users_change_percent == 50.0
    assert usage.records_users is True
    assert [(t.name, t.events, t.previous_events, t.change_percent) for t in usage.by_type] == [
        ("login", 3, 1, 200.0),
        ("report_exported", 1, 1, 0.0),
    ]
    assert len(usage.months) == 12
    assert [m.events for m in usage.months] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert [m.active_users for m in usage.months] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert usage.months[0].month == acme.period.start
    assert usage.months[0].partial is False
    assert usage.months[-1].partial is ((acme.today + DAY).day != 1)
    assert (usage.purchases, usage.purchases_total) == (2, Decimal("150.00"))
    assert (usage.previous_purchases, usage.previous_purchases_total) == (1, Decimal("30.00"))


def test_incidents_opened_resolved_time_to_resolve_and_sla(acme):
    incidents = value_report(acme.client).incidents

    assert (incidents.opened, incidents.resolved, incidents.within_sla) == (4, 4, 2)
    assert incidents.sla_share == 0.5
    assert incidents.median_hours == pytest.approx(40.0)
    assert incidents.p90_hours == pytest.approx(168.0)
    assert [
        (d.department, d.opened, d.resolved, d.within_sla, d.median_hours)
        for d in incidents.by_department
    ] == [
        ("Billing and finance", 1, 0, 0, None),
        ("Shipping", 1, 2, 1, pytest.approx((50 + 168) / 2)),
        ("Support", 2, 2, 1, pytest.approx(20.0)),
    ]
    assert [(i.title, i.overdue) for i in incidents.open_now.items] == [
        ("I6 Wrong VAT rate", True),
        ("I5 Invoice sent twice", False),
    ]
    assert incidents.open_now.total == 2


def test_outcomes_count_what_was_done_in_the_period(acme, owner):
    outcomes = value_report(acme.client).outcomes

    assert outcomes.touchpoints == (("Meetings", 2), ("Calls", 1), ("Emails", 0))
    assert outcomes.reviews_held == 1
    kept = outcomes.promises_kept
    assert (kept.count, kept.on_time, outcomes.promises_broken) == (2, 1, 1)
    assert outcomes.promises_closed == 3
    assert [i.title for i in kept.latest.items] == [
        "P2 Send the new price list",  # latest first
        "P1 Call back about the export",
    ]
    assert [(i.title, i.detail, i.on_time) for i in outcomes.actions_completed.latest.items] == [
        ("A1 Train the new buyers", str(owner), True)
    ]
    assert (outcomes.feedback_raised, outcomes.feedback_acted_on) == (2, 1)
    assert [(f.text, f.response) for f in outcomes.feedback.items] == [
        ("Exports are slow", "Exports now run in the background"),
        ("Need a French invoice", ""),
    ]
    surveys = outcomes.surveys
    assert (surveys.promoters, surveys.passives, surveys.detractors) == (2, 1, 1)
    assert surveys.nps == 25
    assert surveys.csat_average == pytest.approx(11 / 3)
    assert surveys.csat_satisfied_share == pytest.approx(2 / 3)
    tasks = outcomes.tasks_completed
    assert (tasks.count, tasks.on_time) == (2, 1)
    assert {i.detail for i in tasks.latest.items} == {"Renewal"}


def test_what_comes_next_is_as_of_today(acme, teammate):
    following = value_report(acme.client).next

    assert following.renewal is not None
    assert following.renewal.on == acme.today + 45 * DAY
    assert following.renewal.days_away == 45
    assert following.renewal.products == ("Analytics", "Platform")
    assert following.renewal.mrr == Decimal("1250.00")
    assert following.review is not None
    assert (following.review.scheduled_for, following.review.reason) == (
        acme.today + 10 * DAY,
        "Renewal prep",
    )
    assert following.council_meeting is not None
    assert following.council_meeting.title == "Autumn council"
    assert following.council_meeting.invited == ("Ann Archer", "Bob Baker")
    assert [(u.title, u.who) for u in following.actions.items] == [
        ("A2 Agree delivery windows", str(teammate))
    ]
    assert [(u.title, u.overdue) for u in following.promises.items] == [
        ("P6 Fix the portal login", True),
        ("P5 Quote the spare parts", False),
    ]
    assert following.open_incidents.total == 2


def test_a_chosen_period_is_compared_with_the_same_number_of_days_before(acme):
    # The first 40 days of the period: E4 is in it, E5 and E6 fall on the day after it;
    # the 40 days before hold E3 only.
    start = acme.period.start
    report = value_report(acme.client, period_start=start, period_end=start + 39 * DAY)

    assert report.months is None
    assert report.previous_period == Period(start=start - 40 * DAY, end=start - DAY)
    assert (report.usage.events, report.usage.previous_events) == (1, 1)
    assert (report.incidents.opened, report.incidents.resolved) == (3, 4)


def test_a_client_with_nothing_recorded_has_an_empty_report(owner):
    report = value_report(ClientFactory(owner=owner))

    assert report.usage.events == 0
    assert report.usage.change_percent == 0.0
    assert report.usage.records_users is False
    assert report.incidents.median_hours is None
    assert report.incidents.sla_share is None
    assert report.outcomes.surveys.nps is None
    assert report.next.renewal is None
    assert report.next.council_meeting is None
    assert report.next.review is None


def test_the_formulas():
    assert figures.median([]) is None
    assert figures.median([3.0, 1.0, 2.0]) == 2.0
    assert figures.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert figures.nearest_rank_percentile([15, 20, 35, 40, 50], 90) == 50
    assert figures.nearest_rank_percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert figures.nearest_rank_percentile([7], 90) == 7
    assert figures.change_percent(80, 100) == -20.0
    assert figures.change_percent(5, 0) is None
    assert figures.change_percent(0, 0) == 0.0
    assert figures.nps(2, 1, 4) == 25
    assert figures.months_back(dt.date(2026, 1, 15), 11) == dt.date(2025, 2, 1)
    assert figures.month_starts(dt.date(2025, 11, 20), dt.date(2026, 2, 3)) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


# --- the page


def test_the_page_shows_the_report(acme, teammate):
    # Teammate: not the owner; whoever may view the client may see its report.
    response = _signed_in(teammate).get(f"/clients/{acme.client.pk}/value-report/")

    assert response.status_code == 200
    assert response.context["report"].client_id == acme.client.pk
    html = response.content.decode()
    assert "<h1>Acme Tools</h1>" in html
    assert 'aria-current="page">Value report</a>' in html
    assert '<svg class="chart"' in html
    for shown in (
        "<dt>Opened</dt><dd>4</dd>",
        "<dt>Resolved</dt><dd>4</dd>",
        "<dt>Median time to resolve</dt><dd>40.0 h</dd>",
        "<dt>90% resolved within</dt><dd>7.0 days</dd>",
        "<dt>Resolved within SLA</dt><dd>50%",
        "<dt>MRR</dt><dd>1,350.00</dd>",
        "<strong>4</strong> usage events",
        ">+100%<",
        "<dt>NPS</dt><dd>25",
        "I6 Wrong VAT rate",
        "Exports now run in the background",
        "Autumn council",
        "Ann Archer, Bob Baker",
        "Analytics, Platform, 1,250.00 a month",
    ):
        assert shown in html, shown
    renewal = acme.today + 45 * DAY
    assert f"{renewal.day} {renewal:%b} {renewal.year}" in html
    assert f'href="/clients/{acme.client.pk}/value-report.pdf?months=12"' in html
    # Its own stylesheet, from our origin: no inline style anywhere.
    assert "/static/valuereports/value-report.css" in html
    assert "style=" not in html


def test_the_period_chooser_takes_3_6_or_12_months(acme, owner):
    browser = _signed_in(owner)

    three = browser.get(f"/clients/{acme.client.pk}/value-report/?months=3").context["report"]
    assert three.period.start == figures.months_back(acme.today, 2)
    assert len(three.usage.months) == 3
    for ignored in ("5", "x", "-3", "120"):
        report = browser.get(f"/clients/{acme.client.pk}/value-report/?months={ignored}")
        assert report.context["report"].months == 12


def test_anonymous_visitors_are_sent_to_sign_in(acme):
    for url in (
        f"/clients/{acme.client.pk}/value-report/",
        f"/clients/{acme.client.pk}/value-report.pdf",
    ):
        response = Browser().get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={url}"


def test_an_unknown_client_is_not_found(owner):
    assert _signed_in(owner).get("/clients/999999/value-report/").status_code == 404
    assert _signed_in(owner).get("/clients/999999/value-report.pdf").status_code == 404


# --- the PDF


def test_the_pdf_is_one_page_with_the_name_incidents_and_renewal(acme, manager):
    # Manager of another department: may view every client, so may send its report.
    response = _signed_in(manager).get(f"/clients/{acme.client.pk}/value-report.pdf?months=12")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="value-report-acme-tools-{acme.today:%Y-%m-%d}.pdf"'
    )
    pages, text = _pdf_text(response.content)
    assert pages == 1
    assert "Acme Tools" in text
    renewal = acme.today + 45 * DAY
    for shown in (
        "OPENED",
        "4",
        "40.0 h",
        "7.0 days",
        "50%",
        f"{renewal.day} {renewal:%b} {renewal.year} (in 45 days)",
        "Analytics, Platform: 1,250.00 a month",
        "I6 Wrong VAT rate",
        "P6 Fix the portal login",
        "Autumn council",
    ):
        assert shown in text, shown


def test_the_pdf_stays_one_page_for_a_client_with_many_records(owner):
    # Every list of the PDF fuller than its room: the layout's worst case.
    client = ClientFactory(owner=owner, name="A client with a long name " * 6)
    _grow(client, owner, 30)
    departments = list(Department.objects.all())
    now = timezone.now()
    for n, department in enumerate(departments):
        IncidentFactory(
            client=client,
            responsible_department=department,
            opened_at=now - (n + 2) * DAY,
            due_at=now - DAY,
            status="resolved",
            resolved_at=now - DAY,
        )
    for n in range(30):
        UsageEventFactory(client=client, event_type=EventTypeFactory(name=f"event_{n}"))
    ClientReviewFactory(client=client)

    pages, text = _pdf_text(render_value_report_pdf(value_report(client)))

    assert pages == 1
    assert "A client with a long name" in text
    # Open incidents, promises and review actions: 4 shown of 30 each.
    assert text.count("and 26 more") == 3
    # Promises kept, review actions completed, feedback acted on: 2 shown of 30 each.
    assert text.count("and 28 more") == 3
    assert f"and {len(departments) - 4} more" in text  # departments: 4 shown


@pytest.mark.parametrize("font", ["auto", None], ids=["unicode-font", "helvetica"])
def test_a_name_outside_latin_1_does_not_break_the_pdf(owner, font):
    name = "Łódź Ünïcode — “quotes” 東京"
    client = ClientFactory(owner=owner, name=name)
    report = value_report(client)

    pages, text = _pdf_text(render_value_report_pdf(report, font=font))

    assert pages == 1
    if font is None or find_unicode_font() is None:
        # Helvetica: Windows-1252 letters and quotes stay, others lose their accent or
        # become "?" (Chinese has no Latin base letter).
        assert "Lódz Ünïcode — “quotes” ??" in text
    else:
        # DejaVu Sans has the Polish letters but no Chinese: those become "?".
        assert "Łódź Ünïcode — “quotes” ??" in text
    assert (
        filename(report) == f"value-report-lodz-unicode-quotes-{timezone.localdate():%Y-%m-%d}.pdf"
    )


def test_the_pdf_download_of_a_unicode_name_is_an_ascii_attachment(owner):
    client = ClientFactory(owner=owner, name="Łódź Ünïcode — “quotes”")

    response = _signed_in(owner).get(f"/clients/{client.pk}/value-report.pdf")

    assert response.status_code == 200
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="value-report-lodz-unicode-quotes-{today:%Y-%m-%d}.pdf"'
    )
    assert _pdf_text(response.content)[0] == 1


def test_latin_fallback_keeps_what_the_font_has():
    def latin_1(char: str) -> bool:
        return ord(char) < 256

    assert latin_fallback("Łódź", latin_1) == "Lódz"
    assert latin_fallback("Ærøskøbing", latin_1) == "Ærøskøbing"
    assert latin_fallback("Œuvre “x”", latin_1) == "?uvre ?x?"
    assert latin_fallback("Straße 東", str.isascii) == "Stra?e ?"


# --- queries


def _grow(client: Client, owner, size: int) -> None:
    """``size`` of every kind of record the report reads, in the period and open now."""
    now = timezone.now()
    meeting = CouncilMeetingFactory(starts_at=now - 10 * DAY)
    upcoming = CouncilMeetingFactory(starts_at=now + 10 * DAY)
    for n in range(size):
        UsageEventFactory(client=client, occurred_at=now - n * DAY, user=f"u{n}")
        TransactionFactory(client=client, occurred_at=now - n * DAY)
        IncidentFactory(client=client, opened_at=now - n * HOUR)
        IncidentFactory(
            client=client, opened_at=now - 5 * DAY, status="resolved", resolved_at=now - n * HOUR
        )
        CommitmentFactory(client=client)
        CommitmentFactory(client=client, status="kept", closed_at=now - n * HOUR)
        ActionItemFactory(client=client, owner=owner)
        ActionItemFactory(client=client, owner=owner, completed_at=now - n * HOUR)
        CouncilFeedbackFactory(meeting=meeting, client=client, response="Done")
        contact = ContactFactory(client=client)
        Attendance.objects.create(meeting=upcoming, contact=contact)
        SurveyResponseFactory(client=client, answered_at=now - n * HOUR)
        client.timeline.create(occurred_at=now - n * HOUR, kind="call", subject="Call")
    SubscriptionLineFactory(client=client, end_date=timezone.localdate() + 30 * DAY)
    refresh_client_revenue(client_ids=[client.pk])
    run = start_playbook(actor=owner, client=client, playbook=Playbook.objects.get(slug="renewal"))
    Task.objects.filter(run=run).update(completed_at=now)


@pytest.mark.parametrize("size", [1, 25])
def test_the_report_reads_a_fixed_number_of_queries(owner, size, django_assert_num_queries):
    client = ClientFactory(owner=owner)
    _grow(client, owner, size)

    # The client with its people; usage by month, by type, purchases; touchpoints,
    # feedback, survey answers, tasks; incidents; promises, review actions, reviews;
    # the lines renewing, council invitations.
    with django_assert_num_queries(14):
        report = value_report(client)
    assert report.incidents.opened == 2 * size
    assert report.outcomes.feedback_raised == size


@pytest.mark.parametrize("size", [1, 25])
def test_the_page_and_the_pdf_read_a_fixed_number_of_queries(
    owner, size, django_assert_num_queries
):
    client = ClientFactory(owner=owner)
    _grow(client, owner, size)
    browser = _signed_in(owner)

    # The session and its user, the client, then the report's fourteen.
    with django_assert_num_queries(17):
        assert browser.get(f"/clients/{client.pk}/value-report/").status_code == 200
    with django_assert_num_queries(17):
        assert browser.get(f"/clients/{client.pk}/value-report.pdf").status_code == 200


def test_every_list_keeps_at_most_the_limit_and_counts_the_rest(owner):
    client = ClientFactory(owner=owner)
    for n in range(LIST_LIMIT + 3):
        CommitmentFactory(client=client, promise=f"Promise {n}")

    promises = value_report(client).next.promises

    assert len(promises.items) == LIST_LIMIT
    assert (promises.total, promises.more) == (LIST_LIMIT + 3, 3)


def test_the_report_is_a_frozen_value(acme):
    report = value_report(acme.client)

    assert isinstance(report, ValueReport)
    with pytest.raises(AttributeError):
        report.header.name = "Changed"  # type: ignore[misc]
