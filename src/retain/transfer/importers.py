"""What each import kind does with its parsed, validated rows.

Every importer receives batches (``take``) and then ``finish``es. Validation
problems go to the shared ErrorLog; the caller rolls the whole file back when
the log has any. Events stream straight to the database; the smaller kinds
gather their rows first, because duplicate keys must be checked across the
whole file before anything is upserted.
"""

from __future__ import annotations

import itertools
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from retain.accounts.models import Department, User
from retain.clients.choices import OwnerRole
from retain.clients.models import (
    Client,
    Contact,
    EventType,
    OwnershipChange,
    SubscriptionLine,
    Transaction,
)
from retain.clients.services import index_client_search, refresh_client_revenue
from retain.core.fields import datetime_to_epoch_us, epoch_us_to_datetime
from retain.documents.choices import FOLLOWS, DocumentKind
from retain.documents.models import Document, DocumentLine
from retain.transfer import bulk
from retain.transfer.errors import ErrorLog

BULK_BATCH = 2_000


@dataclass
class Counts:
    """What an import changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Importer(ABC):
    """Base: shared state and the client lookup every kind but ``clients`` needs."""

    def __init__(self, log: ErrorLog, actor: User | None, path: Path) -> None:
        self.log = log
        self.actor = actor
        self.reason = f"import of {path.name}"
        self._client_ids: pl.DataFrame | None = None
        self.gathered: list[pl.DataFrame] = []

    def take(self, frame: pl.DataFrame, ok: pl.Series, bytes_read: int) -> None:
        """Receive one parsed batch; ``ok`` marks rows whose every cell parsed.

        ``bytes_read`` is how far into the file the reader is, for size estimates.
        """
        frame = self.with_client_ids(frame) if "client_external_id" in frame.columns else frame
        self.gathered.append(frame.filter(ok))

    @abstractmethod
    def finish(self) -> Counts:
        """Check what needs the whole file (duplicate keys), then write unless anything failed."""

    def all_rows(self) -> pl.DataFrame:
        """Every gathered row, in file order."""
        return pl.concat(self.gathered) if self.gathered else pl.DataFrame()

    def with_client_ids(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add ``client_id`` by external id; log rows naming a client that does not exist."""
        if self._client_ids is None:
            pairs = list(Client.objects.values_list("external_id", "id"))
            self._client_ids = pl.DataFrame(
                pairs, schema={"client_external_id": pl.String, "client_id": pl.Int64}, orient="row"
            )
        joined = frame.join(
            self._client_ids, on="client_external_id", how="left", maintain_order="left"
        )
        unknown = joined.get_column("client_id").is_null() & (
            joined.get_column("client_external_id").str.len_chars() > 0
        )
        problems = pl.select(
            pl.when(unknown).then(pl.lit("no client with this external id")).otherwise(None)
        ).to_series()
        self.log.add_where(joined.get_column("row"), problems, "client_external_id")
        return joined

    def create_audited(self, model: type[Any], objects: list[Any]) -> list[Any]:
        """Insert ``objects`` with an audit-history row each, attributed to the import."""
        return bulk_create_with_history(
            objects,
            model,
            batch_size=BULK_BATCH,
            default_user=self.actor,
            default_change_reason=self.reason,
        )

    def update_audited(self, model: type[Any], objects: list[Any], fields: list[str]) -> None:
        """Save ``fields`` of ``objects`` with an audit-history row each."""
        if objects:
            bulk_update_with_history(
                objects,
                model,
                fields,
                batch_size=BULK_BATCH,
                default_user=self.actor,
                default_change_reason=self.reason,
            )

    def log_duplicates(self, rows: pl.DataFrame, key: list[str], column: str, what: str) -> None:
        """Log every row whose ``key`` already appeared on an earlier row of the file."""
        first = rows.group_by(key, maintain_order=True).agg(pl.col("row").min().alias("first_row"))
        dupes = rows.join(first, on=key, how="inner").filter(pl.col("row") != pl.col("first_row"))
        for row, first_row in dupes.select("row", "first_row").iter_rows():
            self.log.add(row, column, f"duplicate {what} (first on row {first_row})")


