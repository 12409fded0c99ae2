"""Queue mail, and deliver it once and only once.

Several workers may deliver at the same time, and any of them may be killed at any
moment (SIGKILL included). Each message goes through:

1. **claim** (committed): ``claimed`` by this worker, with a lease. Other workers skip
   it (``SKIP LOCKED`` on PostgreSQL; SQLite's immediate transactions take turns); when
   the lease runs out (the worker died), any worker may claim it again.
2. **envelope and content**: ``MAIL FROM``, ``RCPT TO``, ``DATA`` and the whole message,
   except the line with the single dot that ends it. Until that dot arrives the server
   has accepted nothing: if the worker dies here, the connection drops and the server
   discards the message.
3. **mark sent** (committed), only if this worker still holds the claim; if the lease ran
   out and another worker took the message, this one abandons it (``RSET``).
4. **the final dot**, then the server's reply is recorded.

So a worker killed before step 3 leaves a message that is claimed again after its lease
and sent then (nothing lost); a worker killed after step 3 has already written the dot
to the socket, which the kernel still delivers when the process dies (nothing twice).
The only gap is between sending the commit of step 3 and writing three bytes in step 4:
the commit's round trip, kept to a loopback round trip by not waiting for the disk
(``_mark_sent``). A server that refuses the message (5xx) fails it; a temporary refusal (4xx) or
a connection error sends it back to wait, with exponential backoff.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone

from retain.core.claims import claim_due, retry_delay
from retain.core.email_url import SMTP_BACKEND
from retain.outbox.models import EmailStatus, OutgoingEmail

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: str


def queue_email(
    *,
    key: str,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    attachments: Sequence[Attachment] = (),
    due_at: datetime | None = None,
) -> OutgoingEmail:
    """Queue a message for the worker; the same ``key`` queues it once.

    Call it inside the transaction that decides the mail should go: if that rolls back,
    nothing is sent.
    """
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].partition("@")[2] or "retain.local"
    email, _ = OutgoingEmail.objects.get_or_create(
        key=key,
        defaults={
            "to": to,
            "subject": subject[:300],
            "body": body,
            "html_body": html_body,
            "attachments": [a.__dict__ for a in attachments],
            "message_id": make_msgid(domain=domain),
            "due_at": due_at or timezone.now(),
        },
    )
    return email


def _mark_sent(email: OutgoingEmail, worker_id: str) -> bool:
    """Step 3: the commit point. Killed between sending this COMMIT and writing the dot,
    the message is lost; so the commit must not wait for the disk: PostgreSQL replies
    without flushing its log (``synchronous_commit`` off for this transaction only),
    which narrows that window from a disk flush (milliseconds) to a loopback round trip.
    The price: if the database server itself crashes in the next fraction of a second,
    the mark is lost and the message goes again (a duplicate, never a loss)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return bool(
            OutgoingEmail.objects.filter(
                pk=email.pk, status=EmailStatus.CLAIMED, claimed_by=worker_id
            ).update(status=EmailStatus.SENT, sent_at=timezone.now(), attempts=email.attempts + 1)
        )


def _retry_later(email: OutgoingEmail, worker_id: str, error: str, *, permanent: bool) -> None:
    attempts = email.attempts + 1
    failed = permanent or attempts >= MAX_ATTEMPTS
    delay = retry_delay(attempts, base_seconds=30, cap_seconds=6 * 3600)
    OutgoingEmail.objects.filter(pk=email.pk, claimed_by=worker_id).update(
        status=EmailStatus.FAILED if failed else EmailStatus.PENDING,
        attempts=attempts,
        due_at=timezone.now() + delay,
        last_error=error[:2000],
        claimed_by="",
        lease_until=None,
    )


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["content_type"])
    return message


def _message_bytes(email: OutgoingEmail) -> bytes:
    # The SMTP policy writes CRLF line ends, as the DATA command needs.
    return _message(email).message().as_bytes(policy=policy.SMTP)


def _smtp() -> smtplib.SMTP:
    options = settings.MAILERS["default"].get("OPTIONS", {})
    timeout = options.get("timeout") or 30
    host, port = options["host"], options.get("port") or 25
    client: smtplib.SMTP
    if options.get("use_ssl"):
        client = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
        if options.get("use_tls"):
            client.starttls()
    if options.get("username"):
        client.login(options["username"], options.get("password", ""))
    # The final dot goes out on its own after the commit; with Nagle's algorithm it
    # would wait for the server's delayed ACK of the content (40 ms a message).
    if client.sock is not None:
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client


def _send_with_commit_point(client: smtplib.SMTP, email: OutgoingEmail, worker_id: str) -> None:
    """Steps 2 to 4 of the module's docstring, for one message."""
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    client.ehlo_or_helo_if_needed()
    code, reply = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.rcpt(email.to)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({email.to: (code, reply)})
    code, reply = client.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    content = re.sub(rb"(?m)^\.", b"..", _message_bytes(email))
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    client.send(content)
    if not _mark_sent(email, worker_id):
        # The lease ran out and another worker has it: drop this copy unsent.
        client.close()
        raise _Abandoned
    client.send(b".\r\n")
    try:
        code, reply = client.getreply()
    except (smtplib.SMTPServerDisconnected, OSError):
        return  # the dot went out: the server has the message; no reply to record
    OutgoingEmail.objects.filter(pk=email.pk).update(
        server_reply=f"{code} {reply.decode(errors='replace')}"[:300]
    )
    if code >= 400:
        # Refused after all: not delivered, so it may go again (4xx) or never (5xx).
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.CLAIMED, claimed_by=worker_id
        )
        _retry_later(email, worker_id, f"{code} {reply!r}", permanent=code >= 500)


class _Abandoned(Exception):
    pass


def deliver_due_emails(*, worker_id: str, limit: int = 50) -> int:
    """Claim up to ``limit`` due messages and send them; returns how many went out."""
    claimed = claim_due(OutgoingEmail, worker_id, limit)
    if not claimed:
        return 0
    if settings.MAILERS["default"]["BACKEND"] != SMTP_BACKEND:
        return _deliver_without_smtp(claimed, worker_id)
    sent = 0
    client: smtplib.SMTP | None = None
    for email in claimed:
        try:
            if client is None:
                client = _smtp()
            _send_with_commit_point(client, email, worker_id)
            sent += 1
        except _Abandoned:
            client = None
        except smtplib.SMTPRecipientsRefused as error:
            permanent = all(code >= 500 for code, _ in error.recipients.values())
            _retry_later(email, worker_id, str(error), permanent=permanent)
            client = _reset(client)
        except smtplib.SMTPResponseException as error:
            _retry_later(email, worker_id, str(error), permanent=error.smtp_code >= 500)
            client = _reset(client)
        except (smtplib.SMTPException, OSError) as error:
            _retry_later(email, worker_id, f"{type(error).__name__}: {error}", permanent=False)
            client = None
    if client is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
    return sent


def _reset(client: smtplib.SMTP | None) -> smtplib.SMTP | None:
    if client is None:
        return None
    try:
        client.rset()
        return client
    except (smtplib.SMTPException, OSError):
        return None


def _deliver_without_smtp(claimed: list[OutgoingEmail], worker_id: str) -> int:
    """The console mailer (the demo): write each message, then mark it sent."""
    sent = 0
    for email in claimed:
        if _mark_sent(email, worker_id):
            _message(email).send()
            sent += 1
    return sent
