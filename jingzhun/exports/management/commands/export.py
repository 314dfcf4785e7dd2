"""``jingzhun export``: households, members, incomes or the quality report to xlsx/CSV/Parquet,
as a named user.

The command acts as ``--user``: the same scope, masking and export log as that user's export
from the page. There is deliberately no system-wide export without a user: every export of
personal data must name the person responsible for it (inspectors ask who exported what), so a
county data officer runs it as themself and an administrator as their own account.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.models import User
from jingzhun.core.actions import Actor
from jingzhun.exports.layouts import FORMATS, LAYOUTS, WHATS, ExportSpec
from jingzhun.exports.service import export_to_file
from jingzhun.registry.queries import HouseholdFilters
from jingzhun.registry.scoping import areas_for


class Command(BaseCommand):
    help = (
        "以指定用户的身份导出农户、家庭成员、年度收入或质量报告（xlsx/csv/parquet；本系统格式"
        "或全国监测系统格式），范围与脱敏同该用户在页面上的导出，每次导出都记入导出记录。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--what", choices=WHATS, default="members", help="导出内容")
        parser.add_argument("--format", choices=FORMATS, help="文件格式（默认按--out的扩展名）")
        parser.add_argument("--layout", choices=LAYOUTS, default="project", help="版式")
        parser.add_argument("--area", default="", help="区划代码（须在该用户辖区内）")
        parser.add_argument("--year", type=int, help="年度（质量报告：取该年度最近一次完成的检查）")
        parser.add_argument("--user", help="以哪个用户的身份导出（必填）")
        parser.add_argument("--out", required=True, help="输出文件")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["user"]
        if not username:
            raise CommandError(
                "请用 --user 指定以哪个用户的身份导出：导出范围、号码是否脱敏都取决于该用户，"
                "且每次导出都要记录导出人。没有不指定用户的全系统导出。"
            )
        user = User.objects.select_related("area").filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"用户“{username}”不存在或已停用。")
        out = Path(options["out"])
        fmt = options["format"] or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(
                f"无法从文件名“{out.name}”判断格式，请用 --format 指定 xlsx、csv 或 parquet。"
            )
        if options["what"] == "quality" and options["layout"] != "project":
            raise CommandError(
                "质量报告只有本系统格式：请去掉 --layout national（或用 --layout project）。"
            )
        area = options["area"]
        if area and not areas_for(user).filter(code=area).exists():
            raise CommandError(f"区划代码“{area}”不在用户“{username}”的辖区内（或不存在）。")
        if not out.parent.exists():
            raise CommandError(f"输出目录“{out.parent}”不存在。")
        filters = HouseholdFilters(area=area, year=options["year"])
        spec = ExportSpec(
            what=options["what"], format=fmt, layout=options["layout"], filters=filters
        )
        started = time.monotonic()
        verbose = options["verbosity"] > 0

        def progress(rows: int) -> None:
            if verbose:
                elapsed = time.monotonic() - started
                sys.stderr.write(f"\r已导出 {rows:,} 行（{elapsed:,.1f} 秒）")
                sys.stderr.flush()

        log = export_to_file(
            spec, actor=Actor(user=user, source="command"), path=out, progress=progress
        )
        if verbose:
            sys.stderr.write("\n")
        masked = "，证件号码等已脱敏" if log.masked else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出 {log.row_count:,} 行到 {out}（导出记录 #{log.pk}{masked}）。"
            )
        )
