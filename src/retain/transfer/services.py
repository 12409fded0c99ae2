"""Import and export of client data: the one implementation the CLI, web and API share."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from retain.accounts.models import User
from retain.transfer.csvio import CsvReader
from retain.transfer.errors import ErrorLog, ImportFailed
from retain.transfer.formats import get_format, parse_batch
from retain.transfer.importers import IMPORTERS, Counts
from retain.transfer.models import ImportRun

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportResult:
    """What one successful import did."""

    kind: str
    rows_read: int
    counts: Counts
    run: ImportRun


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    *,
    kind: str,
    path: Path,
    actor: User | None = None,
    progress: Progress | None = None,
    batch_rows: int | None = None,
) -> ImportResult:
    """Import one CSV file of ``kind``, all or nothing.

    Raises ImportFailed (carrying every row error) when any row is bad, after
    rolling back everything; otherwise commits and records an ImportRun.
    Importing the same file twice changes nothing the second time.
    """
    fmt = get_format(kind)
    log = ErrorLog(file=str(path))
    started_at = timezone.now()
    reader = CsvReader(path, fmt.columns, log, batch_rows or settings.IMPORT_BATCH_ROWS)
    rows_read = 0
    with transaction.atomic():
        importer = IMPORTERS[kind](log, actor, path)
        for batch in reader:
            rows_read += batch.frame.height
            frame, ok = parse_batch(batch, fmt, log)
            importer.take(frame, ok, batch.bytes_read)
            if progress:
                progress(batch.bytes_read)
        counts = importer.finish()
        if log or not reader.header_ok:
            # Leaving the atomic block by exception rolls back every row written so far.
            raise ImportFailed(log)
        run = ImportRun.objects.create(
            kind=kind,
            file_name=str(path),
            sha256=_sha256(path),
            actor=actor,
            started_at=started_at,
            finished_at=timezone.now(),
            rows_read=rows_read,
            rows_created=counts.created,
            rows_updated=counts.updated,
            rows_unchanged=counts.unchanged,
        )
    return ImportResult(kind=kind, rows_read=rows_read, counts=counts, run=run)
