"""The client's audit trail, read from django-simple-history: who changed what, when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from retain.clients.models import Client, Contact, SubscriptionLine, TimelineEntry, Transaction

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping fields that change with every save and tell a reader nothing.
HIDDEN_FIELDS = {"version", "updated_at"}


@dataclass(frozen=True)
class Change:
    """One saved change to one record of the client, with the fields it changed."""

    when: datetime
    who: str
    record: str
    action: str
    reason: str
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)


def _changes_of(history: Any, label: str, describe: Any) -> list[Change]:
    """Pair each history row with the previous row of the same record, in one query."""
    rows = list(history.select_related("history_user").order_by("id", "history_date", "history_id"))
    fields = [f.name for f in history.model._meta.fields if not f.name.startswith("history_")]
    changes: list[Change] = []
    previous: dict[int, Any] = {}
    for row in rows:
        before = previous.get(row.id)
        diffs: list[tuple[str, Any, Any]] = []
        if before is not None:
            for name in fields:
                if name in HIDDEN_FIELDS:
                    continue
                old, new = getattr(before, name), getattr(row, name)
                if old != new:
                    diffs.append((name, old, new))
        elif row.history_type == "+":
            diffs = [
                (name, "", getattr(row, name))
                for name in fields
                if name not in HIDDEN_FIELDS
                and name != "id"
                and getattr(row, name) not in ("", None)
            ]
        previous[row.id] = row
        changes.append(
            Change(
                when=row.history_date,
                who=str(row.history_user) if row.history_user else "system",
                record=f"{label}: {describe(row)}",
                action=ACTIONS.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
                fields=diffs,
            )
        )
    return changes


def list_client_history(client: Client) -> list[Change]:
    """Every recorded change to the client and its contacts, lines, transactions and timeline, newest first."""
    changes = _changes_of(Client.history.filter(id=client.pk), "Client", lambda r: r.name)
    changes += _changes_of(Contact.history.filter(client_id=client.pk), "Contact", lambda r: r.name)
    changes += _changes_of(
        SubscriptionLine.history.filter(client_id=client.pk),
        "Subscription",
        lambda r: f"{r.product} from {r.start_date}",
    )
    changes += _changes_of(
        Transaction.history.filter(client_id=client.pk),
        "Transaction",
        lambda r: r.order_id or f"{r.amount}",
    )
    changes += _changes_of(
        TimelineEntry.history.filter(client_id=client.pk), "Timeline", lambda r: r.subject
    )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes
