import sys
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from retain.accounts.models import Department
from retain.clients.models import Client
from retain.core.management.actors import acting_member
from retain.incidents.choices import IncidentCategory, Severity
from retain.incidents.services import open_incident


class Command(BaseCommand):
    help = (
        "Raise an incident for a client in the responsible department's inbox, as on the "
        "client page: it goes on the timeline and the client's point person is told."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", metavar="CLIENT_EXTERNAL_ID")
        parser.add_argument("title")
        parser.add_argument("--category", required=True, choices=IncidentCategory.values)
        parser.add_argument(
            "--severity", type=int, default=Severity.MEDIUM, choices=Severity.values
        )
        parser.add_argument(
            "--department", required=True, metavar="SLUG", help="the department responsible"
        )
        parser.add_argument("--description", default="")
        parser.add_argument("--impact", default="", help="the impact on the client")
        parser.add_argument(
            "--as", dest="actor", required=True, metavar="EMAIL", help="who raises it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_member(options["actor"])
        client = (
            Client.objects.select_related("owner").filter(external_id=options["client"]).first()
        )
        if client is None:
            raise CommandError(f"{options['client']}: no client with this external id")
        department = Department.objects.filter(slug=options["department"]).first()
        if department is None:
            slugs = ", ".join(Department.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                f"--department {options['department']}: no such department ({slugs})"
            )
        try:
            incident = open_incident(
                actor=actor,
                client=client,
                title=options["title"],
                category=options["category"],
                severity=options["severity"],
                responsible_department=department,
                description=options["description"],
                impact=options["impact"],
            )
        except (ValidationError, PermissionDenied) as error:
            self.stderr.write(f"Not raised: {error}")
            sys.exit(2)
        self.stdout.write(
            f"Incident {incident.pk} raised for {department}; due "
            f"{incident.due_at:%Y-%m-%d %H:%M} UTC."
        )
