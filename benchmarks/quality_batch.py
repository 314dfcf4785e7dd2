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
  one-off compilation of the checks' SQL; **duckdb warm**: the same again ``--warm-runs`` times,
  each in a fresh connection (compiled SQL cached, what every later run in a worker process
  costs): best and median. Each run also reports the process's CPU seconds (DuckDB's threads
  included), which the load of other jobs on a shared machine changes far less than the wall
  time;
* **orm**: the same checks through the ORM row by row — ``findings_for_household`` (the
  entry-time evaluation: one household's rows loaded with ~6 queries, then the Python checks) —
  timed on a random sample of households and extrapolated to all of them, since running it over
  a million households takes hours. The ratio is orm ÷ duckdb (cold, and snapshot + cold). The
  sample's findings are compared with the batch's for the same households (they must be equal).

Appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django
import pyarrow as pa

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


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def timed_run(directory: Path, ctx: CheckContext) -> tuple[pa.Table, float, float]:
    """One batch run in a fresh DuckDB connection: findings, wall seconds, CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    found = run_checks(DuckDBBackend(directory), ctx)
    return found, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=default_year())
    parser.add_argument("--orm-sample", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=Path(settings.VAR_DIR) / "bench-snapshot")
    parser.add_argument("--skip-snapshot", action="store_true")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    ctx = CheckContext(year=args.year)
    print(machine())

    started = time.perf_counter()
    if not args.skip_snapshot:
        info = write_snapshot(year=args.year, out=args.out)
        print(f"snapshot: {info.rows}")
    t_snapshot = time.perf_counter() - started
    print(f"snapshot {t_snapshot:.1f}s")

    load_before = load()
    found, t_cold, cpu_cold = timed_run(args.out, ctx)
    warm = []
    for _ in range(max(args.warm_runs, 1)):
        again, seconds, cpu = timed_run(args.out, ctx)
        assert again.num_rows == found.num_rows
        warm.append((seconds, cpu))
    load_after = load()
    t_warm = min(s for s, _ in warm)
    t_warm_median = statistics.median(s for s, _ in warm)
    cpu_warm = min(c for _, c in warm)
    households = Household.objects.filter(is_deleted=False).count()
    print(
        f"duckdb: {found.num_rows:,} findings over {households:,} households; "
        f"cold {t_cold:.1f}s (cpu {cpu_cold:.1f}s), warm best {t_warm:.1f}s, median "
        f"{t_warm_median:.1f}s (cpu {cpu_warm:.1f}s); load {load_before} → {load_after}"
    )

    ids = list(Household.objects.filter(is_deleted=False).values_list("id", flat=True))
    sample = random.Random(1).sample(ids, min(args.orm_sample, len(ids)))
    started = time.perf_counter()
    orm_keys: set[tuple] = set()
    for household in Household.objects.filter(id__in=sample).iterator(chunk_size=500):
        orm_keys.update(f.key for f in findings_for_household(household, year=args.year))
    t_sample = time.perf_counter() - started
    orm_findings = len(orm_keys)
    in_sample = set(sample)
    batch_keys = {
        (r["check_code"], r["household_id"], r["member_id"])
        for r in found.to_pylist()
        if r["household_id"] in in_sample
    }
    agree = "identical" if batch_keys == orm_keys else "DIFFERENT"
    print(f"sample findings, orm vs duckdb: {agree} ({orm_findings:,} vs {len(batch_keys):,})")
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
        f"benchmarks/quality_batch.py {' '.join(sys.argv[1:])}` (database: {db})",
        f"- data: {households:,} households; snapshot rows "
        f"{info.rows if not args.skip_snapshot else '(reused)'}",
        f"- snapshot (Parquet, streamed from the database): {t_snapshot:.1f} s"
        if not args.skip_snapshot
        else "- snapshot: reused (--skip-snapshot)",
        f"- DuckDB batch, {found.num_rows:,} findings: **cold {t_cold:.1f} s** (includes "
        f"compiling the checks' SQL; {cpu_cold:.1f} s CPU), warm best {t_warm:.1f} s / median "
        f"{t_warm_median:.1f} s of {len(warm)} ({cpu_warm:.1f} s CPU); load average "
        f"{load_before} before, {load_after} after",
        f"- target 20 s: cold run at {t_cold / 20:.0%} of it, warm at {t_warm / 20:.0%}",
        f"- ORM row by row (findings_for_household), sample of {len(sample):,} households: "
        f"{t_sample:.1f} s → {t_orm:,.0f} s extrapolated to {households:,}; the sample's "
        f"findings and the batch's for the same households: {agree} "
        f"({orm_findings:,} / {len(batch_keys):,})",
        f"- ratio ORM ÷ DuckDB: **{ratio_cold:.0f}×** cold, {t_orm / t_warm:.0f}× warm, "
        f"{ratio_total:.0f}× counting the snapshot as well",
    ]
    results = Path(__file__).resolve().parent / "RESULTS.md"
    with results.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
