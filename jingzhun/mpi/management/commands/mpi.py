"""``jingzhun mpi``: multidimensional poverty (Alkire–Foster) of the registry or of a file.

Registry: ``jingzhun mpi --year Y [--area CODE] [--spec SPEC.yaml] [--k K] [--by-area]
[--compare-year Y2] [--backend duckdb|spark] [--format json|table]`` — the people of the area
(everyone by default) in the snapshot of that year, opened by
:func:`jingzhun.analytics.backend.open_backend` (reused when it still matches the registry,
else written afresh), under the reviewed spec ``jingzhun/mpi/specs/registry.yaml`` unless
``--spec`` names another.

Any file: ``jingzhun mpi --data FILE.csv|FILE.parquet --spec SPEC.yaml [--k K] [--by COLUMN]
[--weight COLUMN] [--format json|table]`` — one row per person.

Bad input (a spec, column, k, year or area that cannot be used) is a CommandError in Chinese
and nothing is computed. See docs/mpi.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.analytics.backend import SnapshotMismatch, open_backend
from jingzhun.areas.models import Area
from jingzhun.mpi.compute import file_measures, registry_measures
from jingzhun.mpi.measures import Measures, change
from jingzhun.mpi.registry import ACHIEVEMENTS
from jingzhun.mpi.spec import REGISTRY_SPEC, SpecError, fraction_value, k_error, load_spec


def _k(raw: str | None) -> float | None:
    if raw is None:
        return None
    if message := k_error(raw):
        raise CommandError(message)
    return fraction_value(raw)


class Command(BaseCommand):
    help = "按 Alkire–Foster 方法测算多维贫困（H、A、M0、M1、M2、指标贡献、分地区分解）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="登记数据的年度")
        parser.add_argument("--area", default="", help="区划代码（默认全部）")
        parser.add_argument("--spec", type=Path, default=None, help="指标设定 YAML")
        parser.add_argument("--k", default=None, help="贫困临界值 k，(0,1]，可写 1/3")
        parser.add_argument("--by-area", action="store_true", help="按下一级地区分解")
        parser.add_argument("--compare-year", type=int, default=None, help="与另一年度比较")
        parser.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb")
        parser.add_argument("--data", type=Path, default=None, help="数据文件（CSV 或 Parquet）")
        parser.add_argument("--by", default="", help="数据文件的分组列")
        parser.add_argument("--weight", default="", help="数据文件的抽样权重列")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        k = _k(options["k"])
        if options["data"] is not None:
            self._file(options, k)
        else:
            self._registry(options, k)

    def _file(self, options: dict[str, Any], k: float | None) -> None:
        if options["spec"] is None:
            raise CommandError("用 --data 测算数据文件时必须用 --spec 给出指标设定文件。")
        if options["year"] or options["area"] or options["by_area"] or options["compare_year"]:
            raise CommandError("--data 不能与 --year、--area、--by-area、--compare-year 同用。")
        try:
            result = file_measures(
                options["data"], options["spec"], k, by=options["by"], weight=options["weight"]
            )
        except (SpecError, ValueError) as error:
            raise CommandError(str(error)) from None
        self._print(result.as_dict(), result, options["format"])

    def _registry(self, options: dict[str, Any], k: float | None) -> None:
        if options["year"] is None:
            raise CommandError("请用 --year 指定年度（或用 --data 测算数据文件）。")
        if options["by"] or options["weight"]:
            raise CommandError("--by 和 --weight 只用于 --data；登记数据请用 --by-area。")
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"区划代码“{options['area']}”不存在：请核对。")
        try:
            spec = load_spec(options["spec"] or REGISTRY_SPEC, ACHIEVEMENTS)
        except SpecError as error:
            raise CommandError(str(error)) from None
        k = k if k is not None else spec.k
        if k is None:
            raise CommandError("没有给出贫困临界值 k：请用 --k 指定，或在指标设定中写 k。")
        years = [options["year"]]
        if options["compare_year"] is not None:
            years.insert(0, options["compare_year"])
        results: dict[int, Measures] = {}
        for year in years:
            try:
                backend = open_backend(
                    options["backend"], year=year, area_code=area.code if area else "", reuse=True
                )
                results[year] = registry_measures(
                    backend, year, spec, k, area=area, by_area=options["by_area"]
                )
            except (SnapshotMismatch, SpecError, ValueError) as error:
                raise CommandError(str(error)) from None
        result = results[options["year"]]
        data = result.as_dict() | {"year": options["year"], "area": area.code if area else ""}
        if options["compare_year"] is not None:
            data["compare_year"] = options["compare_year"]
            data["change"] = change(results[options["compare_year"]], result)
        self._print(data, result, options["format"])

    def _print(self, data: dict[str, Any], result: Measures, fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
            return
        head = f"k={result.k:.4g} · 人数 n={result.n:,.0f} · 多维贫困 q={result.q:,.0f}"
        if result.missing:
            head += f" · 因指标缺失未计 {result.missing:,} 人"
        self.stdout.write(head)
        self.stdout.write(
            f"H={result.H:.4f}  A={result.A:.4f}  M0={result.M0:.4f}  "
            f"M1={result.M1:.4f}  M2={result.M2:.4f}"
        )
        self.stdout.write("指标                       未删减发生率  删减后发生率  对M0贡献")
        for ind in result.indicators:
            share = "—" if ind.contribution is None else f"{ind.contribution:.1%}"
            self.stdout.write(
                f"  {ind.name:<24}{ind.uncensored_headcount:>10.4f}{ind.censored_headcount:>12.4f}"
                f"{share:>10}"
            )
        if result.groups:
            self.stdout.write("分组           人口比重        H        A       M0   对M0贡献")
            for g in result.groups:
                share = "—" if g.contribution is None else f"{g.contribution:.1%}"
                self.stdout.write(
                    f"  {g.group:<14}{g.population_share:>8.4f}{g.H:>9.4f}{g.A:>9.4f}"
                    f"{g.M0:>9.4f}{share:>10}"
                )
        if "change" in data:
            self.stdout.write(f"与 {data['compare_year']} 年比较：")
            for name, row in data["change"].items():
                rel = "—" if row["relative"] is None else f"{row['relative']:+.1%}"
                self.stdout.write(
                    f"  {name}: {row['before']:.4f} → {row['after']:.4f}"
                    f"（{row['absolute']:+.4f}，{rel}）"
                )
