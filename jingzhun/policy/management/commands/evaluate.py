"""``jingzhun evaluate --year Y [--backend duckdb|postgres] [--area CODE] [--out FILE.parquet]
[--format json|table] [--snapshot DIR]``: every household decision, in batch.

Writes one row per household (every decision, the suggested monitoring category and risk
types, the failed-criterion codes; :data:`jingzhun.policy.decisions.BATCH_SCHEMA`) to
``--out`` (Parquet, or JSON with ``--format json``) and prints the counts per decision and per
county and township (``--format table``, the default, or a JSON summary with ``--format json``
and no ``--out``).

DuckDB (the default) reads a fresh snapshot of the area written for the year, or the snapshot
directory given with ``--snapshot``; PostgreSQL reads the live database. Spark: add
``"spark"`` to :data:`BACKEND_CHOICES` and a branch in :func:`open_backend` building
``jingzhun.analytics.spark.SparkBackend`` over the same snapshot directory — the evaluation
itself (:func:`~jingzhun.policy.decisions.evaluate_batch`) does not change.
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
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.analytics.backend import Backend, DuckDBBackend, PostgresBackend
from jingzhun.analytics.snapshot import SnapshotInfo, write_snapshot
from jingzhun.areas.models import Area
from jingzhun.policy.criteria import STATUS_LABELS
from jingzhun.policy.decisions import DECISIONS, evaluate_batch
from jingzhun.quality.context import default_year

BACKEND_CHOICES = ("duckdb", "postgres")


def open_backend(
    kind: str, *, year: int, area: Area | None, snapshot: Path | None
) -> tuple[Backend, str]:
    """The backend and a line saying what it reads."""
    prefix = area.scope_prefix if area else ""
    if kind == "postgres":
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("postgres 后端需要 PostgreSQL 数据库（DATABASE_URL=postgres://…）。")
        return PostgresBackend(year=year, area_prefix=prefix), "PostgreSQL 在线数据库"
    if snapshot is not None:
        info = SnapshotInfo.read(snapshot)
        if info.year != year:
            raise CommandError(f"快照 {snapshot} 是 {info.year} 年的，不是 {year} 年：请重新生成。")
        return DuckDBBackend(snapshot), f"快照 {snapshot}"
    directory = Path(settings.SNAPSHOT_DIR) / f"policy-{area.code if area else 'all'}-{year}"
    write_snapshot(year=year, out=directory, area_code=area.code if area else "")
    return DuckDBBackend(directory), f"新快照 {directory}"


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
            "--snapshot", type=Path, default=None, help="使用已有快照目录（DuckDB）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or default_year()
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"区划代码“{options['area']}”不存在：请核对。")
        started = time.perf_counter()
        backend, source = open_backend(
            options["backend"], year=year, area=area, snapshot=options["snapshot"]
        )
        table = evaluate_batch(backend, year, area)
        seconds = time.perf_counter() - started
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
