import os
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from retain.demo.selectors import DemoLogin, database_has_clients, get_demo_logins
from retain.demo.services import DEMO_PASSWORD, DemoDataExists, DemoSummary, load_demo_company
from retain.demo.vocabulary import COMPANY


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        f"Load a believable demo company ({COMPANY}): about 25 team members in every "
        "department and N clients with three years of history (subscriptions, orders, "
        "usage, timelines, owner changes, churn). The same --clients, --seed and --as-of "
        "always give the same data. Demo team members sign in with their e-mail address "
        f"and the password {DEMO_PASSWORD!r}. The demo only loads into a database "
        "without clients."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--clients", type=_positive, default=1_000, help="how many clients (default 1000)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="the day history ends (default today)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the demo login) when the database has clients",
        )
        mode.add_argument(
            "--reset",
            action="store_true",
            help="delete the previous demo (its clients and team) and load a new one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and database_has_clients():
            self.stdout.write("The database already has clients: nothing loaded.")
            self._print_logins(get_demo_logins())
            return
        try:
            summary = load_demo_company(
                clients=options["clients"],
                seed=options["seed"],
                as_of=options["as_of"],
                replace=options["reset"],
                progress=self._progress if options["verbosity"] >= 1 else None,
            )
        except DemoDataExists as error:
            if options["if_empty"]:  # someone else loaded data in the meantime
                self.stdout.write(f"Nothing loaded: {error}.")
                self._print_logins(get_demo_logins())
                return
            raise CommandError(
                f"Nothing loaded: {error}. Use --reset to replace the demo, "
                "or --if-empty to keep what is there."
            ) from None
        self._print_summary(summary)
        self._print_logins(summary.logins)

    def _progress(self, message: str) -> None:
        self.stdout.write(f"{message} ...")
        self.stdout.flush()

    def _print_summary(self, s: DemoSummary) -> None:
        self.stdout.write(
            f"Loaded the demo company {COMPANY} (seed {s.seed}, as of {s.as_of}) "
            f"in {s.seconds:.1f} s:\n"
            f"  {s.active_staff} team members in {s.departments} departments "
            f"(and {s.staff - s.active_staff} who left)\n"
            f"  {s.clients:,} clients: {s.active_clients:,} active, {s.churned_clients:,} "
            f"churned; MRR €{s.mrr:,.0f}, {s.top_fifth_mrr_share:.0%} of it from the top "
            "20% of paying clients\n"
            f"  {s.subscription_lines:,} subscription lines, {s.transactions:,} transactions, "
            f"{s.contacts:,} contacts\n"
            f"  {s.usage_events:,} usage events, {s.timeline_entries:,} timeline entries, "
            f"{s.ownership_changes:,} ownership changes"
        )

    def _print_logins(self, logins: tuple[DemoLogin, DemoLogin, DemoLogin] | None) -> None:
        if logins is None:
            self.stdout.write(
                "The demo team is not in this database: sign in with your own account."
            )
            return
        admin, manager, member = logins
        address = os.environ.get("RETAIN_BIND", "127.0.0.1:8000")  # as `retain serve` binds
        self.stdout.write(
            f"Sign in at http://{address}/ as {admin.email} with password {DEMO_PASSWORD}"
        )
        self.stdout.write(f"  ({admin.name}, {admin.title}, admin). Same password for:")
        for login in (manager, member):
            owns = f", owns {login.owned_clients} clients" if login.owned_clients else ""
            self.stdout.write(f"  {login.email} ({login.name}, {login.title}, {login.role}{owns})")
