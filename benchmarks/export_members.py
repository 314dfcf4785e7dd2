"""Benchmark: exporting ~1,000,000 members to CSV, xlsx and Parquet, against a naive baseline.

Needs a scratch database holding the demo dataset, e.g. (≈330,000 households ≈ 1,000,000
members; the demo writes a few hundred households per second on a busy 2-core machine)::

    export JINGZHUN_VAR_DIR=/tmp/jz_bench
    .venv/bin/jingzhun setup --no-demo && .venv/bin/jingzhun demo --households 330000
    .venv/bin/python benchmarks/export_members.py            # appends to benchmarks/RESULTS.md

(``DATABASE_URL`` may point at PostgreSQL instead.) Each measurement runs in a fresh child
process, so its peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own. Exported
as a 忻州市 administrator (scope: the whole dataset; full numbers), national layout (one row per
person, the widest export: area names, household, income, conditions and five risks joined).

* **streaming** (what ships): :func:`jingzhun.exports.service.export_to_file`: server-side
  iterator in chunks of 2,000, CSV in 64 KB chunks, XlsxWriter ``constant_memory``, Parquet in
  record batches of 50,000 rows.
* **naive** baseline: the same query fetched whole into a Python list first (what
  ``list(queryset)`` / ``pandas.DataFrame(list(...))`` does), then written: CSV and Parquet via
  a pandas DataFrame, xlsx through the same constant_memory writer from the list (an in-memory
  XlsxWriter/openpyxl workbook of a million rows does not fit this machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
USERNAME = "bench_exporter"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def bench_user():  # type: ignore[no-untyped-def]
    from jingzhun.accounts.models import User
    from jingzhun.accounts.roles import Role
    from jingzhun.areas.models import Area

    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        # A benchmark-only account (like the demo's); not a domain record.
        user = User(
            username=USERNAME,
            role=Role.ADMIN,
            area=Area.objects.get(code="140900"),
            full_name="【压测】导出",
        )
        user.set_unusable_password()
        user.save()
    return user


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(fmt: str, mode: str, out: Path) -> dict[str, object]:
    setup_django()
    from jingzhun.core.actions import Actor
    from jingzhun.exports.layouts import ExportSpec, build_table
    from jingzhun.exports.service import export_to_file

    user = bench_user()
    spec = ExportSpec(what="members", format=fmt, layout="national")
    started = time.perf_counter()
    if mode == "streaming":
        log = export_to_file(spec, actor=Actor(user=user, source="command"), path=out)
        rows = log.row_count
    else:
        table = build_table(user, spec)
        paths = [col.path for col in table.columns]
        raw = list(table.queryset.values_list(*paths))  # everything in memory first
        data = [tuple(f(v) for f, v in zip(table.converters, r, strict=True)) for r in raw]
        del raw
        rows = len(data)
        if fmt == "xlsx":
            from jingzhun.exports import writers

            table.rows = lambda: iter(data)  # type: ignore[method-assign]
            writers.write_xlsx(table, out)
        else:
            import pandas as pd

            frame = pd.DataFrame(data, columns=table.headers)
            del data
            if fmt == "csv":
                frame.to_csv(out, index=False, encoding="utf-8-sig")
            else:
                frame.to_parquet(out)
    seconds = time.perf_counter() - started
    return {
        "format": fmt,
        "mode": mode,
        "rows": rows,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "bytes": out.stat().st_size,
    }


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB; load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--formats", default="csv,parquet,xlsx")
    parser.add_argument("--out-dir", default=os.environ.get("JINGZHUN_VAR_DIR", "/tmp"))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-append", action="store_true")
    parser.add_argument("--one", nargs=2, metavar=("FORMAT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    out_dir = Path(args.out_dir)
    if args.one:
        fmt, mode = args.one
        print(json.dumps(run_one(fmt, mode, out_dir / f"bench-{mode}.{fmt}")))
        return
    results = []
    load_before = machine()
    for fmt in args.formats.split(","):
        for mode in ("streaming",) if args.no_baseline else ("streaming", "naive"):
            done = subprocess.run(
                [sys.executable, __file__, "--one", fmt, mode, "--out-dir", str(out_dir)],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(result, flush=True)
            results.append(result)
    lines = [
        "",
        f"## Export of members, national layout ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {load_before} (at start; shared and busy — other sessions' tests and",
        "benchmarks were running). Database: "
        + ("PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite")
        + f". Command: `JINGZHUN_VAR_DIR={os.environ.get('JINGZHUN_VAR_DIR', '')} "
        f".venv/bin/python benchmarks/export_members.py --formats {args.formats}`",
        "",
        "| format | mode | rows | seconds | peak RSS (MB) | file (MB) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['format']} | {r['mode']} | {r['rows']:,} | {r['seconds']} | "
            f"{r['peak_rss_mb']:,} | {r['bytes'] / 2**20:,.0f} |"
        )
    by = {(r["format"], r["mode"]): r for r in results}
    for fmt in args.formats.split(","):
        s, n = by.get((fmt, "streaming")), by.get((fmt, "naive"))
        if s and n:
            lines.append(
                f"\n{fmt}: streaming / naive — peak RSS {s['peak_rss_mb'] / n['peak_rss_mb']:.2f}×,"
                f" time {s['seconds'] / n['seconds']:.2f}×"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_append:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
