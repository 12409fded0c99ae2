"""Row-numbered import errors, collected without ever holding more than needed."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in an import file: ``FILE:ROW: column: problem``.

    ``row`` is the spreadsheet row number: the header is row 1, the first data row 2.
    """

    row: int
    column: str
    problem: str
    file: str = field(compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.problem}"


class ErrorLog:
    """Collects errors in row order, keeping the first ``keep`` and counting the rest."""

    def __init__(self, file: str, keep: int = 50) -> None:
        self.file = file
        self.keep = keep
        self.count = 0
        self.errors: list[RowError] = []
        self._pending: list[RowError] = []

    def __bool__(self) -> bool:
        return self.count > 0 or bool(self._pending)

    def add(self, row: int, column: str, problem: str) -> None:
        """Record one error (flushed in row order at the end of the batch)."""
        self._pending.append(RowError(row, column, problem, self.file))

    def add_where(self, rows: pl.Series, problems: pl.Series, column: str) -> None:
        """Record an error for every row whose ``problems`` entry is not null."""
        bad = problems.is_not_null()
        if not bad.any():
            return
        bad_rows = rows.filter(bad)
        # Only a column's earliest ``keep`` rows can make the printed list; the rest are counted.
        shown = bad_rows.head(self.keep)
        for row, problem in zip(shown, problems.filter(bad).head(self.keep), strict=True):
            self._pending.append(RowError(row, column, problem, self.file))
        self.count += len(bad_rows) - len(shown)

    def flush_batch(self) -> None:
        """Move this batch's errors into the log in row order."""
        self._pending.sort()
        for error in self._pending:
            self.count += 1
            if len(self.errors) < self.keep:
                self.errors.append(error)
        self._pending.clear()

    def report(self) -> list[str]:
        """The lines to print: the kept errors, then how many more there were."""
        self.flush_batch()
        lines = [str(error) for error in self.errors]
        if self.count > len(self.errors):
            lines.append(f"... and {self.count - len(self.errors)} more errors")
        return lines


class ImportFailed(Exception):
    """Raised when a file has errors; nothing was written."""

    def __init__(self, log: ErrorLog) -> None:
        self.log = log
        super().__init__(f"{log.count} errors in {log.file}")
