"""Outgoing webhooks over real HTTP to a receiver on loopback that checks every
signature the Standard Webhooks way: retried with backoff until it answers, logged,
replayable; only to endpoints that want the event."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from retain.accounts.models import Department
from retain.incidents.services import open_incident
from retain.webhooks import services
from retain.webhooks.delivery import deliver_due_webhooks, emit_event, new_secret
from retain.webhooks.models import Attempt, Delivery, DeliveryStatus
from tests.factories import ClientFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def verify(secret: str, headers, body: bytes) -> bool:
    """What a receiver does: recompute the signature (written here from the spec)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.removeprefix("v1,"))
        for sig in headers["webhook-signature"].split()
    )


class Receiver:
    """An HTTP server on loopback that fails its first ``failures`` requests with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.accepted: list[dict] = []
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append((headers, body))
                if not verify(receiver.secret, headers, body):
                    self.send_response(401)
                elif len(receiver.requests) <= receiver.failures:
                    self.send_response(500)
                else:
                    receiver.accepted.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(failures=3)
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _due_now() -> None:
    Delivery.objects.filter(status=DeliveryStatus.PENDING).update(due_at=timezone.now())


def test_an_event_is_signed_retried_with_backoff_and_delivered_once(admin_user, receiver, settings):
    settings.RETAIN_WEBHOOK_RETRY_SECONDS = 30
    endpoint = services.add_endpoint(actor=admin_user, url=receiver.url, events=["incident.opened"])
    receiver.secret = endpoint.secret
    client = ClientFactory(external_id="C-7")
    incident = open_incident(
        actor=admin_user,
        client=client,
        title="Delivered white, ordered blue",
        category="wrong_delivery",
        severity=2,
        responsible_department=Department.objects.get(slug="shipping"),
    )
    delivery = Delivery.objects.get()
    waits = []
    for _ in range(3):  # 500, 500, 500: each time it waits longer
        before = timezone.now()
        assert deliver_due_webhooks(worker_id="w") == 0
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING
        waits.append(round((delivery.due_at - before).total_seconds()))
        assert deliver_due_webhooks(worker_id="w") == 0  # not due yet: nothing sent
        _due_now()
    assert waits == [30, 60, 120]
    assert deliver_due_webhooks(worker_id="w") == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 4
    assert [a.status_code for a in Attempt.objects.order_by("at")] == [500, 500, 500, 204]

    # Every request was signed right, all with the one webhook-id; the event came once.
    assert all(verify(endpoint.secret, h, b) for h, b in receiver.requests)
    assert {h["webhook-id"] for h, _ in receiver.requests} == {delivery.message_id}
    (event,) = receiver.accepted
    assert event["type"] == "incident.opened"
    assert event["data"]["incident_id"] == incident.pk
    assert event["data"]["client_external_id"] == "C-7"
    assert deliver_due_webhooks(worker_id="w") == 0  # delivered: never again by itself


def test_a_wrong_secret_does_not_verify_and_replay_sends_again(admin_user, receiver):
    receiver.failures = 0
    endpoint = services.add_endpoint(actor=admin_user, url=receiver.url, events=[])
    receiver.secret = new_secret()
    emit_event("survey.answered", {"score": 9})
    deliver_due_webhooks(worker_id="w")
    assert not receiver.accepted  # signed with the endpoint's secret, not this one
    receiver.secret = endpoint.secret
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING  # 401 is a failure: retried later
    browser = signed_in(admin_user)
    assert browser.post(f"/webhooks/deliveries/{delivery.pk}/replay/").status_code == 302
    assert deliver_due_webhooks(worker_id="w") == 1
    assert receiver.accepted[0]["data"] == {"score": 9}
    assert "survey.answered" in browser.get("/webhooks/").content.decode()


def test_only_endpoints_that_want_the_event_get_it_and_only_admins_manage(
    admin_user, manager, receiver
):
    services.add_endpoint(actor=admin_user, url=receiver.url, events=["incident.resolved"])
    assert emit_event("survey.answered", {"score": 1}) == 0
    assert emit_event("incident.resolved", {"incident_id": 1}) == 1
    assert signed_in(manager).get("/webhooks/").status_code == 403
    response = signed_in(manager).post("/webhooks/", {"url": "http://example.test/x"})
    assert response.status_code == 403
    with pytest.raises(ValueError, match="unknown event type"):
        emit_event("client.deleted", {})
