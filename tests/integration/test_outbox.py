"""Queued mail through a real SMTP server (aiosmtpd on loopback): once per key, refusals
and temporary failures, leases taken over; and the worker's schedule."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from retain.outbox.delivery import Attachment, deliver_due_emails, queue_email
from retain.outbox.models import EmailStatus, OutgoingEmail
from retain.worker.loop import run_due_jobs
from retain.worker.models import ScheduledRun
from retain.worker.schedule import JOBS

pytestmark = pytest.mark.django_db


def _queue(n: int = 0, **extra) -> OutgoingEmail:
    return queue_email(
        key=f"test:{n}", to=f"client{n}@example.test", subject=f"Hello {n}", body="Body", **extra
    )


def test_a_key_is_queued_once_and_sent_once(smtp_inbox):
    first = _queue(attachments=[Attachment("invite.ics", "text/calendar", "BEGIN:VCALENDAR")])
    again = _queue()
    assert first.pk == again.pk and OutgoingEmail.objects.count() == 1
    out = StringIO()
    call_command("tick", stdout=out)
    assert "1 email(s) sent" in out.getvalue()
    ((recipients, message),) = smtp_inbox.messages
    assert recipients == ["client0@example.test"] and message["Subject"] == "Hello 0"
    assert message["Message-ID"] == first.message_id
    assert [part.get_filename() for part in message.walk() if part.get_filename()] == ["invite.ics"]
    first.refresh_from_db()
    assert first.status == EmailStatus.SENT and first.server_reply.startswith("250")
    assert deliver_due_emails(worker_id="w") == 0 and len(smtp_inbox.messages) == 1


def test_a_permanent_refusal_fails_and_a_temporary_one_waits(smtp_inbox):
    refused, later = _queue(1), _queue(2)

    async def answer(server, session, envelope):
        return "550 No such user" if envelope.rcpt_tos == [refused.to] else "451 Try again"

    smtp_inbox.handle_DATA = answer  # type: ignore[method-assign]
    before = timezone.now()
    assert deliver_due_emails(worker_id="w") == 2  # both reached the final dot
    refused.refresh_from_db()
    later.refresh_from_db()
    assert refused.status == EmailStatus.FAILED and "550" in refused.last_error
    assert later.status == EmailStatus.PENDING and later.attempts == 1
    assert later.due_at >= before + dt.timedelta(seconds=30)  # backs off
    assert deliver_due_emails(worker_id="w") == 0  # not due yet


def test_a_dead_workers_claim_is_taken_over_after_its_lease(smtp_inbox, settings):
    settings.RETAIN_WORKER_LEASE_SECONDS = 60
    email = _queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.CLAIMED,
        claimed_by="dead:1",
        lease_until=timezone.now() + dt.timedelta(seconds=30),
    )
    assert deliver_due_emails(worker_id="alive:2") == 0  # still leased
    OutgoingEmail.objects.filter(pk=email.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert deliver_due_emails(worker_id="alive:2") == 1
    email.refresh_from_db()
    assert email.claimed_by == "alive:2" and len(smtp_inbox.messages) == 1


def test_each_scheduled_occurrence_runs_once(settings):
    assert run_due_jobs("a") == len(JOBS)
    assert run_due_jobs("b") == 0  # same occurrences: already run
    assert ScheduledRun.objects.filter(finished_at__isnull=False).count() == len(JOBS)
    # An occurrence whose worker died before finishing is taken over after the lease.
    run = ScheduledRun.objects.first()
    ScheduledRun.objects.filter(pk=run.pk).update(
        finished_at=None, started_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert run_due_jobs("b") == 1


def test_occurrences_fall_on_their_day_and_month():
    daily, monthly = JOBS[:2]  # alert-overdue at 07:00, plan-reviews at 06:00 on the 1st
    now = timezone.make_aware(dt.datetime(2026, 12, 3, 6, 30))
    assert daily.latest_due(now) == timezone.make_aware(dt.datetime(2026, 12, 2, 7, 0))
    assert monthly.latest_due(now) == timezone.make_aware(dt.datetime(2026, 12, 1, 6, 0))
    early = timezone.make_aware(dt.datetime(2026, 12, 1, 5, 0))
    assert monthly.latest_due(early) == timezone.make_aware(dt.datetime(2026, 11, 1, 6, 0))


def test_the_console_mailer_writes_each_message_once(settings, capsys):
    settings.MAILERS = {"default": {"BACKEND": "retain.core.mail.ConsoleBackend"}}
    _queue(7)
    assert deliver_due_emails(worker_id="demo") == 1
    assert deliver_due_emails(worker_id="demo") == 0
    assert capsys.readouterr().err.count("Subject: Hello 7") == 1
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT
