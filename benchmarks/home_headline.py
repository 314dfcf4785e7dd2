"""Benchmark: the home page's headline figures for a city viewer at 1,000,000 households.

The figures (households by type, 风险未消除, people) used to be one aggregate over the user's
households — a scan of the scope. They are now a sum over the villages' tallies
(``registry.VillageTally``), which database triggers keep with every household write. This
script builds a scratch SQLite database (or the PostgreSQL database ``jingzhun_headline``) with
``--households`` households spread over 2,000 villages of 忻州市 (each village's households
together, in village order, as the demo and a real registry write them), written by SQL from one
template household (so the triggers fill the tallies as any write would), then times, as the
city viewer:

* baseline: the former aggregate over the households (``households_for(user)``);
* the app: ``jingzhun.front.home.headline(user)`` (the tallies);

checks that both give the same figures, and appends a section to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/home_headline.py --households 1000000
    .venv/bin/python benchmarks/home_headline.py --db postgres --households 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "jingzhun_headline"
VILLAGES = 2000


def configure(db: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    var = HERE / "data" / "headline-var"
    os.environ["JINGZHUN_VAR_DIR"] = str(var)
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
    else:
        os.environ.pop("DATABASE_URL", None)
        for suffix in ("", "-wal", "-shm"):
            Path(str(var / "jingzhun.sqlite3") + suffix).unlink(missing_ok=True)


def build(households: int) -> float:
    """Villages, one template household, and ``households`` copies of it written by SQL."""
    from django.core.management import call_command
    from django.db import connection

    from jingzhun.areas.models import Area, Level
    from jingzhun.core.names import normalize_name
    from jingzhun.registry.models import Household

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_areas", province=["14"], stdout=open(os.devnull, "w"))  # noqa: SIM115
    # The city's townships (loaded with the area tree), with villages of our own beneath.
    townships = list(Area.objects.filter(level=Level.TOWNSHIP, code__startswith="1409"))
    per = VILLAGES // len(townships) + 1
    Area.objects.bulk_create(
        Area(
            code=f"{t.code}{i:03d}",
            name=f"基准村{i}",
            name_norm=normalize_name(f"基准村{i}"),
            level=Level.VILLAGE,
            parent=t,
        )
        for t in townships
        for i in range(1, per + 1)
    )
    villages = list(Area.objects.filter(level=Level.VILLAGE).order_by("code")[:VILLAGES])
    template = Household.objects.create(
        number="template",
        village=villages[0],
        village_code=villages[0].code,
        household_type="exited",
        member_count=3,
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_village (n integer, id integer, code varchar(15))")
        cursor.executemany(
            "INSERT INTO bench_village VALUES (%s, %s, %s)",
            [(i, v.pk, v.code) for i, v in enumerate(villages)],
        )
        columns = [f.column for f in Household._meta.concrete_fields if f.column != "id"]
        # Varying: the number, its village, type, monitoring category, risk, size.
        varying = {
            "number": "CAST(s.n AS varchar(32))",
            "number_rev": "''",
            "village_id": "v.id",
            "village_code": "v.code",
            "household_type": (
                "CASE WHEN s.n %% 10 < 6 THEN 'exited' WHEN s.n %% 10 < 8 THEN 'monitored'"
                " ELSE 'ordinary' END"
            ),
            "monitoring_category": (
                "CASE WHEN s.n %% 10 IN (6, 7) THEN 'unstable_exited' ELSE '' END"
            ),
            "risk_eliminated": "CASE WHEN s.n %% 20 = 6 THEN TRUE ELSE NULL END",
            "member_count": "1 + s.n %% 6",
        }
        select = ", ".join(varying.get(c, f"t.{c}") for c in columns)
        series = (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s)"
            if connection.vendor == "sqlite"
            else "WITH s(n) AS (SELECT generate_series(1, %s))"
        )
        cursor.execute(
            f"{series} INSERT INTO registry_household ({', '.join(columns)}) "
            f"SELECT {select} FROM s JOIN bench_village v "
            f"ON v.n = (s.n - 1) * {len(villages)} / %s "
            "CROSS JOIN registry_household t WHERE t.id = %s",
            [households, households, template.pk],
        )
        cursor.execute("DELETE FROM registry_household WHERE id = %s", [template.pk])
        cursor.execute("DROP TABLE bench_village")
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return time.perf_counter() - start


def scan_figures(user) -> dict[str, int]:
    """The former headline: one aggregate over the user's households."""
    from django.db.models import Count, Q, Sum

    from jingzhun.registry.queries import AT_RISK
    from jingzhun.registry.scoping import households_for

    counts = households_for(user).aggregate(
        total=Count("id"),
        exited=Count("id", filter=Q(household_type="exited")),
        monitored=Count("id", filter=Q(household_type="monitored")),
        ordinary=Count("id", filter=Q(household_type="ordinary")),
        at_risk=Count("id", filter=AT_RISK),
        people=Sum("member_count"),
    )
    return {k: v or 0 for k, v in counts.items()}


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median and p95 of ``repeat`` calls after one untimed call (imports, catalogues)."""
    result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    configure(args.db)
    import django

    django.setup()
    from jingzhun.accounts.models import User
    from jingzhun.areas.models import Area
    from jingzhun.front.home import headline

    load = os.getloadavg()
    seconds = build(args.households)
    city = Area.objects.get(code="140900")
    user = User.objects.create(username="bench_city", role="city_viewer", area=city)
    scan_ms, scan_p95, scan = timed(lambda: scan_figures(user), args.repeat)
    app_ms, app_p95, figures = timed(lambda: [f.value for f in headline(user)], args.repeat)
    expected = [
        scan["total"], scan["people"], scan["exited"], scan["monitored"], scan["at_risk"],
        scan["ordinary"],
    ]  # fmt: skip
    assert figures == expected, (figures, expected)
    assert scan["total"] == args.households
    lines = [
        "",
        f"## Home headline figures, {args.db}, {args.households:,} households "
        f"({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before {load[0]:.2f}, after "
        f"{os.getloadavg()[0]:.2f}",
        f"- command: `python benchmarks/home_headline.py --db {args.db} "
        f"--households {args.households}`",
        f"- data: {args.households:,} households over {VILLAGES:,} villages of 忻州市, written "
        f"by SQL (the triggers filled the tallies); built in {seconds:.0f} s",
        "- user: the city viewer (scope = every household); figures checked equal",
        "",
        "| what | median ms | p95 ms |",
        "|---|---:|---:|",
        f"| baseline: aggregate over the households (the former headline) | {scan_ms:.1f} | "
        f"{scan_p95:.1f} |",
        f"| app: sum of the villages' tallies (`front.home.headline`) | {app_ms:.1f} | "
        f"{app_p95:.1f} |",
        "",
        f"Ratio baseline ÷ app (median): {scan_ms / app_ms:.0f}×.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
