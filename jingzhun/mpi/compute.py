"""What the command and the page call: the measures of the registry (over a backend opened by
:func:`jingzhun.analytics.backend.open_backend`) or of any data file (CSV or Parquet, read by
DuckDB through Ibis)."""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from jingzhun.analytics.backend import Backend
from jingzhun.areas.models import Area
from jingzhun.mpi.measures import Measures, compute
from jingzhun.mpi.registry import ACHIEVEMENTS, child_code_expr, person_expr
from jingzhun.mpi.spec import Spec, SpecError, parse_spec, read_spec_file


def registry_measures(
    backend: Backend,
    year: int,
    spec: Spec,
    k: float,
    *,
    area: Area | None = None,
    by_area: bool = False,
) -> Measures:
    """The measures of the people of ``area`` (everyone when None) for ``year``; with
    ``by_area`` decomposed by the areas one level below ``area`` (group = their codes)."""
    unknown = [c for c in spec.columns if c not in ACHIEVEMENTS]
    if unknown:
        raise SpecError(
            [
                f"登记数据没有指标 {', '.join(unknown)}：可用 {', '.join(ACHIEVEMENTS)}，"
                "请改正指标设定的 column。"
            ]
        )
    people = person_expr(backend, year, area_prefix=area.scope_prefix if area else "")
    by = None
    if by_area:
        by = child_code_expr(people.village_code, area.level if area else None)
    return compute(backend.execute, people, spec, k, by=by)


def open_data_file(path: Path) -> tuple[ibis.BaseBackend, ir.Table]:
    """A DuckDB connection and the table of a CSV or Parquet file; ValueError (Chinese) if the
    file is missing or of another kind."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"找不到数据文件 {path}：请核对路径。")
    con = ibis.duckdb.connect()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return con, con.read_csv(path)
    if suffix in (".parquet", ".pq"):
        return con, con.read_parquet(path)
    raise ValueError(f"数据文件 {path} 不是 .csv 或 .parquet：请转换后再算。")


def file_measures(
    path: Path,
    spec_path: Path,
    k: float | None,
    *,
    by: str = "",
    weight: str = "",
) -> Measures:
    """The measures of a data file (one row per person) under the spec in ``spec_path``;
    :class:`SpecError` or ValueError (Chinese) for a bad file, spec, column or k."""
    con, table = open_data_file(path)
    columns = list(table.columns)
    spec = parse_spec(read_spec_file(spec_path), columns)
    missing = [
        f"{label} {name} 不在数据中：数据中的列有 {', '.join(columns)}，请改正。"
        for label, name in (("分组列", by), ("权重列", weight))
        if name and name not in columns
    ]
    if missing:
        raise SpecError(missing)
    k = k if k is not None else spec.k
    if k is None:
        raise SpecError(["没有给出贫困临界值 k：请用 --k 指定，或在指标设定中写 k。"])
    return compute(con.to_pyarrow, table, spec, k, by=by or None, weight=weight or None)
