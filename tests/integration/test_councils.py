"""Customer council: meetings invite every member by email with an .ics that a calendar
library reads; minutes record who came, actions and each client's feedback."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from retain.clients.choices import TimelineKind
from retain.councils import services
from retain.councils.models import Attendance, CouncilAction, Feedback, Meeting
from retain.outbox.delivery import deliver_due_emails
from tests.factories import ClientFactory, ContactFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    acme, borealis = (
        ClientFactory(name="Acme", external_id="C1"),
        ClientFactory(name="Borealis", external_id="C2"),
    )
    return [
        ContactFactory(
            client=acme, name="Greta Lind, CTO", email="greta@acme.test", is_primary=True
        ),
        ContactFactory(
            client=borealis, name="Jonas Berg", email="jonas@borealis.test", is_primary=True
        ),
    ]


def test_a_meeting_invites_each_member_with_a_calendar_file(manager, members, smtp_inbox):
    council = services.create_council(actor=manager, name="Advisory board", members=members)
    starts = timezone.make_aware(dt.datetime(2027, 1, 20, 15, 0), dt.UTC)
    meeting = services.schedule_meeting(
        actor=manager,
        council=council,
        title="Roadmap 2027; pricing, and support hours",
        starts_at=starts,
        agenda="1. Roadmap\n2. Support hours; what works, what does not",
        location="Berlin, Room 4",
        duration_minutes=90,
    )
    assert deliver_due_emails(worker_id="t") == 2
    assert sorted(r[0] for r, _ in smtp_inbox.messages) == [
        "greta@acme.test",
        "jonas@borealis.test",
    ]
    for recipients, message in smtp_inbox.messages:
        (ics,) = [p for p in message.walk() if p.get_filename() == "invite.ics"]
        calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
        assert calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("DTSTART") == starts
        assert event.decoded("DTEND") == starts + dt.timedelta(minutes=90)
        assert str(event["SUMMARY"]) == "Advisory board: Roadmap 2027; pricing, and support hours"
        assert str(event["LOCATION"]) == "Berlin, Room 4"
        assert str(event["DESCRIPTION"]) == meeting.agenda
        assert str(event["UID"]) == f"council-meeting-{meeting.pk}@retain"
        assert str(event["ATTENDEE"]) == f"mailto:{recipients[0]}"
    assert Attendance.objects.filter(meeting=meeting).count() == 2


def test_minutes_attendance_actions_and_feedback_are_followed_through(manager, owner, members):
    council = services.create_council(actor=manager, name="Advisory board", members=members)
    meeting = services.schedule_meeting(
        actor=manager, council=council, title="Q1", starts_at=timezone.now(), agenda="Roadmap"
    )
    browser = signed_in(manager)
    response = browser.post(
        f"/councils/meetings/{meeting.pk}/",
        {
            "minutes": "Both want longer support hours.",
            "attended": [members[0].pk],
            "version": meeting.version,
            "action": "Propose extended support hours",
            "action_owner": owner.pk,
            "action_due_on": "2027-02-01",
            "feedback_client": "C2",
            "feedback": "Support closes too early for our night shift",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.held and meeting.minutes.startswith("Both want")
    came = dict(Attendance.objects.filter(meeting=meeting).values_list("contact_id", "attended"))
    assert came == {members[0].pk: True, members[1].pk: False}
    feedback = Feedback.objects.get()
    assert feedback.client.external_id == "C2"
    assert feedback.client.timeline.filter(kind=TimelineKind.MEETING).exists()
    action = CouncilAction.objects.get()
    # The action's owner completes it; a member of another department may not.
    assert (
        signed_in(owner)
        .post(f"/councils/actions/{action.pk}/complete/", {"outcome": "Live from March"})
        .status_code
        == 302
    )
    action.refresh_from_db()
    assert action.completed_at is not None and action.outcome == "Live from March"
    browser.post(f"/councils/feedback/{feedback.pk}/respond/", {"response": "Support until 22:00"})
    feedback.refresh_from_db()
    assert feedback.response == "Support until 22:00"
    # Members may read, not run councils.
    assert signed_in(owner).get(f"/councils/meetings/{meeting.pk}/").status_code == 200
    assert signed_in(owner).post("/councils/", {"name": "Mine"}).status_code == 403
    assert Meeting.objects.count() == 1
