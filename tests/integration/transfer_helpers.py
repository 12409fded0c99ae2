"""Helpers for the import/export tests: write a CSV, run `retain import`/`export` in-process."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from retain.transfer.formats import get_format


@dataclass
class Outcome:
    status: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line]


def write_csv(
    path: Path, kind: str, rows: list[str], header: str | None = None, *, newline: str = "\n"
) -> Path:
    """Write ``rows`` (already CSV text) under the kind's header to ``path``."""
    header = header if header is not None else ",".join(get_format(kind).columns)
    path.write_text(newline.join([header, *rows]) + newline, encoding="utf-8", newline="")
    return path


def run_import(kind: str, path: Path, *args: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", kind, str(path), "--no-progress", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return Outcome(status, out.getvalue(), err.getvalue())


def run_export(kind: str, path: Path) -> str:
    call_command("export", kind, str(path), stdout=io.StringIO())
    return path.read_text(encoding="utf-8")
