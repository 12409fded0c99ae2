"""Events out to other systems, following the Standard Webhooks conventions
(https://www.standardwebhooks.com/):

* each request is a POST of the event as JSON with the headers ``webhook-id`` (the same
  on every attempt of one event for one endpoint), ``webhook-timestamp`` (Unix seconds)
  and ``webhook-signature``: ``v1,`` + base64 of HMAC-SHA256, keyed with the endpoint's
  secret (``whsec_`` + base64), over ``{id}.{timestamp}.{body}``;
* any 2xx answer delivers it; anything else, or no answer within 10 s, is retried with
  exponential backoff (``RETAIN_WEBHOOK_RETRY_SECONDS``, doubling, at most 12 h apart)
  and failed after 10 attempts. Every attempt is logged; a delivery can be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from retain.core.claims import claim_due, retry_delay
from retain.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 10
EVENT_TYPES = {
    "incident.opened": "an incident was raised for a client",
    "incident.resolved": "an incident was resolved",
    "survey.answered": "a client contact answered a survey",
}


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header for one request."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def emit_event(event_type: str, data: dict[str, Any]) -> int:
    """Queue ``event_type`` for every active endpoint that wants it (in the caller's
    transaction: no event escapes a rolled-back change). Returns how many were queued."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    payload = {
        "type": event_type,
        "timestamp": timezone.now().isoformat(),
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }
    queued = [
        Delivery(
            endpoint=endpoint,
            message_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type,
            payload=payload,
        )
        for endpoint in Endpoint.objects.filter(is_active=True)
        if endpoint.wants(event_type)
    ]
    Delivery.objects.bulk_create(queued)
    return len(queued)


def _post(delivery: Delivery, endpoint: Endpoint) -> tuple[int | None, str, str]:
    """(status code or None, error, start of the answer) of one POST."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "content-type": "application/json",
            "user-agent": "Retain-Webhooks",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(endpoint.secret, delivery.message_id, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return answer.status, "", answer.read(500).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, "", error.read(500).decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        return None, f"{type(error).__name__}: {error}"[:500], ""


def deliver_due_webhooks(*, worker_id: str, limit: int = 50) -> int:
    """Claim up to ``limit`` due deliveries and POST them; returns how many succeeded."""
    delivered = 0
    claimed = claim_due(Delivery, worker_id, limit)
    endpoints = Endpoint.objects.in_bulk({d.endpoint_id for d in claimed})
    for delivery in claimed:
        endpoint = endpoints[delivery.endpoint_id]
        started = time.perf_counter()
        status, error, excerpt = _post(delivery, endpoint)
        now = timezone.now()
        attempts = delivery.attempts + 1
        ok = status is not None and 200 <= status < 300
        with transaction.atomic():
            Attempt.objects.create(
                delivery=delivery,
                at=now,
                status_code=status,
                error=error,
                response_excerpt=excerpt,
                milliseconds=round(1000 * (time.perf_counter() - started)),
            )
            if ok:
                state = {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
                delivered += 1
            elif attempts >= MAX_ATTEMPTS or not endpoint.is_active:
                state = {"status": DeliveryStatus.FAILED}
            else:
                delay = retry_delay(
                    attempts,
                    base_seconds=settings.RETAIN_WEBHOOK_RETRY_SECONDS,
                    cap_seconds=12 * 3600,
                )
                state = {"status": DeliveryStatus.PENDING, "due_at": now + delay}
            Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(
                attempts=attempts, claimed_by="", lease_until=None, **state
            )
    return delivered


def replay(delivery: Delivery) -> Delivery:
    """Send a delivery again now (same ``webhook-id``), whatever became of it."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, due_at=timezone.now(), claimed_by="", lease_until=None
    )
    delivery.refresh_from_db()
    return delivery