def _decimal(text: str) -> Decimal:
    return Decimal(text)


def _aware(epoch_us: int | None) -> datetime | None:
    return None if epoch_us is None else epoch_us_to_datetime(epoch_us)


def _changed(obj: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``obj``; say whether any of them differed."""
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


class ClientsImporter(Importer):
    """Upsert clients by external id; the owner is looked up by team member email."""

    FIELDS = ["name", "segment", "industry", "country", "owner_id"]

    def finish(self) -> Counts:
        rows = self.all_rows()
        if rows.is_empty():
            return Counts()
        self.log_duplicates(rows, ["external_id"], "external_id", "external_id")
        emails = {
            email.lower(): pk
            for pk, email in User.objects.filter(is_active=True).values_list("pk", "email")
        }
        owner_ids: list[int | None] = []
        for row, email in rows.select("row", "owner_email").iter_rows():
            owner_ids.append(emails.get(email.lower()) if email else None)
            if email and email.lower() not in emails:
                self.log.add(row, "owner_email", "no active team member with this email")
        if self.log:
            return Counts()
        rows = rows.with_columns(pl.Series("owner_id", owner_ids, dtype=pl.Int64))
        existing = {c.external_id: c for c in Client.objects.all()}
        now = timezone.now()
        counts = Counts()
        new: list[Client] = []
        changed: list[Client] = []
        ownership: list[OwnershipChange] = []
        for record in rows.iter_rows(named=True):
            values = {field: record[field] for field in self.FIELDS}
            created_at = _aware(record["created_at"])
            client = existing.get(record["external_id"])
            if client is None:
                new.append(
                    Client(
                        external_id=record["external_id"], created_at=created_at or now, **values
                    )
                )
                continue
            previous_owner = client.owner_id
            if values["owner_id"] is not None and values["owner_id"] == client.backup_owner_id:
                self.log.add(
                    record["row"],
                    "owner_email",
                    "is this client's backup owner; name a different owner or change the backup first",
                )
                continue
            if created_at is not None:
                values["created_at"] = created_at
            if _changed(client, values):
                client.version += 1
                changed.append(client)
                if previous_owner != client.owner_id:
                    ownership.append(self._ownership(client, previous_owner, now))
            else:
                counts.unchanged += 1
        if self.log:
            return Counts()
        created = self.create_audited(Client, new)
        ownership += [self._ownership(client, None, now) for client in created if client.owner_id]
        self.update_audited(Client, changed, [*self.FIELDS, "created_at", "version"])
        index_client_search(client_ids=[c.pk for c in [*created, *changed]])
        OwnershipChange.objects.bulk_create(ownership, batch_size=BULK_BATCH)
        counts.created, counts.updated = len(new), len(changed)
        return counts

    def _ownership(self, client: Client, previous: int | None, now: datetime) -> OwnershipChange:
        return OwnershipChange(
            client=client,
            role=OwnerRole.OWNER,
            previous_user_id=previous,
            new_user_id=client.owner_id,
            changed_by=self.actor,
            changed_at=now,
            note=f"Owner set by {self.reason}.",
        )


def _existing_by_client(model: type[Any], client_ids: list[int]) -> list[Any]:
    """Every ``model`` row of these clients, fetched in chunks the databases accept."""
    found: list[Any] = []
    for start in range(0, len(client_ids), 5_000):
        found += model.objects.filter(client_id__in=client_ids[start : start + 5_000])
    return found


class ContactsImporter(Importer):
    """Upsert contacts by (client, email), or (client, name) for contacts without an email.

    A row marked primary makes that contact the client's only primary contact.
    """

    FIELDS = ["name", "email", "phone", "role", "is_primary"]

    def finish(self) -> Counts:
        rows = self.all_rows()
        if rows.is_empty():
            return Counts()
        rows = rows.with_columns(
            pl.when(pl.col("email") != "")
            .then(pl.lit("email:") + pl.col("email").str.to_lowercase())
            .otherwise(pl.lit("name:") + pl.col("name").str.to_lowercase())
            .alias("key")
        )
        self.log_duplicates(rows, ["client_id", "key"], "email", "contact for this client")
        primaries = rows.filter(pl.col("primary"))
        self.log_duplicates(primaries, ["client_id"], "primary", "primary contact for this client")
        if self.log:
            return Counts()
        client_ids = rows.get_column("client_id").unique().to_list()
        by_key: dict[tuple[int, str], Contact] = {}
        for contact in _existing_by_client(Contact, client_ids):
            by_key[(contact.client_id, self._key(contact))] = contact
        was_primary = {c.pk for c in by_key.values() if c.is_primary}
        clients_with_new_primary = set(primaries.get_column("client_id").to_list())
        counts = Counts()
        new: list[Contact] = []
        changed: list[Contact] = []
        in_file: set[int] = set()
        for record in rows.iter_rows(named=True):
            values = {
                "name": record["name"],
                "email": record["email"],
                "phone": record["phone"],
                "role": record["role"],
                "is_primary": record["primary"],
            }
            contact = by_key.get((record["client_id"], record["key"]))
            if contact is None:
                new.append(Contact(client_id=record["client_id"], **values))
                continue
            in_file.add(contact.pk)
            if _changed(contact, values):
                changed.append(contact)
            else:
                counts.unchanged += 1
        # A client's new primary contact replaces the old one, even one not in the file.
        others = [
            c
            for c in by_key.values()
            if c.pk not in in_file and c.is_primary and c.client_id in clients_with_new_primary
        ]
        for contact in others:
            contact.is_primary = False
        # Demote first: the one-primary constraint is checked row by row, not per statement.
        demoted = [c for c in [*changed, *others] if c.pk in was_primary and not c.is_primary]
        self.update_audited(Contact, demoted, ["is_primary"])
        self.update_audited(Contact, changed, self.FIELDS)
        self.create_audited(Contact, new)
        index_client_search(client_ids=client_ids)
        counts.created = len(new)
        counts.updated = len(changed) + len(others)
        return counts

    @staticmethod
    def _key(contact: Contact) -> str:
        return f"email:{contact.email.lower()}" if contact.email else f"name:{contact.name.lower()}"


class SubscriptionsImporter(Importer):
    """Upsert subscription lines by (client, product, start date)."""

    FIELDS = ["end_date", "mrr", "quantity", "billing_period_months", "discount_percent"]

    def finish(self) -> Counts:
        rows = self.all_rows()
        if rows.is_empty():
            return Counts()
        self.log_duplicates(
            rows,
            ["client_id", "product", "start_date"],
            "start_date",
            "product and start_date for this client",
        )
        ends_early = rows.filter(
            pl.col("end_date").is_not_null() & (pl.col("end_date") < pl.col("start_date"))
        )
        for row in ends_early.get_column("row"):
            self.log.add(row, "end_date", "before start_date")
        if self.log:
            return Counts()
        client_ids = rows.get_column("client_id").unique().to_list()
        existing = {
            (line.client_id, line.product, line.start_date): line
            for line in _existing_by_client(SubscriptionLine, client_ids)
        }
        counts = Counts()
        new: list[SubscriptionLine] = []
        changed: list[SubscriptionLine] = []
        for record in rows.iter_rows(named=True):
            values = {
                "end_date": record["end_date"],
                "mrr": _decimal(record["mrr"]),
                "quantity": record["quantity"],
                "billing_period_months": record["billing_period_months"],
                "discount_percent": _decimal(record["discount"]),
            }
            key = (record["client_id"], record["product"], record["start_date"])
            line = existing.get(key)
            if line is None:
                new.append(
                    SubscriptionLine(client_id=key[0], product=key[1], start_date=key[2], **values)
                )
            elif _changed(line, values):
                changed.append(line)
            else:
                counts.unchanged += 1
        self.create_audited(SubscriptionLine, new)
        self.update_audited(SubscriptionLine, changed, self.FIELDS)
        refresh_client_revenue(client_ids=client_ids)
        counts.created, counts.updated = len(new), len(changed)
        return counts


def keep_new_occurrences(
    incoming: pl.DataFrame, existing: pl.DataFrame, key: list[str], seen: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Drop the rows of ``incoming`` that the database already holds, counting duplicates.

    Identical rows are legitimate (two clicks in one second are two events), so a
    row's identity is its key *and* its occurrence number: the n-th identical row
    of the file is new only if the database held fewer than n such rows before the
    import. ``seen`` carries occurrence counts across batches, for keys the
    database already has; returns the new rows and the updated ``seen``.
    """
    if existing.is_empty():
        return incoming, seen
    numbered = incoming.with_columns(pl.int_range(1, pl.len() + 1).over(key).alias("_occurrence"))
    if seen is not None:
        numbered = (
            numbered.join(seen, on=key, how="left", maintain_order="left")
            .with_columns(pl.col("_occurrence") + pl.col("_seen").fill_null(0))
            .drop("_seen")
        )
    numbered = numbered.join(existing, on=key, how="left", maintain_order="left")
    fresh = numbered.filter(
        pl.col("existing").is_null() | (pl.col("_occurrence") > pl.col("existing"))
    ).drop("_occurrence", "existing")
    overlapping = (
        numbered.filter(pl.col("existing").is_not_null()).group_by(key).agg(pl.len().alias("_seen"))
    )
    overlapping = overlapping.with_columns(pl.col("_seen").cast(pl.Int64))
    if seen is None:
        return fresh, overlapping
    merged = pl.concat([seen, overlapping]).group_by(key).agg(pl.col("_seen").sum())
    return fresh, merged


class TransactionsImporter(Importer):
    """Upsert by (client, order_id) when there is an order id; otherwise add what is new.

    Rows without an order id are matched on (client, time, amount), counting
    identical rows, so importing the same file again adds nothing.
    """

    def finish(self) -> Counts:
        rows = self.all_rows()
        if rows.is_empty():
            return Counts()
        with_order = rows.filter(pl.col("order_id") != "")
        self.log_duplicates(
            with_order, ["client_id", "order_id"], "order_id", "order_id for this client"
        )
        if self.log:
            return Counts()
        counts = Counts()
        client_ids = rows.get_column("client_id").unique().to_list()
        existing = _existing_by_client(Transaction, client_ids)
        by_order = {(t.client_id, t.order_id): t for t in existing if t.order_id}
        new: list[Transaction] = []
        changed: list[Transaction] = []
        for record in with_order.iter_rows(named=True):
            values = {
                "occurred_at": _aware(record["occurred_at"]),
                "amount": _decimal(record["amount"]),
            }
            txn = by_order.get((record["client_id"], record["order_id"]))
            if txn is None:
                new.append(
                    Transaction(
                        client_id=record["client_id"], order_id=record["order_id"], **values
                    )
                )
            elif _changed(txn, values):
                changed.append(txn)
            else:
                counts.unchanged += 1
        without_order = rows.filter(pl.col("order_id") == "").with_columns(
            pl.col("amount").map_elements(
                lambda a: str(_decimal(a).quantize(Decimal("0.01"))), return_dtype=pl.String
            )
        )
        key = ["client_id", "occurred_at", "amount"]
        existing_counts = (
            pl.DataFrame(
                [
                    (t.client_id, datetime_to_epoch_us(t.occurred_at), str(t.amount))
                    for t in existing
                    if not t.order_id
                ],
                schema={"client_id": pl.Int64, "occurred_at": pl.Int64, "amount": pl.String},
                orient="row",
            )
            .group_by(key)
            .agg(pl.len().cast(pl.Int64).alias("existing"))
        )
        fresh, _ = keep_new_occurrences(without_order, existing_counts, key, None)
        counts.unchanged += without_order.height - fresh.height
        for record in fresh.iter_rows(named=True):
            new.append(
                Transaction(
                    client_id=record["client_id"],
                    occurred_at=epoch_us_to_datetime(record["occurred_at"]),
                    amount=_decimal(record["amount"]),
                )
            )
        self.create_audited(Transaction, new)
        self.update_audited(Transaction, changed, ["occurred_at", "amount"])
        counts.created, counts.updated = len(new), len(changed)
        return counts


class EventsImporter(Importer):
    """Stream usage events into the database batch by batch (the hot path).

    Nothing is gathered: each valid batch is written at once inside the import's
    transaction, and rolled back with it if any row of the file turns out bad.
    """

    KEY = list(bulk.EVENT_COLUMNS)

    def __init__(self, log: ErrorLog, actor: User | None, path: Path) -> None:
        super().__init__(log, actor, path)
        self.start_id = bulk.max_event_id()
        self.seen: pl.DataFrame | None = None
        self.type_ids: dict[str, int] = dict(EventType.objects.values_list("name", "id"))
        self.counts = Counts()
        self.file_bytes = path.stat().st_size
        # None until the first batch shows how large the load is; then what was dropped.
        self.relaxed: list[bulk.DroppedForeignKey] | None = None
        self.table_relaxed = False

    def take(self, frame: pl.DataFrame, ok: pl.Series, bytes_read: int) -> None:
        frame = self.with_client_ids(frame)
        if self.log:
            return
        if self.relaxed is None:
            self._relax_table_for_large_load(frame.height, bytes_read)
        frame = frame.filter(ok)
        frame = frame.with_columns(
            pl.col("event_type")
            .replace_strict(self._type_ids_for(frame), return_dtype=pl.Int64)
            .alias("event_type_id")
        ).select(self.KEY)
        existing = bulk.existing_event_counts(frame, self.start_id)
        fresh, self.seen = keep_new_occurrences(frame, existing, self.KEY, self.seen)
        bulk.write_events(fresh)
        self.counts.created += fresh.height
        self.counts.unchanged += frame.height - fresh.height

    def _relax_table_for_large_load(self, rows: int, batch_bytes: int) -> None:
        """Drop the index and foreign keys when the file brings more rows than the table has."""
        incoming = self.file_bytes * rows // max(batch_bytes, 1)
        # The highest id at the start bounds the rows already there (no count of 50M rows).
        self.table_relaxed = incoming > self.start_id
        self.relaxed = bulk.relax_event_table() if self.table_relaxed else []

    def _type_ids_for(self, frame: pl.DataFrame) -> dict[str, int]:
        names = set(frame.get_column("event_type").unique().to_list())
        missing = names - self.type_ids.keys()
        if missing:
            EventType.objects.bulk_create(
                [EventType(name=n) for n in sorted(missing)], ignore_conflicts=True
            )
            self.type_ids.update(
                EventType.objects.filter(name__in=missing).values_list("name", "id")
            )
        return {name: self.type_ids[name] for name in names}

    def finish(self) -> Counts:
        if self.table_relaxed and not self.log:
            bulk.restore_event_table(self.relaxed or [])
        return self.counts


class DocumentsImporter(Importer):
    """Upsert documents by (client, kind, number), each row one of the document's lines.

    The file holds whole documents: a document's lines in the file replace the lines it
    had. Document columns (dates, terms, what it follows) repeat on each of its lines and
    must agree. ``follows_number`` names the document of the kind before it in the chain
    (a contract follows a quote, an order a contract, a delivery an order, an invoice a
    delivery), in the same file or already in Retain.
    """

    DOCUMENT_COLUMNS = ("follows_number", "issued_on", "promised_on", "delivered_on", "terms")
    LINE_FIELDS = ("sku", "description", "attributes", "quantity", "unit_price", "discount")

    def finish(self) -> Counts:
        rows = self.all_rows()
        if rows.is_empty():
            return Counts()
        rows = rows.filter(pl.col("client_id").is_not_null())  # unknown clients: logged
        key = ["client_id", "kind", "number"]
        self.log_duplicates(rows, [*key, "line"], "line", "line number for this document")
        documents: dict[tuple[int, str, str], dict[str, Any]] = {}
        for record in rows.iter_rows(named=True):
            doc_key = (record["client_id"], record["kind"], record["number"])
            first = documents.get(doc_key)
            if first is None:
                documents[doc_key] = {**record, "lines": [record]}
                continue
            first["lines"].append(record)
            for column in self.DOCUMENT_COLUMNS:
                if record[column] != first[column]:
                    self.log.add(
                        record["row"],
                        column,
                        f"differs from row {first['row']}, the first line of this document",
                    )
        client_ids = sorted({k[0] for k in documents})
        existing = {
            (d.client_id, d.kind, d.number): d for d in _existing_by_client(Document, client_ids)
        }
        for (client_id, kind, _), record in documents.items():
            follows = record["follows_number"]
            if not follows:
                continue
            before = FOLLOWS[DocumentKind(kind)]
            if before is None:
                self.log.add(
                    record["row"], "follows_number", "a quote starts a chain and follows nothing"
                )
            elif (client_id, before.value, follows) not in documents and (
                client_id,
                before.value,
                follows,
            ) not in existing:
                self.log.add(
                    record["row"],
                    "follows_number",
                    f"no {before.label.lower()} {follows!r} for this client, in this file or in Retain",
                )
        if self.log:
            return Counts()
        return self._write(documents, existing)

    def _write(
        self,
        documents: dict[tuple[int, str, str], dict[str, Any]],
        existing: dict[tuple[int, str, str], Document],
    ) -> Counts:
        counts = Counts()
        old_lines = self._existing_lines(sorted({k[0] for k in existing}))
        replaced_lines: list[int] = []
        new_lines: list[DocumentLine] = []
        # A kind's documents are written after those of the kind they follow.
        for kind in DocumentKind:
            before = FOLLOWS[kind]
            new: list[Document] = []
            changed: list[Document] = []
            for (client_id, doc_kind, number), record in documents.items():
                if doc_kind != kind.value:
                    continue
                follows = record["follows_number"]
                values = {
                    "follows_id": existing[(client_id, before.value, follows)].pk
                    if follows and before is not None
                    else None,
                    "issued_on": record["issued_on"],
                    "promised_on": record["promised_on"],
                    "delivered_on": record["delivered_on"],
                    "terms": record["terms"],
                }
                lines = [
                    DocumentLine(
                        line=line["line"],
                        sku=line["sku"],
                        description=line["description"],
                        attributes=json.loads(line["attributes"]),
                        quantity=_decimal(line["quantity"]),
                        unit_price=_decimal(line["unit_price"]),
                        discount=_decimal(line["discount"]),
                    )
                    for line in record["lines"]
                ]
                document = existing.get((client_id, doc_kind, number))
                if document is None:
                    document = Document(client_id=client_id, kind=doc_kind, number=number, **values)
                    new.append(document)
                    record["lines_to_write"] = lines
                    continue
                fields_changed = _changed(document, values)
                incoming = sorted((self._line_values(line) for line in lines), key=repr)
                if old_lines.get(document.pk, []) != incoming:
                    replaced_lines.append(document.pk)
                    for line in lines:
                        line.document_id = document.pk
                    new_lines.extend(lines)
                    fields_changed = True
                if fields_changed:
                    changed.append(document)
                else:
                    counts.unchanged += 1
            for document in self.create_audited(Document, new):
                existing[(document.client_id, document.kind, document.number)] = document
                for line in documents[(document.client_id, document.kind, document.number)][
                    "lines_to_write"
                ]:
                    line.document_id = document.pk
                    new_lines.append(line)
            self.update_audited(Document, changed, [*self.DOCUMENT_COLUMNS[1:], "follows_id"])
            counts.created += len(new)
            counts.updated += len(changed)
        for chunk in itertools.batched(replaced_lines, 500):
            # One at a time through the ORM, so each removed line leaves its history record.
            for line in DocumentLine.objects.filter(document_id__in=chunk):
                line._history_user = self.actor  # type: ignore[attr-defined]
                line._change_reason = self.reason  # type: ignore[attr-defined]
                line.delete()
        self.create_audited(DocumentLine, new_lines)
        return counts

    @classmethod
    def _line_values(cls, line: DocumentLine) -> tuple[Any, ...]:
        return (line.line, *(getattr(line, f) for f in cls.LINE_FIELDS))

    def _existing_lines(self, client_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
        """The lines of the clients' documents in Retain: document id -> sorted line values."""
        lines: dict[int, list[tuple[Any, ...]]] = {}
        for chunk in itertools.batched(client_ids, 500):
            for line in DocumentLine.objects.filter(document__client_id__in=chunk):
                lines.setdefault(line.document_id, []).append(self._line_values(line))
        return {pk: sorted(values, key=repr) for pk, values in lines.items()}


class IncidentsImporter(Importer):
    """Open incidents from a file, through the same service as the pages.

    Key: (client, title, opened_at); a row whose key is already in Retain is left alone,
    so importing the same file again opens nothing. Imported incidents go on the
    timeline and into their department's inbox, but mail nobody and start no playbook:
    an import is usually history.
    """

    def finish(self) -> Counts:
        from retain.incidents.models import Incident
        from retain.incidents.services import open_incident

        rows = self.all_rows()
        if rows.is_empty():
            return Counts()
        rows = rows.filter(pl.col("client_id").is_not_null())
        self.log_duplicates(
            rows,
            ["client_id", "title", "opened_at"],
            "opened_at",
            "incident (client, title, opened_at)",
        )
        departments = {d.slug: d for d in Department.objects.all()}
        for column in ("responsible_department", "reported_by_department"):
            for row, slug in rows.select("row", column).iter_rows():
                if slug and slug not in departments:
                    self.log.add(
                        row, column, f"no department {slug!r} (see the departments in Retain)"
                    )
        if self.log:
            return Counts()
        client_ids = rows.get_column("client_id").unique().to_list()
        existing = {
            (i.client_id, i.title, datetime_to_epoch_us(i.opened_at))
            for chunk in itertools.batched(client_ids, 500)
            for i in Incident.objects.filter(client_id__in=chunk).only(
                "client_id", "title", "opened_at"
            )
        }
        clients = {
            c.pk: c
            for chunk in itertools.batched(client_ids, 500)
            for c in Client.objects.filter(pk__in=chunk).select_related("owner")
        }
        counts = Counts()
        for record in rows.iter_rows(named=True):
            if (record["client_id"], record["title"], record["opened_at"]) in existing:
                counts.unchanged += 1
                continue
            open_incident(
                actor=self.actor,
                client=clients[record["client_id"]],
                title=record["title"],
                category=record["category"],
                severity=record["severity"],
                responsible_department=departments[record["responsible_department"]],
                reported_by_department=departments.get(record["reported_by_department"]),
                description=record["description"],
                impact=record["impact"],
                opened_at=_aware(record["opened_at"]),
                automations=False,
            )
            counts.created += 1
        return counts


IMPORTERS: dict[str, type[Importer]] = {
    "clients": ClientsImporter,
    "contacts": ContactsImporter,
    "subscriptions": SubscriptionsImporter,
    "transactions": TransactionsImporter,
    "events": EventsImporter,
    "documents": DocumentsImporter,
    "incidents": IncidentsImporter,
}
