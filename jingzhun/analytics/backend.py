"""The one analytics backend interface.

An analytic is a function that takes a :class:`Backend` and builds an Ibis expression over the
named tables of :mod:`jingzhun.analytics.schema` (``backend.table("members")`` …); the backend
runs it (``backend.execute(expr)`` → a ``pyarrow.Table``). Analytics never see which engine is
underneath, so the same quality checks (and the policy engine of the next issue) run on:

* :class:`DuckDBBackend` — embedded, over a Parquet snapshot directory (the default), or over
  in-memory Arrow tables (tests, import previews);
* :class:`PostgresBackend` — directly on the application's PostgreSQL database: each named table
  is an Ibis expression over the Django table (deleted rows dropped, columns renamed and cast to
  the snapshot types), so results are identical to the snapshot's.

* :class:`jingzhun.analytics.spark.SparkBackend` — Apache Spark (local mode by default, a
  cluster with ``JINGZHUN_SPARK_MASTER``) over the same snapshot files, for national scale
  (docs/spark.md). Imported only when asked for: the embedded default needs no Java.

Nothing in the checks depends on the engine: they only call ``table()`` and return Ibis
expressions. Keep analytics to portable Ibis operations (no raw SQL strings) so that holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings

from jingzhun.analytics.schema import TABLE_NAMES, TABLES, arrow_schema
from jingzhun.analytics.snapshot import SnapshotInfo, content_key, write_snapshot

BACKENDS = ("duckdb", "postgres", "spark")


class Backend(Protocol):
    """What an analytic may use: named tables in, an Arrow table out."""

    name: str

    def table(self, name: str) -> ir.Table: ...

    def execute(self, expr: ir.Table) -> pa.Table: ...

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute ``expr`` once into a temporary table named ``name`` (for this connection)
        and return it; analytics that reuse an intermediate many times call this so the
        engine (and the SQL compiler) does not repeat it."""
        ...

    def share(self, name: str, expr: ir.Table) -> ir.Table:
        """``expr`` prepared to be read many times by ONE later query (each check of a quality
        run reads the same member frame): computed once per query, by whatever the engine
        does best. DuckDB: a named common table expression, which it computes once per query
        and keeps only the columns and rows that query reads; PostgreSQL: :meth:`materialize`."""
        ...

    def compile(self, expr: ir.Table) -> str:
        """The SQL of ``expr`` in this engine's dialect."""
        ...

    def run_sql(self, query: str) -> pa.Table:
        """Run SQL produced by :meth:`compile` (a cached query) and return its rows."""
        ...


class _IbisBackend:
    name = "ibis"

    def __init__(self, con: Any) -> None:
        self.con = con
        self._tables: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        if name not in TABLES:
            raise KeyError(f"没有名为 {name} 的分析表：可用 {', '.join(TABLE_NAMES)}。")
        return self._tables[name]

    def execute(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        return self.con.create_table(name, expr, temp=True, overwrite=True)

    def share(self, name: str, expr: ir.Table) -> ir.Table:
        return self.materialize(name, expr)

    def compile(self, expr: ir.Table) -> str:
        return str(self.con.compile(expr))

    def run_sql(self, query: str) -> pa.Table:
        cursor = self.con.raw_sql(query)
        try:
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in rows])


class DuckDBBackend(_IbisBackend):
    """DuckDB over a snapshot directory (``households.parquet`` …) or Arrow tables."""

    name = "duckdb"

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        with self._unordered():
            return super().materialize(name, expr)

    def share(self, name: str, expr: ir.Table) -> ir.Table:
        # An aliased relation always compiles to its own CTE (``WITH name AS (…)``) that
        # every use refers to by name: Ibis does not fuse a use's filters into it and so
        # does not repeat its computed columns per use. DuckDB materialises a CTE read more
        # than once, pushing into it only the columns (and the OR of the filters) the uses
        # need: cheaper than a temporary table holding every column.
        return expr.alias(name)

    def run_sql(self, query: str) -> pa.Table:
        with self._unordered():
            return self.con.con.execute(query).to_arrow_table()

    @contextmanager
    def _unordered(self) -> Iterator[None]:
        """Let DuckDB produce rows in any order (a temporary table's rows, or a query's without
        ORDER BY, have none in SQL anyway). By default DuckDB keeps the scan order even when
        several threads insert; writing three million members into a temporary table that way
        takes twice as long. Other queries on the connection keep the default."""
        self.con.con.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            self.con.con.execute("RESET preserve_insertion_order")

    def __init__(
        self, directory: Path | None = None, *, tables: dict[str, pa.Table] | None = None
    ) -> None:
        super().__init__(ibis.duckdb.connect())
        if tables is not None:
            for name in TABLE_NAMES:
                data = tables.get(name)
                data = data if data is not None else arrow_schema(name).empty_table()
                self._tables[name] = self.con.create_table(name, data.cast(arrow_schema(name)))
            return
        directory = Path(directory or settings.SNAPSHOT_DIR)
        for name in TABLE_NAMES:
            path = directory / f"{name}.parquet"
            if not path.exists():
                raise FileNotFoundError(
                    f"快照目录 {directory} 中缺少 {name}.parquet：请先生成快照。"
                )
            self._tables[name] = self.con.read_parquet(path, table_name=name)


