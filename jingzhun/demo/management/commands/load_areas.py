"""``jingzhun load_areas [--province 14 ...]``: load the real division list into the Area table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jingzhun.areas.loading import division_source, load_divisions_into_db


class Command(BaseCommand):
    help = (
        "从离线行政区划表导入省、市、县、乡镇（已有的不变，可重复运行）。"
        "不加 --province 时导入全国。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="只导入该省（两位代码，如14为山西省；可重复）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provinces = [p.strip()[:2] for p in options["province"] if p.strip()]
        created = load_divisions_into_db(provinces or None)
        source = division_source()
        scope = "、".join(provinces) if provinces else "全国"
        authority = source.get("authority") or "民政部"
        as_of = source.get("data_as_of") or "未知"
        self.stdout.write(
            f"已导入{scope}的行政区划：新增{created:,}条（来源：{authority}，截至{as_of}）。"
        )
