"""``jingzhun snapshot --year Y [--out DIR] [--area CODE] [--history]``: the Parquet snapshot."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.areas.models import Area


class Command(BaseCommand):
    help = (
        "把建档立卡数据写成 Parquet 列式快照"
        "（households、members、incomes、risks、conditions、areas）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="收入与生产生活条件的年度")
        parser.add_argument("--out", type=Path, default=None, help="输出目录（默认 var/snapshot）")
        parser.add_argument("--area", default="", help="只写该区划代码以下的数据")
        parser.add_argument("--history", action="store_true", help="收入与条件写入截至该年的各年")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            info = write_snapshot(
                year=options["year"],
                out=options["out"],
                area_code=options["area"],
                history=options["history"],
            )
        except Area.DoesNotExist:
            raise CommandError(f"区划代码“{options['area']}”不存在：请核对。") from None
        rows = "，".join(f"{name} {n:,}行" for name, n in info.rows.items())
        self.stdout.write(
            f"快照已写入 {info.directory}（{time.perf_counter() - started:.1f}秒）：{rows}"
        )
