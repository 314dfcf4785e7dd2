"""Benchmark: the department cross-check's exact pass with every rule, set-based on DuckDB, for a
10,000,000-person registry snapshot against six department datasets of 1,000,000 records each —
against a hand-written DuckDB join doing the same exact matching (ID number equality, no rules).

    .venv/bin/python benchmarks/crosscheck_exact.py [--people 10000000] [--records 1000000]
        [--dir /tmp/xbench] [--keep]

The registry and the datasets are synthetic and seeded (DuckDB generates them straight into
Parquet in the snapshot's schema: members with ID numbers, births, health, labour and 低保/特困;
households with village, type and monitoring state): 70% of each dataset's records carry the ID
number of a registry member, the rest a number nobody has; amounts, categories and dates spread
over every rule's threshold. Timed:

* **screening**: ``crosscheck.screening.screen`` for the six datasets (deaths, medical stays,
  vehicles, students, house safety, disasters): exact join to members, households, labour
  counts and the counties' thresholds, then every rule of the kind; the alert candidates are
  counted (materialised, not just planned). Fresh DuckDB connection over the Parquet files.
* **hand-written join**: ``SELECT count(*) FROM dataset JOIN members USING (id_number)`` for
  each of the six datasets, same files, fresh connection.

The ratio is screening ÷ join. Appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django

django.setup()

import duckdb  # noqa: E402
import ibis  # noqa: E402

from jingzhun.analytics.backend import DuckDBBackend  # noqa: E402
from jingzhun.analytics.schema import TABLE_NAMES, arrow_schema  # noqa: E402
from jingzhun.crosscheck import screening  # noqa: E402

DATASETS = ("deaths", "medical_stays", "vehicles", "students", "house_safety", "disasters")
COUNTIES = [f"14{c:04d}" for c in range(901, 1000, 7)]  # 15 county codes
ON = dt.date(2026, 10, 1)


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores, {mem:.0f} GB RAM"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _empty_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name in TABLE_NAMES:
        empty = arrow_schema(name).empty_table()  # noqa: F841 (read by DuckDB below)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM empty")


def generate(directory: Path, people: int, records: int) -> None:
    """The synthetic snapshot and datasets, as Parquet, seeded."""
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    _empty_tables(con)
    households = people // 3
    counties = "[" + ",".join(f"'{c}'" for c in COUNTIES) + "]"
    con.execute(f"""
        INSERT INTO households BY NAME
        SELECT i AS id, lpad(i::VARCHAR, 12, '0') AS number,
               {counties}[1 + (i % {len(COUNTIES)})] || lpad(((i // 15) % 999999)::VARCHAR, 6, '0')
                   AS village_code,
               CASE WHEN i % 10 < 3 THEN 'exited' WHEN i % 10 = 3 THEN 'monitored'
                    ELSE 'ordinary' END AS household_type,
               CASE WHEN i % 10 < 4 THEN DATE '2015-06-01' END AS identified_on,
               CASE WHEN i % 10 = 3 THEN 'unstable_exited' ELSE '' END AS monitoring_category,
               CASE WHEN i % 10 = 3 THEN (i % 3 = 0) END AS risk_eliminated,
               3 AS member_count
        FROM range({households}) t(i)
    """)
    con.execute(f"""
        INSERT INTO members BY NAME
        SELECT i AS id, i // 3 AS household_id,
               'P' || lpad(i::VARCHAR, 17, '0') AS id_number,
               DATE '1940-01-01' + CAST(hash(i) % 30000 AS INTEGER) AS birth_date,
               CASE WHEN i % 3 = 0 THEN 'head' ELSE 'spouse' END AS relation,
               CASE WHEN hash(i + 1) % 20 = 0 THEN 'disabled' ELSE 'healthy' END AS health,
               CASE WHEN hash(i + 2) % 4 = 0 THEN 'none' ELSE 'ordinary' END AS labour_skill,
               hash(i + 3) % 15 = 0 AS dibao, hash(i + 4) % 40 = 0 AS tekun,
               CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END AS sex
        FROM range({households * 3}) t(i)
    """)
    for name in TABLE_NAMES:
        con.execute(f"COPY {name} TO '{directory / name}.parquet' (FORMAT parquet)")
    categories = {
        "students": "['enrolled', 'dropout', 'graduated']",
        "house_safety": "['A', 'B', 'C', 'D']",
    }
    for n, kind in enumerate(DATASETS):
        category = categories.get(kind)
        category_sql = f"{category}[1 + (hash(i + {n}) % 3)::INTEGER]" if category else "''"
        con.execute(f"""
            COPY (
              SELECT i AS rid,
                     CASE WHEN hash(i * 7 + {n}) % 10 < 7
                          THEN 'P' || lpad((hash(i + {n}) % {households * 3})::VARCHAR, 17, '0')
                          ELSE 'Q' || lpad(i::VARCHAR, 17, '0') END AS id_number,
                     DATE '{ON.isoformat()}' AS event_date,
                     (hash(i + {n * 13}) % 40000)::DOUBLE AS amount,
                     {category_sql} AS category
              FROM range({records}) t(i)
            ) TO '{directory / kind}.parquet' (FORMAT parquet)
        """)
    con.close()


def screening_run(directory: Path) -> tuple[float, int]:
    started = time.perf_counter()
    backend = DuckDBBackend(directory)
    limits = screening.thresholds(COUNTIES, ON)
    total = 0
    for kind in DATASETS:
        records = backend.con.read_parquet(directory / f"{kind}.parquet", table_name=f"ds_{kind}")
        expr = screening.screen(backend, kind, records, limits).count()
        total += int(backend.con.execute(expr))
    return time.perf_counter() - started, total


def join_run(directory: Path) -> tuple[float, int]:
    started = time.perf_counter()
    con = duckdb.connect()
    total = 0
    for kind in DATASETS:
        total += con.execute(
            f"SELECT count(*) FROM '{directory / kind}.parquet' d "
            f"JOIN '{directory / 'members'}.parquet' m USING (id_number)"
        ).fetchone()[0]
    con.close()
    return time.perf_counter() - started, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", default="/tmp/xbench")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the generated files")
    args = parser.parse_args()
    directory = Path(args.dir)
    if not (args.keep and (directory / "members.parquet").exists()):
        shutil.rmtree(directory, ignore_errors=True)
        started = time.perf_counter()
        generate(directory, args.people, args.records)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    load_before = load()
    screen_s, alerts = screening_run(directory)
    join_s, matched = join_run(directory)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    ibis.options.interactive = False
    line = (
        f"screening {screen_s:.1f} s ({alerts:,} alert candidates); hand-written join "
        f"{join_s:.1f} s ({matched:,} matched records); ratio {screen_s / join_s:.2f}; "
        f"peak RSS {peak:.1f} GB"
    )
    print(line)
    section = f"""
## Department cross-check, exact pass and all rules on DuckDB ({dt.date.today().isoformat()})

- Machine: {machine()}; load average before/after: {load_before} / {load()}
- Command: `.venv/bin/python benchmarks/crosscheck_exact.py --people {args.people} \
  --records {args.records}`
- Data: synthetic snapshot of {args.people:,} people ({args.people // 3:,} households in
  {len(COUNTIES)} counties) against six datasets of {args.records:,} records
  ({", ".join(DATASETS)}); 70% of records carry a registry member's ID number.
- Result: {line}. Target: under 60 s.
"""
    with (Path(__file__).resolve().parent / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write(section)


if __name__ == "__main__":
    main()
