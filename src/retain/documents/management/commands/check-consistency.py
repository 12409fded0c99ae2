import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from retain.core.management.actors import acting_member
from retain.documents.services import check_consistency, describe


class Command(BaseCommand):
    help = (
        "Compare every client's documents along the chain quote -> contract -> order -> "
        "delivery -> invoice and print each mismatch; open an incident in the responsible "
        "department for each one not raised before. With --json, one JSON object per line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object per mismatch")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            metavar="DATE",
            help="judge promised dates as of this day (default today)",
        )
        parser.add_argument(
            "--no-incidents", action="store_true", help="only report; open no incidents"
        )
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="EMAIL",
            help="open incidents as this team member (default: Retain itself)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_member(options["actor"])
        report = check_consistency(
            as_of=options["as_of"], open_incidents=not options["no_incidents"], actor=actor
        )
        for mismatch in report.mismatches:
            if options["json"]:
                self.stdout.write(json.dumps(mismatch.as_json(), ensure_ascii=False))
            else:
                self.stdout.write(
                    f"{mismatch.client_external_id}  {mismatch.department:<9} {describe(mismatch)}"
                )
        self.stderr.write(
            f"{len(report.mismatches)} mismatch(es); {report.incidents_opened} new incident(s)."
        )
