"""Advocacy both ways: asks for referrals and references followed from asked to converted
or declined, introductions and their outcome, who may record them, the funnel totals, and
the healthy promoters to ask next."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from retain.accounts.models import User
from retain.advocacy import selectors, services
from retain.advocacy.choices import AdvocacyStatus, IntroductionOutcome
from retain.advocacy.models import AdvocacyAsk, Introduction
from retain.advocacy.selectors import Funnel
from retain.clients.choices import TimelineKind
from retain.clients.models import Client, TimelineEntry
from tests.factories import (
    AdvocacyAskFactory,
    ClientFactory,
    ContactFactory,
    IncidentFactory,
    IntroductionFactory,
    SurveyResponseFactory,
    UserFactory,
)
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def acme(owner: User, teammate: User) -> Client:
    """Owned by the owner fixture; nobody backs it up, so the teammate only reads it."""
    return ClientFactory(name="Acme", owner=owner, mrr=Decimal("4000.00"))


def _ask(actor: User, client: Client, **extra: object) -> AdvocacyAsk:
    return services.ask_for_advocacy(
        actor=actor, client=client, kind=extra.pop("kind", "referral"), **extra
    )


def _timeline(client: Client) -> list[tuple[str, str]]:
    return list(
        TimelineEntry.objects.filter(client=client)
        .order_by("occurred_at", "pk")
        .values_list("kind", "subject")
    )


# The flow


def test_a_referral_goes_from_asked_to_given_to_converted_on_the_tab(owner, acme):
    greta = ContactFactory(client=acme, name="Greta Lind")
    browser = signed_in(owner)

    asked = browser.post(
        f"/clients/{acme.pk}/advocacy/",
        {
            "kind": "referral",
            "prospect": "Globex",
            "contact": greta.pk,
            "notes": "Their CFO knows Globex's",
        },
    )
    ask = AdvocacyAsk.objects.get()
    given = browser.post(
        f"/advocacy/asks/{ask.pk}/step/",
        {"status": "given", "version": 1, "note": "Intro email sent"},
    )
    converted = browser.post(
        f"/advocacy/asks/{ask.pk}/step/",
        {"status": "converted", "version": 2, "value": "12000.50"},
    )

    assert [r.status_code for r in (asked, given, converted)] == [302, 302, 302]
    assert asked["Location"] == f"/clients/{acme.pk}/advocacy/"
    ask.refresh_from_db()
    today = TODAY()
    assert (ask.kind, ask.status, ask.prospect, ask.contact, ask.asked_by) == (
        "referral",
        AdvocacyStatus.CONVERTED,
        "Globex",
        greta,
        owner,
    )
    assert (ask.asked_on, ask.given_on, ask.converted_on, ask.declined_on) == (
        today,
        today,
        today,
        None,
    )
    assert (ask.value, ask.version) == (Decimal("12000.50"), 3)
    assert (
        ask.notes
        == f"Their CFO knows Globex's\n\nGiven {today.day} {today:%b %Y}: Intro email sent"
    )
    # Each step is a note on the timeline, by the owner's department, linked to the ask.
    assert _timeline(acme) == [
        (TimelineKind.NOTE, "Asked for a referral (Globex) from Greta Lind"),
        (TimelineKind.NOTE, "Referral (Globex) given"),
        (TimelineKind.NOTE, "Referral (Globex) converted, worth 12,000.50"),
    ]
    entries = TimelineEntry.objects.filter(client=acme)
    assert {(e.author, e.department, e.source) for e in entries} == {(owner, owner.department, ask)}
    # The audit trail: one history row per write, each by the owner.
    history = list(ask.history.order_by("history_date").values_list("status", "history_user"))
    assert history == [("asked", owner.pk), ("given", owner.pk), ("converted", owner.pk)]
    page = browser.get(f"/clients/{acme.pk}/advocacy/").content.decode()
    assert "Converted" in page and "worth 12,000.50" in page
    assert "Record the next step" not in page  # a converted ask has no next step


def test_an_ask_can_be_declined_before_or_after_it_was_given(owner, acme):
    refused = _ask(owner, acme, prospect="Initech")
    dropped = _ask(owner, acme, kind="reference", prospect="Umbrella")
    dropped = services.record_given(actor=owner, ask=dropped, expected_version=1)

    refused = services.record_declined(
        actor=owner, ask=refused, expected_version=1, note="Not this year"
    )
    dropped = services.record_declined(actor=owner, ask=dropped, expected_version=2)

    assert (refused.status, refused.given_on, refused.declined_on) == ("declined", None, TODAY())
    assert (dropped.status, dropped.given_on, dropped.declined_on) == ("declined", TODAY(), TODAY())
    assert [subject for _, subject in _timeline(acme)][-2:] == [
        "Referral (Initech) declined",
        "Reference (Umbrella) declined",
    ]


@pytest.mark.parametrize(
    ("steps", "refused", "message"),
    [
        ([], "converted", "This referral is asked: it cannot be recorded as converted."),
        (["given"], "given", "This referral is given: it cannot be recorded as given."),
        (["declined"], "given", "This referral is declined: it cannot be recorded as given."),
        (
            ["given", "converted"],
            "declined",
            "This referral is converted: it cannot be recorded as declined.",
        ),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(owner, acme, steps, refused, message):
    ask = _ask(owner, acme)
    record = {
        "given": services.record_given,
        "converted": services.record_converted,
        "declined": services.record_declined,
    }
    for version, step in enumerate(steps, start=1):
        ask = record[step](actor=owner, ask=ask, expected_version=version)
    entries = TimelineEntry.objects.count()

    with pytest.raises(ValidationError) as refusal:
        record[refused](actor=owner, ask=ask, expected_version=ask.version)

    assert refusal.value.messages == [message]
    ask.refresh_from_db()
    assert ask.version == len(steps) + 1
    assert TimelineEntry.objects.count() == entries
    assert ask.history.count() == len(steps) + 1


def test_dates_and_values_that_cannot_be_right_are_refused(owner, acme):
    ask = _ask(owner, acme, asked_on=TODAY() - dt.timedelta(days=10))
    tomorrow = TODAY() + dt.timedelta(days=1)

    with pytest.raises(ValidationError) as future:
        services.record_given(actor=owner, ask=ask, expected_version=1, on=tomorrow)
    with pytest.raises(ValidationError) as too_early:
        services.record_given(
            actor=owner, ask=ask, expected_version=1, on=TODAY() - dt.timedelta(days=11)
        )
    services.record_given(actor=owner, ask=ask, expected_version=1)
    with pytest.raises(ValidationError) as negative:
        services.record_converted(actor=owner, ask=ask, expected_version=2, value=Decimal("-1"))
    with pytest.raises(ValidationError) as asked_tomorrow:
        _ask(owner, acme, prospect="Later", asked_on=tomorrow)

    assert "is in the future" in future.value.messages[0]
    assert "is before the ask" in too_early.value.messages[0]
    assert negative.value.messages == ["A converted value cannot be negative."]
    assert "is in the future" in asked_tomorrow.value.messages[0]
    ask.refresh_from_db()
    assert (ask.status, ask.version) == ("given", 2)


def test_the_same_open_ask_is_not_made_twice(owner, acme):
    first = _ask(owner, acme, prospect="Globex")

    with pytest.raises(ValidationError) as refusal:
        _ask(owner, acme, prospect=" globex ")
    other_prospect = _ask(owner, acme, prospect="Initech")
    as_reference = _ask(owner, acme, kind="reference", prospect="Globex")
    services.record_declined(actor=owner, ask=first, expected_version=1)
    again_after_an_answer = _ask(owner, acme, prospect="Globex")

    assert "already asked for this referral" in refusal.value.messages[0]
    assert AdvocacyAsk.objects.count() == 4
    assert {other_prospect.kind, as_reference.kind, again_after_an_answer.kind} == {
        "referral",
        "reference",
    }


def test_a_contact_of_another_client_is_refused(owner, acme):
    stranger = ContactFactory(name="Sam Else")

    with pytest.raises(ValidationError) as refusal:
        _ask(owner, acme, contact=stranger)

    assert refusal.value.messages == ["Sam Else is not a contact of Acme."]


# Concurrent and stale edits


def test_a_step_from_a_stale_page_is_refused_and_writes_over_nothing(owner, acme, admin_user):
    ask = _ask(owner, acme)
    # Both pages show version 1; the admin records first.
    services.record_given(actor=admin_user, ask=ask, expected_version=1, note="Given by phone")

    response = signed_in(owner).post(
        f"/advocacy/asks/{ask.pk}/step/",
        {"status": "declined", "version": 1, "note": "They said no"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Someone else updated this referral while you were looking at it" in (
        response.content.decode()
    )
    ask.refresh_from_db()
    assert (ask.status, ask.version, ask.declined_on) == ("given", 2, None)
    assert "They said no" not in ask.notes


def test_an_outcome_from_a_stale_page_is_refused(owner, acme, admin_user):
    intro = services.make_introduction(
        actor=owner, client=acme, kind="supplier", introduced_name="Ida Steel"
    )
    services.record_introduction_outcome(
        actor=admin_user, introduction=intro, outcome="meeting_held", expected_version=1
    )

    with pytest.raises(ValidationError) as refusal:
        services.record_introduction_outcome(
            actor=owner, introduction=intro, outcome="no_result", expected_version=1
        )

    assert "Someone else updated this introduction" in refusal.value.messages[0]
    intro.refresh_from_db()
    assert (intro.outcome, intro.version) == ("meeting_held", 2)


@pytest.mark.postgres
# serialized_rollback: earlier transactional tests flush the departments the migrations seeded.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_steps_from_one_version_let_exactly_one_through(owner):
    acme = ClientFactory(name="Acme", owner=owner)
    ask = _ask(owner, acme)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def step(name: str) -> None:
        record = services.record_given if name == "given" else services.record_declined
        try:
            start.wait()
            record(actor=owner, ask=ask, expected_version=1)
            outcomes[name] = "saved"
        except ValidationError:
            outcomes[name] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=step, args=(name,)) for name in ("given", "declined")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["refused", "saved"]
    saved = next(name for name, outcome in outcomes.items() if outcome == "saved")
    ask.refresh_from_db()
    assert (ask.status, ask.version) == (saved, 2)
    assert ask.history.count() == 2
    assert TimelineEntry.objects.filter(client=acme).count() == 2


# Introductions


def test_an_introduction_is_made_and_followed_to_a_deal(owner, acme):
    browser = signed_in(owner)

    made = browser.post(
        f"/clients/{acme.pk}/advocacy/introductions/",
        {
            "kind": "prospect",
            "introduced_name": "Pia Buyer",
            "introduced_organisation": "Hooli",
            "note": "Hooli needs what Acme makes",
        },
    )
    intro = Introduction.objects.get()
    meeting = browser.post(
        f"/advocacy/introductions/{intro.pk}/outcome/",
        {"outcome": "meeting_held", "version": 1, "note": "Met in Berlin"},
    )
    deal = browser.post(
        f"/advocacy/introductions/{intro.pk}/outcome/",
        {"outcome": "deal", "version": 2, "note": "First order signed"},
    )

    assert [r.status_code for r in (made, meeting, deal)] == [302, 302, 302]
    intro.refresh_from_db()
    assert (intro.kind, intro.made_by, intro.made_on, intro.note) == (
        "prospect",
        owner,
        TODAY(),
        "Hooli needs what Acme makes",
    )
    assert (intro.outcome, intro.outcome_on, intro.outcome_note, intro.version) == (
        IntroductionOutcome.DEAL,
        TODAY(),
        "First order signed",
        3,
    )
    assert _timeline(acme) == [
        (TimelineKind.NOTE, "Introduced to Pia Buyer (Hooli), prospective customer of theirs"),
        (TimelineKind.NOTE, "Introduction to Pia Buyer (Hooli): meeting held"),
        (TimelineKind.NOTE, "Introduction to Pia Buyer (Hooli): deal"),
    ]
    assert list(intro.history.order_by("history_date").values_list("outcome", flat=True)) == [
        "pending",
        "meeting_held",
        "deal",
    ]
    # A deal is final.
    with pytest.raises(ValidationError) as refusal:
        services.record_introduction_outcome(
            actor=owner, introduction=intro, outcome="no_result", expected_version=3
        )
    assert refusal.value.messages == [
        "This introduction's outcome is deal: it cannot become no result."
    ]


def test_an_introduction_without_a_name_shows_the_form_again(owner, acme):
    response = signed_in(owner).post(
        f"/clients/{acme.pk}/advocacy/introductions/", {"kind": "partner", "introduced_name": ""}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Introduction.objects.count() == 0


# Who may record


def test_a_teammate_who_does_not_own_the_client_reads_but_may_not_record(teammate, owner, acme):
    ask = _ask(owner, acme)
    intro = services.make_introduction(
        actor=owner, client=acme, kind="partner", introduced_name="Pat"
    )
    browser = signed_in(teammate)

    page = browser.get(f"/clients/{acme.pk}/advocacy/")
    refused = [
        browser.post(f"/clients/{acme.pk}/advocacy/", {"kind": "reference"}),
        browser.post(
            f"/clients/{acme.pk}/advocacy/introductions/",
            {"kind": "partner", "introduced_name": "Quinn"},
        ),
        browser.post(f"/advocacy/asks/{ask.pk}/step/", {"status": "given", "version": 1}),
        browser.post(
            f"/advocacy/introductions/{intro.pk}/outcome/", {"outcome": "deal", "version": 1}
        ),
    ]

    assert page.status_code == 200
    html = page.content.decode()
    assert "Referral" in html and "Pat" in html
    assert "Record the ask" not in html and "Record the next step" not in html
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert AdvocacyAsk.objects.get().version == 1
    assert (Introduction.objects.get().version, Introduction.objects.count()) == (1, 1)
    with pytest.raises(PermissionDenied, match="may not record advocacy"):
        services.record_given(actor=teammate, ask=ask, expected_version=1)


def test_the_backup_owner_and_an_admin_may_record(owner, teammate, admin_user, acme):
    acme.backup_owner = teammate
    acme.save()

    as_backup = signed_in(teammate).post(f"/clients/{acme.pk}/advocacy/", {"kind": "referral"})
    ask = AdvocacyAsk.objects.get()
    as_admin = signed_in(admin_user).post(
        f"/advocacy/asks/{ask.pk}/step/", {"status": "given", "version": 1}
    )

    assert (as_backup.status_code, as_admin.status_code) == (302, 302)
    ask.refresh_from_db()
    assert (ask.asked_by, ask.status) == (teammate, "given")
    assert ask.history.order_by("history_date").last().history_user == admin_user


def test_a_manager_of_another_department_reads_the_overview_but_may_not_record(manager, acme):
    browser = signed_in(manager)

    assert browser.get("/advocacy/").status_code == 200
    assert browser.get(f"/clients/{acme.pk}/advocacy/").status_code == 200
    assert browser.post(f"/clients/{acme.pk}/advocacy/", {"kind": "referral"}).status_code == 403


# Whom to ask next


def _promoter(name: str, mrr: str, *, score: int = 9, days_ago: int = 10, **extra) -> Client:
    client = ClientFactory(name=name, mrr=Decimal(mrr), **extra)
    SurveyResponseFactory(
        client=client, score=score, answered_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return client


def test_referral_candidates_are_recent_healthy_promoters_by_mrr(owner):
    big = _promoter("Big promoter", "9000", owner=owner, score=10)
    small = _promoter("Small promoter", "100", owner=owner)
    _promoter("Detractor", "8000", score=3)
    _promoter("Passive", "8000", score=8)
    _promoter("Promoter long ago", "8000", days_ago=400)
    _promoter("Churned promoter", "8000", status="churned", churned_on=TODAY())
    turned = _promoter("Promoter then detractor", "8000", days_ago=60)
    SurveyResponseFactory(client=turned, score=4, answered_at=timezone.now())
    hurt = _promoter("Promoter with a critical incident", "8000")
    IncidentFactory(client=hurt, severity=1)
    high = _promoter("Promoter with a high incident", "8000")
    IncidentFactory(client=high, severity=2, status="in_progress")
    minor = _promoter("Promoter with a minor incident", "500")
    IncidentFactory(client=minor, severity=3)
    mended = _promoter("Promoter whose critical incident is resolved", "400")
    IncidentFactory(client=mended, severity=1, status="resolved")
    waiting = _promoter("Promoter asked long ago, no answer yet", "8000")
    AdvocacyAskFactory(client=waiting, asked_on=TODAY() - dt.timedelta(days=200))
    lately = _promoter("Promoter asked lately, declined", "8000")
    AdvocacyAskFactory(
        client=lately,
        asked_on=TODAY() - dt.timedelta(days=30),
        status="declined",
        declined_on=TODAY() - dt.timedelta(days=20),
    )
    long_ago = _promoter("Promoter asked long ago, declined", "300")
    AdvocacyAskFactory(
        client=long_ago,
        asked_on=TODAY() - dt.timedelta(days=91),
        status="declined",
        declined_on=TODAY() - dt.timedelta(days=80),
    )
    asked_for_reference = _promoter("Promoter asked for a reference", "200")
    AdvocacyAskFactory(client=asked_for_reference, kind="reference")

    candidates = list(selectors.referral_candidates())

    assert [c.name for c in candidates] == [
        "Big promoter",
        "Promoter with a minor incident",
        "Promoter whose critical incident is resolved",
        "Promoter asked long ago, declined",
        "Promoter asked for a reference",
        "Small promoter",
    ]
    assert (candidates[0].last_nps_score, candidates[0].owner) == (10, owner)
    # Asked for a reference: not a candidate for another reference.
    references = {c.name for c in selectors.referral_candidates(kind="reference")}
    assert "Promoter asked for a reference" not in references
    assert {big.name, small.name} <= references


def test_the_overview_lists_candidates_linking_to_their_advocacy_tab(owner):
    promoter = _promoter("Globex", "2500", owner=owner, score=10)

    html = signed_in(owner).get("/advocacy/").content.decode()

    assert f'<a href="/clients/{promoter.pk}/advocacy/">Globex</a>' in html
    assert "2,500.00" in html


# Totals


def test_totals_count_every_ask_that_reached_each_step(owner, teammate, manager):
    mine = ClientFactory(owner=owner)
    theirs = ClientFactory(owner=teammate)
    for status, count in (("asked", 2), ("given", 3), ("converted", 1), ("declined", 1)):
        for _ in range(count):
            AdvocacyAskFactory(
                client=mine,
                status=status,
                given_on=TODAY() if status in ("given", "converted") else None,
                converted_on=TODAY() if status == "converted" else None,
                declined_on=TODAY() if status == "declined" else None,
                value=Decimal("500") if status == "converted" else None,
            )
    # Given, then declined: counted as given.
    AdvocacyAskFactory(client=theirs, status="declined", given_on=TODAY(), declined_on=TODAY())
    AdvocacyAskFactory(
        client=theirs, kind="reference", status="converted", given_on=TODAY(), converted_on=TODAY()
    )
    AdvocacyAskFactory(client=ClientFactory(owner=None), kind="reference")

    totals = selectors.get_advocacy_totals()
    by_owner = selectors.list_totals_by_owner()

    assert totals.referral == Funnel(
        asked=8, given=5, converted=1, declined=2, waiting=2, value=Decimal("500")
    )
    assert totals.reference == Funnel(asked=2, given=1, converted=1, declined=0, waiting=1)
    assert (totals.referral.given_rate, totals.referral.conversion_rate) == (5 / 8, 1 / 5)
    assert totals.reference.conversion_rate == 1.0
    assert Funnel().conversion_rate is None
    names = sorted([str(owner), str(teammate)], key=str.lower)
    assert [row.owner_name for row in by_owner] == [*names, ""]
    rows = {row.owner_id: row.totals for row in by_owner}
    assert rows[owner.pk].referral == Funnel(
        asked=7, given=4, converted=1, declined=1, waiting=2, value=Decimal("500")
    )
    assert rows[owner.pk].reference == Funnel()
    assert rows[teammate.pk].referral == Funnel(asked=1, given=1, declined=1)
    assert rows[teammate.pk].reference == Funnel(asked=1, given=1, converted=1)
    assert rows[None].reference == Funnel(asked=1, waiting=1)


def test_introductions_are_counted_by_kind_and_outcome(owner):
    for kind, outcome in [
        ("partner", "pending"),
        ("partner", "deal"),
        ("partner", "deal"),
        ("prospect", "no_result"),
    ]:
        IntroductionFactory(
            kind=kind, outcome=outcome, outcome_on=None if outcome == "pending" else TODAY()
        )

    rows = selectors.list_introductions_by_outcome()

    assert [(row.kind, row.counts, row.total) for row in rows] == [
        ("partner", (1, 0, 2, 0), 3),
        ("supplier", (0, 0, 0, 0), 0),
        ("prospect", (0, 0, 0, 1), 1),
    ]


def test_the_exports_list_every_ask_and_introduction_with_formulas_escaped(owner, acme):
    AdvocacyAskFactory(client=acme, prospect="=HYPERLINK(1)", asked_by=owner)
    IntroductionFactory(client=acme, introduced_name="Ida", introduced_organisation="Steel AG")
    browser = signed_in(owner)

    asks = b"".join(browser.get("/advocacy/asks.csv").streaming_content).decode()
    intros = b"".join(browser.get("/advocacy/introductions.csv").streaming_content).decode()

    today = TODAY().isoformat()
    assert asks.splitlines() == [
        "client_external_id,client,kind,status,prospect,contact,asked_by,asked_on,given_on,"
        "converted_on,declined_on,value",
        f"{acme.external_id},Acme,referral,asked,'=HYPERLINK(1),,{owner},{today},,,,",
    ]
    assert intros.splitlines()[1:] == [
        f"{acme.external_id},Acme,partner,Ida,Steel AG,,{today},pending,"
    ]


# Query counts


def _book(owner: User, count: int) -> Client:
    """A client with ``count`` asks and ``count`` introductions, some of each closed."""
    client = ClientFactory(owner=owner, backup_owner=UserFactory())
    ContactFactory(client=client)
    for n in range(count):
        closed = n % 3 == 0
        AdvocacyAskFactory(
            client=client,
            asked_by=owner,
            contact=client.contacts.first(),
            status="declined" if closed else "asked",
            declined_on=TODAY() if closed else None,
        )
        IntroductionFactory(
            client=client,
            made_by=owner,
            outcome="deal" if closed else "pending",
            outcome_on=TODAY() if closed else None,
        )
    return client


@pytest.mark.parametrize("records", [3, 30])
def test_the_advocacy_tab_runs_the_same_queries_for_3_or_30_records(
    records: int, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = _book(owner, records)
    browser = signed_in(owner)

    # session, user, the client with its owner and backup, its asks (with contact and
    # asker), its introductions (with who made them), the contacts the ask form offers.
    with django_assert_num_queries(6):
        response = browser.get(f"/clients/{client.pk}/advocacy/")

    assert response.status_code == 200
    assert len(response.context["asks"]) == len(response.context["introductions"]) == records
    html = response.content.decode()
    assert html.count("Record the next step") == records - len(range(0, records, 3))


@pytest.mark.parametrize("clients", [3, 30])
def test_the_overview_runs_the_same_queries_for_3_or_30_clients(
    clients: int, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(clients):
        promoter = _promoter(f"Promoter {n}", "1000", owner=UserFactory())
        AdvocacyAskFactory(client=ClientFactory(owner=promoter.owner), asked_by=owner)
        IntroductionFactory(client=promoter)
    browser = signed_in(owner)

    # session, user, the totals, the totals by owner, introductions by outcome, the
    # candidates' count and their page.
    with django_assert_num_queries(7):
        response = browser.get("/advocacy/")

    assert response.status_code == 200
    assert len(response.context["candidates"]) == clients
    assert len(response.context["by_owner"]) == clients
