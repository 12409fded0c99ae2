"""Row locks for client writes, taken in one place and one order to avoid deadlocks.

Every service that changes a client locks the client row first (then any child
rows), inside its transaction. On SQLite the immediate transaction already
serialises writers; on PostgreSQL this is SELECT ... FOR UPDATE.
"""

from __future__ import annotations

from retain.clients.models import Client


class StaleEdit(Exception):
    """Someone else saved the client since this edit began; nothing was changed."""

    def __init__(self, client: Client, expected_version: int) -> None:
        self.client = client
        self.expected_version = expected_version
        super().__init__(
            f"{client.name} was changed by someone else (version {client.version}, "
            f"this edit began from version {expected_version}); reload and try again"
        )


def lock_client(pk: int, *, expected_version: int | None = None) -> Client:
    """Lock and return the client, refusing with StaleEdit if its version moved on."""
    client = (
        Client.objects.select_for_update(of=("self",))
        .select_related("owner", "backup_owner")
        .get(pk=pk)
    )
    if expected_version is not None and client.version != expected_version:
        raise StaleEdit(client, expected_version)
    return client
