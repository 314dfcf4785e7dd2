"""Benchmark data: a synthetic province written straight to a Parquet snapshot.

    .venv/bin/python benchmarks/synthetic_province.py --out DIR [--people 10000000] [--seed 1]
        [--year 2024] [--province 52] [--chunk-households 200000] [--check duckdb,spark]

Writes ``households``, ``members``, ``incomes``, ``risks``, ``conditions``, ``measures`` and
``areas`` in the snapshot's exact schema (:mod:`jingzhun.analytics.schema`, docs/snapshot.md)
plus ``manifest.json`` into DIR, so every batch backend reads it like a snapshot of the
registry (``DuckDBBackend(DIR)``, ``SparkBackend(DIR)``). No database is involved: this is how
the backends are measured at national scale (10,000,000 people ≈ 3,300,000 households) on a
machine whose registry holds far less.

The province: 10 cities, 100 counties, 1,000 townships and 15,000 villages of uneven size.
Households have 1–6 members (mean ≈ 3.0); about 75% are 脱贫户, 5% 监测户 and 20% ordinary.
Ages, relations, schooling (grade by age), health, labour skill, work, insurance, incomes (per
capita around the monitoring line of ``--year`` with a long upper tail), risks, conditions and
measures follow the registry's value lists (jingzhun/registry/choices.py) and agree with the
quality rules, except for a realistic sprinkling of the errors those rules look for (wrong check
digits, duplicated and missing ID numbers, children with labour, early eliminations, …). ID
numbers are valid GB 11643 numbers matching birth date, sex and county, unique across the
province. Thresholds (monitoring line, minimum months, ages, migrant pay) are the policy
parameters in force for the province in ``--year``, never literals.

Deterministic: the same ``--seed``, ``--people``, ``--year``, ``--province`` and
``--chunk-households`` give byte-identical data. Vectorised (numpy, pyarrow), one chunk of
households at a time (memory stays bounded by the chunk size, plus ~8 bytes per household of
plan and ~20 MB of ID counters). Prints the wall time and peak memory (``ru_maxrss``); with
``--check`` it then runs the quality checks (``run_checks``) on the written snapshot with each
named backend and prints their times and finding counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

import django

django.setup()

from jingzhun.analytics.schema import SCHEMA_VERSION, TABLES, arrow_schema  # noqa: E402
from jingzhun.core.idnumber import CHECK_CHARS, WEIGHTS  # noqa: E402
from jingzhun.policy.parameters import value  # noqa: E402
from jingzhun.registry import choices as c  # noqa: E402

CITIES, COUNTIES_PER_CITY, TOWNSHIPS_PER_COUNTY, VILLAGES_PER_TOWNSHIP = 10, 10, 10, 15
# Household sizes 1–6 (mean 3.02: 10,000,000 people ≈ 3,300,000 households).
SIZES = np.array([1, 2, 3, 4, 5, 6])
SIZE_WEIGHTS = np.array([15, 27, 22, 19, 11, 6], dtype=float)
TYPES = ("exited", "monitored", "ordinary")
TYPE_WEIGHTS = (0.75, 0.05, 0.20)
EPOCH = np.datetime64("1970-01-01", "D")
FIRST_BIRTH_YEAR = 1900
CENTS = 100

# Rates of the errors the quality rules look for (of members or of the households concerned).
ERRORS = {
    "wrong_check_digit": 0.0005,
    "missing_id": 0.0003,
    "duplicate_id": 0.0002,
    "child_with_labour": 0.01,
    "uninsured": 0.004,
    "early_elimination": 0.03,
    "eliminated_unsafe": 0.02,
    "eliminated_low_income": 0.02,
    "illness_risk_without_ill_member": 0.08,
    "size_mismatch": 0.01,
    "missing_income": 0.005,
}


def weighted(rng: np.random.Generator, values: Sequence, weights: Sequence[float], n: int):
    p = np.asarray(weights, dtype=float)
    return np.asarray(values)[rng.choice(len(p), size=n, p=p / p.sum())]


def strings(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow string array (a C++ take: no Python objects per row)."""
    return pc.take(pa.array(list(values), pa.string()), pa.array(index, pa.int32()))


def text(array: np.ndarray) -> pa.Array:
    """A numpy array of (few distinct) strings as an Arrow string array."""
    uniques, index = np.unique(array, return_inverse=True)
    return strings([str(u) for u in uniques], index)


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.int32(), mask=null).cast(pa.date32())


MONEY = pa.decimal128(14, 2)


def money(cents: np.ndarray, type_: pa.DataType = MONEY) -> pa.Array:
    """Integer cents as decimal128 with scale 2, exactly: a decimal128 value is the unscaled
    integer in 16 little-endian bytes, so the buffer is the cents and their sign extension."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(type_, len(cents), [None, pa.py_buffer(words.tobytes())])


def year_start(years: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of 1 January of each year."""
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = EPOCH + days.astype("timedelta64[D]")
    months = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def segment_any(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per household (members contiguous from ``starts``): is any member's flag set?"""
    return np.add.reduceat(flags.astype(np.int32), starts) > 0


def segment_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values.astype(np.int64), starts)


