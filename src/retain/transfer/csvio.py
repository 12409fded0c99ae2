"""Reading and writing Retain's CSV files: UTF-8, a header row, streamed in batches.

Messy but legitimate input is accepted: a byte-order mark, Windows line endings,
surrounding spaces in header names, blank lines. Everything else is reported
with its row number rather than guessed at.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import polars as pl

from retain.transfer.errors import ErrorLog

# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def needs_escape(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula, or it looks like an escaped one.

    A leading quote followed by something that needs escaping is escaped too, so
    that escaping stays reversible for every string.
    """
    if text.startswith(FORMULA_STARTS):
        return True
    return text.startswith("'") and needs_escape(text[1:])


def escape_cell(text: str) -> str:
    """Prefix a quote to a text cell that a spreadsheet would run as a formula."""
    return "'" + text if needs_escape(text) else text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`: the exact inverse for every string."""
    if text.startswith("'") and needs_escape(text[1:]):
        return text[1:]
    return text


def unescape_series(values: pl.Series) -> pl.Series:
    """Vectorised :func:`unescape_cell` for the common case, falling back per cell."""
    quoted = values.str.starts_with("'")
    if not quoted.any():
        return values
    return values.map_elements(unescape_cell, return_dtype=pl.String)


@dataclass
class Batch:
    """Up to ``batch_rows`` data rows as string columns, with their spreadsheet row numbers."""

    frame: pl.DataFrame
    rows: pl.Series
    bytes_read: int


class CsvReader:
    """Streams a CSV file in batches of string columns named by its header.

    Header problems (missing, unknown or repeated columns) and rows with the
    wrong number of fields go to ``log``; such rows are left out of the batches.
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        log: ErrorLog,
        batch_rows: int,
    ) -> None:
        self.path = path
        self.columns = list(columns)
        self.log = log
        self.batch_rows = batch_rows
        self.header_ok = False

    def __iter__(self) -> Iterator[Batch]:
        # utf-8-sig drops a byte-order mark; strict decoding refuses anything that is not UTF-8.
        with self.path.open("r", encoding="utf-8-sig", errors="strict", newline="") as text:
            yield from self._read(text)

    def _read(self, text: io.TextIOWrapper) -> Iterator[Batch]:
        # The byte position under the decoder (which reads a little ahead) measures progress.
        raw = cast(BinaryIO, text.buffer)
        reader = csv.reader(text, strict=True)
        row_number = 1
        try:
            header = next(reader, None)
            if header is None:
                self.log.add(1, "-", "the file is empty: expected a header row")
                return
            positions = self._check_header(header)
            if positions is None:
                return
            width = len(header)
            pending: list[list[str]] = []
            pending_rows: list[int] = []
            for row_number, record in enumerate(reader, start=2):
                if len(record) != width:
                    if not record or (len(record) == 1 and not record[0].strip()):
                        continue  # a blank line
                    self.log.add(row_number, "-", f"expected {width} fields, found {len(record)}")
                    continue
                pending.append(record)
                pending_rows.append(row_number)
                if len(pending) >= self.batch_rows:
                    yield self._batch(pending, pending_rows, positions, raw.tell())
                    pending, pending_rows = [], []
            if pending:
                yield self._batch(pending, pending_rows, positions, raw.tell())
        except UnicodeDecodeError as error:
            self.log.add(
                row_number + 1, "-", f"not UTF-8 text ({error.reason}); save the file as UTF-8"
            )
        except csv.Error as error:
            self.log.add(row_number + 1, "-", f"malformed CSV: {error}")

    def _check_header(self, header: list[str]) -> list[int] | None:
        names = [name.strip().lower() for name in header]
        problems = False
        seen: set[str] = set()
        for name in names:
            if name in seen:
                self.log.add(1, name, "column appears twice in the header")
                problems = True
            seen.add(name)
            if name not in self.columns:
                expected = ",".join(self.columns)
                self.log.add(1, name or "(blank)", f"unknown column (expected: {expected})")
                problems = True
        for name in self.columns:
            if name not in seen:
                self.log.add(1, name, "missing column")
                problems = True
        if problems:
            return None
        self.header_ok = True
        return [names.index(name) for name in self.columns]

    def _batch(
        self, records: list[list[str]], rows: list[int], positions: list[int], bytes_read: int
    ) -> Batch:
        transposed = list(zip(*records, strict=True))
        frame = pl.DataFrame(
            {
                name: list(transposed[pos])
                for name, pos in zip(self.columns, positions, strict=True)
            },
            schema=dict.fromkeys(self.columns, pl.String),
        )
        return Batch(
            frame=frame, rows=pl.Series("row", rows, dtype=pl.Int64), bytes_read=bytes_read
        )


def open_for_writing(path: str) -> IO[str]:
    """A text stream for an export: ``-`` is standard output."""
    if path == "-":
        return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    return Path(path).open("w", encoding="utf-8", newline="")


def csv_writer(stream: Any) -> Any:
    """The CSV dialect every export uses: comma, minimal quoting, CRLF as RFC 4180 says."""
    return csv.writer(stream, lineterminator="\r\n")
