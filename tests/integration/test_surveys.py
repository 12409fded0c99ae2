"""Surveys: invitations by email through a real SMTP server, signed single-use expiring
links answered without sign-in, the closed loop on unhappy answers, NPS by segment."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client as Browser
from django.utils import timezone

from retain.clients.choices import TimelineKind
from retain.outbox.delivery import deliver_due_emails
from retain.surveys import services
from retain.surveys.models import FollowUp, Invitation, Response, Survey
from retain.surveys.selectors import closed_loop, nps_by_segment_and_month
from tests.factories import ClientFactory, ContactFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps(manager) -> Survey:
    return services.create_survey(
        actor=manager,
        name="Autumn NPS",
        kind="nps",
        question="How likely are you to recommend us to a colleague?",
        comment_question="What is the one thing we should change?",
    )


@pytest.fixture
def acme(owner):
    client = ClientFactory(name="Acme", owner=owner, segment="enterprise")
    ContactFactory(client=client, name="Greta Lind", email="greta@acme.test", is_primary=True)
    return client


def _send_and_read_link(manager, survey, smtp_inbox) -> str:
    assert (
        services.send_survey(
            actor=manager, survey=survey, contacts=services.Recipients().contacts()
        )
        == 1
    )
    deliver_due_emails(worker_id="test")
    ((_, message),) = smtp_inbox.messages
    body = message.get_payload(decode=True).decode()
    return re.search(r"http://\S+/s/\S+/", body).group(0)


def test_a_detractor_answer_lands_on_the_timeline_and_opens_a_follow_up(
    manager, owner, nps, acme, smtp_inbox, settings
):
    settings.RETAIN_BASE_URL = "http://testserver"
    link = _send_and_read_link(manager, nps, smtp_inbox)
    path = link.removeprefix("http://testserver")
    visitor = Browser()  # not signed in
    page = visitor.get(path)
    assert page.status_code == 200 and "recommend us" in page.content.decode()
    done = visitor.post(path, {"score": "3", "comment": "Deliveries keep arriving late"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()

    response = Response.objects.get()
    assert (response.score, response.comment, response.client) == (
        3,
        "Deliveries keep arriving late",
        acme,
    )
    entry = acme.timeline.get(kind=TimelineKind.SURVEY)
    assert entry.subject == "NPS 3 from Greta Lind"
    follow_up = FollowUp.objects.get()
    assert follow_up.owner == owner
    assert follow_up.due_on == services.add_business_days(timezone.localdate(), 2)
    # The owner is told by mail, and sees it on My clients.
    deliver_due_emails(worker_id="test")
    assert smtp_inbox.messages[-1][0] == [owner.email]
    home = signed_in(owner).get("/").content.decode()
    assert "Survey answers to follow up" in home and "Deliveries keep arriving late" in home

    # The loop: reached, then closed with what was done.
    browser = signed_in(owner)
    browser.post(f"/follow-ups/{follow_up.pk}/reached/")
    browser.post(f"/follow-ups/{follow_up.pk}/close/", {"outcome": "Called Greta; new carrier"})
    follow_up.refresh_from_db()
    assert follow_up.first_contact_at is not None and follow_up.closed_by == owner
    loop = closed_loop()
    assert (loop.opened, loop.reached, loop.closed, loop.share_closed) == (1, 1, 1, 1.0)
    assert "Survey answers to follow up" not in signed_in(owner).get("/").content.decode()


@pytest.mark.parametrize("problem", ["tampered", "expired", "used"])
def test_a_bad_link_gets_a_clear_page_and_records_nothing(
    manager, nps, acme, smtp_inbox, settings, problem
):
    settings.RETAIN_BASE_URL = "http://testserver"
    path = _send_and_read_link(manager, nps, smtp_inbox).removeprefix("http://testserver")
    if problem == "tampered":
        signed = path.split("/")[2]
        token, _, signature = signed.rpartition(":")
        path = f"/s/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}:{signature}/"
    elif problem == "expired":
        Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        assert Browser().post(path, {"score": "9"}).status_code == 200
    before = Response.objects.count()
    for attempt in (Browser().get(path), Browser().post(path, {"score": "10"})):
        text = attempt.content.decode()
        assert attempt.status_code in (404, 410)
        assert "This survey link cannot be used" in text and "Nothing was recorded" in text
        assert services.LINK_PROBLEMS_TEXT[problem] in text
    assert Response.objects.count() == before
    assert FollowUp.objects.count() == 0


def test_a_signature_from_another_purpose_is_refused(nps, acme, manager):
    services.send_survey(actor=manager, survey=nps, contacts=services.Recipients().contacts())
    token = Invitation.objects.get().token
    forged = signing.Signer(salt="something.else").sign(token)
    assert Browser().get(f"/s/{forged}/").status_code == 404


def test_a_score_off_the_scale_is_refused(manager, nps, acme, smtp_inbox, settings):
    settings.RETAIN_BASE_URL = "http://testserver"
    path = _send_and_read_link(manager, nps, smtp_inbox).removeprefix("http://testserver")
    page = Browser().post(path, {"score": "11"})
    assert page.status_code == 200 and not Response.objects.exists()


def test_nps_by_segment_and_month(manager, owner, nps):
    scores = {"enterprise": [10, 9, 8, 3], "smb": [6, 10]}
    for segment, answers in scores.items():
        for n, score in enumerate(answers):
            client = ClientFactory(owner=owner, segment=segment)
            contact = ContactFactory(client=client, email=f"{segment}{n}@x.test", is_primary=True)
            services.send_survey(actor=manager, survey=nps, contacts=[contact])
            invitation = Invitation.objects.get(contact=contact)
            signed = signing.Signer(salt=services.SIGNING_SALT).sign(invitation.token)
            services.answer_survey(signed_token=signed, score=score)
    rows = {row.segment: row for row in nps_by_segment_and_month()}
    # enterprise: 2 promoters, 1 passive, 1 detractor: 50 - 25 = 25; smb: 50 - 50 = 0.
    assert (rows["enterprise"].responses, rows["enterprise"].nps) == (4, 25)
    assert (rows["smb"].promoters, rows["smb"].detractors, rows["smb"].nps) == (1, 1, 0)
    assert FollowUp.objects.count() == 2  # the 3 and the 6


def test_members_may_not_create_or_send_surveys_and_others_may_not_close_a_follow_up(
    owner, teammate, manager, nps
):
    assert (
        signed_in(owner)
        .post("/surveys/", {"name": "x", "kind": "nps", "question": "q"})
        .status_code
        == 403
    )
    assert signed_in(owner).post(f"/surveys/{nps.pk}/send/", {"segment": ""}).status_code == 403
    assert Survey.objects.count() == 1 and not Invitation.objects.exists()
