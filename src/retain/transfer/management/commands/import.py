import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from retain.core.management.actors import acting_member
from retain.transfer.errors import ImportFailed, plural
from retain.transfer.formats import KINDS
from retain.transfer.services import import_file


class Command(BaseCommand):
    help = (
        "Import a CSV file (UTF-8, header row, ISO 8601 dates; see docs/import.md). "
        "All or nothing: any bad row means exit status 2, every error printed as "
        "FILE:ROW: column: problem, and nothing written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="EMAIL",
            help="record the import in the audit trail as this team member",
        )
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    def handle(self, *args: Any, kind: str, file: Path, actor: str | None, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        member = acting_member(actor)
        progress_bar = None
        if not options["no_progress"] and sys.stderr.isatty():
            from tqdm import tqdm

            progress_bar = tqdm(
                total=file.stat().st_size,
                unit="B",
                unit_scale=True,
                desc=f"{kind}",
                file=sys.stderr,
            )
        done = 0

        def progress(bytes_read: int) -> None:
            nonlocal done
            if progress_bar is not None:
                progress_bar.update(bytes_read - done)
                done = bytes_read

        try:
            result = import_file(kind=kind, path=file, actor=member, progress=progress)
        except ImportFailed as failure:
            for line in failure.log.report():
                self.stderr.write(line)
            self.stderr.write(
                f"{file}: {plural(failure.log.count, 'error')}; nothing was imported."
            )
            sys.exit(2)
        finally:
            if progress_bar is not None:
                progress_bar.close()
        counts = result.counts
        self.stdout.write(
            f"{file}: {result.rows_read} rows read; {counts.created} created, "
            f"{counts.updated} updated, {counts.unchanged} unchanged."
        )
