"""Row-numbered import errors, collected without ever holding more than needed."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class RowError:
    """One problem in an import file: ``FILE:ROW: column: problem``.

    ``row`` is the spreadsheet row number: the header is row 1, the first data row 2.
    """

    row: int
    column: str
    problem: str
    file: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.problem}"


class ErrorLog:
    """Counts every error and keeps the ``keep`` earliest by row, in whatever order they arrive.

    A file where every row is bad must not cost memory per row, so only a bounded
    heap of the earliest errors is held. Errors on one row keep the order they
    were found in (the file's column order, then whole-file checks).
    """

    def __init__(self, file: str, keep: int = 50) -> None:
        self.file = file
        self.keep = keep
        self.count = 0
        # Max-heap by (row, arrival) via negation: the worst kept error is at the top.
        self._heap: list[tuple[int, int, RowError]] = []
        self._arrival = itertools.count()

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, row: int, column: str, problem: str) -> None:
        """Record one error."""
        self.count += 1
        entry = (-row, -next(self._arrival), RowError(row, column, problem, self.file))
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, entry)
        elif entry[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, entry)

    def add_where(self, rows: pl.Series, problems: pl.Series, column: str) -> None:
        """Record an error for every row whose ``problems`` entry is not null."""
        bad = problems.is_not_null()
        if not bad.any():
            return
        bad_rows = rows.filter(bad)
        # Only a column's earliest ``keep`` rows can be shown; the rest are only counted.
        shown = bad_rows.head(self.keep)
        for row, problem in zip(shown, problems.filter(bad).head(self.keep), strict=True):
            self.add(row, column, problem)
        self.count += len(bad_rows) - len(shown)

    @property
    def errors(self) -> list[RowError]:
        """The kept errors, earliest row first."""
        return [error for *_, error in sorted(self._heap, reverse=True)]

    def report(self) -> list[str]:
        """The lines to print: the kept errors, then how many more there were."""
        kept = self.errors
        lines = [str(error) for error in kept]
        if self.count > len(kept):
            lines.append(f"... and {plural(self.count - len(kept), 'more error')}")
        return lines


def plural(count: int, noun: str) -> str:
    """ "1 error", "2 errors"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class ImportFailed(Exception):
    """Raised when a file has errors; nothing was written."""

    def __init__(self, log: ErrorLog) -> None:
        self.log = log
        super().__init__(f"{log.count} errors in {log.file}")