# --- the plan: areas, household sizes, villages --------------------------------------------------


class Province:
    """The areas and the household plan (size and village of every household)."""

    def __init__(self, people: int, seed: int, province: str, year: int) -> None:
        rng = np.random.default_rng([seed, 0])
        self.province = province
        self.year = year
        self.as_of = (np.datetime64(f"{year}-12-31") - EPOCH).astype(np.int64)
        rows = [(f"{province}0000", "合成省", 1, "")]
        villages: list[str] = []
        village_county: list[int] = []
        counties: list[str] = []
        for ci in range(1, CITIES + 1):
            city = f"{province}{ci:02d}00"
            rows.append((city, f"合成{ci}市", 2, f"{province}0000"))
            for ki in range(1, COUNTIES_PER_CITY + 1):
                county = f"{province}{ci:02d}{20 + ki:02d}"
                rows.append((county, f"合成{ci}市{ki}县", 3, city))
                for ti in range(1, TOWNSHIPS_PER_COUNTY + 1):
                    township = f"{county}{100 + ti:03d}"
                    rows.append((township, f"合成{ci}-{ki}县{ti}镇", 4, county))
                    for vi in range(1, VILLAGES_PER_TOWNSHIP + 1):
                        village = f"{township}{200 + vi:03d}"
                        rows.append((village, f"{ti}镇{vi}村", 5, township))
                        villages.append(village)
                        village_county.append(len(counties))
                counties.append(county)
        self.areas = pa.Table.from_pylist(
            [dict(zip(("code", "name", "level", "parent_code"), r, strict=True)) for r in rows],
            schema=arrow_schema("areas"),
        )
        self.villages = np.array(villages)
        self.village_county = np.array(village_county, dtype=np.int32)
        self.county_codes = np.array([int(code) for code in counties], dtype=np.int64)

        # Sizes of every household, cut so that the members add up to exactly ``people``.
        estimate = int(people / 3.0) + 1000
        sizes = weighted(rng, SIZES, SIZE_WEIGHTS, estimate).astype(np.int8)
        while int(sizes.sum(dtype=np.int64)) < people:
            sizes = np.concatenate([sizes, weighted(rng, SIZES, SIZE_WEIGHTS, 1000)])
        total = np.cumsum(sizes, dtype=np.int64)
        last = int(np.searchsorted(total, people))
        sizes = sizes[: last + 1]
        sizes[last] -= int(total[last] - people)
        self.sizes = sizes
        self.first_member = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)[:-1]])
        # Villages of uneven size (gamma weights), households numbered village by village.
        weights = rng.gamma(4.0, 1.0, len(villages))
        counts = np.floor(len(sizes) * weights / weights.sum()).astype(np.int64)
        counts[: len(sizes) - counts.sum()] += 1
        self.village_of = np.repeat(np.arange(len(villages), dtype=np.int32), counts)
        village_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.number_in_village = np.arange(len(sizes)) - village_start[self.village_of] + 1
        # ID sequence numbers used so far per (county, birth day, sex): 2 bytes each.
        self.first_day = int(year_start(np.array([FIRST_BIRTH_YEAR]))[0])
        days = int(self.as_of) - self.first_day + 1
        self.id_counters = np.zeros(len(counties) * days * 2, dtype=np.uint16)
        self.id_days = days

        def param(name: str) -> float:
            return float(value(name, on=year, area_code=f"{province}0000").value)

        self.threshold = param("monitoring_threshold")
        self.min_months = int(param("min_months_before_elimination"))
        self.migrant_min = param("migrant_min_monthly_income")
        self.school_min = int(param("compulsory_school_age_min"))
        self.school_max = int(param("compulsory_school_age_max"))
        self.labour_min = int(param("labour_age_min"))
        self.labour_max = int(param("labour_age_max"))

    @property
    def households(self) -> int:
        return len(self.sizes)


# --- one chunk of households ---------------------------------------------------------------------

