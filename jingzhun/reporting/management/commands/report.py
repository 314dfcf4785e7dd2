"""``jingzhun report CODE --area CODE --period P --format xlsx|pdf --out FILE``: a standard
report (jingzhun/reporting/definitions) for an area and a period, written to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.areas.models import Area, Level
from jingzhun.core.idnumber import local_today
from jingzhun.exports.reports import write_report, write_report_pdf
from jingzhun.reporting import periods
from jingzhun.reporting.build import build
from jingzhun.reporting.definitions import definitions


class AreaReader:
    """Who reads when the command runs: everything under the report's area (the command is run
    by the installation's operator, who holds the database)."""

    has_role = True

    def __init__(self, area: Area) -> None:
        self.area = area
        self.scope_prefix = area.scope_prefix


class Command(BaseCommand):
    help = "按定义生成定期报表（xlsx 或 PDF）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", default="", help="报表代码（不填则列出全部报表）")
        parser.add_argument("--area", default="", help="区划代码")
        parser.add_argument("--period", default="", help="2026-W48、2026-11 或 2026（默认本期）")
        parser.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
        parser.add_argument("--out", default="", help="输出文件")

    def handle(self, *args: Any, **options: Any) -> None:
        found = definitions()
        if not options["code"]:
            for d in found.values():
                self.stdout.write(f"{d.code}\t{d.period}\t{d.title}")
            return
        definition = found.get(options["code"])
        if definition is None:
            raise CommandError(f"没有报表“{options['code']}”：可用 {'、'.join(found)}。")
        area = Area.objects.filter(code=options["area"], level__lte=Level.VILLAGE).first()
        if area is None:
            raise CommandError(
                f"区划代码“{options['area']}”不存在：请用 --area 指定省、市、县、乡或村。"
            )
        try:
            period = (
                periods.parse(definition.period, options["period"])
                if options["period"]
                else periods.current(definition.period, local_today())
            )
        except periods.PeriodError as error:
            raise CommandError(str(error)) from None
        if not options["out"]:
            raise CommandError("请用 --out 指定输出文件。")
        report = build(AreaReader(area), definition, area, period)  # type: ignore[arg-type]
        out = Path(options["out"])
        with out.open("wb") as handle:
            rows = (write_report_pdf if options["format"] == "pdf" else write_report)(
                [report], handle
            )
        self.stdout.write(f"已写出 {out}：{report.title}，{rows} 行。")
