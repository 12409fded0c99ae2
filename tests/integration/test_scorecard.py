"""The balanced scorecard: its figures on a hand-checked company, the clients behind each
number, the CSV tables, the filters, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from retain.accounts.models import Department
from retain.cadences.models import CadenceRule, TouchTask
from retain.clients.choices import OwnerRole
from retain.clients.models import OwnershipChange
from retain.commitments.models import CommitmentStatus
from retain.playbooks.models import Playbook
from retain.playbooks.services import start_playbook
from retain.scorecard.drilldown import drill_down
from retain.scorecard.period import Period, ScorecardFilters
from retain.scorecard.selectors import get_scorecard
from retain.valuation.models import ClientValue
from tests.factories import (
    AdvocacyAskFactory,
    ClientFactory,
    CommitmentFactory,
    IncidentFactory,
    SubscriptionLineFactory,
    SurveyFactory,
    SurveyResponseFactory,
)

pytestmark = pytest.mark.django_db

Q1_2025 = Period(dt.date(2025, 1, 1), dt.date(2025, 3, 1))
TODAY = dt.date(2025, 6, 15)
QUERY = "first=2025-01&last=2025-03"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _line(client, start, end=None, mrr="1000.00"):
    return SubscriptionLineFactory(client=client, start_date=start, end_date=end, mrr=Decimal(mrr))


@pytest.fixture
def company(owner, teammate):
    """Five clients over the first quarter of 2025 (opening = 31 Dec 2024):

    * Anvil: 1,000 since mid-2024, +500 from 1 Feb (expansion 500);
    * Bolt: 2,000 until 31 Jan, then nothing (churned 2,000);
    * Crane: new on 15 Feb at 300;
    * Dyno: 800 until 31 Jan, 500 from 1 Feb (contraction 300);
    * Ember (enterprise): 5,000 throughout.

    Opening 8,800; closing 1,500 + 300 + 500 + 5,000 = 7,300.
    """
    clients = {
        name: ClientFactory(name=name, owner=owner, segment="smb")
        for name in ("Anvil", "Bolt", "Crane", "Dyno")
    }
    clients["Ember"] = ClientFactory(name="Ember", owner=owner, segment="enterprise")
    _line(clients["Anvil"], dt.date(2024, 6, 1))
    _line(clients["Anvil"], dt.date(2025, 2, 1), mrr="500.00")
    _line(clients["Bolt"], dt.date(2024, 1, 1), dt.date(2025, 1, 31), mrr="2000.00")
    _line(clients["Crane"], dt.date(2025, 2, 15), mrr="300.00")
    _line(clients["Dyno"], dt.date(2024, 1, 1), dt.date(2025, 1, 31), mrr="800.00")
    _line(clients["Dyno"], dt.date(2025, 2, 1), mrr="500.00")
    _line(clients["Ember"], dt.date(2024, 1, 1), mrr="5000.00")
    return clients


@pytest.fixture
def records(company, owner, teammate):
    """What the other perspectives read, in the quarter and (not counted) outside it."""
    anvil, bolt, crane = company["Anvil"], company["Bolt"], company["Crane"]
    nps = SurveyFactory(kind="nps")
    csat = SurveyFactory(kind="csat", name="CSAT")
    for client, score, day in (
        (anvil, 10, dt.date(2025, 1, 20)),
        (crane, 9, dt.date(2025, 2, 20)),
        (bolt, 3, dt.date(2025, 1, 25)),
        (bolt, 2, dt.date(2024, 12, 20)),  # before the quarter
    ):
        SurveyResponseFactory(
            client=client, score=score, answered_at=_at(day), invitation__survey=nps
        )
    for client, score in ((anvil, 5), (crane, 2)):
        SurveyResponseFactory(
            client=client,
            kind="csat",
            score=score,
            answered_at=_at(dt.date(2025, 3, 3)),
            invitation__survey=csat,
        )
    shipping = Department.objects.get(slug="shipping")
    billing = Department.objects.get(slug="billing")
    IncidentFactory(  # resolved two days past its SLA: a breach
        client=anvil,
        responsible_department=shipping,
        severity=1,
        opened_at=_at(dt.date(2025, 2, 10)),
        due_at=_at(dt.date(2025, 2, 12)),
        resolved_at=_at(dt.date(2025, 2, 14)),
        status="resolved",
    )
    IncidentFactory(  # a consistency mismatch, resolved in time
        client=crane,
        responsible_department=billing,
        opened_at=_at(dt.date(2025, 3, 1)),
        due_at=_at(dt.date(2025, 3, 5)),
        resolved_at=_at(dt.date(2025, 3, 2)),
        status="resolved",
        mismatch_key="k" * 40,
    )
    IncidentFactory(  # before the quarter
        client=crane, responsible_department=shipping, opened_at=_at(dt.date(2024, 12, 30))
    )
    AdvocacyAskFactory(
        client=anvil,
        asked_by=owner,
        asked_on=dt.date(2025, 1, 10),
        given_on=dt.date(2025, 2, 1),
        converted_on=dt.date(2025, 3, 1),
        status="converted",
    )
    OwnershipChange.objects.create(
        client=crane,
        role=OwnerRole.OWNER,
        previous_user=teammate,
        new_user=owner,
        changed_by=teammate,
        changed_at=_at(dt.date(2025, 2, 3), 9),
        acknowledged_at=_at(dt.date(2025, 2, 3), 14),
        note="Over to you.",
    )
    OwnershipChange.objects.create(
        client=anvil,
        role=OwnerRole.BACKUP,
        previous_user=None,
        new_user=teammate,
        changed_by=owner,
        changed_at=_at(dt.date(2025, 3, 10)),
        note="Please back me up.",
    )
    rule = CadenceRule.objects.filter(is_active=True).first()
    for client, due, closed in (
        (anvil, dt.date(2025, 2, 10), _at(dt.date(2025, 2, 9))),
        (crane, dt.date(2025, 2, 20), None),
    ):
        TouchTask.objects.create(
            rule=rule,
            client=client,
            owner=owner,
            due_on=due,
            created_at=_at(due - dt.timedelta(days=7)),
            closed_at=closed,
            closed_how="touched" if closed else "",
        )
    run = start_playbook(
        actor=owner, client=anvil, playbook=Playbook.objects.get(slug="onboarding")
    )
    tasks = list(run.tasks.order_by("pk"))
    tasks[0].due_on, tasks[0].completed_at = dt.date(2025, 1, 10), _at(dt.date(2025, 1, 9))
    tasks[1].due_on, tasks[1].completed_at = dt.date(2025, 1, 10), _at(dt.date(2025, 1, 12))
    for task in tasks[:2]:
        task.save()
    for task in tasks[2:]:
        task.due_on = dt.date(2025, 9, 1)  # due after the quarter
        task.save()
    CommitmentFactory(
        client=anvil,
        due_on=dt.date(2025, 2, 5),
        status=CommitmentStatus.KEPT,
        closed_at=_at(dt.date(2025, 2, 4)),
    )
    CommitmentFactory(client=crane, due_on=dt.date(2025, 2, 6), status=CommitmentStatus.BROKEN)
    ClientValue.objects.bulk_create(
        ClientValue(
            client=client,
            as_of=dt.date(2025, 6, 1),
            purchase_model="bgnbd",
            horizon_weeks=52,
            lifetime_value=value,
            probability_alive=0.8,
            computed_at=_at(dt.date(2025, 6, 1)),
        )
        for client, value in ((anvil, 1200.0), (bolt, 900.0), (crane, 400.0))
    )
    return company


def test_the_financial_figures_follow_the_hand_checked_quarter(company):
    card = get_scorecard(ScorecardFilters(Q1_2025), today=TODAY)
    bridge = card.financial.bridge
    assert (bridge.opening, bridge.closing) == (8800.0, 7300.0)
    assert (bridge.new, bridge.returning) == (300.0, 0.0)
    assert (bridge.expansion, bridge.contraction, bridge.churned) == (500.0, 300.0, 2000.0)
    assert bridge.grr == pytest.approx(6500 / 8800)
    assert bridge.nrr == pytest.approx(7000 / 8800)
    # Closing MRR 5,000 / 1,500 / 500 / 300: the top 20% of 4 clients is the top 1.
    assert card.financial.concentration.top.top_clients == 1
    assert card.financial.concentration.top.share == pytest.approx(5000 / 7300)
    logos = card.client.logos
    assert (logos.clients_at_start, logos.churned_from_start, logos.new) == (4, 1, 1)
    assert logos.churn_rate == 0.25
    assert logos.clients_at_end == 4


def test_the_trend_has_one_row_per_month_and_its_quarter_adds_up(company):
    card = get_scorecard(ScorecardFilters(Q1_2025), today=TODAY)
    months = card.trend.get_column("month").to_list()
    assert months[0] == dt.date(2024, 4, 1) and months[-1] == dt.date(2025, 3, 1)
    assert len(months) == 12  # at least twelve months, ending with the period's last
    quarter = card.trend.filter(card.trend["month"] >= dt.date(2025, 1, 1))
    assert quarter.get_column("churned_mrr").sum() == 2000.0
    assert quarter.get_column("new").sum() == 1
    february = quarter.row(1, named=True)
    assert (february["expansion"], february["contraction"]) == (500.0, 300.0)
    assert february["logo_churn"] == pytest.approx(1 / 4)  # Bolt's revenue stopped 1 Feb


def test_a_segment_narrows_every_perspective(records):
    card = get_scorecard(ScorecardFilters(Q1_2025, "enterprise"), today=TODAY)
    assert (card.financial.bridge.opening, card.financial.bridge.closing) == (5000.0, 5000.0)
    assert card.client.nps.responses == 0
    assert card.process.incidents == []
    assert card.growth.handoffs.handed == 0


def test_the_other_perspectives_count_what_happened_in_the_period(records):
    card = get_scorecard(ScorecardFilters(Q1_2025), today=TODAY)
    nps, csat = card.client.nps, card.client.csat
    assert (nps.responses, nps.promoters, nps.detractors) == (3, 2, 1)
    assert nps.nps == pytest.approx(100 / 3)
    assert (csat.responses, csat.unsatisfied, csat.csat) == (2, 1, 0.5)
    referrals = card.client.referrals
    assert (referrals.asked, referrals.given, referrals.converted) == (1, 1, 1)
    by_department = {row.department.slug: row for row in card.process.incidents}
    assert set(by_department) == {"shipping", "billing"}
    shipping, billing = by_department["shipping"], by_department["billing"]
    assert (shipping.opened, shipping.severity_1, shipping.sla_breaches) == (1, 1, 1)
    assert shipping.mean_hours_to_resolve == pytest.approx(96.0)
    assert (billing.sla_breaches, billing.mismatches) == (0, 1)
    cadence = card.process.cadence
    assert (cadence.on_time, cadence.late, cadence.missed) == (1, 0, 1)
    playbooks = card.process.playbooks
    assert (playbooks.on_time, playbooks.late, playbooks.missed) == (1, 1, 0)
    promises = card.process.promises
    assert (promises.on_time, promises.missed) == (1, 1)
    handoffs = card.growth.handoffs
    assert (handoffs.handed, handoffs.acknowledged, handoffs.waiting) == (2, 1, 1)
    assert handoffs.median_hours_to_acknowledge == 5.0
    coverage = {t.trigger: t for t in card.growth.coverage.triggers}
    assert coverage["owner_change"].situations == 1  # the backup change is not an owner's
    assert coverage["severity_1_incident"].situations == 1
    assert card.growth.coverage.triggers_covered == 3  # the six standard playbooks
    value = card.financial.value
    # Bolt churned: the base at the close is Anvil, Crane (valued) and Dyno, Ember (not).
    assert value is not None and value.clients_valued == 2
    assert value.lifetime_value == 1600.0


@pytest.mark.parametrize(
    ("measure", "expected", "figures"),
    [
        ("churned_from_start", ["Bolt"], [(2000.0, 0.0)]),
        ("expansion", ["Anvil"], [(1000.0, 1500.0, 500.0)]),
        ("contraction", ["Dyno"], [(800.0, 500.0, 300.0)]),
        ("new", ["Crane"], [(0.0, 300.0)]),
        ("top_clients", ["Ember"], [(5000.0, 5000.0)]),
        ("clients_at_start", ["Ember", "Bolt", "Anvil", "Dyno"], None),
        ("valued", ["Anvil", "Crane"], None),
        ("detractors", ["Bolt"], [(3, 1, dt.date(2025, 1, 25))]),
        ("promoters", ["Anvil", "Crane"], None),
        ("unsatisfied", ["Crane"], None),
        ("referrals_given", ["Anvil"], [(1, 1)]),
        ("incidents", ["Crane", "Anvil"], None),  # latest first
        ("sla_breaches", ["Anvil"], None),
        ("mismatches", ["Crane"], None),
        ("touches_missed", ["Crane"], [(1, dt.date(2025, 2, 20))]),
        ("playbook_tasks_missed", ["Anvil"], None),
        ("promises_missed", ["Crane"], None),
        ("handoffs_waiting", ["Anvil"], None),
    ],
)
def test_each_number_drills_down_to_the_clients_behind_it(records, measure, expected, figures):
    found = drill_down(ScorecardFilters(Q1_2025), measure, today=TODAY)
    names = {c.pk: name for name, c in records.items()}
    assert [names[row.client_id] for row in found.rows] == expected
    if figures is not None:
        assert [row.figures for row in found.rows] == figures


def test_an_incident_drill_down_narrows_to_the_department(records):
    shipping = Department.objects.get(slug="shipping")
    found = drill_down(ScorecardFilters(Q1_2025), "incidents", department=shipping, today=TODAY)
    assert [row.client_id for row in found.rows] == [records["Anvil"].pk]


def test_the_page_shows_each_perspective_with_links_to_the_clients(client, owner, records):
    client.force_login(owner)
    response = client.get(reverse("scorecard") + "?" + QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("Financial", "Client", "Internal process", "Learning and growth"):
        assert f">{heading}</h2>" in page
    assert "8,800.00" in page and "7,300.00" in page
    query = QUERY.replace("&", "&amp;")
    assert f"?{query}&amp;measure=churned_from_start" in page
    assert f"?{query}&amp;measure=incidents&amp;department=shipping" in page
    assert page.count("<svg") >= 6  # MRR, retention, churn, cohorts, Pareto, incidents
    assert "Jan 2025 to Mar 2025" in page


def test_a_drill_down_page_lists_the_clients_and_exports_them(client, owner, records):
    client.force_login(owner)
    url = reverse("scorecard-clients") + f"?{QUERY}&measure=churned_from_start"
    response = client.get(url)
    assert response.status_code == 200
    assert "Bolt" in response.content.decode()
    assert "Anvil" not in response.content.decode()
    exported = client.get(url + "&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows[0][:4] == ["external_id", "name", "segment", "owner"]
    assert [row[1] for row in rows[1:]] == ["Bolt"]
    assert rows[1][4:] == ["2000.00", "0.00"]


def test_each_table_downloads_as_csv_with_the_page_figures(client, owner, records):
    client.force_login(owner)
    summary = client.get(reverse("scorecard-csv", args=["summary"]) + "?" + QUERY)
    assert summary["Content-Disposition"].endswith('"scorecard-summary-2025-01-2025-03.csv"')
    rows = list(csv.reader(io.StringIO(b"".join(summary.streaming_content).decode())))
    figures = {row[1]: row[2] for row in rows[1:]}
    assert figures["MRR at the opening"] == "8800.00"
    assert figures["Churned MRR"] == "2000.00"
    assert figures["Logo churn"] == "0.25"
    for table in ("trend", "cohorts", "incidents", "on_time", "surveys", "coverage", "pareto"):
        response = client.get(reverse("scorecard-csv", args=[table]) + "?" + QUERY)
        assert response.status_code == 200, table
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert len(lines) >= 2, table
    assert client.get(reverse("scorecard-csv", args=["nothing"]) + "?" + QUERY).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("first=2025-13", "From month: give a month as YYYY-MM"),
        ("first=2025-04&last=2025-01", "is after to month"),
        ("first=2010-01&last=2025-01", "at most 60 months"),
        ("last=2999-01", "has not started yet"),
    ],
)
def test_a_period_that_cannot_be_shown_is_refused_saying_why(client, owner, query, message):
    client.force_login(owner)
    response = client.get(reverse("scorecard") + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_without_filters_the_page_shows_the_last_twelve_complete_months(client, owner, company):
    client.force_login(owner)
    response = client.get(reverse("scorecard"))
    assert response.status_code == 200
    period = response.context["card"].filters.period
    this_month = timezone.localdate().replace(day=1)
    assert period.months == 12 and period.last_month < this_month
    assert period.end == this_month


def test_an_unknown_measure_is_not_found(client, owner):
    client.force_login(owner)
    assert client.get(reverse("scorecard-clients") + "?measure=nope").status_code == 404


def test_the_page_runs_the_same_queries_for_a_small_and_a_larger_company(
    client, owner, records, django_assert_max_num_queries
):
    client.force_login(owner)
    client.get(reverse("scorecard") + "?" + QUERY)  # the segment menu and the lines kept
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("scorecard") + "?" + QUERY)
    for n in range(30):
        other = ClientFactory(owner=owner, segment="smb")
        _line(other, dt.date(2024, 1, 1) + dt.timedelta(days=7 * n))
        IncidentFactory(client=other, opened_at=_at(dt.date(2025, 2, 1)))
    with django_assert_max_num_queries(30) as changed:
        client.get(reverse("scorecard") + "?" + QUERY)
    with django_assert_max_num_queries(30) as larger:
        client.get(reverse("scorecard") + "?" + QUERY)
    # New lines are read once (one query more), then kept until they change again.
    assert len(changed.captured_queries) == len(small.captured_queries) + 1
    assert len(larger.captured_queries) == len(small.captured_queries)


def test_downloads_with_a_period_that_cannot_be_shown_are_refused_saying_why(client, owner):
    client.force_login(owner)
    for url in (
        reverse("scorecard-csv", args=["summary"]) + "?first=2025-13",
        reverse("scorecard-clients") + "?measure=new&first=2025-13",
    ):
        response = client.get(url)
        assert response.status_code == 400
        assert "From month: give a month as YYYY-MM" in response.content.decode()
