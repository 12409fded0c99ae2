"""Cross-department client reviews: an agenda built from what is open for the client,
the right people asked, minutes, and action items followed to completion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.clients.choices import TimelineKind
from retain.commitments.models import Commitment
from retain.commitments.services import record_commitment
from retain.documents.models import Document, DocumentLine
from retain.incidents.services import open_incident
from retain.playbooks.models import Playbook
from retain.playbooks.services import start_playbook
from retain.reviews.models import ActionItem, AgendaSource, ClientReview, ReviewStatus
from retain.reviews.services import plan_monthly_reviews
from tests.factories import ClientFactory, UserFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


@pytest.fixture
def heads(manager):
    """Shipping is headed by the manager fixture; legal by Lena."""
    lena = UserFactory(email="lena@retain.test", department=_department("legal"), role=Role.MANAGER)
    Department.objects.filter(slug="shipping").update(head=manager)
    Department.objects.filter(slug="legal").update(head=lena)
    return {"shipping": manager, "legal": lena}


@pytest.fixture
def acme(owner, teammate, heads):
    """A client with one of everything open: incident, overdue promise, mismatch, task."""
    client = ClientFactory(name="Acme", owner=owner, backup_owner=teammate)
    open_incident(
        actor=None,
        client=client,
        title="Delivered white, ordered blue",
        category="wrong_delivery",
        severity=2,
        responsible_department=_department("shipping"),
        automations=False,
    )
    promise = record_commitment(
        actor=owner,
        client=client,
        promise="Support will call about the login problem",
        due_on=timezone.localdate(),
        keeper_department=_department("support"),
    )
    Commitment.objects.filter(pk=promise.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    quote = Document.objects.create(
        client=client, kind="quote", number="Q-1", issued_on="2026-10-01"
    )
    contract = Document.objects.create(
        client=client, kind="contract", number="C-1", issued_on="2026-10-05", follows=quote
    )
    for document, price in ((quote, "100"), (contract, "110")):
        DocumentLine.objects.create(
            document=document, line=1, sku="PRB", quantity=1, unit_price=Decimal(price)
        )
    start_playbook(actor=owner, client=client, playbook=Playbook.objects.get(slug="renewal"))
    return client


def test_planning_builds_the_agenda_and_asks_the_departments_involved(owner, teammate, heads, acme):
    browser = signed_in(owner)
    response = browser.post(f"/clients/{acme.pk}/reviews/", {"scheduled_for": "2026-12-10"})
    review = ClientReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    agenda = list(review.agenda.all())
    sources = [item.source for item in agenda]
    assert sources[:3] == [AgendaSource.INCIDENT, AgendaSource.COMMITMENT, AgendaSource.MISMATCH]
    assert set(sources[3:]) == {AgendaSource.TASK}
    assert "Delivered white" in agenda[0].text and agenda[0].department.slug == "shipping"
    assert agenda[1].is_overdue and agenda[1].department.slug == "support"
    assert "Contract differs from the quote" in agenda[2].text
    assert agenda[2].department.slug == "legal"
    asked = {(a.person, a.why) for a in review.attendees.all()}
    assert asked == {
        (owner, "owner"),
        (teammate, "backup owner"),
        (heads["shipping"], "head of Shipping"),
        (heads["legal"], "head of Legal"),
    }
    assert acme.timeline.filter(
        kind=TimelineKind.MEETING, subject__contains="review planned"
    ).exists()
    # The same day again: refused, said plainly.
    again = browser.post(f"/clients/{acme.pk}/reviews/", {"scheduled_for": "2026-12-10"})
    assert "already has a review on 10 Dec 2026" in again.content.decode()
    assert ClientReview.objects.count() == 1


def test_minutes_and_action_items_are_followed_to_completion(owner, teammate, heads, acme):
    signed_in(owner).post(f"/clients/{acme.pk}/reviews/", {"scheduled_for": "2026-12-10"})
    review = ClientReview.objects.get()
    shipping_head = heads["shipping"]
    data = {
        "minutes": "Shipping will re-pick the order; legal aligns the contract with the quote.",
        "present": [owner.pk, shipping_head.pk],
        "version": review.version,
        "actions-TOTAL_FORMS": 3,
        "actions-INITIAL_FORMS": 0,
        "actions-MIN_NUM_FORMS": 0,
        "actions-MAX_NUM_FORMS": 1000,
        "actions-0-title": "Re-pick and ship the blue units",
        "actions-0-owner": shipping_head.pk,
        "actions-0-due_on": "2026-12-12",
    }
    # Someone not asked and unable to edit the client may not write the minutes.
    outsider = UserFactory(email="out@retain.test", department=_department("marketing"))
    assert signed_in(outsider).post(f"/reviews/{review.pk}/", data).status_code == 403
    assert signed_in(shipping_head).post(f"/reviews/{review.pk}/", data).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD and review.held_at is not None
    came = {a.person_id: a.attended for a in review.attendees.all()}
    assert came == {
        owner.pk: True,
        teammate.pk: False,
        shipping_head.pk: True,
        heads["legal"].pk: False,
    }
    action = ActionItem.objects.get()
    assert (action.owner, action.department.slug, action.client) == (
        shipping_head,
        "shipping",
        acme,
    )
    # A second save from the page as it was loaded is refused: nothing is lost.
    stale = signed_in(owner).post(f"/reviews/{review.pk}/", {**data, "minutes": "Other"})
    assert "Someone saved this review while you wrote" in stale.content.decode()
    review.refresh_from_db()
    assert review.minutes.startswith("Shipping will re-pick") and ActionItem.objects.count() == 1

    # The action is on the shipping team's list; someone from marketing may not tick it off.
    member = UserFactory(email="sam@retain.test", department=_department("shipping"))
    assert "Re-pick and ship" in signed_in(member).get("/reviews/").content.decode()
    done_url = f"/reviews/actions/{action.pk}/complete/"
    assert signed_in(outsider).post(done_url, {"outcome": "x"}).status_code == 403
    signed_in(member).post(done_url, {"outcome": "Shipped on the 11th"})
    action.refresh_from_db()
    assert (action.completed_by, action.outcome) == (member, "Shipped on the 11th")
    subjects = set(acme.timeline.values_list("subject", flat=True))
    assert {
        "Cross-department review held",
        "Review action done: Re-pick and ship the blue units",
    } <= subjects


def test_the_top_fifth_of_clients_gets_a_monthly_review_once(owner):
    clients = [ClientFactory(owner=owner) for _ in range(10)]
    for n, client in enumerate(clients):
        type(client).objects.filter(pk=client.pk).update(mrr=Decimal(100 * (n + 1)))
    gone = ClientFactory(owner=owner, status="churned", churned_on=dt.date(2026, 9, 30))
    type(gone).objects.filter(pk=gone.pk).update(mrr=Decimal(5000))  # left: not reviewed
    on = dt.date(2026, 12, 1)
    planned = plan_monthly_reviews(on=on)
    assert {r.client_id for r in planned} == {clients[9].pk, clients[8].pk}
    assert all(r.planned_by is None and r.scheduled_for == on for r in planned)
    out = StringIO()
    call_command("plan-reviews", "--on", "2026-12-15", stdout=out)
    assert out.getvalue().startswith("0 review(s) planned")
    assert ClientReview.objects.count() == 2


def test_members_who_do_not_own_the_client_may_not_plan_a_review(acme):
    outsider = UserFactory(email="out@retain.test", department=_department("marketing"))
    response = signed_in(outsider).post(
        f"/clients/{acme.pk}/reviews/", {"scheduled_for": "2026-12-10"}
    )
    assert response.status_code == 403
    assert not ClientReview.objects.exists()
