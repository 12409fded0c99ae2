from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from retain.transfer.csvio import open_for_writing
from retain.transfer.errors import plural
from retain.transfer.exporters import export_rows
from retain.transfer.formats import KINDS


class Command(BaseCommand):
    help = (
        "Export a CSV file in the same format `retain import` reads (FILE '-' is standard "
        "output). Text cells that a spreadsheet would run as formulas are escaped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")

    def handle(self, *args: Any, kind: str, file: str, **options: Any) -> None:
        stream = open_for_writing(file)
        try:
            count = export_rows(kind=kind, stream=stream)
        finally:
            stream.flush()
            if file != "-":
                stream.close()
        if file != "-":
            self.stdout.write(f"{file}: {plural(count, 'row')} of {kind} written.")
