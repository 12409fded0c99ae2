"""A demo company loaded once for a test module, committed, and removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from retain.clients.models import EventType
from retain.demo import vocabulary
from retain.demo.services import DemoSummary, delete_demo_company, load_demo_company


@contextmanager
def demo_company(
    django_db_blocker, *, clients: int, seed: int, as_of: date
) -> Iterator[DemoSummary]:
    """Load the demo outside the tests' transactions (module fixtures share it)."""
    with django_db_blocker.unblock():
        summary = load_demo_company(clients=clients, seed=seed, as_of=as_of)
    try:
        yield summary
    finally:
        with django_db_blocker.unblock():
            delete_demo_company()
            EventType.objects.filter(
                name__in=[name for name, _, _ in vocabulary.EVENT_TYPES]
            ).delete()
