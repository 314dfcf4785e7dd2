"""``jingzhun quality [--area CODE] [--year Y] [--format json|xlsx] [--out FILE]
[--backend duckdb|postgres] [--reuse-snapshot]``: the batch data-quality run.

``--format xlsx`` writes the quality report of the runs just made, through the same
:func:`jingzhun.exports.quality.report_table` as the export page (no user: no names, no ID
numbers); ``--format json`` writes every raw finding (exempted ones included) and the totals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models.functions import Substr

from jingzhun.analytics.backend import BACKENDS
from jingzhun.areas.models import Area, Level
from jingzhun.core.actions import Actor
from jingzhun.exports.quality import report_table
from jingzhun.exports.writers import write_xlsx
from jingzhun.quality.actions import do_queue_quality_run
from jingzhun.quality.context import default_year
from jingzhun.quality.models import QualityRun
from jingzhun.quality.runner import CheckTotal, check_totals, execute_run
from jingzhun.registry.models import Household, Member


class Command(BaseCommand):
    help = "运行数据质量批量检查（默认在列式快照上用 DuckDB），保存统计并打印各规则问题数。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", help="区划代码（默认全部：各省逐一）")
        parser.add_argument("--year", type=int, default=None, help="检查的收入年度（默认上一年）")
        parser.add_argument("--format", choices=["json", "xlsx"], default=None)
        parser.add_argument("--out", type=Path, default=None, help="报告文件（配合 --format）")
        parser.add_argument("--backend", choices=BACKENDS, default="duckdb")
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
        stored_runs: list[QualityRun] = []
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
            stored_runs.append(stored)
            if options["format"] == "json":
                rows.extend(findings.to_pylist())
            self.stdout.write(
                f"{area_code}：{stored.households:,}户，问题{stored.findings:,}条，"
                f"已豁免{stored.exempted:,}条，用时{stored.seconds:.1f}秒"
            )
        totals = check_totals(stored_runs)
        for total in totals:
            check = total.check
            if not check.runnable:
                self.stdout.write(f"{check.code} {check.title}：未运行（{check.needs}）")
                continue
            extra = f"（另有已豁免{total.exempted}）" if total.exempted else ""
            self.stdout.write(f"{check.code} {check.title}：{total.findings}{extra}")
        out = options["out"]
        if options["format"] == "json":
            _write_json(Path(out), year, totals, rows)
        elif options["format"] == "xlsx":
            _write_xlsx(Path(out), stored_runs)
        if options["format"]:
            self.stdout.write(f"报告已写入 {out}")


def _write_json(out: Path, year: int, totals: list[CheckTotal], rows: list[dict[str, Any]]) -> None:
    """Every finding of the runs (exempted ones included: the raw result) and the totals."""
    summary = [
        {
            "code": t.check.code,
            "title": t.check.title,
            "severity": t.check.severity,
            "level": t.check.level,
            "findings": t.findings,
            "exempted": t.exempted,
            "runnable": t.check.runnable,
        }
        for t in totals
    ]
    out.write_text(
        json.dumps(
            {"year": year, "checks": summary, "findings": rows}, ensure_ascii=False, indent=1
        ),
        "utf-8",
    )


def _write_xlsx(out: Path, runs: list[QualityRun]) -> None:
    """The quality report as the export writes it (sheets 规则统计 and 问题清单), for the runs
    just made. The command acts for no user, so the findings carry no names and no ID numbers
    (and free text is masked): a county officer's full report is
    ``jingzhun export --what quality --user NAME``, scoped, masked by role and logged."""
    table = report_table(
        runs,
        households=Household.objects.filter(is_deleted=False),
        members=Member.objects.filter(is_deleted=False),
        within="",
        masked=True,
        personal=False,
        scope=",".join(r.area_code for r in runs),
        exported_by="jingzhun quality",
        village_sheet=False,
    )
    write_xlsx(table, out)
