from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from retain.worker.loop import new_worker_id, run_forever


class Command(BaseCommand):
    help = (
        "Run background work until stopped: the scheduled jobs (see docs/worker.md), queued "
        "email and webhooks. Run one or several; a worker that dies leaves nothing lost "
        "or sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds to rest when idle (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = new_worker_id()
        self.stderr.write(f"Worker {worker_id} running; Ctrl+C stops it.")
        try:
            run_forever(worker_id, interval=options["interval"])
        except KeyboardInterrupt:
            self.stderr.write("Worker stopped.")