RELATIONS = [str(v) for v in c.Relation.values]
R = {name: RELATIONS.index(name) for name in RELATIONS}
MALE_RELATIONS = {"son", "son_in_law", "grandson", "father"}
FEMALE_RELATIONS = {"daughter", "daughter_in_law", "granddaughter", "mother"}
GRADES = [f"primary_{k}" for k in range(1, 7)] + [f"grade_{k}" for k in range(7, 10)]
ETHNIC = [str(v) for v in c.Ethnicity.values]
ETHNIC_WEIGHTS = [88 if e == "han" else 12 / (len(ETHNIC) - 1) for e in ETHNIC]
CAUSES = [
    *("illness", "disability", "schooling", "lack_skills", "lack_funds", "lack_labour"),
    *("disaster", "lack_land", "lack_water", "poor_transport", "lack_motivation", "other"),
]
CAUSE_WEIGHTS = [42, 14, 10, 11, 9, 8, 2, 1, 1, 1, 0.7, 0.3]
RISKS = [str(v) for v in c.RiskType.values]
RISK_WEIGHTS = {
    "illness": 40,
    "unstable_employment": 12,
    "disability": 12,
    "schooling": 8,
    "lack_labour": 8,
    "accident": 6,
    "natural_disaster": 5,
    "industry_failure": 4,
    "unsafe_housing": 2,
    "unsafe_water": 1,
    "other": 2,
}


