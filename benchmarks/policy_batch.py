"""Benchmark: the policy engine's batch evaluation (every household decision for one year)
on a synthetic province, against the ways it could otherwise be computed.

    .venv/bin/python benchmarks/policy_batch.py [--dir DIR] [--people 10000000] [--year 2024]
        [--loop-sample 2000] [--pandas-sample 0] [--spark] [--append]

DIR (default ``/tmp/province-<people>``) is generated with benchmarks/synthetic_province.py
when it holds no snapshot. Measured in one process, one after the other:

* **engine**: ``evaluate_batch(DuckDBBackend(DIR), year)`` — cold (first run in the process,
  Ibis compilation included) and warm (best of ``--warm-runs``, each in a fresh backend);
* **hand SQL**: ONE hand-written DuckDB query over the same Parquet files computing the
  exit-standard and monitoring decisions with the same rules (criteria.py, features.py) and the
  same per-county parameters (``parameter_table``: the dated policy parameters, no literal); its
  statuses are CHECKED against the engine's, household by household (mismatches must be 0). The
  engine computes all three decisions, signals, failed lists and the suggested category; the
  hand query only the two decisions: it is the reference for "close to the limit";
* **pandas**: the same two decisions as a county analyst would write them in pandas (reading
  the Parquet included), on every household by default, or with ``--pandas-sample N`` on N
  households and extrapolated; checked against the engine too;
* **loop**: ``evaluate_data`` per household on a random sample of ``--loop-sample`` households
  built from the Parquet rows (building the dicts timed apart), extrapolated to all;
* **spark** (``--spark``): ``evaluate_batch(SparkBackend(DIR), year)``, cold.

Prints the figures; with ``--append`` appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

django.setup()

from jingzhun.analytics.backend import DuckDBBackend  # noqa: E402
from jingzhun.policy.criteria import EXIT, FAIL, MONITORING, PASS, UNKNOWN  # noqa: E402
from jingzhun.policy.decisions import evaluate_batch, evaluate_data  # noqa: E402
from jingzhun.policy.features import (  # noqa: E402
    COMPULSORY_NOT_STUDENT,
    UNSAFE_GRADES,
    parameter_table,
)

ROOT = Path(__file__).resolve().parent
CHECKED = (EXIT, MONITORING)
TABLES = ("households", "members", "incomes", "conditions", "measures")


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores, {mem:.0f} GB RAM; load average {load()}"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def parquet(directory: Path, table: str) -> str:
    single = directory / f"{table}.parquet"
    return str(single) if single.exists() else str(directory / table / "*.parquet")


def ensure_province(directory: Path, people: int, year: int) -> None:
    if (directory / "manifest.json").exists():
        return
    print(f"generating {people:,} people into {directory} …", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "synthetic_province.py"),
            "--out",
            str(directory),
            "--people",
            str(people),
            "--year",
            str(year),
        ],
        check=True,
    )


def timed(fn, *args):
    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - started, time.process_time() - cpu


# --- the hand-written query ------------------------------------------------------------------


def _status(value: str, threshold: str, op: str) -> str:
    return (
        f"CASE WHEN {value} IS NULL OR {threshold} IS NULL THEN '{UNKNOWN}' "
        f"WHEN {value} {op} {threshold} THEN '{PASS}' ELSE '{FAIL}' END"
    )


def _combine(cols: list[str], how: str) -> str:
    decisive, other = (FAIL, PASS) if how == "all" else (PASS, FAIL)
    any_decisive = " OR ".join(f"{c} = '{decisive}'" for c in cols)
    all_other = " AND ".join(f"{c} = '{other}'" for c in cols)
    return (
        f"CASE WHEN {any_decisive} THEN '{decisive}' WHEN {all_other} THEN '{other}' "
        f"ELSE '{UNKNOWN}' END"
    )


def hand_sql(directory: Path, year: int) -> str:
    """Exit standard (all of E-*) and monitoring (any of M-INCOME, M-SPENDING) per household:
    one query, parameters joined per county from the registered ``params`` table."""
    p = {t: f"read_parquet('{parquet(directory, t)}')" for t in TABLES}
    unsafe = ", ".join(f"'{g}'" for g in UNSAFE_GRADES)
    exit_cols = ["e_income", "e_food", "e_education", "e_medical", "e_serious", "e_housing"]
    # E-CLOTHING reads the same feature and threshold as E-INCOME: the same status.
    return f"""