class PostgresBackend(_IbisBackend):
    """The application's PostgreSQL database, seen through the snapshot schema.

    ``connection`` is a psycopg connection; by default Django's own, so the analytics see the
    same transaction as the caller (tests, a request). ``year`` selects incomes, conditions and
    measures like the snapshot does (that year only, or every year up to it with ``history``)."""

    name = "postgres"

    def __init__(
        self,
        *,
        year: int,
        area_prefix: str = "",
        history: bool = False,
        connection: Any = None,
    ) -> None:
        if connection is None:
            from django.db import connection as django_connection

            django_connection.ensure_connection()
            connection = django_connection.connection
        super().__init__(ibis.postgres.from_connection(connection))
        low, high = area_prefix, area_prefix + ":"
        house = self.con.table("registry_household")
        live = house.filter(~house.is_deleted, house.village_code >= low, house.village_code < high)
        live_ids = live.select(hid=live.id)
        self._tables["households"] = _project(live, "households")
        member = self.con.table("registry_member")
        member = member.filter(~member.is_deleted).semi_join(
            live_ids, member.household_id == live_ids.hid
        )
        self._tables["members"] = _project(member, "members")
        risks = self.con.table("registry_riskfactor")
        risks = risks.semi_join(live_ids, risks.household_id == live_ids.hid)
        self._tables["risks"] = _project(risks, "risks")
        for name, django_table in (
            ("incomes", "registry_income"),
            ("conditions", "registry_conditions"),
            ("measures", "registry_measures"),
        ):
            t = self.con.table(django_table)
            t = t.filter(t.year <= year if history else t.year == year)
            t = t.semi_join(live_ids, t.household_id == live_ids.hid)
            self._tables[name] = _project(t, name)
        area = self.con.table("areas_area")
        parent = area.select(pid=area.id, parent_code=area.code)
        area = area.filter(area.code >= low, area.code < high)
        area = area.left_join(parent, area.parent_id == parent.pid)
        self._tables["areas"] = area.select(
            code=area.code,
            name=area.name,
            level=area.level.cast("int32"),
            parent_code=area.parent_code,
        )


def _project(t: ir.Table, name: str) -> ir.Table:
    schema = ibis.Schema.from_pyarrow(arrow_schema(name))
    return t.select(**{col.name: t[col.name].cast(schema[col.name]) for col in TABLES[name]})


class SnapshotMismatch(ValueError):
    """A snapshot was opened for another year, area or scope than it holds."""


def snapshot_directory(*, year: int, area_code: str = "", history: bool = False) -> Path:
    """Where the snapshot of ``area_code`` (all areas when empty) for ``year`` is kept: one
    directory per area, year and scope, so a run never reads another year's data."""
    name = f"{area_code or 'all'}-{year}" + ("-history" if history else "")
    return Path(settings.SNAPSHOT_DIR) / name


def check_snapshot(
    directory: Path, *, year: int, area_code: str | None = None, history: bool = False
) -> SnapshotInfo:
    """The snapshot in ``directory`` if it holds ``year`` (and ``area_code`` and ``history``
    when given), else :class:`SnapshotMismatch` saying what it holds instead."""
    try:
        info = SnapshotInfo.read(directory)
    except FileNotFoundError:
        raise SnapshotMismatch(
            f"快照目录 {directory} 中没有 manifest.json：请先生成快照。"
        ) from None
    if info.year != year:
        raise SnapshotMismatch(
            f"快照 {directory} 是 {info.year} 年的，不是 {year} 年：请重新生成。"
        )
    if area_code is not None and info.area_code != area_code:
        raise SnapshotMismatch(
            f"快照 {directory} 是区划 {info.area_code or '全部'} 的，"
            f"不是 {area_code or '全部'}：请重新生成。"
        )
    if info.history != history:
        raise SnapshotMismatch(f"快照 {directory} 的年度范围与所需不同：请重新生成。")
    return info


def _is_current(directory: Path, *, year: int, area_code: str, history: bool) -> bool:
    try:
        info = check_snapshot(directory, year=year, area_code=area_code, history=history)
    except SnapshotMismatch:
        return False
    return bool(info.content_key) and info.content_key == content_key()


def open_backend(
    kind: str,
    *,
    year: int,
    area_code: str = "",
    history: bool = False,
    snapshot: Path | None = None,
    reuse: bool = False,
) -> Backend:
    """The one place a batch backend is opened, for every caller (quality runs, evaluations,
    what-if, commands).

    ``postgres`` reads the live database. ``duckdb`` and ``spark`` read a snapshot: the
    caller's own ``snapshot`` directory (checked to hold ``year``, else
    :class:`SnapshotMismatch`), or the area's snapshot for that year under
    ``settings.SNAPSHOT_DIR`` — written afresh, or with ``reuse`` kept when its manifest shows
    the same year, area and registry content as now."""
    if kind == "postgres":
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise ValueError("postgres 后端需要 PostgreSQL 数据库（DATABASE_URL=postgres://…）。")
        return PostgresBackend(year=year, area_prefix=_prefix_of(area_code), history=history)
    if kind not in BACKENDS:
        raise ValueError(f"未知的分析后端“{kind}”：可用 duckdb、postgres 或 spark。")
    if snapshot is not None:
        check_snapshot(Path(snapshot), year=year, history=history)
        directory = Path(snapshot)
    else:
        directory = snapshot_directory(year=year, area_code=area_code, history=history)
        if not (reuse and _is_current(directory, year=year, area_code=area_code, history=history)):
            write_snapshot(year=year, out=directory, area_code=area_code, history=history)
    if kind == "spark":
        from jingzhun.analytics.spark import SparkBackend

        return SparkBackend(directory)
    return DuckDBBackend(directory)


def _prefix_of(area_code: str) -> str:
    if not area_code:
        return ""
    from jingzhun.areas.models import Area

    return Area.objects.get(code=area_code).scope_prefix
