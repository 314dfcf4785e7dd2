"""Benchmark: the registry's pages at 1,000,000 households on SQLite and PostgreSQL.

Loads the demo dataset (``jingzhun demo --households N``) into a scratch database, then requests
each page in-process through Django's test client (the full stack: middleware, scoping, queries,
templates; no network) as the 忻州市 city viewer, whose scope is the whole dataset:

* list, first page
* list, deep keyset page (``after`` = an id 99% of the way through), and the OFFSET baseline
  for the same page (what keyset pagination replaces), with the ratio
* search by name (a member's full name), search by ID number
* "search as people search" (jingzhun.registry.queries): name prefix (a name's first two
  characters), pinyin initials, the last 4 characters of an ID number (allowed to every role),
  the last 6 characters of an ID number and of a phone number (as the city administrator: the
  city viewer sees numbers masked and may search by 4 only), a household-number start (the
  township's 9 digits) and end (5 digits)
* household detail

For each: median and p95 over ``--requests`` requests, and the query count per request (with
page sizes 10 and 50, to show it does not grow with the rows shown). Appends a section to
benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/registry_pages.py --db postgres --households 1000000
    .venv/bin/python benchmarks/registry_pages.py --db sqlite --households 1000000
    (add --skip-load to reuse a database loaded before; --no-record for a smoke run that
    prints the table without appending it to RESULTS.md)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "jingzhun_bench"


def configure(db: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    os.environ["JINGZHUN_VAR_DIR"] = str(HERE / "data" / "var")
    if db == "postgres":
        os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
    else:
        os.environ.pop("DATABASE_URL", None)


def ensure_pg_database(recreate: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_BENCH_DB]
        ).fetchone()
        if exists and recreate:
            conn.execute(f"DROP DATABASE {PG_BENCH_DB} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")


def load(db: str, households: int) -> float:
    if db == "sqlite":
        sqlite_file = HERE / "data" / "var" / "jingzhun.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(sqlite_file) + suffix).unlink(missing_ok=True)
    else:
        ensure_pg_database(recreate=True)
    jingzhun = [sys.executable, "-m", "jingzhun.cli"]
    start = time.perf_counter()
    subprocess.run([*jingzhun, "migrate", "-v0"], check=True)
    subprocess.run([*jingzhun, "load_areas", "--province", "14"], check=True)
    subprocess.run([*jingzhun, "demo", "--households", str(households), "--seed", "1"], check=True)
    if db == "postgres":
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        import sqlite3

        with sqlite3.connect(HERE / "data" / "var" / "jingzhun.sqlite3") as conn:
            conn.execute("ANALYZE")
    return time.perf_counter() - start


def timed(client, url: str, params: dict) -> float:
    start = time.perf_counter()
    response = client.get(url, params)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, params, response.status_code)
    return elapsed


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def run(db: str, requests: int) -> list[tuple[str, float, float, int, int]]:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jingzhun.accounts.models import User
    from jingzhun.registry.models import Household, Member
    from jingzhun.registry.search_keys import name_initials, phone_digits

    settings.ALLOWED_HOSTS = ["testserver"]
    rng = random.Random(7)
    user = User.objects.get(username="shi")  # city viewer: the whole dataset is in scope
    client = Client()
    client.force_login(user)
    # The city administrator: the same scope, and sees (so may search by) 6-digit tails.
    numbers_client = Client()
    numbers_client.force_login(User.objects.get(username="admin"))
    list_url = reverse("household_list")
    total = Household.objects.count()
    deep_row = Household.objects.order_by("village_code", "id").values_list("village_code", "id")[
        int(total * 0.99)
    ]
    deep_after = f"{deep_row[0]}-{deep_row[1]}"
    max_id = Household.objects.order_by("-id").values_list("id", flat=True).first()
    sample_ids = [rng.randint(1, max_id) for _ in range(requests * 2)]
    members = list(
        Member.objects.filter(household_id__in=sample_ids[: requests * 2]).values_list(
            "name", "id_number", "household_id", "phone", "household__phone", "household__number"
        )[:requests]
    )
    names = [m[0] for m in members]
    id_numbers = [m[1] for m in members if m[1]]
    households = [m[2] for m in members]
    prefixes = [name[:2] for name in names]
    initials = [name_initials(name) for name in names]
    phones = [phone_digits(m[3] or m[4]) for m in members if phone_digits(m[3] or m[4])]
    number_starts = [m[5][:9] for m in members]
    number_ends = [m[5][-5:] for m in members]

    def q(values: list[str], i: int) -> dict[str, str]:
        return {"q": values[i % len(values)]}

    def offset_baseline() -> float:
        # What OFFSET pagination costs for the same deep page (the baseline keyset replaces).
        from jingzhun.registry.scoping import households_for

        start = time.perf_counter()
        list(
            households_for(user)
            .select_related("village")
            .order_by("id")[int(total * 0.99) : int(total * 0.99) + 50]
        )
        return (time.perf_counter() - start) * 1000

    cases = {
        "list, first page": lambda i: timed(client, list_url, {}),
        "list, deep keyset page (99%)": lambda i: timed(client, list_url, {"after": deep_after}),
        "search by name": lambda i: timed(client, list_url, {"q": names[i % len(names)]}),
        "search by ID number": lambda i: timed(
            client, list_url, {"q": id_numbers[i % len(id_numbers)]}
        ),
        "search by name prefix (2 chars)": lambda i: timed(client, list_url, q(prefixes, i)),
        "search by pinyin initials": lambda i: timed(client, list_url, q(initials, i)),
        "search by ID tail (4)": lambda i: timed(
            client, list_url, {"q": id_numbers[i % len(id_numbers)][-4:]}
        ),
        "search by ID tail (6), admin": lambda i: timed(
            numbers_client, list_url, {"q": id_numbers[i % len(id_numbers)][-6:]}
        ),
        "search by phone tail (6), admin": lambda i: timed(
            numbers_client, list_url, {"q": phones[i % len(phones)][-6:]}
        ),
        "search by household-number start": lambda i: timed(client, list_url, q(number_starts, i)),
        "search by household-number end (5)": lambda i: timed(client, list_url, q(number_ends, i)),
        "household detail": lambda i: timed(
            client, reverse("household_detail", args=[households[i % len(households)]]), {}
        ),
        "home: worklist and figures": lambda i: timed(client, reverse("home"), {}),
        "list by type, with its total": lambda i: timed(
            client, list_url, {"household_type": "monitored"}
        ),
        "baseline: deep OFFSET query (99%)": lambda i: offset_baseline(),
    }
    count_params = {
        "list, first page": (list_url, {}),
        "list, deep keyset page (99%)": (list_url, {"after": deep_after}),
        "search by name": (list_url, {"q": names[0]}),
        "search by ID number": (list_url, {"q": id_numbers[0]}),
        "search by name prefix (2 chars)": (list_url, q(prefixes, 0)),
        "search by pinyin initials": (list_url, q(initials, 0)),
        "search by ID tail (4)": (list_url, {"q": id_numbers[0][-4:]}),
        "search by household-number start": (list_url, q(number_starts, 0)),
        "search by household-number end (5)": (list_url, q(number_ends, 0)),
        "household detail": (reverse("household_detail", args=[households[0]]), {}),
        "home: worklist and figures": (reverse("home"), {}),
        "list by type, with its total": (list_url, {"household_type": "monitored"}),
    }
    results = []
    for label, call in cases.items():
        for i in range(5):  # warm-up
            call(i)
        samples = [call(i) for i in range(requests)]
        median, p95 = stats(samples)
        queries = {}
        if label in count_params:
            url, params = count_params[label]
            for size in (10, 50):
                settings.JINGZHUN_PAGE_SIZE = size
                with CaptureQueriesContext(connection) as ctx:
                    client.get(url, params)
                queries[size] = len(ctx)
            settings.JINGZHUN_PAGE_SIZE = 50
        results.append((label, median, p95, queries.get(10, -1), queries.get(50, -1)))
        print(f"{db:8s} {label:36s} median {median:8.1f} ms  p95 {p95:8.1f} ms  queries {queries}")
    return results


def machine() -> str:
    with open("/proc/meminfo") as fh:
        mem_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, {python}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="print the results without appending them to RESULTS.md (smoke runs)",
    )
    args = parser.parse_args()
    configure(args.db)
    load_seconds = None if args.skip_load else load(args.db, args.households)
    results = run(args.db, args.requests)
    from jingzhun.registry.models import Household, Member

    counts = (Household.objects.count(), Member.objects.count())
    command = " ".join(["python", "benchmarks/registry_pages.py", *sys.argv[1:]])
    lines = [
        f"\n### Registry pages on {args.db}, {counts[0]:,} households / {counts[1]:,} members",
        "",
        f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; machine: {machine()}",
        f"- command: `{command}`",
        f"- load (migrate + areas + demo): {load_seconds:.0f} s"
        if load_seconds
        else "- load: reused",
        f"- user: city viewer (scope = all households); {args.requests} requests per page,"
        " in-process test client",
        "",
        "| page | median ms | p95 ms | queries (10 rows) | queries (50 rows) |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, median, p95, q10, q50 in results:
        q10s = str(q10) if q10 >= 0 else "—"
        q50s = str(q50) if q50 >= 0 else "—"
        lines.append(f"| {label} | {median:.1f} | {p95:.1f} | {q10s} | {q50s} |")
    keyset = next(r for r in results if r[0].startswith("list, deep keyset"))
    offset = next(r for r in results if r[0].startswith("baseline"))
    lines.append("")
    lines.append(
        f"Deep page, OFFSET query alone vs the whole keyset page request (median): "
        f"{offset[1] / keyset[1]:.1f}× slower."
    )
    print("\n".join(lines))
    if args.no_record:
        print("(--no-record: not appended to RESULTS.md)")
        return
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