def generate_chunk(p: Province, chunk: int, lo: int, hi: int, seed: int) -> dict[str, pa.Table]:
    rng = np.random.default_rng([seed, 1, chunk])
    nh = hi - lo
    size = p.sizes[lo:hi].astype(np.int64)
    hid = np.arange(lo, hi, dtype=np.int64) + 1
    village = p.village_of[lo:hi]
    county = p.village_county[village]
    as_of = int(p.as_of)

    # Household type and procedure.
    htype = rng.choice(3, size=nh, p=TYPE_WEIGHTS)
    exited, monitored, ordinary = htype == 0, htype == 1, htype == 2
    from_exited = monitored & (rng.random(nh) < 0.55)  # 脱贫不稳定户 were 脱贫户 first
    registered = exited | from_exited
    n = int(size.sum())
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    member_of = np.repeat(np.arange(nh), size)
    position = np.arange(n) - starts[member_of]

    # Members: relation, sex and age from the head's.
    head_age = np.clip(rng.normal(55, 12, nh), 22, 92).astype(np.int64)
    head_male = rng.random(nh) < 0.85
    ha = head_age[member_of]
    u = rng.random(n)
    rel = np.full(n, R["son"])
    second = position == 1
    rel[second & (u < 0.82)] = R["spouse"]
    rel[second & (u >= 0.94) & (ha < 70)] = R["mother"]
    later = position >= 2
    rel[later & (u < 0.14) & (ha >= 50)] = R["grandson"]
    rel[later & (u >= 0.14) & (u < 0.20) & (ha >= 45)] = R["daughter_in_law"]
    rel[later & (u >= 0.20) & (u < 0.27) & (ha < 65)] = R["father"]
    rel[position == 0] = R["head"]
    child_female = rng.random(n) < 0.48
    rel[(rel == R["son"]) & child_female] = R["daughter"]
    rel[(rel == R["grandson"]) & child_female] = R["granddaughter"]
    rel[(rel == R["father"]) & child_female] = R["mother"]
    rel[(rel == R["daughter_in_law"]) & (rng.random(n) < 0.2)] = R["son_in_law"]
    gap = rng.integers(0, 100, n)
    age = np.select(
        [
            rel == R["head"],
            rel == R["spouse"],
            np.isin(rel, [R["son"], R["daughter"]]),
            np.isin(rel, [R["grandson"], R["granddaughter"]]),
            np.isin(rel, [R["father"], R["mother"]]),
        ],
        [
            ha,
            np.clip(ha + rng.integers(-6, 4, n), 18, 99),
            np.maximum(ha - 20 - gap % 19, gap % 4),
            np.maximum(ha - 44 - gap % 19, 0),
            np.minimum(ha + 20 + gap % 13, 100),
        ],
        np.clip(ha - 20 - gap % 16, 18, 99),  # children-in-law
    )
    male = np.where(
        rel == R["head"],
        head_male[member_of],
        np.where(rel == R["spouse"], ~head_male[member_of], ~child_female),
    )
    male[np.isin(rel, [R[r] for r in MALE_RELATIONS])] = True
    male[np.isin(rel, [R[r] for r in FEMALE_RELATIONS])] = False
    # Born in year (Y − age), so the age on 31 December of Y is exactly ``age``.
    birth = year_start(p.year - age) + rng.integers(0, 365, n)
    birth = np.minimum(birth, as_of)

    # ID numbers: county + yyyymmdd + sequence (odd for men) + check character, unique.
    by, bm, bd = ymd(birth)
    key = (county[member_of].astype(np.int64) * p.id_days + (birth - p.first_day)) * 2 + male
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]])
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start
    used = p.id_counters[key].astype(np.int64)
    slot = used + rank
    if slot.max(initial=0) >= 499:
        raise RuntimeError("more than 499 people of one county, birth day and sex")
    p.id_counters[sorted_key[first]] += np.diff(np.append(np.flatnonzero(first), n)).astype(
        np.uint16
    )
    sequence = 2 * slot + np.where(male, 1, 2)
    first17 = p.county_codes[county[member_of]] * 10**11 + (by * 10000 + bm * 100 + bd) * 1000
    first17 += sequence
    total = np.zeros(n, dtype=np.int64)
    rest = first17.copy()
    for weight in reversed(WEIGHTS):
        total += (rest % 10) * weight
        rest //= 10
    check = total % 11
    wrong = rng.random(n) < ERRORS["wrong_check_digit"]
    check[wrong] = (check[wrong] + 1) % 11
    ids = pc.binary_join_element_wise(
        pc.cast(pa.array(first17), pa.string()), strings(list(CHECK_CHARS), check), ""
    )
    take = np.arange(n)
    dup = np.flatnonzero(rng.random(n) < ERRORS["duplicate_id"])
    take[dup] = rng.integers(0, n, len(dup))
    ids = pc.take(ids, pa.array(take))
    missing = rng.random(n) < ERRORS["missing_id"]
    ids = pc.if_else(pa.array(missing), "", ids)

    # Schooling by age (grade from the age on 31 December), education, health, labour, work.
    compulsory = (age >= p.school_min) & (age <= p.school_max)
    status = np.full(n, "not_student", dtype=object)
    status[(age >= 3) & (age < p.school_min) & (rng.random(n) < 0.7)] = "preschool"
    v = rng.random(n)
    grade = np.clip(age - p.school_min, 0, len(GRADES) - 1)
    # The oldest compulsory age: still in 九年级 (late entry) or already in senior school.
    upper = (age > p.school_min + len(GRADES) - 1) & (v < 0.35)
    grade_status = np.asarray(GRADES, dtype=object)[grade]
    grade_status[upper & (v < 0.2)] = "senior_1"
    grade_status[upper & (v >= 0.2)] = "secondary_vocational"
    in_school = compulsory & (rng.random(n) >= 0.004)
    status[in_school] = grade_status[in_school]
    teen = (age > p.school_max) & (age <= 17)
    status[teen & (v < 0.55)] = np.asarray(["senior_1", "senior_2", "senior_3"], dtype=object)[
        np.clip(age[teen & (v < 0.55)] - 15, 0, 2)
    ]
    status[teen & (v >= 0.55) & (v < 0.75)] = "secondary_vocational"
    young = (age >= 18) & (age <= 22)
    status[young & (v < 0.12)] = "higher_vocational"
    status[young & (v >= 0.12) & (v < 0.22)] = "undergraduate"
    dropout = np.where(
        compulsory & ~in_school,
        weighted(
            rng, ["illness_disability", "study_difficulty", "financial", "work"], [4, 3, 2, 1], n
        ),
        "",
    )
    education = np.select(
        [
            status == "preschool",
            np.isin(status, GRADES[:6]),
            np.isin(status, GRADES[6:]),
            np.char.startswith(status.astype(str), "senior_"),
            status == "secondary_vocational",
            status == "higher_vocational",
            status == "undergraduate",
            age < 6,
            by < 1955,
            by < 1970,
            by < 1985,
        ],
        [
            *("preschool", "primary", "junior", "senior", "junior", "vocational", "senior", ""),
            weighted(rng, ["illiterate", "primary", "junior"], [40, 45, 15], n),
            weighted(rng, ["illiterate", "primary", "junior", "senior"], [10, 45, 40, 5], n),
            weighted(rng, ["primary", "junior", "senior", "vocational"], [25, 60, 10, 5], n),
        ],
        weighted(
            rng,
            ["primary", "junior", "senior", "vocational", "college", "bachelor"],
            [5, 55, 20, 10, 7, 3],
            n,
        ),
    )
    ill_odds = 0.03 + np.clip(age - 40, 0, 50) * 0.006
    h = rng.random(n)
    health = np.where(
        h < ill_odds * 0.65,
        "chronic",
        np.where(h < ill_odds * 0.85, "serious", np.where(h < ill_odds, "disabled", "healthy")),
    )
    student = status != "not_student"
    labour_age = (age >= p.labour_min) & (age <= p.labour_max)
    s = rng.random(n)
    skill = np.where(s < 0.8, "ordinary", "skilled")
    skill = np.where(health == "chronic", np.where(s < 0.6, "weak", "ordinary"), skill)
    skill = np.where(
        np.isin(health, ["serious", "disabled"]), np.where(s < 0.5, "lost", "weak"), skill
    )
    skill = np.where(
        age > p.labour_max, np.where(s < 0.5, "weak", np.where(s < 0.7, "lost", "none")), skill
    )
    skill = np.where((age < p.labour_min) | student, "none", skill)
    planted = (age >= 10) & (age < p.labour_min) & (rng.random(n) < ERRORS["child_with_labour"])
    skill[planted] = "ordinary"
    working = np.isin(skill, ["ordinary", "skilled", "weak"]) & ~student
    w = rng.random(n)
    work = np.where(
        working & labour_age,
        np.where(
            w < 0.35,
            "out_province",
            np.where(w < 0.55, "in_province", np.where(w < 0.8, "local", "not_working")),
        ),
        np.where(working & (w < 0.3), "local", "not_working"),
    )
    work = np.where((skill == "weak") & (work != "not_working") & (w < 0.5), "local", work)
    months = np.where(work == "not_working", 0, rng.integers(3, 13, n))
    months = np.where(np.isin(work, ["out_province", "in_province"]), np.maximum(months, 6), months)

    # Households: procedure fields.
    attr = np.where(registered, weighted(rng, ["general", "dibao", "tekun"], [70, 22, 8], nh), "")
    cause = np.where(registered, weighted(rng, CAUSES, CAUSE_WEIGHTS, nh), "")
    standard = np.where(registered, weighted(rng, ["national", "provincial"], [92, 8], nh), "")
    identified = year_start(np.full(nh, 2014)) + rng.integers(0, 730, nh)
    exit_year = weighted(rng, [2016, 2017, 2018, 2019, 2020], [18, 24, 28, 22, 8], nh)
    exited_on = year_start(exit_year) + rng.integers(300, 365, nh)
    category = np.where(
        monitored,
        np.where(
            from_exited,
            "unstable_exited",
            weighted(rng, ["marginal", "sudden_hardship"], [78, 22], nh),
        ),
        "",
    )
    first_year = max(2021, p.year - 4)
    mon_year = rng.integers(first_year, p.year + 1, nh)
    mon_on = np.minimum(year_start(mon_year) + rng.integers(0, 365, nh), as_of - 1)
    # Elimination: after the minimum months (a month taken as 31 days, plus margin), mostly.
    months_watched = rng.integers(p.min_months + 1, 30, nh)
    early = rng.random(nh) < ERRORS["early_elimination"]
    months_watched[early] = rng.integers(1, max(p.min_months, 2), early.sum())
    elim_on = mon_on + months_watched * 31
    member_working = working & labour_age
    has_labour = segment_any(member_working, starts)
    eliminated = monitored & (rng.random(nh) < 0.6) & (elim_on <= as_of) & has_labour
    risk_eliminated_null = ~monitored
    method = np.where(eliminated, weighted(rng, ["assisted", "natural"], [80, 20], nh), "")

    # Members: insurance, benefits.
    registered_m = registered[member_of]
    insured = rng.random(n) >= np.where(registered_m, ERRORS["uninsured"], 0.03)
    employee_med = insured & (work == "local") & (rng.random(n) < 0.05)
    resident_med = insured & ~employee_med
    serious_ins = resident_med & (rng.random(n) < 0.97)
    adult = age >= 16
    employee_pen = employee_med & adult
    resident_pen = adult & ~student & ~employee_pen & (rng.random(n) < 0.9)
    dibao_m = attr[member_of] == "dibao"
    tekun_m = attr[member_of] == "tekun"
    welfare = np.where(
        (registered_m | monitored[member_of]) & working & (rng.random(n) < 0.04),
        rng.integers(6, 13, n),
        0,
    )

    # Risks: monitored households, 1–3 kinds, consistent with members' health mostly.
    has_ill = segment_any(np.isin(health, ["chronic", "serious"]), starts)
    has_disabled = segment_any(health == "disabled", starts)
    mon_idx = np.flatnonzero(monitored)
    weights = np.tile(np.array([RISK_WEIGHTS[r] for r in RISKS], dtype=float), (len(mon_idx), 1))
    keep = ERRORS["illness_risk_without_ill_member"]
    weights[~has_ill[mon_idx], RISKS.index("illness")] *= keep
    weights[~has_disabled[mon_idx], RISKS.index("disability")] *= keep
    gumbel = np.log(weights) + rng.gumbel(size=weights.shape)
    ranked = np.argsort(-gumbel, axis=1)
    kinds = weighted(rng, [1, 2, 3], [60, 30, 10], len(mon_idx))
    risk_rows = [(mon_idx[kinds > k], ranked[kinds > k, k], k + 1) for k in range(3)]
    risk_h = np.concatenate([r[0] for r in risk_rows])
    risk_kind = np.concatenate([r[1] for r in risk_rows])
    risk_pos = np.concatenate([np.full(len(r[0]), r[2]) for r in risk_rows])
    order_r = np.lexsort((risk_pos, risk_h))
    risk_h, risk_kind, risk_pos = risk_h[order_r], risk_kind[order_r], risk_pos[order_r]
    remark = np.where(
        (risk_kind == RISKS.index("other")) & (rng.random(len(risk_h)) < 0.9), "突发家庭变故", ""
    )

    # Incomes: per capita around the monitoring line by type, with a long upper tail.
    line = p.threshold
    centre = np.select([exited, monitored & eliminated, monitored], [1.9, 1.6, 1.05], 2.6)
    spread = np.select([exited, monitored & eliminated, monitored], [0.3, 0.2, 0.3], 0.5)
    target_pc = line * np.exp(np.log(centre) + spread * rng.standard_normal(nh))
    low = eliminated & (rng.random(nh) < ERRORS["eliminated_low_income"])
    target_pc[low] = line * rng.uniform(0.6, 0.95, low.sum())
    household_size = size.copy()
    mismatch = rng.random(nh) < ERRORS["size_mismatch"]
    household_size[mismatch] += 1
    elderly = segment_sum(age >= 60, starts)
    money_c = lambda x: np.round(x * CENTS).astype(np.int64)  # noqa: E731
    pension = money_c(elderly * 12 * rng.uniform(150, 220, nh))
    dibao = money_c(np.where(attr == "dibao", size * 12 * rng.uniform(300, 500, nh), 0))
    tekun = money_c(np.where(attr == "tekun", size * 12 * rng.uniform(600, 900, nh), 0))
    planning = money_c(np.where(rng.random(nh) < 0.03, 960, 0))
    ecological = money_c(np.where(rng.random(nh) < 0.3, rng.uniform(100, 1500, nh), 0))
    other = money_c(np.where(rng.random(nh) < 0.1, rng.uniform(100, 2000, nh), 0))
    prop = money_c(np.where(rng.random(nh) < 0.15, rng.uniform(50, 3000, nh), 0))
    business = money_c(np.where(rng.random(nh) < 0.45, rng.lognormal(np.log(6000), 0.8, nh), 0))
    expense = money_c(business / CENTS * rng.uniform(0.2, 0.5, nh))
    compliant = money_c(
        np.where(
            has_ill,
            rng.uniform(500, 8000, nh),
            np.where(rng.random(nh) < 0.1, rng.uniform(0, 1000, nh), 0),
        )
    )
    transfer = pension + dibao + tekun + planning + ecological + other
    wage = money_c(target_pc * household_size) - (business - expense + prop + transfer)
    work_months = segment_sum(np.where(work != "not_working", months, 0), starts)
    floor = money_c(work_months * p.migrant_min * rng.uniform(1.2, 3.0, nh))
    wage = np.maximum(np.maximum(wage, 0), floor)
    net = wage + business + prop + transfer - expense
    per_capita = (2 * net + household_size) // (2 * household_size)  # half up, in cents
    has_income = rng.random(nh) >= np.where(ordinary, 0.3, ERRORS["missing_income"])

    # Conditions and measures.
    grade_h = weighted(rng, ["A", "B", "C", "D"], [60, 38.5, 1.0, 0.5], nh)
    safe_water = rng.random(nh) >= 0.01
    unsafe_ok = rng.random(nh) < ERRORS["eliminated_unsafe"]
    grade_h = np.where(eliminated & ~unsafe_ok & np.isin(grade_h, ["C", "D"]), "B", grade_h)
    safe_water = np.where(eliminated & ~unsafe_ok, True, safe_water)
    dangerous = np.isin(grade_h, ["C", "D"])
    has_conditions = rng.random(nh) >= 0.03
    vocational = segment_any(np.isin(status, ["secondary_vocational", "higher_vocational"]), starts)
    has_student = segment_any(student & (status != "preschool"), starts)
    migrants = segment_any(np.isin(work, ["out_province", "in_province"]), starts)
    welfare_h = segment_any(welfare > 0, starts)
    has_measures = (exited | monitored) & (rng.random(nh) < 0.9)
    r = lambda: rng.random(nh)  # noqa: E731
    education_aid = np.where(
        vocational & (r() < 0.95), "雨露计划", np.where(has_student & (r() < 0.5), "助学补助", "")
    )
    measures = {
        "industry_aid": np.where(r() < 0.55, "产业奖补", ""),
        "employment_aid": np.where(migrants & (r() < 0.5), "稳岗就业补贴", ""),
        "finance_aid": np.where(r() < 0.1, "小额信贷", ""),
        "public_job_aid": np.where(welfare_h, "公益性岗位", ""),
        "health_aid": np.where(has_ill & (r() < 0.8), "家庭医生签约服务", ""),
        "education_aid": education_aid,
        "housing_aid": np.where(dangerous & (r() < 0.6), "危房改造", ""),
        "basic_guarantee": np.select([attr == "dibao", attr == "tekun"], ["低保", "特困供养"], ""),
        "social_aid": np.where(r() < 0.05, "社会帮扶结对", ""),
        "infrastructure_aid": np.where(r() < 0.1, "道路硬化", ""),
        "living_conditions_aid": np.where(r() < 0.1, "改厕", ""),
    }

    year32 = np.full(nh, p.year, dtype=np.int32)
    village_codes = p.villages[village]
    number = pc.binary_join_element_wise(
        text(village_codes),
        pc.utf8_lpad(pc.cast(pa.array(p.number_in_village[lo:hi]), pa.string()), 4, "0"),
        "",
    )
    households = {
        "id": pa.array(hid),
        "number": number,
        "village_code": text(village_codes),
        "household_type": strings(TYPES, htype),
        "identification_standard": text(standard),
        "poverty_attribute": text(attr),
        "main_cause": text(cause),
        "identified_on": dates(identified, ~registered),
        "exit_year": pa.array(exit_year.astype(np.int32), pa.int32(), mask=~registered),
        "exited_on": dates(exited_on, ~registered),
        "monitoring_category": text(category),
        "monitoring_identified_on": dates(mon_on, ~monitored),
        "risk_eliminated": pa.array(eliminated, pa.bool_(), mask=risk_eliminated_null),
        "risk_eliminated_on": dates(elim_on, ~eliminated),
        "elimination_method": text(method),
        "no_labour_guarantee": pa.array(registered & ~has_labour & (r() < 0.5)),
        "member_count": pa.array(size.astype(np.int32)),
    }
    members = {
        "id": pa.array(p.first_member[lo] + np.arange(n, dtype=np.int64) + 1),
        "household_id": pa.array(hid[member_of]),
        "sex": strings(["F", "M"], male.astype(np.int8)),
        "id_type": strings(["resident_id"], np.zeros(n, dtype=np.int8)),
        "id_number": ids,
        "birth_date": dates(birth),
        "relation": strings(RELATIONS, rel),
        "ethnicity": strings(ETHNIC, weighted(rng, np.arange(len(ETHNIC)), ETHNIC_WEIGHTS, n)),
        "education": text(education),
        "student_status": text(status.astype(str)),
        "dropout_reason": text(dropout),
        "health": text(health),
        "labour_skill": text(skill),
        "work_status": text(work),
        "work_months": pa.array(months.astype(np.int32)),
        "resident_medical_insurance": pa.array(resident_med),
        "employee_medical_insurance": pa.array(employee_med),
        "serious_illness_insurance": pa.array(serious_ins),
        "resident_pension": pa.array(resident_pen),
        "employee_pension": pa.array(employee_pen),
        "dibao": pa.array(dibao_m),
        "tekun": pa.array(tekun_m),
        "public_welfare_months": pa.array(welfare.astype(np.int32)),
    }
    i = has_income
    incomes = {
        "household_id": pa.array(hid[i]),
        "year": pa.array(year32[i]),
        "household_size": pa.array(household_size[i].astype(np.int32)),
        "wage": money(wage[i]),
        "business": money(business[i]),
        "property_income": money(prop[i]),
        "dibao_benefit": money(dibao[i]),
        "tekun_benefit": money(tekun[i]),
        "pension_benefit": money(pension[i]),
        "family_planning_benefit": money(planning[i]),
        "ecological_compensation": money(ecological[i]),
        "other_transfer": money(other[i]),
        "business_expense": money(expense[i]),
        "compliant_out_of_pocket": money(compliant[i]),
        "transfer": money(transfer[i]),
        "net_income": money(net[i]),
        "per_capita_net": money(per_capita[i]),
    }
    risks = {
        "household_id": pa.array(hid[risk_h]),
        "position": pa.array(risk_pos.astype(np.int32)),
        "kind": strings(RISKS, risk_kind),
        "remark": text(remark),
    }
    k = has_conditions
    land = money(
        np.round(rng.lognormal(np.log(3.0), 0.7, nh) * CENTS).astype(np.int64)[k],
        pa.decimal128(9, 2),
    )
    conditions = {
        "household_id": pa.array(hid[k]),
        "year": pa.array(year32[k]),
        "cultivated_land_mu": land,
        "has_electricity": pa.array((r() >= 0.001)[k]),
        "road_hardened": pa.array((r() >= 0.05)[k]),
        "housing_area_m2": money(
            np.round(rng.uniform(20, 60, nh) * size * CENTS).astype(np.int64)[k],
            pa.decimal128(8, 2),
        ),
        "is_dangerous_house": pa.array(dangerous[k]),
        "housing_grade": text(grade_h[k]),
        "safe_drinking_water": pa.array(safe_water[k]),
        "water_difficulty": pa.array((~safe_water)[k]),
        "has_sanitary_toilet": pa.array((r() < 0.75)[k]),
        "is_relocated": pa.array((registered & (r() < 0.05))[k]),
    }
    m = has_measures
    measure_cols = {name: text(values[m]) for name, values in measures.items()}
    measure_table = {
        "household_id": pa.array(hid[m]),
        "year": pa.array(year32[m]),
        **measure_cols,
        "yulu_plan": pa.array(np.char.find(education_aid[m].astype(str), "雨露计划") >= 0),
    }
    out = {
        "households": households,
        "members": members,
        "incomes": incomes,
        "risks": risks,
        "conditions": conditions,
        "measures": measure_table,
    }
    return {
        name: pa.Table.from_arrays(
            [cols[col.name] for col in TABLES[name]], schema=arrow_schema(name)
        )
        for name, cols in out.items()
    }


