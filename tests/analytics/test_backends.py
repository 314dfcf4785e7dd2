"""The three batch backends — DuckDB over the snapshot, PostgreSQL directly, Spark over the
snapshot — agree exactly: same findings, row for row, on the same generated registry.

The registry is the demo generator's (realistic households with planted quality errors), written
to the database and snapshotted by ``write_snapshot``. DuckDB over that snapshot is the
reference; its findings are also checked against the entry-time evaluation of the same rows, so
the reference itself is not taken on trust. PostgreSQL runs in the PostgreSQL pass only
(DATABASE_URL=postgres://…); Spark is marked ``spark`` and ``slow`` (see conftest.py).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.analytics.backend import Backend, DuckDBBackend, PostgresBackend
from jingzhun.analytics.schema import TABLE_NAMES, arrow_schema
from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.demo.generator import load_demo
from jingzhun.quality.batch import FINDING_SCHEMA, prepare_frames, run_checks
from jingzhun.quality.checks import village_findings_expr
from jingzhun.quality.context import CheckContext
from tests.quality.builders import VILLAGE_COLUMNS, Key, VillageParameters, entry_keys, tables
from tests.quality.test_agreement import households

YEAR = 2024
# The village checks' parameters given outright, so that they run too (see builders).
CTX = VillageParameters(
    year=YEAR, village={"p_same_income_min": 2, "p_missing_income_pct": Decimal(10)}
)
SPARK = [pytest.mark.spark, pytest.mark.slow]
Row = tuple[Any, ...]


def _rows(findings: pa.Table) -> list[Row]:
    """Every finding as a tuple, sorted: the comparison is row for row, details included."""
    findings = findings.select(FINDING_SCHEMA.names).cast(FINDING_SCHEMA)
    key = [(name, "ascending") for name in FINDING_SCHEMA.names]
    sorted_ = findings.sort_by(key).to_pylist()
    return [tuple(r[name] for name in FINDING_SCHEMA.names) for r in sorted_]


def _findings(backend: Backend, ctx: CheckContext) -> tuple[list[Row], list[Row]]:
    """The batch findings on ``backend``: ``run_checks``' rows (households and members), and the
    village checks' rows (evaluated over the same frames, as a batch run does)."""
    checked = run_checks(backend, ctx)
    assert checked.schema.equals(FINDING_SCHEMA)
    frames = prepare_frames(backend, ctx)
    assert set(VILLAGE_COLUMNS) <= set(frames.households.columns)
    villages = village_findings_expr(frames)
    assert villages is not None
    return _rows(checked), _rows(backend.execute(villages))


def _keys(rows: list[Row]) -> set[Key]:
    """(check, household, member), or (check, village, None) for a village finding."""
    return {(r[0], r[1], r[2]) if r[1] is not None else (r[0], r[3], None) for r in rows}


def _backend(kind: str, snapshot: Path, request: pytest.FixtureRequest) -> Backend:
    if kind == "duckdb":
        return DuckDBBackend(snapshot)
    if kind == "postgres":
        if connection.vendor != "postgresql":
            pytest.skip(
                "PostgreSQL backend runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
            )
        return PostgresBackend(year=YEAR)
    from jingzhun.analytics.spark import SparkBackend

    return SparkBackend(snapshot, session=request.getfixturevalue("spark"))


def _bundles(snapshot: Path) -> list[dict[str, Any]]:
    """The snapshot read back as the plain household dicts the entry-time checks take."""
    by_household: dict[int, dict[str, Any]] = {}
    for row in pq.read_table(snapshot / "households.parquet").to_pylist():
        by_household[row["id"]] = {"household": row}
    for name in ("members", "incomes", "risks", "conditions", "measures"):
        rows: dict[int, list[dict]] = defaultdict(list)
        for row in pq.read_table(snapshot / f"{name}.parquet").to_pylist():
            rows[row["household_id"]].append(row)
        for hid, bundle in by_household.items():
            bundle[name] = rows.get(hid, [])
    return list(by_household.values())


@pytest.fixture
def snapshot(db, tmp_path) -> Path:
    """A demo registry of 300 households (planted errors included), in the database and as a
    snapshot of ``YEAR``."""
    load_demo(households=300, seed=21)
    out = tmp_path / "snapshot"
    write_snapshot(year=YEAR, out=out)
    return out


@pytest.mark.parametrize(
    "kind", ["duckdb", "postgres", pytest.param("spark", marks=SPARK)], ids=str
)
def test_every_backend_gives_the_same_findings_row_for_row(snapshot, kind, request) -> None:
    reference = _findings(DuckDBBackend(snapshot), CTX)
    # The reference is what the entry-time evaluation finds on the same rows.
    assert _keys(reference[0]) | _keys(reference[1]) == entry_keys(_bundles(snapshot), CTX)
    # The generator plants errors of several kinds: an empty or one-check result proves nothing.
    assert len({row[0] for row in reference[0]}) >= 5, reference[0]

    got = _findings(_backend(kind, snapshot, request), CTX)
    assert got[0] == reference[0]
    assert got[1] == reference[1]


