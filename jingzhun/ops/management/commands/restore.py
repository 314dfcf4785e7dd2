"""``jingzhun restore ARCHIVE [--yes]``: an archive of ``jingzhun backup`` back into this
installation, verified before and counted after (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.ops.errors import BackupError
from jingzhun.ops.restore import restore_backup


class Command(BaseCommand):
    help = (
        "从 jingzhun backup 的备份恢复数据库和用户文件：先校验每个文件的 SHA-256，"
        "恢复后逐表核对行数。恢复期间须停止网页服务和后台任务进程。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, metavar="ARCHIVE", help="备份文件（.tar.gz）")
        parser.add_argument(
            "--yes",
            "--force",
            dest="replace",
            action="store_true",
            help="目标数据库或数据目录不是空的时，确认用备份替换其中的全部数据",
        )

    def handle(self, *args: Any, archive: Path, replace: bool, **options: Any) -> None:
        try:
            restore_backup(archive, replace=replace, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(f"恢复失败：{error}") from None
        self.stdout.write("恢复完成。")