# --- writing, measuring ------------------------------------------------------------------------


def write(p: Province, out: Path, seed: int, chunk_households: int) -> dict[str, int]:
    """Write every table into ``out`` (through a staging directory, moved into place at the
    end like the snapshot writer) and return the row counts."""
    out.mkdir(parents=True, exist_ok=True)
    staging = out / ".synthetic-staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    writers = {
        name: pq.ParquetWriter(staging / f"{name}.parquet", arrow_schema(name))
        for name in TABLES
        if name != "areas"
    }
    rows = dict.fromkeys(TABLES, 0)
    try:
        for chunk, lo in enumerate(range(0, p.households, chunk_households)):
            hi = min(lo + chunk_households, p.households)
            for name, table in generate_chunk(p, chunk, lo, hi, seed).items():
                writers[name].write_table(table)
                rows[name] += table.num_rows
            print(f"  households {hi:,}/{p.households:,}", flush=True)
    finally:
        for writer in writers.values():
            writer.close()
    pq.write_table(p.areas, staging / "areas.parquet")
    rows["areas"] = p.areas.num_rows
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "year": p.year,
        "area_code": f"{p.province}0000",
        "history": False,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "rows": rows,
        "tables": {t: f"{t}.parquet" for t in TABLES},
        "synthetic": {"seed": seed, "chunk_households": chunk_households},
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    for path in staging.iterdir():
        path.replace(out / path.name)
    staging.rmdir()
    return rows


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} cores, {mem:.0f} GB RAM; load average {load}"


