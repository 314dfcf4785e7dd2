"""``jingzhun evaluate --year Y [--level household|village|county] [--backend duckdb|postgres]
[--area CODE] [--out FILE.parquet] [--format json|table] [--snapshot DIR]``: every household
(by default), village or county decision, in batch.

``--level village`` / ``--level county``: one row per village (county) with the exit decision,
its failed-criterion codes, the incidence and the counts behind it
(:meth:`~jingzhun.policy.villages.VillageEvaluation.as_row`), computed by aggregating the batch
household decisions per village on the same backend (jingzhun.policy.exits), and counts per
decision printed per county.

Writes one row per household (every decision, the suggested monitoring category and risk
types, the failed-criterion codes; :data:`jingzhun.policy.decisions.BATCH_SCHEMA`) to
``--out`` (Parquet, or JSON with ``--format json``) and prints the counts per decision and per
county and township (``--format table``, the default, or a JSON summary with ``--format json``
and no ``--out``).

DuckDB (the default) and Spark read a fresh snapshot of the area written for the year, or the
snapshot directory given with ``--snapshot``; PostgreSQL reads the live database. The evaluation
itself (:func:`~jingzhun.policy.decisions.evaluate_batch`) is the same on every backend.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.analytics.backend import (
    BACKENDS,
    Backend,
    SnapshotMismatch,
    open_backend,
    snapshot_directory,
)
from jingzhun.areas.models import Area
from jingzhun.policy.criteria import STATUS_LABELS
from jingzhun.policy.decisions import DECISIONS, evaluate_batch
from jingzhun.policy.exits import counties_from_villages, evaluate_area_villages
from jingzhun.policy.villages import COUNTY_EXIT, VILLAGE_EXIT
from jingzhun.quality.context import default_year

BACKEND_CHOICES = BACKENDS
LEVELS = ("household", "village", "county")
LEVEL_TITLES = {VILLAGE_EXIT: "贫困村退出", COUNTY_EXIT: "贫困县退出"}


def backend_for_command(
    kind: str, *, year: int, area: Area | None, snapshot: Path | None
) -> tuple[Backend, str]:
    """The backend (jingzhun.analytics.backend.open_backend) and a line saying what it reads;
    a snapshot of another year or a database that cannot serve is a CommandError."""
    area_code = area.code if area else ""
    try:
        backend = open_backend(kind, year=year, area_code=area_code, snapshot=snapshot)
    except (SnapshotMismatch, ValueError) as error:
        raise CommandError(str(error)) from None
    if kind == "postgres":
        return backend, "PostgreSQL 在线数据库"
    engine = "Spark" if kind == "spark" else "DuckDB"
    where = snapshot or snapshot_directory(year=year, area_code=area_code)
    return backend, f"{engine} {'快照' if snapshot else '新快照'} {where}"


def counts_by(table: pa.Table, key: pa.Array) -> dict[str, dict[str, Counter[str]]]:
    """{area code: {decision: Counter(status)}} for the rows grouped by ``key``."""
    out: dict[str, dict[str, Counter[str]]] = {}
    keys = key.to_pylist()
    for decision in DECISIONS:
        for code, status in zip(keys, table.column(decision).to_pylist(), strict=True):
            out.setdefault(code, {}).setdefault(decision, Counter())[status] += 1
    return out


class Command(BaseCommand):
    help = "批量判定每户的退出标准、监测范围和风险消除条件，输出每户结果并按地区统计。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="判定的收入年度（默认上一年）")
        parser.add_argument("--backend", choices=BACKEND_CHOICES, default="duckdb")
        parser.add_argument("--area", default="", help="区划代码（默认全部）")
        parser.add_argument(
            "--out", type=Path, default=None, help="每户结果文件（.parquet 或 .json）"
        )
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument(
            "--level", choices=LEVELS, default="household", help="判定层级：户（默认）、村或县"
        )
        parser.add_argument(
            "--snapshot", type=Path, default=None, help="使用已有快照目录（DuckDB）"
        )
        parser.add_argument(
            "--store",
            action="store_true",
            help="保存为批量判定结果（每户结果存入 var/evaluations/，统计可在页面查看）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or default_year()
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"区划代码“{options['area']}”不存在：请核对。")
        started = time.perf_counter()
        backend, source = backend_for_command(
            options["backend"], year=year, area=area, snapshot=options["snapshot"]
        )
        if options["level"] != "household":
            if options["store"]:
                raise CommandError("--store 只保存每户判定结果：请去掉 --level 或 --store。")
            self._exits(options, year, area, backend, source, started)
            return
        table = evaluate_batch(backend, year, area)
        seconds = time.perf_counter() - started
        if options["store"]:
            self._store(table, year=year, area=area, backend=options["backend"], seconds=seconds)
        out = options["out"]
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            if options["format"] == "json":
                out.write_text(json.dumps(table.to_pylist(), ensure_ascii=False, indent=1), "utf-8")
            else:
                pq.write_table(table, out)
        villages = table.column("village_code")
        summary = {
            "year": year,
            "source": source,
            "households": table.num_rows,
            "seconds": round(seconds, 2),
            "decisions": {
                d: dict(sorted(Counter(table.column(d).to_pylist()).items())) for d in DECISIONS
            },
            "counties": counts_by(table, pc.utf8_slice_codeunits(villages, 0, 6)),
            "townships": counts_by(table, pc.utf8_slice_codeunits(villages, 0, 9)),
        }
        if options["format"] == "json" and out is None:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1, default=dict))
            return
        self._print_table(summary)
        if out is not None:
            self.stdout.write(f"每户结果已写入 {out}")

    def _store(
        self, table: pa.Table, *, year: int, area: Area | None, backend: str, seconds: float
    ) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from jingzhun.core.actions import Actor
        from jingzhun.policy.runs import do_store_evaluation_run

        run = do_store_evaluation_run(
            Actor(user=None, source="system", source_ref="jingzhun evaluate --store"),
            table=table,
            year=year,
            area=area,
            backend=backend,
            started_at=timezone.now() - timedelta(seconds=seconds),
            seconds=seconds,
        )
        self.stderr.write(f"已保存批量判定结果 #{run.pk}（{run.result_file}）")

    def _print_table(self, summary: dict[str, Any]) -> None:
        self.stdout.write(
            f"{summary['year']}年 · {summary['source']} · {summary['households']:,}户 · "
            f"用时{summary['seconds']:.1f}秒"
        )
        statuses = list(STATUS_LABELS)
        header = "".join(f"{STATUS_LABELS[s]:>8}" for s in statuses)
        self.stdout.write(f"合计：{' ' * 20}{header}")
        for decision, counter in summary["decisions"].items():
            cells = "".join(f"{counter.get(s, 0):>10,}" for s in statuses)
            self.stdout.write(f"  {DECISIONS[decision].title:<20}{cells}")
        for level, label in (("counties", "县"), ("townships", "乡镇")):
            self.stdout.write(f"按{label}：{header}")
            for code, per_decision in sorted(summary[level].items()):
                for decision, counter in per_decision.items():
                    cells = "".join(f"{counter.get(s, 0):>10,}" for s in statuses)
                    self.stdout.write(f"  {code} {DECISIONS[decision].title:<20}{cells}")

    def _exits(
        self,
        options: dict[str, Any],
        year: int,
        area: Area | None,
        backend: Backend,
        source: str,
        started: float,
    ) -> None:
        """``--level village|county``: one row per village or county."""
        prefix = area.scope_prefix if area else ""
        if options["level"] == "county" and area is not None and len(prefix) > 6:
            raise CommandError("县级判定需要县或以上的区划代码（乡镇、村只含县的一部分）。")
        villages = evaluate_area_villages(backend, year, prefix)
        decision = VILLAGE_EXIT
        rows = [v.as_row() for v in villages]
        if options["level"] == "county":
            decision = COUNTY_EXIT
            rows = [c.as_row() for c in counties_from_villages(villages, prefix, year)]
        seconds = time.perf_counter() - started
        out = options["out"]
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            if options["format"] == "json":
                out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
            else:
                pq.write_table(pa.Table.from_pylist(rows), out)
        key = "village_code" if decision == VILLAGE_EXIT else "county_code"
        per_county: dict[str, Counter[str]] = {}
        for row in rows:
            per_county.setdefault(row[key][:6], Counter())[row[decision]] += 1
        summary = {
            "year": year,
            "source": source,
            "level": options["level"],
            "rows": len(rows),
            "seconds": round(seconds, 2),
            "decisions": dict(sorted(Counter(r[decision] for r in rows).items())),
            "counties": {code: dict(sorted(c.items())) for code, c in sorted(per_county.items())},
        }
        if options["format"] == "json" and out is None:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
            return
        unit = "个村" if decision == VILLAGE_EXIT else "个县"
        self.stdout.write(
            f"{year}年 · {source} · {LEVEL_TITLES[decision]} · {len(rows):,}{unit} · "
            f"用时{seconds:.1f}秒"
        )
        statuses = [s for s in STATUS_LABELS if s != "not_applicable"]
        header = "".join(f"{STATUS_LABELS[s]:>8}" for s in statuses)
        self.stdout.write(f"合计：{' ' * 8}{header}")
        cells = "".join(f"{summary['decisions'].get(s, 0):>10,}" for s in statuses)
        self.stdout.write(f"  {LEVEL_TITLES[decision]:<8}{cells}")
        self.stdout.write(f"按县：{header}")
        for code, counter in summary["counties"].items():
            cells = "".join(f"{counter.get(s, 0):>10,}" for s in statuses)
            self.stdout.write(f"  {code} {LEVEL_TITLES[decision]:<8}{cells}")
        if out is not None:
            self.stdout.write(f"结果已写入 {out}")
