import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Retain over HTTP with gunicorn (static files included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("RETAIN_BIND", "127.0.0.1:8000"),
            help="address:port to listen on (default 127.0.0.1:8000, or $RETAIN_BIND)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("RETAIN_WORKERS", "3")),
            help="worker processes (default 3, or $RETAIN_WORKERS)",
        )

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        self.stdout.write(f"Retain is at http://{bind}/ (Ctrl-C stops it)")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "retain.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        # exec: signals go straight to gunicorn, and no idle parent process is left behind.
        os.execv(sys.executable, argv)
