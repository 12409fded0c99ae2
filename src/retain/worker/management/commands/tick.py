from typing import Any

from django.core.management.base import BaseCommand

from retain.worker.loop import new_worker_id, run_once


class Command(BaseCommand):
    help = (
        "Do what is due once (scheduled jobs, queued email) and exit: for running the "
        "worker's work from cron instead of `retain worker`."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = run_once(new_worker_id())
        self.stdout.write(
            f"{done.jobs_run} job(s) run, {done.emails_sent} email(s) sent, "
            f"{done.webhooks_delivered} webhook(s) delivered."
        )
