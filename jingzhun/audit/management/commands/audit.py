"""``jingzhun audit verify``: check the audit trail's hash chain from its first entry to its
head, and name the first entry that was edited, deleted or inserted (exit status 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.audit.chain import verify


class Command(BaseCommand):
    help = "审计记录防篡改校验：jingzhun audit verify"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="逐条校验审计记录的摘要链，指出第一条被改动或删除的记录")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        verdict = verify()
        if not verdict.ok:
            raise CommandError(
                f"审计记录链断裂：{verdict.broken}。已校验{verdict.entries}条。"
                "请保留现场并报告安全管理员。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计记录完整：共{verdict.entries}条，链末端第{verdict.head_seq}条，"
                f"摘要 {verdict.head_hash or '（空）'}。"
            )
        )
        self.stdout.write("请把以上摘要另行保存（如写入备份记录），以便日后比对。")
