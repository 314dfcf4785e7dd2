"""``jingzhun worker [--batch]``: the background worker of the database task queue.

It is django-tasks-db's ``db_worker`` (imports, large exports and quality runs are queued in the
application's own database, so no broker is needed). ``jingzhun serve`` starts one beside the
web server; ``--batch`` works off what is queued and exits (tests, cron).
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jingzhun.core import jobs


class Command(BaseCommand):
    help = "运行后台任务（数据导入等）的工作进程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="队列为空时的轮询间隔（秒）"
        )
        parser.add_argument("--queue-name", default="*", help="处理哪些队列（默认全部）")

    def handle(
        self, *args: Any, batch: bool, interval: float, queue_name: str, **options: Any
    ) -> None:
        # The worker's lease: its jobs are failed with a reason if it dies, and it reaps the
        # jobs of workers that died before it (jingzhun.core.jobs).
        lease = jobs.start_worker_lease()
        argv = [
            "--queue-name",
            queue_name,
            "--interval",
            str(interval),
            "--no-reload",
            "--worker-id",
            lease,
        ]
        if batch:
            argv += ["--batch", "--no-startup-delay"]
        call_command("db_worker", *argv, verbosity=options.get("verbosity", 1))
