"""Benchmark: probabilistic linkage at scale — department records without ID numbers against a
registry of people, on DuckDB (and Spark local mode with ``--backend spark``).

    .venv/bin/python benchmarks/linkage_scale.py [--people 1000000] [--backend duckdb|spark]

The data is benchmarks/linkage_accuracy.py's labelled Chinese set (seeded) at ``--people``
registry members: 70% of them appear in the department table written as departments write
names and dates (traditional characters, homophones, one-character typos, every date form),
plus a third as many people not in the registry, a third of them namesakes in the same village.
Every department ID number is removed: the whole department table is linked probabilistically
(name, pinyin, birth date, sex, village), blocking on the name and birth year, or on birth
date and sex. Timed: one ``link()`` call (normalising, blocking,
training, scoring). Reported: seconds, the process's peak RSS, precision, recall and F1.
Targets (issue 11): 1,000,000 against 1,000,000 in under 2 minutes, peak memory under 8 GB.
Appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django

django.setup()

from linkage_accuracy import CHINESE_MAPPING, chinese_dataset, peak_mb, score  # noqa: E402

from jingzhun.linkage.linker import link  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"])
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    left, right, truth = chinese_dataset(args.people)
    right["身份证号"] = None
    # At a million people, blocking on a name alone compares every 王秀英 with every other
    # (hundreds of millions of pairs): pairs are compared when the name and the birth year
    # agree (a date written day-first or mistyped still meets), or the birth date and sex (a
    # typo or homophone in the name is still compared through the date).
    mapping = dataclasses.replace(
        CHINESE_MAPPING,
        fields=tuple(f for f in CHINESE_MAPPING.fields if f.kind != "id_number"),
        blocking=(("name", "birth_date.year"), ("birth_date", "sex")),
    )
    print(f"data: {len(left):,} vs {len(right):,} in {time.perf_counter() - started:.0f} s")
    load_before = "/".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    links = link(left, right, mapping, backend=args.backend)
    seconds = time.perf_counter() - started
    predicted = {(str(a), str(b)) for a, b in zip(links.left_id, links.right_id, strict=True)}
    s = score(predicted, truth)
    line = (
        f"{len(left):,} registry vs {len(right):,} department records (no IDs), "
        f"{args.backend}: {seconds:.1f} s, peak RSS {peak_mb() / 1024:.1f} GB; precision "
        f"{s.precision:.4f}, recall {s.recall:.4f}, F1 {s.f1:.4f} ({s.predicted:,} links)"
    )
    print(line)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load_after = "/".join(f"{x:.1f}" for x in os.getloadavg())
    section = f"""
## Probabilistic linkage at scale ({dt.date.today().isoformat()})

- Machine: {platform.node()}: {os.cpu_count()} cores, {mem:.0f} GB RAM; load average
  before/after: {load_before} / {load_after}
- Command: `.venv/bin/python benchmarks/linkage_scale.py --people {args.people} \\
  --backend {args.backend}`
- Result: {line}. Targets: under 120 s and 8 GB at 1,000,000 × 1,000,000.
"""
    with (Path(__file__).resolve().parent / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write(section)


if __name__ == "__main__":
    main()
