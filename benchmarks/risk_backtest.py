"""Benchmark: the visit-risk ranking's held-out-year backtest on the demo registry.

    .venv/bin/python benchmarks/risk_backtest.py [--households 20000] [--seed S] [--year 2024]
        [--var DIR] [--reuse] [--append]

Loads the deterministic demo (``jingzhun.demo.generator.load_demo``) into its own SQLite
database under ``--var`` (default ``/tmp/risk-bench-<households>``; with ``--reuse`` an
existing one is kept), writes the history snapshot, trains on the feature years before
``--year`` and scores ``--year`` against its outcomes in ``--year`` + 1
(``jingzhun.risk.backtest.backtest``): AUC and precision among the top 5% for the model and for
the income rule, calibration. Prints the report as JSON; ``--append`` adds a section to
benchmarks/RESULTS.md with the date, load and figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--var", default="")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    var = Path(args.var or f"/tmp/risk-bench-{args.households}")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["JINGZHUN_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from jingzhun.analytics.backend import open_backend
    from jingzhun.areas.loading import load_divisions_into_db
    from jingzhun.demo import generator
    from jingzhun.registry.models import Household
    from jingzhun.risk.backtest import backtest

    call_command("migrate", interactive=False, verbosity=0)
    load_divisions_into_db()
    started = time.perf_counter()
    if not (args.reuse and Household.objects.exists()):
        kwargs = {"seed": args.seed} if args.seed is not None else {}
        generator.load_demo(args.households, **kwargs)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    backend = open_backend("duckdb", year=args.year + 1, history=True, reuse=args.reuse)
    report = backtest(backend, args.year)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["load_seconds"] = round(load_seconds, 1)
    report["households_loaded"] = Household.objects.count()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.append:
        _append(args, report)


def _figures(name: str, figures: dict) -> list[str]:
    lines = []
    for subset, title in (("all", "all households"), ("not_monitored", "not monitored at cut-off")):
        f = figures[subset]
        m, b = f["model"], f["baseline"]
        ratio = f"{m['precision_top5'] / b['precision_top5']:.2f}×" if b["precision_top5"] else "—"
        lines.append(
            f"| {name} | {title} | {f['households']} | {f['outcomes']} | {m['auc']} | "
            f"{b['auc']} | {m['precision_top5']} | {b['precision_top5']} | {ratio} |"
        )
    return lines


def _append(args: argparse.Namespace, report: dict) -> None:
    date = subprocess.run(["date"], capture_output=True, text=True).stdout.strip()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    command = "python benchmarks/risk_backtest.py " + " ".join(sys.argv[1:])
    lines = [
        "",
        f"## Visit-risk ranking backtest — {date}",
        "",
        f"Machine: 2 cores, 24 GB, shared with another engineer; load before the run: `{load}`.",
        f"Command: `{command}` ({report['households_loaded']} demo households, "
        f"features of {report['year']} → outcomes of {report['outcome_year']}, "
        f"trained on {report['training_years']}: {report['training_rows']} rows, "
        f"outcome rate {report['training_outcome_rate']}; backtest {report['seconds']} s).",
        "",
        "| model | households | n | outcomes | AUC | AUC income rule | precision top 5% | "
        "income rule top 5% | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, figures in report["models"].items():
        lines.extend(_figures(name, figures))
    lines.append("")
    lines.append("| model | Brier | Brier of the base rate |")
    lines.append("|---|---|---|")
    for name, figures in report["models"].items():
        cal = figures["calibration"]
        lines.append(f"| {name} | {cal['brier']} | {cal['base_rate_brier']} |")
    first = next(iter(report["models"]))
    lines.append("")
    lines.append(f"Reliability ({first}, 10 bins of predicted probability):")
    lines.append("")
    lines.append("| bin | households | mean predicted | observed |")
    lines.append("|---|---|---|---|")
    for row in report["models"][first]["calibration"]["reliability"]:
        lines.append(
            f"| {row['bin']} | {row['households']} | {row['predicted']} | {row['observed']} |"
        )
    with (ROOT / "benchmarks" / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
