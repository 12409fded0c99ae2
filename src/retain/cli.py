"""The ``retain`` command (also ``python -m retain``).

Retain's own commands are Django management commands, so the CLI, the tests
and ``django-admin`` share one implementation; any other management command
passes straight through (``retain migrate``, ``retain shell``, ...).
"""

from __future__ import annotations

import os
import sys

RETAIN_COMMANDS = {
    "init": "create or upgrade the database and seed the departments",
    "demo": "load a believable demo company (--clients N, --seed S)",
    "serve": "serve Retain over HTTP (default http://127.0.0.1:8000)",
    "import": "import a CSV file: retain import KIND FILE",
    "export": "export a CSV file: retain export KIND FILE",
    "check-consistency": "compare quotes, contracts, orders, deliveries and invoices; raise incidents",
    "open-incident": "raise an incident for a client: retain open-incident C-1 TITLE --category ... --department SLUG --as EMAIL",
    "alert-overdue": "mail the maker and keeper of each overdue promise to a client (run daily)",
    "worker": "run background work until stopped: scheduled jobs and queued email",
    "tick": "do what is due once (scheduled jobs, queued email) and exit: for cron",
    "plan-reviews": "plan this month's cross-department review of each top client (run monthly)",
    "clv": "customer lifetime value: retain clv fit|predict|sbg (BG/NBD, Pareto/NBD, MBG/NBD, Gamma-Gamma, sBG); see docs/clv.md",
    "createuser": "add a team member who can sign in",
}

USAGE = """usage: retain COMMAND [options]

Retain, the client-retention workspace.

commands:
{commands}

Run `retain COMMAND --help` for a command's options, and `retain help --commands`
for every Django management command, which `retain` also runs.
The database comes from DATABASE_URL (default: a SQLite file under ./var/).
"""


def main(argv: list[str] | None = None) -> int:
    """Run one ``retain`` command and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv == ["help"]:
        width = max(map(len, RETAIN_COMMANDS))
        lines = "\n".join(f"  {name:<{width}}  {text}" for name, text in RETAIN_COMMANDS.items())
        print(USAGE.format(commands=lines))
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["retain", *argv])
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except KeyboardInterrupt:
        return 130
    return 0
