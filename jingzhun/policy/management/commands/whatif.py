"""``jingzhun whatif --year Y --set NAME[@AREA]=VALUE ... [--area CODE] [--backend duckdb|postgres]
[--list N] [--snapshot DIR] [--format json|table]``: policy simulation.

Evaluates every household of the area twice on one backend — with the parameters in force and
with the overrides laid over them (:mod:`jingzhun.policy.whatif`; nothing is saved) — and prints
how many households enter or leave the monitoring range, exit and risk-elimination eligibility,
by county, township and village, and the first ``--list`` affected households (户编号, village,
before → after). No names and no ID numbers are printed: the output goes to terminals and logs.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.analytics.backend import Backend
from jingzhun.areas.models import Area
from jingzhun.policy.criteria import STATUS_LABELS
from jingzhun.policy.management.commands.evaluate import BACKEND_CHOICES, backend_for_command
from jingzhun.policy.whatif import (
    DECISION_TITLES,
    LEVELS,
    TRACKED,
    OverrideError,
    WhatIf,
    parse_override,
    simulate,
)
from jingzhun.quality.context import default_year

LEVEL_LABELS = {"county": "县", "township": "乡镇", "village": "村"}
# Beyond this many villages the table leaves the village lines to --format json.
VILLAGE_LINES = 200


def household_numbers(backend: Backend, ids: list[int]) -> dict[int, str]:
    """户编号 of the listed households, read from the same backend (snapshot or database)."""
    if not ids:
        return {}
    h = backend.table("households")
    rows = backend.execute(h.filter(h.id.isin(ids)).select("id", "number")).to_pylist()
    return {row["id"]: row["number"] for row in rows}


def area_names(backend: Backend, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    a = backend.table("areas")
    rows = backend.execute(a.filter(a.code.isin(sorted(codes))).select("code", "name"))
    return {row["code"]: row["name"] for row in rows.to_pylist()}


class Command(BaseCommand):
    help = "政策模拟：修改参数值（不保存），比较进入、退出监测范围和退出、风险消除条件的农户。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="判定的收入年度（默认上一年）")
        parser.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="NAME[@AREA]=VALUE",
            help="假设的参数值，可多次给出，如 monitoring_threshold@140000=8000",
        )
        parser.add_argument("--area", default="", help="区划代码（默认全部）")
        parser.add_argument("--backend", choices=BACKEND_CHOICES, default="duckdb")
        parser.add_argument("--list", type=int, default=20, help="列出多少户受影响农户（默认20）")
        parser.add_argument("--snapshot", default=None, help="使用已有快照目录（DuckDB）")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        year = options["year"] or default_year()
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"区划代码“{options['area']}”不存在：请核对。")
        if not options["overrides"]:
            raise CommandError("请至少给出一个 --set 参数名[@区划代码]=数值。")
        if options["list"] < 0:
            raise CommandError("--list 应为不小于0的整数。")
        code = area.code if area else ""
        try:
            overrides = [parse_override(text, area_code=code) for text in options["overrides"]]
        except OverrideError as error:
            raise CommandError(str(error)) from None
        snapshot = Path(options["snapshot"]) if options["snapshot"] else None
        backend, source = backend_for_command(
            options["backend"], year=year, area=area, snapshot=snapshot
        )
        result = simulate(
            backend,
            year,
            overrides,
            area_code=code,
            area_prefix=area.scope_prefix if area else "",
        )
        listed = result.affected.slice(0, options["list"]).to_pylist()
        numbers = household_numbers(backend, [row["household_id"] for row in listed])
        for row in listed:
            row["number"] = numbers.get(row["household_id"], "")
        if options["format"] == "json":
            summary = result.summary(options["list"]) | {"source": source, "affected": listed}
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
            return
        self._print(result, source, listed, backend)

    def _print(
        self, result: WhatIf, source: str, listed: list[dict[str, Any]], backend: Backend
    ) -> None:
        out = self.stdout.write
        out(
            f"{result.year}年政策模拟 · {source} · {result.households:,}户 · "
            f"用时{result.seconds:.1f}秒"
        )
        for o in result.overrides:
            out(f"  假设：{o.label}")
        out(f"{'':<22}{'现行':>8}{'假设':>8}{'进入':>8}{'退出':>8}")
        for d in TRACKED:
            t = result.totals[d]
            out(
                f"  {DECISION_TITLES[d]:<20}{t['before']:>10,}{t['after']:>10,}"
                f"{t['entered']:>10,}{t['left']:>10,}"
            )
        codes = {code for level in result.areas.values() for code in level}
        codes |= {row["village_code"] for row in listed}
        names = area_names(backend, codes)
        for level, _digits in LEVELS:
            if not result.areas[level]:
                continue
            if level == "village" and len(result.areas[level]) > VILLAGE_LINES:
                out(f"按村：{len(result.areas[level]):,}个村有变化，明细见 --format json。")
                continue
            out(f"按{LEVEL_LABELS[level]}（进入/退出）：")
            for code, per in result.areas[level].items():
                cells = "  ".join(
                    f"{DECISION_TITLES[d]} +{per[d]['entered']}/-{per[d]['left']}" for d in TRACKED
                )
                out(f"  {code} {names.get(code, '')}  {cells}")
        out(
            f"受影响农户：{result.affected.num_rows:,}户"
            + (f"，列出前{len(listed)}户：" if listed else "")
        )
        for row in listed:
            moves = "；".join(
                f"{DECISION_TITLES[d]} {STATUS_LABELS[row[f'{d}_before']]}→"
                f"{STATUS_LABELS[row[f'{d}_after']]}"
                for d in TRACKED
                if row[f"{d}_before"] != row[f"{d}_after"]
            )
            out(f"  {row['number']} {names.get(row['village_code'], row['village_code'])} {moves}")
