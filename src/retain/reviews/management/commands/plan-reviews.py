from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from retain.reviews.services import TOP_SHARE, plan_monthly_reviews


class Command(BaseCommand):
    help = (
        "Plan this month's cross-department review for every top client (the top 20%% of "
        "active paying clients by MRR) that has none this month yet. Safe to run again; "
        "run it on the first working day of each month (cron, for one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", metavar="DATE", help="the day of the reviews, YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--share",
            type=float,
            default=TOP_SHARE,
            help=f"the share of clients by MRR to review (default {TOP_SHARE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--on {options['on']}: not a date (YYYY-MM-DD)") from None
        if not 0 < options["share"] <= 1:
            raise CommandError(f"--share {options['share']}: a share between 0 and 1")
        reviews = plan_monthly_reviews(on=on, share=options["share"])
        self.stdout.write(f"{len(reviews)} review(s) planned for {on:%Y-%m-%d}.")
