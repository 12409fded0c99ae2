"""Two people saving the same client at once: one wins, the other is told, nothing is lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from retain.clients import services
from retain.clients.locks import StaleEdit
from retain.clients.models import Client
from tests.factories import ClientFactory


@pytest.mark.postgres
# serialized_rollback: earlier transactional tests flush the departments the migrations seeded.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_edits_from_one_version_let_exactly_one_through(owner):
    acme = ClientFactory(name="Acme", owner=owner)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(segment: str) -> None:
        try:
            start.wait()
            services.update_client(actor=owner, client=acme, expected_version=1, segment=segment)
            outcomes[segment] = "saved"
        except StaleEdit:
            outcomes[segment] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(segment,)) for segment in ("enterprise", "smb")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["refused", "saved"]
    saved = next(segment for segment, outcome in outcomes.items() if outcome == "saved")
    acme.refresh_from_db()
    assert (acme.segment, acme.version) == (saved, 2)
    assert Client.history.filter(id=acme.pk).count() == 2
