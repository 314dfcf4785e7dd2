"""``jingzhun quality [--area CODE] [--year Y] [--format json|xlsx] [--out FILE]
[--backend duckdb|postgres] [--reuse-snapshot]``: the batch data-quality run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models.functions import Substr

from jingzhun.areas.models import Area, Level
from jingzhun.core.actions import Actor
from jingzhun.quality.actions import do_queue_quality_run
from jingzhun.quality.checks import CATALOGUE, catalogue
from jingzhun.quality.context import default_year
from jingzhun.quality.runner import execute_run
from jingzhun.registry.models import Household


class Command(BaseCommand):
    help = "运行数据质量批量检查（默认在列式快照上用 DuckDB），保存统计并打印各规则问题数。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", help="区划代码（默认全部：各省逐一）")
        parser.add_argument("--year", type=int, default=None, help="检查的收入年度（默认上一年）")
        parser.add_argument("--format", choices=["json", "xlsx"], default=None)
        parser.add_argument("--out", type=Path, default=None, help="报告文件（配合 --format）")
        parser.add_argument("--backend", choices=["duckdb", "postgres"], default="duckdb")
        parser.add_argument(
            "--reuse-snapshot", action="store_true", help="已有快照时直接使用，不重新生成"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or default_year()
        code = options["area"]
        if code:
            if not Area.objects.filter(code=code).exists():
                raise CommandError(f"区划代码“{code}”不存在：请核对。")
            codes = [code]
        else:
            # Every province that holds households (one run per province).
            with_data = set(
                Household.objects.filter(is_deleted=False)
                .annotate(p=Substr("village_code", 1, 2))
                .values_list("p", flat=True)
                .distinct()
            )
            codes = [
                c
                for c in Area.objects.filter(level=Level.PROVINCE)
                .order_by("code")
                .values_list("code", flat=True)
                if c[:2] in with_data
            ]
        if options["format"] and not options["out"]:
            raise CommandError("指定 --format 时请用 --out 给出报告文件路径。")
        actor = Actor(user=None, source="command")
        totals: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        for area_code in codes:
            run = do_queue_quality_run(
                actor=actor, area_code=area_code, year=year, backend=options["backend"]
            )
            try:
                stored, findings = execute_run(
                    run, actor=actor, fresh=not options["reuse_snapshot"]
                )
            except Exception as error:
                raise CommandError(f"检查失败：{error}") from error
            if stored.households == 0 and not code:
                continue
            counts = stored.counts.values_list("check_code", "findings", "exempted")
            for check_code, n, exempted in counts:
                totals[check_code] += n
                totals[f"{check_code}#exempted"] += exempted
            rows.extend(findings.to_pylist())
            self.stdout.write(
                f"{area_code}：{stored.households:,}户，问题{stored.findings:,}条，"
                f"已豁免{stored.exempted:,}条，用时{stored.seconds:.1f}秒"
            )
        for check in catalogue():
            if not check.runnable:
                self.stdout.write(f"{check.code} {check.title}：未运行（{check.needs}）")
                continue
            exempted = totals[f"{check.code}#exempted"]
            extra = f"（另有已豁免{exempted}）" if exempted else ""
            self.stdout.write(f"{check.code} {check.title}：{totals[check.code]}{extra}")
        if options["format"]:
            _write_report(options["format"], Path(options["out"]), year, totals, rows)
            self.stdout.write(f"报告已写入 {options['out']}")


def _write_report(
    fmt: str, out: Path, year: int, totals: Counter[str], rows: list[dict[str, Any]]
) -> None:
    summary = [
        {
            "code": c.code,
            "title": c.title,
            "severity": c.severity,
            "level": c.level,
            "findings": totals[c.code],
            "exempted": totals[f"{c.code}#exempted"],
            "runnable": c.runnable,
        }
        for c in catalogue()
    ]
    if fmt == "json":
        out.write_text(
            json.dumps(
                {"year": year, "checks": summary, "findings": rows}, ensure_ascii=False, indent=1
            ),
            "utf-8",
        )
        return
    with xlsxwriter.Workbook(str(out), {"strings_to_formulas": False}) as book:
        sheet = book.add_worksheet("规则统计")
        headers = ["规则编号", "规则", "严重程度", "层级", "问题数", "已豁免"]
        sheet.write_row(0, 0, headers)
        for n, s in enumerate(summary, start=1):
            check = CATALOGUE[s["code"]]
            sheet.write_row(
                n,
                0,
                [
                    s["code"],
                    s["title"],
                    check.severity_label,
                    check.level_label,
                    s["findings"],
                    s["exempted"],
                ],
            )
        detail = book.add_worksheet("问题清单")
        detail.write_row(0, 0, ["规则编号", "规则", "行政村代码", "农户编号", "成员编号", "说明"])
        for n, r in enumerate(rows, start=1):
            detail.write_row(
                n,
                0,
                [
                    r["check_code"],
                    CATALOGUE[r["check_code"]].title,
                    r["village_code"],
                    r["household_id"],
                    r["member_id"] or "",
                    r["details"] or "",
                ],
            )
