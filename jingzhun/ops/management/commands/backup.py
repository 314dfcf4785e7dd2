"""``jingzhun backup [--out DIR_OR_FILE] [--include-secret-key]``: one archive of the database
and the user files, taken while the server keeps running (docs/backup.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.ops.backup import create_backup
from jingzhun.ops.errors import BackupError


class Command(BaseCommand):
    help = (
        "备份数据库（在线备份，服务不停）和用户文件（导入文件、附件、导出文件等）"
        "到一个 .tar.gz 文件，附清单 manifest.json（迁移状态、各表行数、每个文件的 SHA-256）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            default=None,
            help="备份文件名，或存放备份的目录（默认 var/backups/，文件名含时间）",
        )
        parser.add_argument(
            "--include-secret-key",
            action="store_true",
            help="同时备份 var/secret_key（登录会话和签名依赖它；备份须像密码一样保管）",
        )

    def handle(self, *args: Any, out: str | None, include_secret_key: bool, **options: Any) -> None:
        try:
            create_backup(out, include_secret_key=include_secret_key, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(f"备份失败：{error}") from None
