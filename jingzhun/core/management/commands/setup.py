"""``jingzhun setup``: migrate, load the division list, load the demo if the registry is empty
(never in the production profile: the demo's accounts share a published password).

What ``make run`` does before serving; safe to run again (everything is idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jingzhun.areas.loading import load_divisions_into_db


class Command(BaseCommand):
    help = "初始化：迁移数据库、载入行政区划，数据库为空时载入演示数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args: object, no_demo: bool, **options: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        created = load_divisions_into_db()
        if created:
            self.stdout.write(f"已载入行政区划 {created} 条。")
        from jingzhun.demo.generator import database_is_empty, demo_logins

        if settings.PRODUCTION:
            # The demo's accounts share a published password: never in production.
            self.stdout.write(
                "生产配置：不生成演示数据和演示账号。请用 jingzhun createuser 建立管理员账号"
                "（如 jingzhun createuser admin --role admin --area 140900），"
                "上线前运行 jingzhun check --deploy。"
            )
            return
        if not no_demo and database_is_empty():
            self.stdout.write("数据库为空，正在生成演示数据……")
            call_command("demo")
        elif not no_demo:
            self.stdout.write("数据库已有数据，未重新生成演示数据（重新生成：jingzhun demo）。")
            from jingzhun.demo.generator import DEMO_PASSWORD

            for username, role, area in demo_logins():
                self.stdout.write(f"  {username:8s} {role}（{area}）  密码 {DEMO_PASSWORD}")
