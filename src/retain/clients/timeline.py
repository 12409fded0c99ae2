"""Timeline entries that come from other records (incidents, promises, tasks).

Apart from services.py because the capabilities that write these entries build on the
client record, and the client services in turn start their playbooks.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from retain.accounts.models import User
from retain.clients.models import TimelineEntry


def log_record_on_timeline(
    *,
    source: Model,
    client_id: int,
    kind: str,
    department_id: int | None,
    author: User | None,
    subject: str,
    body: str = "",
    occurred_at: datetime | None = None,
) -> TimelineEntry:
    """Put what happened to a record (an incident, a promise, a task) on its client's
    timeline, linked back to the record and audited as ``author`` (None: Retain itself)."""
    entry = TimelineEntry(
        client_id=client_id,
        occurred_at=occurred_at or timezone.now(),
        kind=kind,
        department_id=department_id,
        author=author,
        subject=subject[:200],
        body=body,
        source_type=ContentType.objects.get_for_model(type(source)),
        source_id=source.pk,
    )
    entry._history_user = author  # type: ignore[attr-defined]
    entry.save()
    return entry
