"""``jingzhun serve [--port P]``: the production WSGI server (waitress), static files included."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "用生产级WSGI服务器（waitress）启动网页服务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: object, host: str, port: int, threads: int, **options: object) -> None:
        from waitress import serve

        from jingzhun.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"jingzhun 已启动：http://{host}:{port}/  （数据目录 {settings.VAR_DIR}）"
        )
        serve(application, host=host, port=port, threads=threads, ident="jingzhun")
