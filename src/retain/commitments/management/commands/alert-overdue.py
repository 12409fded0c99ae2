from typing import Any

from django.core.management.base import BaseCommand

from retain.commitments.services import alert_overdue_commitments


class Command(BaseCommand):
    help = (
        "Mail the maker and the keeper of every promise to a client that is past its day, "
        "once each. Safe to run as often as you like; run it daily (cron, for one)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = alert_overdue_commitments()
        self.stdout.write(f"{count} overdue commitment(s) alerted.")
