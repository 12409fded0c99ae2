"""The client workspace pages: My clients, the client list, the 360 page, handoffs, history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client as Browser
from django.utils import timezone

from retain.accounts.models import Department
from retain.clients import services
from retain.clients.models import Client, OwnershipChange, TimelineEntry
from retain.commitments.services import record_commitment
from retain.incidents.services import open_incident
from retain.playbooks.models import Playbook
from retain.playbooks.services import start_playbook
from tests.factories import (
    ClientFactory,
    ContactFactory,
    SubscriptionLineFactory,
    TransactionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def book(owner, count: int, **extra) -> list[Client]:
    """``count`` clients of ``owner`` with revenue, contacts and timeline entries."""
    clients = []
    for n in range(count):
        client = ClientFactory(owner=owner, **extra)
        SubscriptionLineFactory(
            client=client,
            mrr=Decimal(1000 + n),
            end_date=timezone.localdate() + dt.timedelta(days=45),
        )
        ContactFactory(client=client, is_primary=True)
        TimelineEntry.objects.create(
            client=client,
            occurred_at=timezone.now() - dt.timedelta(days=3),
            kind="call",
            subject="Check-in",
            author=owner,
            department=owner.department,
        )
        clients.append(client)
    services.refresh_client_revenue()
    return clients


# --- query counts do not grow with the data


@pytest.mark.parametrize("count", [3, 30])
def test_my_clients_runs_a_fixed_number_of_queries(
    owner, admin_user, count, django_assert_num_queries
):
    clients = book(owner, count)
    for client in clients[:2]:
        services.reassign_owner(
            actor=admin_user,
            client=client,
            new_user=UserFactory(email=f"x{client.pk}@retain.test"),
            note="Over to you",
            expected_version=client.version,
            role="backup",
        )
        _incident(client)
    browser = signed_in(owner)
    # session, user (with department); clients owned and backed up, counted with their
    # renewals due and then the page's ids (two of each: one per role); the page's clients
    # (with last contact, open incidents and handoff state); handoffs to acknowledge;
    # survey answers to follow up; cadence touches due; thank-yous to say.
    with django_assert_num_queries(11):
        response = browser.get("/")
    assert response.status_code == 200
    assert len(response.context["view"].page) == count


def _incident(client):
    return open_incident(
        actor=None,
        client=client,
        title="Delivered white, ordered blue",
        category="wrong_delivery",
        severity=2,
        responsible_department=Department.objects.get(slug="shipping"),
    )


@pytest.mark.parametrize(("entries", "purchases", "queries"), [(3, 2, 15), (40, 25, 16)])
def test_client_360_runs_a_fixed_number_of_queries(
    owner, entries, purchases, queries, django_assert_num_queries
):
    (client,) = book(owner, 1)
    for n in range(entries):
        ContactFactory(client=client) if n % 10 == 0 else None
        TimelineEntry.objects.create(
            client=client,
            occurred_at=timezone.now() - dt.timedelta(hours=n),
            kind="note",
            subject=f"Note {n}",
            author=owner,
            department=owner.department,
        )
    for n in range(purchases):
        TransactionFactory(client=client, amount=Decimal(n + 1), order_id=f"O-{n}")
    for n in range(entries // 10 + 1):
        _incident(client)
        record_commitment(
            actor=owner,
            client=client,
            promise=f"Call back {n}",
            due_on=timezone.localdate(),
            keeper_department=Department.objects.get(slug="support"),
        )
        start_playbook(actor=owner, client=client, playbook=Playbook.objects.get(slug="renewal"))
    browser = signed_in(owner)
    # session, user (with department), client (+ last contact), the latest purchases (and,
    # when there are more than the page lists, their totals), contacts, lines, ownership,
    # open incidents, open promises, open playbook tasks, the playbook menu, timeline
    # count (capped), department menu, timeline page. (Both menus are cached for a
    # minute; each test starts with an empty cache.)
    with django_assert_num_queries(queries):
        response = browser.get(f"/clients/{client.pk}/")
    assert response.status_code == 200
    total = sum(range(1, purchases + 1))
    assert f"{purchases} in all, {total:,}.00 total" in response.content.decode()


# --- the client list


def test_search_matches_name_external_id_contact_name_and_email(owner):
    acme = ClientFactory(name="Acme Logistics", external_id="AC-7")
    ContactFactory(client=acme, name="Greta Lindqvist", email="greta@acme.test")
    ClientFactory(name="Borealis Foods")
    services.index_client_search()
    browser = signed_in(owner)
    for term in ["logist", "ac-7", "lindq", "GRETA@acme.test", "acme log", " LOGISTICS "]:
        page = browser.get("/clients/", {"q": term}).context["page"]
        assert [c.name for c in page] == ["Acme Logistics"], term


def test_filters_narrow_the_list(owner, manager):
    shipping = manager.department
    due = ClientFactory(name="Due soon", segment="enterprise", owner=owner)
    SubscriptionLineFactory(client=due, end_date=timezone.localdate() + dt.timedelta(days=20))
    later = ClientFactory(name="Later", segment="enterprise")
    SubscriptionLineFactory(client=later, end_date=timezone.localdate() + dt.timedelta(days=200))
    ClientFactory(name="Small", segment="smb")
    TimelineEntry.objects.create(
        client=later,
        occurred_at=timezone.now(),
        kind="delivery",
        subject="Shipped",
        department=shipping,
    )
    services.refresh_client_revenue()
    browser = signed_in(owner)

    def names(**params):
        return [c.name for c in browser.get("/clients/", params).context["page"]]

    assert names(segment="enterprise", sort="name") == ["Due soon", "Later"]
    assert names(renewal="30") == ["Due soon"]
    assert names(owner=owner.pk) == ["Due soon"]
    assert names(department=shipping.pk) == ["Later"]
    assert names(status="churned") == []
    assert names(sort="-name") == ["Small", "Later", "Due soon"]


def test_search_needs_every_word_and_matches_word_starts_only(owner):
    ClientFactory(name="Acme Logistics")
    ClientFactory(name="Acme Foods")
    services.index_client_search()
    browser = signed_in(owner)

    def names(q):
        return sorted(c.name for c in browser.get("/clients/", {"q": q}).context["page"])

    assert names("acme") == ["Acme Foods", "Acme Logistics"]
    assert names("acme foo") == ["Acme Foods"]
    assert names("gistics") == []


def test_renaming_a_client_updates_its_search_terms(owner):
    client = ClientFactory(name="Acme Logistics", owner=owner)
    services.index_client_search()
    services.update_client(actor=owner, client=client, expected_version=1, name="Borealis Freight")
    browser = signed_in(owner)
    assert [c.name for c in browser.get("/clients/", {"q": "borealis"}).context["page"]] == [
        "Borealis Freight"
    ]
    assert list(browser.get("/clients/", {"q": "acme"}).context["page"]) == []


def test_csv_export_has_every_filtered_row_with_formulas_escaped(owner):
    for n in range(60):
        ClientFactory(name=f"=Client {n:02d}", segment="enterprise")
    ClientFactory(name="Other", segment="smb")
    response = signed_in(owner).get(
        "/clients/export.csv", {"segment": "enterprise", "sort": "name"}
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        lines[0]
        == "external_id,name,segment,status,lifecycle_stage,owner_email,backup_email,mrr,renewal_on"
    )
    assert len(lines) == 61
    assert lines[1].split(",")[1] == "'=Client 00"


# --- the 360 page


def test_adding_a_note_in_place_returns_the_refreshed_timeline(teammate, owner):
    (client,) = book(owner, 1)
    response = signed_in(teammate).post(
        f"/clients/{client.pk}/timeline/add/",
        {"kind": "meeting", "subject": "Quarterly review", "body": "They want faster deliveries."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "clients/_timeline_with_form.html"
    assert "Quarterly review" in response.content.decode()
    entry = TimelineEntry.objects.get(subject="Quarterly review")
    assert (entry.author, entry.department, entry.kind) == (
        teammate,
        teammate.department,
        "meeting",
    )


def test_a_note_without_subject_is_refused_in_place(teammate, owner):
    (client,) = book(owner, 1)
    response = signed_in(teammate).post(
        f"/clients/{client.pk}/timeline/add/",
        {"kind": "note", "subject": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_timeline_filters_by_department_and_kind(owner, manager):
    (client,) = book(owner, 1)
    TimelineEntry.objects.create(
        client=client,
        occurred_at=timezone.now(),
        kind="delivery",
        subject="Late truck",
        department=manager.department,
    )
    browser = signed_in(owner)
    page = browser.get(
        f"/clients/{client.pk}/timeline/", {"department": manager.department.pk}
    ).context["timeline"]
    assert [e.subject for e in page] == ["Late truck"]
    page = browser.get(f"/clients/{client.pk}/timeline/", {"kind": "call"}).context["timeline"]
    assert [e.subject for e in page] == ["Check-in"]


def test_unknown_client_is_404(owner):
    assert signed_in(owner).get("/clients/999999/").status_code == 404


# --- handoffs


def test_reassign_requires_a_note_and_then_hands_over(admin_user, owner, teammate):
    (client,) = book(owner, 1)
    browser = signed_in(admin_user)
    refused = browser.post(
        f"/clients/{client.pk}/owner/",
        {"role": "owner", "new_user": teammate.pk, "note": "", "version": client.version},
    )
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    done = browser.post(
        f"/clients/{client.pk}/owner/",
        {
            "role": "owner",
            "new_user": teammate.pk,
            "note": "Renewal in May.",
            "version": client.version,
        },
    )
    assert done.status_code == 302
    client.refresh_from_db()
    assert client.owner == teammate


def test_reassign_from_a_stale_page_is_refused_with_a_message(admin_user, owner, teammate):
    (client,) = book(owner, 1)
    services.update_client(actor=owner, client=client, expected_version=1, segment="enterprise")
    response = signed_in(admin_user).post(
        f"/clients/{client.pk}/owner/",
        {"role": "owner", "new_user": teammate.pk, "note": "x", "version": 1},
    )
    assert "was changed by someone else" in response.content.decode()
    client.refresh_from_db()
    assert client.owner == owner


def test_members_cannot_open_the_handoff_form(teammate, owner):
    (client,) = book(owner, 1)
    assert signed_in(teammate).get(f"/clients/{client.pk}/owner/").status_code == 403


def test_new_owner_sees_and_acknowledges_the_handoff(admin_user, owner, teammate):
    (client,) = book(owner, 1)
    change = services.reassign_owner(
        actor=admin_user,
        client=client,
        new_user=teammate,
        note="Call Greta first.",
        expected_version=1,
    )
    browser = signed_in(teammate)
    home = browser.get("/")
    assert home.context["view"].unacknowledged_handoffs == [change]
    assert "Call Greta first." in home.content.decode()
    assert signed_in(owner).post(f"/handoffs/{change.pk}/acknowledge/").status_code == 403
    response = browser.post(f"/handoffs/{change.pk}/acknowledge/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert OwnershipChange.objects.get(pk=change.pk).acknowledged_at is not None


def test_managers_see_clients_without_an_active_owner(manager, owner):
    gone = UserFactory(email="gone@retain.test", is_active=False)
    ClientFactory(name="Orphan", owner=None)
    ClientFactory(name="Left behind", owner=gone)
    ClientFactory(name="Looked after", owner=owner)
    view = signed_in(manager).get("/").context["view"]
    assert view.unowned_count == 2
    assert sorted(c.name for c in view.unowned) == ["Left behind", "Orphan"]
    assert signed_in(owner).get("/").context["view"].unowned_count == 0


# --- history


def test_history_shows_who_changed_what_and_exports_it(owner):
    (client,) = book(owner, 1)
    services.update_client(actor=owner, client=client, expected_version=1, name="Acme AG")
    browser = signed_in(owner)
    changes = browser.get(f"/clients/{client.pk}/history/").context["changes"]
    latest = changes[0]
    assert (latest.who, latest.record, latest.action, latest.fields) == (
        str(owner),
        "Client: Acme AG",
        "changed",
        [("name", client.name, "Acme AG")],
    )
    csv_text = browser.get(f"/clients/{client.pk}/history/", {"format": "csv"}).content.decode()
    assert csv_text.splitlines()[0] == "when,who,record,action,field,before,after"
    assert f",{owner},Client: Acme AG,changed,name,{client.name},Acme AG" in csv_text


# --- editing


def test_owner_edits_the_client_and_a_stale_form_is_refused(owner):
    (client,) = book(owner, 1)
    browser = signed_in(owner)
    form = {
        "name": "Acme AG",
        "segment": "enterprise",
        "industry": "Chemicals",
        "country": "de",
        "lifecycle_stage": "expansion",
        "version": 1,
    }
    assert browser.post(f"/clients/{client.pk}/edit/", form).status_code == 302
    client.refresh_from_db()
    assert (client.name, client.country, client.lifecycle_stage, client.version) == (
        "Acme AG",
        "DE",
        "expansion",
        2,
    )
    stale = browser.post(f"/clients/{client.pk}/edit/", {**form, "name": "Acme SE"})
    assert "was changed by someone else" in stale.content.decode()
    client.refresh_from_db()
    assert client.name == "Acme AG"


def test_teammate_may_not_edit_someone_elses_client(owner, teammate):
    (client,) = book(owner, 1)
    assert signed_in(teammate).get(f"/clients/{client.pk}/edit/").status_code == 403


def test_recording_churn_needs_a_reason(owner):
    (client,) = book(owner, 1)
    browser = signed_in(owner)
    refused = browser.post(
        f"/clients/{client.pk}/edit/", {"churned_on": "2026-10-31", "reason": "", "version": 1}
    )
    assert "This field is required." in refused.content.decode()
    done = browser.post(
        f"/clients/{client.pk}/edit/",
        {"churned_on": "2026-10-31", "reason": "Moved to a competitor", "version": 1},
    )
    assert done.status_code == 302
    client.refresh_from_db()
    assert (client.status, client.churned_on, client.churn_reason) == (
        "churned",
        dt.date(2026, 10, 31),
        "Moved to a competitor",
    )
