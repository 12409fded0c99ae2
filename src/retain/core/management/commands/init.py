from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from retain.accounts.models import Department
from retain.clients.services import refresh_client_revenue


class Command(BaseCommand):
    help = (
        "Create or upgrade the database (the default departments come with it) and bring "
        "every client's revenue summary up to today. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        refreshed = refresh_client_revenue()
        self.stdout.write(
            f"Database ready ({Department.objects.count()} departments, {refreshed} clients)."
        )