def test_the_snapshot_round_trips_through_every_table(snapshot) -> None:
    # The comparison above is only as good as the snapshot: every table is there, with rows.
    for name in TABLE_NAMES:
        schema = pq.read_schema(snapshot / f"{name}.parquet")
        assert schema.equals(arrow_schema(name), check_metadata=False), name
    assert pq.read_metadata(snapshot / "members.parquet").num_rows > 300


# --- Spark on adversarial data ----------------------------------------------------------------


def _write_parquet(directory: Path, data: dict[str, pa.Table]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        table = data.get(name)
        table = table if table is not None else arrow_schema(name).empty_table()
        pq.write_table(table.cast(arrow_schema(name)), directory / f"{name}.parquet")
    return directory


@st.composite
def large_registries(draw: st.DrawFn) -> tuple[VillageParameters, list[dict]]:
    """Like test_agreement's registries, with 40 households each: every Spark run costs
    seconds whatever the data, so each example carries many households."""
    year = draw(st.sampled_from([2020, 2023, 2024]))
    pool: list[str] = []
    copied: list[dict] = []
    bundles = [draw(households(hid, year, pool, copied)) for hid in range(1, 41)]
    village = {
        "p_same_income_min": draw(st.sampled_from([2, 3, None])),
        "p_missing_income_pct": draw(st.sampled_from([Decimal(20), Decimal(50), None])),
    }
    return VillageParameters(year=year, village=village), bundles


@pytest.mark.spark
@pytest.mark.slow
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(large_registries())
def test_spark_agrees_with_duckdb_and_entry_time_on_generated_households(
    spark, tmp_path_factory, data
) -> None:
    # The generated households of the entry/batch agreement test: empty and malformed ID
    # numbers, placeholders, duplicates, nulls, copied incomes, off-by-0.5 per-capita figures.
    from jingzhun.analytics.spark import SparkBackend

    ctx, bundles = data
    # DuckDB reads them as a Parquet snapshot, Spark as Arrow tables: both ways in are covered.
    directory = _write_parquet(tmp_path_factory.mktemp("generated"), tables(bundles))
    on_spark = _findings(SparkBackend(tables=tables(bundles), session=spark), ctx)
    on_duckdb = _findings(DuckDBBackend(directory), ctx)
    assert on_spark == on_duckdb
    assert _keys(on_spark[0]) | _keys(on_spark[1]) == entry_keys(bundles, ctx)


# --- the policy engine on every backend --------------------------------------------------------


def _decisions(backend: Backend, year: int) -> list[Row]:
    from jingzhun.policy.decisions import BATCH_SCHEMA, evaluate_batch

    table = evaluate_batch(backend, year).select(BATCH_SCHEMA.names).cast(BATCH_SCHEMA)
    rows = table.sort_by([("household_id", "ascending")]).to_pylist()
    return [tuple(r[name] for name in BATCH_SCHEMA.names) for r in rows]


@pytest.mark.parametrize(
    "kind", ["duckdb", "postgres", pytest.param("spark", marks=SPARK)], ids=str
)
def test_every_backend_gives_the_same_policy_decisions(snapshot, kind, request) -> None:
    from jingzhun.policy.decisions import DECISIONS, evaluate_data

    reference = _decisions(DuckDBBackend(snapshot), YEAR)
    # The reference equals the one-household evaluation of the same rows.
    expected = {}
    for bundle in _bundles(snapshot):
        data = {k: bundle[k] for k in ("household", "members", "incomes", "conditions")}
        evaluation = evaluate_data(data | {"measures": bundle["measures"]}, year=YEAR)
        expected[bundle["household"]["id"]] = tuple(evaluation.status(c) for c in DECISIONS)
    got_reference = {r[0]: r[2 : 2 + len(DECISIONS)] for r in reference}
    assert got_reference == expected
    # Several outcomes occur: a constant answer would prove nothing.
    assert len({r[2] for r in reference}) >= 2 and len(reference) == 300

    assert _decisions(_backend(kind, snapshot, request), YEAR) == reference


@pytest.mark.parametrize(
    "kind", ["duckdb", "postgres", pytest.param("spark", marks=SPARK)], ids=str
)
def test_every_backend_gives_the_same_village_exit_counts(snapshot, kind, request) -> None:
    """Village poverty incidence is counted in 2018, when the demo's villages still had
    registered poor households (all exited by 2020)."""
    from jingzhun.policy.villages import village_counts_batch

    year = 2018
    old = snapshot.parent / "snapshot-2018"
    write_snapshot(year=year, out=old)
    reference = village_counts_batch(DuckDBBackend(old), year)
    assert reference and any(c.failed_people for c in reference.values())
    if kind == "postgres":
        if connection.vendor != "postgresql":
            pytest.skip(
                "PostgreSQL backend runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
            )
        backend: Backend = PostgresBackend(year=year)
    elif kind == "spark":
        from jingzhun.analytics.spark import SparkBackend

        backend = SparkBackend(old, session=request.getfixturevalue("spark"))
    else:
        backend = DuckDBBackend(old)
    assert village_counts_batch(backend, year) == reference
