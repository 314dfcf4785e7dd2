"""Benchmark: import a national-format xlsx of N person rows end to end into a scratch SQLite.

    .venv/bin/python benchmarks/import_national.py [--rows 100000] [--baseline-rows 3000]
        [--keep] [--append]

Generates the file (two title rows, header on row 3, one row per person, household fields
repeated; 3 persons per household over 100 villages of 五台县 that do not exist yet, so the
villages are created and reported), then times: upload (store + hash), validate (read → normalise
→ match → preview) and apply (new households through the registry's bulk action, the same
validation and audit entries as the forms, in one transaction). Reports wall time per phase, the
ratio to the issue's 60 s target and the peak resident memory of the process (ru_maxrss). In the
same run, a second file of ``--baseline-rows`` rows is applied one household at a time through the
per-record actions (what the import did before the bulk action) for the per-row ratio.
``--append`` adds the result to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 60.0
TARGET_MEMORY_MB = 1536.0


def generate(
    path: Path, rows: int, township_names: list[str], seed: int = 7, first: int = 0
) -> int:
    import xlsxwriter

    from jingzhun.core.idnumber import make_id_number
    from jingzhun.demo.vocab import SURNAMES

    rng = random.Random(seed)
    surnames = [s for s, _ in SURNAMES]
    given = "建国秀英小明红梅志强丽娟海军桂兰春生玉兰金花德胜永红"
    header = [
        "序号",
        "县(市、区、旗)",
        "乡(镇)",
        "行政村",
        "户编号",
        "姓名",
        "证件类型",
        "证件号码",
        "性别",
        "出生日期",
        "民族",
        "与户主关系",
        "文化程度",
        "在校生状况",
        "健康状况",
        "劳动技能",
        "户类型",
        "监测对象类别",
        "识别监测时间",
        "风险是否已消除",
        "致贫/返贫风险1",
        "人均纯收入（元）",
        "工资性收入",
        "生产经营性收入",
        "财产性收入",
        "转移性收入",
        "生产经营性支出",
        "合规自付支出",
        "是否参加城乡居民基本医疗保险",
        "是否参加大病保险",
        "是否参加城乡居民基本养老保险",
        "享受低保政策情况",
        "公益性岗位(月数)",
        "务工所在地",
        "是否危房户",
        "是否解决安全饮用水",
        "是否有卫生厕所",
        "耕地面积（亩）",
        "产业帮扶",
    ]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("（自定义）监测对象信息")
    sheet.write(0, 0, "防止返贫监测信息系统 监测对象信息（基准测试数据）")
    sheet.write(1, 0, f"共{rows}条")
    sheet.write_row(2, 0, header)
    # ``first``: households and persons are numbered from there (a second file that does not
    # collide with the first).
    r, seq, household_no = 3, first * 3, first
    while r - 3 < rows:
        household_no += 1
        township = township_names[household_no % len(township_names)]
        village = f"基准{household_no % 100:02d}村"
        number = f"1409229{household_no:08d}"
        monitored = household_no % 10 == 0
        size = min(3, rows - (r - 3))
        wage, business, transfer, expense = (
            rng.randrange(6000, 40000, 100),
            rng.randrange(0, 12000, 100),
            rng.randrange(0, 4000, 100),
            rng.randrange(0, 3000, 100),
        )
        per_capita = round((wage + business + transfer - expense) / size, 2)
        head_birth = dt.date(1950 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 28))
        people = [
            ("户主", "男", head_birth),
            ("配偶", "女", head_birth + dt.timedelta(days=700)),
            ("之子", "男", head_birth + dt.timedelta(days=9000)),
        ][:size]
        for relation, sex, birth in people:
            seq += 1
            sequence = (seq % 500) * 2 + (1 if sex == "男" else 0)
            area = f"1409{(seq // 500) % 100:02d}"
            sheet.write_row(
                r,
                0,
                [
                    r - 2,
                    "五台县",
                    township,
                    village,
                    number,
                    rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                    "居民身份证",
                    make_id_number(area, birth, sequence % 1000),
                    sex,
                    birth.isoformat(),
                    "汉族",
                    relation,
                    "初中",
                    "非在校生",
                    "健康",
                    "普通劳动力",
                    "监测户" if monitored else "脱贫户",
                    "边缘易致贫户" if monitored else "",
                    "2022-05-01" if monitored else "",
                    "否" if monitored else "",
                    "因病" if monitored else "",
                    f"{per_capita:,.2f}",
                    f"{wage:,}",
                    business,
                    0,
                    transfer,
                    expense,
                    0,
                    "是",
                    "是",
                    "是",
                    "否",
                    0,
                    "",
                    "否",
                    "是",
                    "是",
                    rng.randrange(0, 10),
                    "",
                ],
            )
            r += 1
    book.close()
    return household_no - first


def one_by_one(scratch: Path, rows: int, townships: list[str], user, offset: int) -> float:
    """Seconds per row to apply ``rows`` new rows household by household through the registry's
    one-by-one actions (what every import did before the bulk action), after validation."""
    from django.db import transaction

    from jingzhun.core.actions import Actor
    from jingzhun.imports import actions

    path = scratch / "baseline.xlsx"
    generate(path, rows, townships, seed=11, first=offset + 1000)
    actor = Actor(user=user, source="import")
    with path.open("rb") as stream:
        upload = actions.do_create_upload(
            actor=actor, stream=stream, original_name=path.name, kind="national", year=2023
        )
    plan = actions._plan(upload, 0, 100, quality=False)
    t0 = time.perf_counter()
    with transaction.atomic():
        for household_plan in plan.households:
            if household_plan.action == "create":
                actions._apply_household(household_plan, actor, 2023, {})
    return (time.perf_counter() - t0) / rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--append", action="store_true", help="append to benchmarks/RESULTS.md")
    parser.add_argument("--validate-only", action="store_true", help="stop after the preview")
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=3000,
        help="also apply a file of this many rows one household at a time through the "
        "per-record actions (the path before the bulk action), in the same run, for the ratio",
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="jz-import-bench-"))
    os.environ["JINGZHUN_VAR_DIR"] = str(scratch)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    os.environ["JINGZHUN_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.JINGZHUN_IMPORT_MAX_ROWS = max(args.rows, 200_000)
    from jingzhun.accounts.models import User
    from jingzhun.areas.loading import load_divisions_into_db
    from jingzhun.areas.models import Area
    from jingzhun.audit.models import AuditEntry
    from jingzhun.core.actions import Actor
    from jingzhun.imports import actions
    from jingzhun.registry.models import Household, Member

    call_command("migrate", verbosity=0)
    load_divisions_into_db(["14"])
    county = Area.objects.get(code="140922")
    townships = [a.name for a in Area.objects.filter(parent=county).order_by("code")[:5]]
    user = User(username="bench", role="admin", area=county, full_name="基准")
    user.set_unusable_password()
    user.save()

    path = scratch / "national.xlsx"
    t0 = time.perf_counter()
    households = generate(path, args.rows, townships)
    t_generate = time.perf_counter() - t0
    print(
        f"generated {args.rows} rows / {households} households in {t_generate:.1f}s "
        f"({path.stat().st_size / 1e6:.1f} MB)"
    )

    actor = Actor(user=user, source="command")
    t0 = time.perf_counter()
    with path.open("rb") as stream:
        upload = actions.do_create_upload(
            actor=actor, stream=stream, original_name=path.name, kind="national", year=2023
        )
    t_upload = time.perf_counter() - t0
    t0 = time.perf_counter()
    upload = actions.do_validate_upload(upload)
    t_validate = time.perf_counter() - t0
    print(f"validate: {t_validate:.1f}s  status={upload.status} counts={upload.counts}")
    if args.validate_only:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"validate-only: upload {t_upload:.1f}s validate {t_validate:.1f}s; "
            f"peak RSS {peak_mb:.0f} MB"
        )
        if not args.keep:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
        return
    t0 = time.perf_counter()
    actions.do_request_apply(upload, actor=actor)
    upload = actions.do_apply_upload(upload)
    t_apply = time.perf_counter() - t0
    total = t_upload + t_validate + t_apply
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {k: v for k, v in upload.result.items() if k != "late_refusals"}
    print(f"apply: {t_apply:.1f}s  status={upload.status} result={result}")
    print(
        f"households={Household.objects.count()} members={Member.objects.count()} "
        f"audit entries={AuditEntry.objects.count()}"
    )
    print(
        f"TOTAL {total:.1f}s (target {TARGET_SECONDS:.0f}s, ratio {total / TARGET_SECONDS:.2f}x); "
        f"peak RSS {peak_mb:.0f} MB (target {TARGET_MEMORY_MB:.0f} MB)"
    )
    baseline = ""
    if args.baseline_rows:
        per_row_bulk = t_apply / args.rows
        per_row_single = one_by_one(scratch, args.baseline_rows, townships, user, households)
        baseline = (
            f"- baseline, same run: {args.baseline_rows:,} rows applied one household at a time "
            f"through the per-record actions: {per_row_single * 1000:.2f} ms per row vs "
            f"{per_row_bulk * 1000:.3f} ms per row in bulk: **{per_row_single / per_row_bulk:.0f}× "
            f"faster**\n"
        )
        print(baseline.strip())
    if args.append:
        cores = os.cpu_count()
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        load = os.getloadavg()
        with (ROOT / "benchmarks" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(
                f"\n## Import of a national-format xlsx ({args.rows:,} person rows) — "
                f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n"
                f"- machine: {platform.machine()}, {cores} cores, {mem_gb:.1f} GB RAM, "
                f"Python {platform.python_version()}, load average at end "
                f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}\n"
                f"- command: `.venv/bin/python benchmarks/import_national.py --rows {args.rows} "
                f"--baseline-rows {args.baseline_rows} --append` (scratch SQLite)\n"
                f"- file: {path.stat().st_size / 1e6:.1f} MB, {households:,} households, generated "
                f"in {t_generate:.1f} s (not counted)\n"
                f"- upload {t_upload:.1f} s · validate (read, normalise, match, preview) "
                f"{t_validate:.1f} s · apply (bulk action with audit, one transaction) "
                f"{t_apply:.1f} s\n"
                f"- **total {total:.1f} s** vs target {TARGET_SECONDS:.0f} s: ratio "
                f"{total / TARGET_SECONDS:.2f}× the target; peak RSS {peak_mb:.0f} MB vs "
                f"{TARGET_MEMORY_MB:.0f} MB\n"
                f"- result: {result}; audit entries written: {AuditEntry.objects.count():,}\n"
                + baseline
            )
    if not args.keep:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"scratch kept in {scratch}")


if __name__ == "__main__":
    main()
