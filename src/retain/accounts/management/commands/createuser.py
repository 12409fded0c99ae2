import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.accounts.services import create_team_member


class Command(BaseCommand):
    help = "Add a team member who signs in with their email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--department", help="department slug, e.g. shipping")
        parser.add_argument("--role", choices=Role.values, default=Role.MEMBER)
        parser.add_argument(
            "--password",
            help="the password (visible to other users of this machine: prefer being asked, "
            "or RETAIN_PASSWORD in the environment)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        department = None
        if options["department"]:
            department = Department.objects.filter(slug=options["department"]).first()
            if department is None:
                slugs = ", ".join(Department.objects.values_list("slug", flat=True))
                raise CommandError(f"no department {options['department']!r} (known: {slugs})")
        password = options["password"] or os.environ.get("RETAIN_PASSWORD")
        if not password:
            if not sys.stdin.isatty():
                raise CommandError(
                    "no password: give --password, set RETAIN_PASSWORD, or run in a terminal"
                )
            password = getpass.getpass("Password: ")
        try:
            user = create_team_member(
                email=options["email"],
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
                department=department,
                role=options["role"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created {user.email} ({user.get_role_display()}).")
