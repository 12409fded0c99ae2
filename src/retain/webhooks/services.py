"""Managing webhook endpoints (admins): add one, switch it off, replay a delivery."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from retain.accounts.models import User
from retain.clients.permissions import require
from retain.webhooks.delivery import EVENT_TYPES, new_secret, replay
from retain.webhooks.models import Delivery, Endpoint


def add_endpoint(*, actor: User, url: str, events: list[str], description: str = "") -> Endpoint:
    """Register a URL for ``events`` (none: every event), with a new secret."""
    require(actor, "webhooks.manage_webhooks")
    unknown = set(events) - set(EVENT_TYPES)
    if unknown:
        raise ValidationError({"events": f"unknown event types: {', '.join(sorted(unknown))}"})
    endpoint = Endpoint(
        url=url.strip(), description=description.strip(), secret=new_secret(), events=events
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def set_endpoint_active(*, actor: User, endpoint: Endpoint, active: bool) -> Endpoint:
    require(actor, "webhooks.manage_webhooks")
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    return endpoint


def replay_delivery(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a logged delivery again (same ``webhook-id``: receivers can tell a repeat)."""
    require(actor, "webhooks.manage_webhooks")
    return replay(delivery)