def run_checks_on(kind: str, out: Path, year: int) -> None:
    """Time ``run_checks`` on the snapshot in ``out`` twice: cold (a new backend, first run in
    this process: the engine starts and, for Spark, its JVM compiles as it goes) and warm (a new
    backend again, everything loaded)."""
    from jingzhun.quality.batch import run_checks
    from jingzhun.quality.context import CheckContext

    def backend():
        if kind == "duckdb":
            from jingzhun.analytics.backend import DuckDBBackend

            return DuckDBBackend(out)
        from jingzhun.analytics.spark import SparkBackend

        return SparkBackend(out)

    if kind not in ("duckdb", "spark"):
        raise SystemExit(f"unknown backend {kind!r}: duckdb or spark")
    if kind == "spark":
        from jingzhun.analytics.spark import spark_master, spark_session

        started = time.perf_counter()
        spark_session()
        print(
            f"spark: session on {spark_master()} started in {time.perf_counter() - started:.1f} s"
        )
    ctx = CheckContext(year=year)
    for run in ("cold", "warm"):
        started = time.perf_counter()
        found = run_checks(backend(), ctx)
        seconds = time.perf_counter() - started
        print(f"{kind}: run_checks {run} {seconds:.1f} s, {found.num_rows:,} findings")
    counts = found.group_by("check_code").aggregate([("check_code", "count")]).to_pylist()
    listed = ", ".join(
        f"{r['check_code']} {r['check_code_count']:,}"
        for r in sorted(counts, key=lambda r: r["check_code"])
    )
    print(f"{kind}: findings per check: {listed}")
    print(f"{kind}: peak RSS of this Python process so far {peak_mb():,.0f} MB")
    if kind == "spark":
        from pyspark import SparkContext

        gateway = SparkContext._gateway
        status = Path(f"/proc/{gateway.proc.pid}/status") if gateway and gateway.proc else None
        if status and status.exists():
            hwm = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM"))
            print(f"spark: peak RSS of the Spark JVM {int(hwm.split()[1]) / 1024:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--province", default="52", help="two-digit province code")
    parser.add_argument("--chunk-households", type=int, default=200_000)
    parser.add_argument("--check", default="", help="backends to run the checks on: duckdb,spark")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data already in --out, only --check"
    )
    args = parser.parse_args()
    print(machine())
    if args.reuse:
        manifest = json.loads((args.out / "manifest.json").read_text())
        args.year = manifest["year"]
        print(f"reusing {args.out}: {manifest['rows']}")
    else:
        started = time.perf_counter()
        province = Province(args.people, args.seed, args.province, args.year)
        rows = write(province, args.out, args.seed, args.chunk_households)
        seconds = time.perf_counter() - started
        size = sum(f.stat().st_size for f in args.out.glob("*.parquet")) / 2**20
        print(f"rows: {rows}")
        print(
            f"generated {args.people:,} people in {rows['households']:,} households in "
            f"{seconds:.1f} s; {size:,.0f} MB of Parquet; peak RSS {peak_mb():,.0f} MB"
        )
    for kind in filter(None, (k.strip() for k in args.check.split(","))):
        run_checks_on(kind, args.out, args.year)


if __name__ == "__main__":
    main()