WITH h AS (
    SELECT h.id, p.*
    FROM {p["households"]} h LEFT JOIN params p ON substr(h.village_code, 1, 6) = p.county_code
), m AS (
    SELECT m.household_id,
        count(*) AS n,
        count(*) FILTER (WHERE NOT (coalesce(m.resident_medical_insurance, false)
                                    OR coalesce(m.employee_medical_insurance, false))) AS uninsured,
        count(*) FILTER (WHERE NOT coalesce(m.serious_illness_insurance, false)) AS no_serious,
        count(*) FILTER (WHERE ({year} - year(m.birth_date))
                               BETWEEN h.compulsory_school_age_min AND h.compulsory_school_age_max
                           AND coalesce(m.student_status, '') = '{COMPULSORY_NOT_STUDENT}') AS out,
        count(*) FILTER (WHERE m.birth_date IS NULL
                           OR (({year} - year(m.birth_date))
                               BETWEEN h.compulsory_school_age_min AND h.compulsory_school_age_max
                           AND coalesce(m.student_status, '') = '')) AS s_unknown
    FROM {p["members"]} m JOIN h ON m.household_id = h.id
    GROUP BY m.household_id
), i AS (
    SELECT household_id, per_capita_net::DECIMAL(14, 2) AS pcn,
        CASE WHEN household_size > 0 THEN
            (sign(c) * ((2 * abs(c) + household_size) // (2 * household_size)))::DECIMAL(18, 2)
            * 0.01::DECIMAL(18, 2) END AS after
    FROM (SELECT *, ((net_income - compliant_out_of_pocket) * 100)::BIGINT AS c
          FROM {p["incomes"]} WHERE year = {year})
), cd AS (
    SELECT household_id,
        safe_drinking_water AND NOT water_difficulty AS water_safe,
        NOT is_dangerous_house AND NOT coalesce(housing_grade, '') IN ({unsafe}) AS housing_safe
    FROM {p["conditions"]} WHERE year = {year}
), f AS (
    SELECT h.id,
        {_status("i.pcn", "h.poverty_line", ">")} AS e_income,
        {_status("cd.water_safe", "true", "=")} AS e_food,
        {
        _status(
            "CASE WHEN coalesce(m.n, 0) = 0 OR h.compulsory_school_age_min IS NULL "
            "OR h.compulsory_school_age_max IS NULL THEN NULL WHEN m.out > 0 THEN m.out "
            "WHEN m.s_unknown > 0 THEN NULL ELSE 0 END",
            "0",
            "=",
        )
    } AS e_education,
        {_status("CASE WHEN m.n > 0 THEN m.uninsured END", "0", "=")} AS e_medical,
        {_status("CASE WHEN m.n > 0 THEN m.no_serious END", "0", "=")} AS e_serious,
        {_status("cd.housing_safe", "true", "=")} AS e_housing,
        {_status("i.pcn", "h.monitoring_threshold", "<")} AS m_income,
        {_status("i.after", "h.monitoring_threshold", "<")} AS m_spending
    FROM h
    LEFT JOIN m ON m.household_id = h.id
    LEFT JOIN i ON i.household_id = h.id
    LEFT JOIN cd ON cd.household_id = h.id
)
SELECT id AS household_id,
    {_combine(exit_cols, "all")} AS {EXIT},
    {_combine(["m_income", "m_spending"], "any")} AS {MONITORING}
FROM f
"""


def params_table(directory: Path, year: int) -> pa.Table:
    counties = duckdb.sql(
        f"SELECT DISTINCT substr(village_code, 1, 6) AS c "
        f"FROM read_parquet('{parquet(directory, 'households')}') WHERE village_code IS NOT NULL"
    ).to_arrow_table()
    return parameter_table(counties.column("c").to_pylist(), year)


def run_hand_sql(directory: Path, year: int) -> pa.Table:
    con = duckdb.connect()
    params = params_table(directory, year)
    con.register("params", params)
    return con.sql(hand_sql(directory, year)).to_arrow_table()


# --- pandas ----------------------------------------------------------------------------------


def _cents(column: pa.ChunkedArray) -> pd.Series:
    """Decimal yuan → integer cents (nullable Int64), exact for any realistic amount."""
    as_float = pc.multiply(pc.cast(column, pa.float64()), 100.0)
    return pd.Series(pc.round(as_float).to_numpy(zero_copy_only=False)).astype("Int64")


def _status_pd(value: pd.Series, passed: pd.Series) -> pd.Series:
    out = np.where(passed.fillna(False).astype(bool), PASS, FAIL).astype(object)
    out[value.isna().to_numpy()] = UNKNOWN
    return pd.Series(out, index=value.index)


def run_pandas(directory: Path, year: int, sample: set[int] | None) -> pd.DataFrame:
    def read(table: str, columns: list[str]) -> pa.Table:
        t = pq.read_table(parquet(directory, table), columns=columns)
        if sample is not None:
            key = "id" if table == "households" else "household_id"
            t = t.filter(pc.is_in(t[key], pa.array(sorted(sample), pa.int64())))
        return t

    ht = read("households", ["id", "village_code"])
    h = pd.DataFrame({"id": ht["id"].to_numpy(), "county_code": ht["village_code"].to_pandas()})
    h["county_code"] = h["county_code"].str[:6]
    params = params_table(directory, year)
    pdf = pd.DataFrame(
        {
            "county_code": params["county_code"].to_pylist(),
            "poverty_line": _cents(params["poverty_line"]),
            "monitoring_threshold": _cents(params["monitoring_threshold"]),
            "s_min": params["compulsory_school_age_min"].to_pandas().astype("Int64"),
            "s_max": params["compulsory_school_age_max"].to_pandas().astype("Int64"),
        }
    )
    h = h.merge(pdf, on="county_code", how="left")

    cols = [
        "household_id",
        "birth_date",
        "student_status",
        "resident_medical_insurance",
        "employee_medical_insurance",
        "serious_illness_insurance",
    ]
    m = read("members", cols).to_pandas()
    m = m.merge(h[["id", "s_min", "s_max"]], left_on="household_id", right_on="id")
    birth = pd.to_datetime(m["birth_date"])
    age = (year - birth.dt.year).astype("Int64")
    school_age = ((age >= m["s_min"]) & (age <= m["s_max"])).fillna(False).astype(bool)
    status = m["student_status"].fillna("")
    insured = m["resident_medical_insurance"].fillna(False).astype(bool) | m[
        "employee_medical_insurance"
    ].fillna(False).astype(bool)
    m = pd.DataFrame(
        {
            "household_id": m["household_id"],
            "n": 1,
            "uninsured": (~insured).astype(int),
            "no_serious": (~m["serious_illness_insurance"].fillna(False).astype(bool)).astype(int),
            "out": (school_age & (status == COMPULSORY_NOT_STUDENT)).astype(int),
            "s_unknown": (age.isna().to_numpy() | (school_age & (status == ""))).astype(int),
        }
    )
    per = m.groupby("household_id", sort=False).sum()

    it = read("incomes", ["household_id", "year", "household_size"])
    keep = pc.equal(it["year"], year)
    it = it.filter(keep)
    money = pq.read_table(
        parquet(directory, "incomes"),
        columns=["household_id", "year", "per_capita_net", "net_income", "compliant_out_of_pocket"],
    )
    if sample is not None:
        money = money.filter(pc.is_in(money["household_id"], pa.array(sorted(sample))))
    money = money.filter(pc.equal(money["year"], year))
    inc = pd.DataFrame(
        {
            "household_id": it["household_id"].to_numpy(),
            "size": it["household_size"].to_pandas().astype("Int64"),
            "pcn": _cents(money["per_capita_net"]),
            "c": _cents(money["net_income"]) - _cents(money["compliant_out_of_pocket"]),
        }
    )
    size = inc["size"].where(inc["size"] > 0)
    q = (2 * inc["c"].abs() + size) // (2 * size)
    inc["after"] = q.where(inc["c"] >= 0, -q)

    ct = read(
        "conditions",
        [
            "household_id",
            "year",
            "safe_drinking_water",
            "water_difficulty",
            "is_dangerous_house",
            "housing_grade",
        ],
    ).to_pandas()
    ct = ct[ct["year"] == year]
    water, difficulty = ct["safe_drinking_water"], ct["water_difficulty"]
    # SQL three-valued AND of water and NOT difficulty.
    water_false = water.eq(False) | difficulty.eq(True)
    water_null = ~water_false & (water.isna() | difficulty.isna())
    safe_house_false = ct["is_dangerous_house"].eq(True) | ct["housing_grade"].isin(UNSAFE_GRADES)
    house_null = ~safe_house_false & ct["is_dangerous_house"].isna()
    cd = pd.DataFrame(
        {
            "household_id": ct["household_id"],
            "water_safe": pd.array(~water_false, dtype="boolean"),
            "housing_safe": pd.array(~safe_house_false, dtype="boolean"),
        }
    )
    cd.loc[water_null.to_numpy(), "water_safe"] = pd.NA
    cd.loc[house_null.to_numpy(), "housing_safe"] = pd.NA

    f = h.merge(per, left_on="id", right_index=True, how="left")
    f = f.merge(inc, left_on="id", right_on="household_id", how="left")
    f = f.merge(cd, left_on="id", right_on="household_id", how="left")
    n = f["n"].fillna(0)
    has = n > 0
    uninsured = f["uninsured"].where(has)
    no_serious = f["no_serious"].where(has)
    edu = pd.Series(0.0, index=f.index)
    edu[f["s_unknown"] > 0] = np.nan
    edu[f["out"] > 0] = f["out"]
    edu[~has | f["s_min"].isna().to_numpy() | f["s_max"].isna().to_numpy()] = np.nan

    def cmp(value: pd.Series, passed: pd.Series, threshold: pd.Series | None = None):
        v = value if threshold is None else value.where(threshold.notna())
        return _status_pd(v, passed)

    e = [
        cmp(f["pcn"], f["pcn"] > f["poverty_line"], f["poverty_line"]),
        cmp(f["water_safe"], f["water_safe"] == True),  # noqa: E712 — nullable boolean
        cmp(edu, edu == 0),
        cmp(uninsured, uninsured == 0),
        cmp(no_serious, no_serious == 0),
        cmp(f["housing_safe"], f["housing_safe"] == True),  # noqa: E712
    ]
    mm = [
        cmp(f["pcn"], f["pcn"] < f["monitoring_threshold"], f["monitoring_threshold"]),
        cmp(f["after"], f["after"] < f["monitoring_threshold"], f["monitoring_threshold"]),
    ]

    def combine(parts: list[pd.Series], how: str) -> np.ndarray:
        decisive, other = (FAIL, PASS) if how == "all" else (PASS, FAIL)
        stacked = np.stack([p.to_numpy() for p in parts])
        out = np.full(len(f), UNKNOWN, dtype=object)
        out[(stacked == other).all(axis=0)] = other
        out[(stacked == decisive).any(axis=0)] = decisive
        return out

    return pd.DataFrame(
        {"household_id": f["id"], EXIT: combine(e, "all"), MONITORING: combine(mm, "any")}
    )


# --- the per-household loop ------------------------------------------------------------------


def sample_data(directory: Path, ids: list[int], year: int) -> dict[int, dict]:
    con = duckdb.connect()
    con.register("sample_ids", pa.table({"sid": pa.array(ids, pa.int64())}))
    data: dict[int, dict] = {
        i: {"household": None, "members": [], "incomes": [], "conditions": [], "measures": []}
        for i in ids
    }
    for table in TABLES:
        key = "id" if table == "households" else "household_id"
        rows = (
            con.sql(
                f"SELECT t.* FROM read_parquet('{parquet(directory, table)}') t "
                f"JOIN sample_ids ON t.{key} = sample_ids.sid ORDER BY t.{key}"
            )
            .to_arrow_table()
            .to_pylist()
        )
        grouped: dict[int, list] = defaultdict(list)
        for row in rows:
            grouped[row[key]].append(row)
        for i in ids:
            if table == "households":
                data[i]["household"] = grouped[i][0]
            else:
                data[i][table] = grouped[i]
    return data


# --- main ------------------------------------------------------------------------------------


def mismatches(engine: pa.Table, other: pa.Table, ids: set[int] | None = None) -> dict[str, int]:
    """Households whose checked statuses differ (or that only one side has), per decision;
    restricted to ``ids`` when given."""
    con = duckdb.connect()
    con.register("a", engine.select(["household_id", *CHECKED]))
    con.register("b", other.select(["household_id", *CHECKED]))
    only = ""
    if ids is not None:
        con.register("ids", pa.table({"sid": pa.array(sorted(ids), pa.int64())}))
        only = " AND household_id IN (SELECT sid FROM ids)"
    return {
        code: con.sql(
            f"SELECT count(*) FROM a FULL JOIN b USING (household_id) "
            f"WHERE a.{code} IS DISTINCT FROM b.{code}{only}"
        ).fetchone()[0]
        for code in CHECKED
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--warm-runs", type=int, default=2)
    parser.add_argument("--loop-sample", type=int, default=2000)
    parser.add_argument("--pandas-sample", type=int, default=0, help="0: every household")
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    directory = args.dir or Path(f"/tmp/province-{args.people}")
    ensure_province(directory, args.people, args.year)
    print(machine(), flush=True)
    load_before = load()

    engine, t_cold, cpu_cold = timed(evaluate_batch, DuckDBBackend(directory), args.year)
    warm = [
        timed(evaluate_batch, DuckDBBackend(directory), args.year)[1:]
        for _ in range(max(args.warm_runs, 1))
    ]
    t_warm, cpu_warm = min(warm)
    households = engine.num_rows
    print(
        f"engine (evaluate_batch, DuckDB): {households:,} households; cold {t_cold:.1f}s "
        f"(cpu {cpu_cold:.1f}s), warm best {t_warm:.1f}s (cpu {cpu_warm:.1f}s)",
        flush=True,
    )
    counts = {
        code: dict(
            zip(*[x.to_pylist() for x in pc.value_counts(engine[code]).flatten()], strict=True)
        )
        for code in CHECKED
    }
    print(f"engine statuses: {counts}")

    hand_runs = [timed(run_hand_sql, directory, args.year) for _ in range(2)]
    hand = hand_runs[0][0]
    t_hand = min(r[1] for r in hand_runs)
    hand_bad = mismatches(engine, hand)
    print(f"hand SQL: best of 2 {t_hand:.1f}s; mismatches vs engine {hand_bad}", flush=True)

    pandas_ids = None
    if args.pandas_sample:
        all_ids = engine["household_id"].to_pylist()
        pandas_ids = set(random.Random(2).sample(all_ids, min(args.pandas_sample, households)))
    pdf, t_pandas_run, _ = timed(run_pandas, directory, args.year, pandas_ids)
    pandas_rows = len(pdf)
    t_pandas = t_pandas_run / pandas_rows * households
    pandas_bad = mismatches(engine, pa.Table.from_pandas(pdf, preserve_index=False), pandas_ids)
    pandas_how = "every household" if pandas_ids is None else f"{pandas_rows:,} sampled, extrap."
    print(
        f"pandas ({pandas_how}): {t_pandas_run:.1f}s → {t_pandas:.1f}s for all; "
        f"mismatches vs engine {pandas_bad}",
        flush=True,
    )

    ids = random.Random(1).sample(engine["household_id"].to_pylist(), args.loop_sample)
    data, t_build, _ = timed(sample_data, directory, ids, args.year)
    started = time.perf_counter()
    loop_status = {i: evaluate_data(data[i], year=args.year) for i in ids}
    t_sample = time.perf_counter() - started
    t_loop = t_sample / len(ids) * households
    loop_table = pa.table(
        {
            "household_id": pa.array(ids, pa.int64()),
            **{code: [loop_status[i].status(code) for i in ids] for code in CHECKED},
        }
    )
    loop_bad = mismatches(engine, loop_table, set(ids))
    print(
        f"loop (evaluate_data): {len(ids):,} households in {t_sample:.1f}s (dicts built in "
        f"{t_build:.1f}s, not counted) → {t_loop:,.0f}s extrapolated; mismatches vs engine "
        f"{loop_bad}",
        flush=True,
    )

    t_spark = None
    if args.spark:
        from jingzhun.analytics.spark import SparkBackend

        spark_table, t_spark, _ = timed(evaluate_batch, SparkBackend(directory), args.year)
        spark_bad = mismatches(engine, spark_table)
        print(f"spark (local): cold {t_spark:.1f}s; mismatches vs engine {spark_bad}")
    load_after = load()

    ratios = (
        f"engine ÷ hand SQL {t_warm / t_hand:.2f}× (warm), {t_cold / t_hand:.2f}× (cold); "
        f"pandas ÷ engine {t_pandas / t_warm:.1f}×; loop ÷ engine {t_loop / t_warm:,.0f}×"
    )
    target = "met" if t_cold < 60 else "NOT met"
    print(ratios)
    print(f"60 s target (cold): {target}; load {load_before} → {load_after}")

    if args.append:
        lines = [
            "",
            f"## Policy batch evaluation — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- machine: {machine()} (load {load_before} → {load_after} during the run)",
            f"- command: `.venv/bin/python benchmarks/policy_batch.py {' '.join(sys.argv[1:])}`",
            f"- data: {directory} — {households:,} households, year {args.year}",
            f"- engine `evaluate_batch(DuckDBBackend)`: cold {t_cold:.1f}s (cpu {cpu_cold:.1f}s),"
            f" warm best {t_warm:.1f}s (cpu {cpu_warm:.1f}s); 60 s target {target}",
            f"- hand-written single DuckDB query (exit standard + monitoring): {t_hand:.1f}s; "
            f"status mismatches vs engine {hand_bad}",
            f"- pandas ({pandas_how}): {t_pandas:.1f}s; mismatches {pandas_bad}",
            f"- per-household loop `evaluate_data`: {len(ids):,} households in {t_sample:.1f}s "
            f"→ {t_loop:,.0f}s extrapolated; mismatches {loop_bad}",
        ]
        if t_spark is not None:
            lines.append(
                f"- Spark local `evaluate_batch(SparkBackend)`: cold {t_spark:.1f}s; "
                f"mismatches {spark_bad}"
            )
        lines += [f"- ratios: {ratios}", ""]
        with open(ROOT / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write("\n".join(lines))
        print("appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
