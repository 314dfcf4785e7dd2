"""Benchmark: the batch quality run on DuckDB over the snapshot, against the same checks run
household by household through the ORM.

Needs a scratch database holding the demo dataset (1,000,000 households ≈ 3,000,000 members;
the demo writes a few hundred households per second on a busy 2-core machine)::

    export JINGZHUN_VAR_DIR=/tmp/qbench
    .venv/bin/jingzhun setup --no-demo && .venv/bin/jingzhun demo --households 1000000
    .venv/bin/jingzhun migrate
    .venv/bin/python benchmarks/quality_batch.py [--year 2025] [--orm-sample 3000]

Measured in one process, one after the other:

* **snapshot**: ``write_snapshot`` of the whole registry (Parquet, streamed) — reported apart;
* **duckdb cold**: ``run_checks`` on the snapshot in a fresh DuckDB connection, including the
  one-off compilation of the checks' SQL; **duckdb warm**: the same again (compiled SQL cached,
  what every later run in a worker process costs);
* **orm**: the same checks through the ORM row by row — ``findings_for_household`` (the
  entry-time evaluation: one household's rows loaded with ~6 queries, then the Python checks) —
  timed on a random sample of households and extrapolated to all of them, since running it over
  a million households takes hours. The ratio is orm ÷ duckdb (cold, and snapshot + cold).

Appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

from jingzhun.analytics.backend import DuckDBBackend  # noqa: E402
from jingzhun.analytics.snapshot import write_snapshot  # noqa: E402
from jingzhun.quality.batch import run_checks  # noqa: E402
from jingzhun.quality.context import CheckContext, default_year  # noqa: E402
from jingzhun.quality.entry import findings_for_household  # noqa: E402
from jingzhun.registry.models import Household  # noqa: E402


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} cores, {mem:.0f} GB RAM; load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=default_year())
    parser.add_argument("--orm-sample", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=Path(settings.VAR_DIR) / "bench-snapshot")
    parser.add_argument("--skip-snapshot", action="store_true")
    args = parser.parse_args()
    ctx = CheckContext(year=args.year)
    print(machine())

    started = time.perf_counter()
    if not args.skip_snapshot:
        info = write_snapshot(year=args.year, out=args.out)
        print(f"snapshot: {info.rows}")
    t_snapshot = time.perf_counter() - started
    print(f"snapshot {t_snapshot:.1f}s")

    started = time.perf_counter()
    found = run_checks(DuckDBBackend(args.out), ctx)
    t_cold = time.perf_counter() - started
    started = time.perf_counter()
    again = run_checks(DuckDBBackend(args.out), ctx)
    t_warm = time.perf_counter() - started
    assert again.num_rows == found.num_rows
    households = Household.objects.filter(is_deleted=False).count()
    print(
        f"duckdb: {found.num_rows:,} findings over {households:,} households; "
        f"cold {t_cold:.1f}s, warm {t_warm:.1f}s"
    )

    ids = list(Household.objects.filter(is_deleted=False).values_list("id", flat=True))
    sample = random.Random(1).sample(ids, min(args.orm_sample, len(ids)))
    started = time.perf_counter()
    orm_findings = 0
    for household in Household.objects.filter(id__in=sample).iterator(chunk_size=500):
        orm_findings += len(findings_for_household(household, year=args.year))
    t_sample = time.perf_counter() - started
    t_orm = t_sample / len(sample) * households
    print(
        f"orm: {len(sample):,} households in {t_sample:.1f}s "
        f"({orm_findings:,} findings) → {t_orm:,.0f}s extrapolated"
    )
    ratio_cold = t_orm / t_cold
    # With --skip-snapshot the snapshot time is unknown here: the last ratio then omits it.
    ratio_total = t_orm / (t_cold + t_snapshot)
    print(
        f"ratio orm/duckdb: {ratio_cold:.0f}× (cold), {t_orm / t_warm:.0f}× (warm), "
        f"{ratio_total:.0f}× including the snapshot"
    )

    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    lines = [
        "",
        f"## Batch quality run — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- machine: {machine()}",
        f"- command: `JINGZHUN_VAR_DIR={settings.VAR_DIR} .venv/bin/python "
        f"benchmarks/quality_batch.py --year {args.year} --orm-sample {args.orm_sample}` "
        f"(database: {db})",
        f"- data: {households:,} households; snapshot rows "
        f"{info.rows if not args.skip_snapshot else '(reused)'}",
        f"- snapshot (Parquet, streamed from the database): {t_snapshot:.1f} s"
        if not args.skip_snapshot
        else "- snapshot: reused (--skip-snapshot)",
        f"- DuckDB batch, {found.num_rows:,} findings: cold {t_cold:.1f} s "
        f"(includes compiling the checks' SQL), warm {t_warm:.1f} s",
        f"- ORM row by row (findings_for_household), sample of {len(sample):,} households: "
        f"{t_sample:.1f} s → {t_orm:,.0f} s extrapolated to {households:,}",
        f"- ratio ORM ÷ DuckDB: **{ratio_cold:.0f}×** cold, {t_orm / t_warm:.0f}× warm, "
        f"{ratio_total:.0f}× counting the snapshot as well",
    ]
    results = Path(__file__).resolve().parent / "RESULTS.md"
    with results.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
