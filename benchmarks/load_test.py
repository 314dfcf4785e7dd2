"""Load test: 50 users at once on a real WSGI server over PostgreSQL with 1,000,000 households.

Builds (or reuses, with ``--skip-load``) the demo registry in a scratch PostgreSQL database
``jingzhun_bench``, starts ``jingzhun serve`` (waitress, no worker) on a free port, and runs locust
headless (``benchmarks/locustfile.py``) for ``--duration`` seconds with ``--users`` simulated
users mixing the household list, search, the household page, saving a household through its form
and the REST API. Appends the p95 and the error count (target: p95 under 300 ms, 0 errors) with
the machine, its load and the command to benchmarks/RESULTS.md.

    .venv/bin/pip install -r benchmarks/requirements-load.txt
    .venv/bin/python benchmarks/load_test.py --households 1000000 --users 50 --duration 300
    (add --skip-load to reuse the database built before; --load-only to build and stop)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "jingzhun_bench"
BENCH_URL = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
# Passwords of the load users (the demo's logins get a new one: the demo password is public).
LOAD_PASSWORD = "Load-Test-2026-x"


DB = {"kind": "postgres"}  # --db: postgres (the target) or sqlite (a quick check of the script)


def environment() -> dict[str, str]:
    env = {**os.environ, "JINGZHUN_VAR_DIR": str(DATA / f"load-var-{DB['kind']}")}
    if DB["kind"] == "postgres":
        env["DATABASE_URL"] = BENCH_URL
    else:
        env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "jingzhun.settings"
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    # The load users sign in once; no lockout or password expiry gets in the way.
    env["JINGZHUN_LOGIN_FAILURE_LIMIT"] = "1000"
    return env


def jingzhun(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "jingzhun.cli", *args], check=True, env=environment())


def load(households: int) -> float:
    import psycopg

    if DB["kind"] == "postgres":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    else:
        database = DATA / "load-var-sqlite" / "jingzhun.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    jingzhun("migrate", "-v0")
    jingzhun("load_areas", "--province", "14")
    jingzhun("demo", "--households", str(households), "--seed", "1")
    if DB["kind"] == "postgres":
        with psycopg.connect(BENCH_URL, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def prepare_targets(per_role: int = 3000) -> dict:
    """Households, search words and logins the simulated users pick from, read once here so the
    load is only the requests themselves."""
    os.environ.update(environment())
    import django

    django.setup()
    from jingzhun.accounts.models import User
    from jingzhun.registry.models import Household

    rng = random.Random(11)
    readers = list(User.objects.filter(role__in=["city_viewer", "county_analyst"]))
    writers = list(User.objects.filter(role="county_approver"))
    for user in [*readers, *writers]:
        user.set_password(LOAD_PASSWORD)
        user.save(update_fields=["password", "password_changed_at"])
    writer = writers[0]
    county = writer.area.scope_prefix
    in_county = Household.objects.filter(village_code__startswith=county, is_deleted=False)
    top = in_county.order_by("-id").values_list("id", flat=True).first() or 0
    ids = sorted({rng.randint(1, top) for _ in range(per_role * 3)})
    rows = list(
        in_county.filter(id__in=ids).values_list("id", "head_name", "number")[: per_role * 2]
    )
    rng.shuffle(rows)
    return {
        "password": LOAD_PASSWORD,
        "readers": [u.username for u in readers],
        "writers": [u.username for u in writers],
        "households": [r[0] for r in rows[:per_role]],
        "editable": [r[0] for r in rows[per_role : per_role * 2]] or [r[0] for r in rows],
        "names": [r[1][:2] for r in rows if r[1]][:per_role],
        "numbers": [r[2][-6:] for r in rows][:per_role],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the server did not answer at {url}")


def run_locust(port: int, users: int, duration: int, threads: int, processes: int) -> dict:
    DATA.mkdir(parents=True, exist_ok=True)
    targets = DATA / "load-targets.json"
    targets.write_text(json.dumps(prepare_targets()), "utf-8")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jingzhun.cli",
            "serve",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--processes",
            str(processes),
            "--no-worker",
        ],
        env=environment(),
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/login/")
        prefix = DATA / "load"
        load_before = os.getloadavg()
        cpu_before = cpu_seconds(server.pid)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(max(1, users // 10)),
                "--run-time",
                f"{duration}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            check=False,
            env={**os.environ, "JINGZHUN_LOAD_TARGETS": str(targets)},
        )
        load_after = os.getloadavg()
        cpu_after = cpu_seconds(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    with (DATA / "load_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
    return {"rows": rows, "load_before": load_before, "load_after": load_after, "cpu": cpu}


def cpu_seconds(server: int) -> dict[str, float]:
    """CPU seconds used so far by the server (and its serving processes), by the PostgreSQL
    server's processes alive now, and by this script's finished children (locust)."""
    import resource

    import psutil

    def used(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system

    root = psutil.Process(server)
    database = sum(used(p) for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "server": used(root) + sum(used(p) for p in root.children(recursive=True)),
        "database": database,
        "locust": children.ru_utime + children.ru_stime,
    }


def report(result: dict, args: argparse.Namespace, load_seconds: float | None) -> str:
    rows = result["rows"]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    lines = [
        "",
        f"## Load test: {args.users} users, {args.duration} s, {args.db}, "
        f"{args.households:,} households ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before {result['load_before'][0]:.2f}, "
        f"after {result['load_after'][0]:.2f}",
        f"- server: `jingzhun serve --threads {args.threads} --processes {args.processes} "
        "--no-worker` (waitress), "
        f"{args.db} on the same machine; locust on the same machine",
        f"- command: `python benchmarks/load_test.py --db {args.db} --households {args.households} "
        f"--users {args.users} --duration {args.duration} --threads {args.threads} "
        f"--processes {args.processes}"
        f"{' --skip-load' if args.skip_load else ''}`",
    ]
    if load_seconds is not None:
        lines.append(f"- load (migrate + areas + demo): {load_seconds:,.0f} s")
    cpu = result["cpu"]
    available = args.duration * (os.cpu_count() or 1)
    lines.append(
        f"- CPU seconds during the run (of {available:,} on the machine): server "
        f"{cpu['server']:.0f}, PostgreSQL {cpu['database']:.0f} (its processes alive at the "
        f"end), locust {cpu['locust']:.0f}"
    )
    p95 = float(total["95%"])
    failures = int(total["Failure Count"])
    lines += [
        f"- **all requests: {int(total['Request Count']):,}, errors {failures}, "
        f"median {float(total['50%']):.0f} ms, p95 {p95:.0f} ms, p99 {float(total['99%']):.0f} ms, "
        f"{float(total['Requests/s']):.1f} requests/s** "
        f"(target p95 < 300 ms: {'met' if p95 < 300 else 'MISSED'}; "
        f"0 errors: {'met' if failures == 0 else 'MISSED'})",
        "",
        "| request | count | errors | median ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["Name"] == "Aggregated":
            continue
        lines.append(
            f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
            f"{float(r['50%']):.0f} | {float(r['95%']):.0f} | {float(r['99%']):.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--processes", type=int, default=1, help="serving processes (jingzhun serve --processes)"
    )
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="print only (a trial run)")
    args = parser.parse_args()
    DB["kind"] = args.db
    load_seconds = None if args.skip_load else load(args.households)
    if load_seconds is not None:
        print(f"loaded in {load_seconds:,.0f} s")
    if args.load_only:
        return
    result = run_locust(free_port(), args.users, args.duration, args.threads, args.processes)
    text = report(result, args, load_seconds)
    print(text)
    if not args.no_record:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
