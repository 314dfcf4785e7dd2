"""The catalogue of data-quality checks (问题数据校验规则).

Each check is ONE definition (code, Chinese title, severity, level, fields read, rationale)
carrying its two evaluations side by side:

* ``entry(facts)`` — pure Python over one household's plain dicts (forms, API, import preview);
  returns ``[(member or None, detail)]``;
* ``batch(frames)`` — a set-based Ibis expression over the snapshot tables returning rows
  ``(household_id, member_id, details)``; never a Python loop over rows.

The property test in tests/quality/test_agreement.py generates households (valid and with planted
errors) and proves both give exactly the same findings. Thresholds come from the dated policy
parameters, joined per county (``p_*`` columns, see :mod:`jingzhun.quality.context`).

Village checks (level ``village``, codes ``Q-V-…``) look at all the households of one village at
once, so they have no per-household entry evaluation: ``entry(village_facts)`` takes a
:class:`VillageFacts` (every household of one village) and ``batch(frames)`` returns rows
``(village_code, details)``. Their findings belong to the village (no household, no member).
:func:`runnable_checks` lists the per-household checks (entry warnings, import previews, the main
batch union); :func:`village_checks` the village ones, evaluated by
:func:`village_findings_expr` in batch and by ``jingzhun.quality.entry.village_findings_for_data``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from jingzhun.registry import choices as c
from jingzhun.registry.models import MEASURE_FIELDS

Row = dict[str, Any]
EntryHit = tuple[Row | None, str]

ERROR, WARNING = "error", "warning"
MEMBER, HOUSEHOLD, VILLAGE = "member", "household", "village"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提示"}
LEVEL_LABELS = {MEMBER: "成员", HOUSEHOLD: "户", VILLAGE: "村"}

PLACEHOLDER_RE = "^(" + "|".join(f"{d}{{6}}" for d in range(10)) + ")"
ID18_RE = "^[0-9]{17}[0-9X]$"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MIGRANT_STATUSES = (c.WorkStatus.MIGRANT_OUT_PROVINCE.value, c.WorkStatus.MIGRANT_IN_PROVINCE.value)
WORKING_LABOUR = tuple(sorted(str(x) for x in c.WORKING_LABOUR))
ILL_HEALTH = (c.Health.CHRONIC.value, c.Health.SERIOUS.value)
COMPULSORY = tuple(sorted(str(x) for x in c.COMPULSORY_STATUSES))
VOCATIONAL = (c.StudentStatus.SECONDARY_VOCATIONAL.value, c.StudentStatus.HIGHER_VOCATIONAL.value)
# Every measure family but 综合保障 (兜底): the "development" side a household with labour needs.
NON_GUARANTEE_MEASURES = tuple(f for f in MEASURE_FIELDS if f != "basic_guarantee")
# The household types whose yearly income must be recorded (Q-H-043, Q-V-002).
INCOME_REQUIRED_TYPES = ("exited", "monitored")
YOUNGER_GENERATION = (
    "son",
    "daughter",
    "son_in_law",
    "daughter_in_law",
    "grandson",
    "granddaughter",
    "great_grandchild",
)
OLDER_GENERATION = ("father", "mother", "parent_in_law", "grandparent")
RELATION_SEX = {str(k): str(v) for k, v in c.RELATION_SEX.items()}

# 在校生状况 → the 文化程度 values that agree with it (the stage attended, or the one just
# completed, since forms are filled either way).
_PRIMARY = [s for s in c.StudentStatus.values if s.startswith("primary_")]
EDUCATION_FOR_STATUS: dict[str, tuple[str, ...]] = {
    "preschool": ("preschool", "illiterate"),
    **{s: ("primary", "preschool", "illiterate") for s in _PRIMARY},
    **{s: ("junior", "primary") for s in ("grade_7", "grade_8", "grade_9")},
    **{s: ("senior", "junior") for s in ("senior_1", "senior_2", "senior_3")},
    "secondary_vocational": ("vocational", "junior"),
    "higher_vocational": ("college", "senior", "vocational"),
    "undergraduate": ("bachelor", "college", "senior", "vocational"),
}


@dataclass
class Facts:
    """One household prepared for the entry-time checks."""

    household: Row
    members: list[Row]  # each with "age" (on the reference day) added
    income: Row | None  # the review year's
    conditions: Row | None  # the review year's
    risks: list[Row]
    params: dict[str, Any]
    year: int
    duplicate_keys: frozenset[tuple[str, str]] = frozenset()
    measures: Row | None = None  # the review year's 帮扶措施

    @property
    def heads(self) -> list[Row]:
        return [m for m in self.members if m.get("relation") == "head"]


@dataclass
class Frames:
    """The snapshot tables prepared for the batch checks (same names and meanings as Facts)."""

    households: ir.Table  # + county_code and the p_* parameter columns
    members: ir.Table  # + age, household_type, monitoring_category and p_* columns
    incomes: ir.Table  # the review year's
    conditions: ir.Table  # the review year's
    risks: ir.Table
    year: int
    measures: ir.Table  # the review year's 帮扶措施


@dataclass
class VillageFacts:
    """One village prepared for the village checks: every household of the village (each as the
    entry-time checks see it), the village's county parameters, the review year."""

    village_code: str
    households: list[Facts]
    params: dict[str, Any]
    year: int


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    severity: str
    level: str
    fields: tuple[str, ...]
    rationale: str
    field: str  # the form field an entry-time warning sits beside
    needs: str = ""  # data the check needs and the registry does not hold yet
    # Facts → hits for member and household checks; VillageFacts → hits for village checks.
    entry: Callable[[Any], list[EntryHit]] | None = None
    batch: Callable[[Frames], ir.Table] | None = None
    parameters: tuple[str, ...] = field(default_factory=tuple)

    @property
    def runnable(self) -> bool:
        return not self.needs and self.entry is not None and self.batch is not None

    @property
    def per_village(self) -> bool:
        """Evaluated over all the households of a village (batch runs only, not at entry)."""
        return self.level == VILLAGE

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


CATALOGUE: dict[str, Check] = {}
_pending: dict[str, dict[str, Any]] = {}


def check(
    code: str,
    title: str,
    *,
    severity: str,
    level: str,
    fields: tuple[str, ...],
    rationale: str,
    field: str,
    parameters: tuple[str, ...] = (),
    needs: str = "",
) -> Callable[[Callable[[Facts], list[EntryHit]]], Callable[[Facts], list[EntryHit]]]:
    """Register a check with its entry-time evaluation; :func:`batch_of` adds the batch one."""

    def register(fn: Callable[[Facts], list[EntryHit]]) -> Callable[[Facts], list[EntryHit]]:
        CATALOGUE[code] = Check(
            code, title, severity, level, fields, rationale, field, needs, fn, None, parameters
        )
        return fn

    return register


def batch_of(code: str) -> Callable[[Callable[[Frames], ir.Table]], Callable[[Frames], ir.Table]]:
    def register(fn: Callable[[Frames], ir.Table]) -> Callable[[Frames], ir.Table]:
        existing = CATALOGUE[code]
        CATALOGUE[code] = Check(**{**existing.__dict__, "batch": fn})
        return fn

    return register


def not_yet_available(
    code: str, title: str, *, level: str, fields: tuple[str, ...], rationale: str, needs: str
) -> None:
    """A catalogue entry whose data the registry does not hold yet: listed, never run, never
    faked."""
    CATALOGUE[code] = Check(code, title, WARNING, level, fields, rationale, fields[0], needs)


# --- shared pieces: each written once for Python and once for Ibis ---------------------------


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - (1 if (birth.month, birth.day) > (day.month, day.day) else 0)


def age_expr(birth: ir.DateValue, day: dt.date) -> ir.IntegerValue:
    later = (birth.month() * 100 + birth.day()) > (day.month * 100 + day.day)
    return (day.year - birth.year() - ibis.ifelse(later, 1, 0)).cast("int32")


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months with the day clamped to the month's end (as DuckDB and PostgreSQL do)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _members(m: ir.Table, condition: ir.BooleanValue, details: Any = "") -> ir.Table:
    m = m.filter(condition)
    return m.select(
        household_id=m.household_id,
        member_id=m.id.cast("int64"),
        details=ibis.literal(details) if isinstance(details, str) else details,
    )


def _households(h: ir.Table, condition: ir.BooleanValue | None = None) -> ir.Table:
    if condition is not None:
        h = h.filter(condition)
    return h.select(
        household_id=h.id,
        member_id=ibis.null().cast("int64"),
        details=ibis.literal(""),
    )


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _id_ok(member: Row) -> bool:
    """A resident ID present, not a placeholder, of the right shape."""
    number = _s(member.get("id_number"))
    return (
        member.get("id_type") == "resident_id"
        and re.match(ID18_RE, number) is not None
        and re.match(PLACEHOLDER_RE, number) is None
    )


def id_checksum_expr(m: ir.Table) -> ir.IntegerValue:
    """GB 11643 weighted sum mod 11 of the first 17 digits (0 when the number is not 18 chars
    of the right shape). Computed once per member by the frames: an expression this size
    repeated inside the check's CASE costs a minute on three million members."""
    shape = m.id_number.re_search(ID18_RE)
    # Two integer parts (< 10^9, exact on every engine) instead of 17 substrings per row.
    high = ibis.ifelse(shape, m.id_number.substr(0, 8), "0").cast("int64")
    low = ibis.ifelse(shape, m.id_number.substr(8, 9), "0").cast("int64")
    terms = []
    for i, w in enumerate(WEIGHTS):
        part, width, pos = (high, 8, i) if i < 8 else (low, 9, i - 8)
        power = 10 ** (width - 1 - pos)
        terms.append(((part // power) % 10) * w)
    return (sum(terms, ibis.literal(0, type="int64")) % 11).cast("int32")


def _id_ok_expr(m: ir.Table) -> ir.BooleanValue:
    # id_shape / id_placeholder: the two patterns, computed once per member by the frames.
    return (m.id_type == "resident_id") & m.id_shape & ~m.id_placeholder


# --- identity (DOMAIN.md 7, 9) ----------------------------------------------------------------


@check(
    "Q-M-001",
    "证件号码重复",
    severity=ERROR,
    level=MEMBER,
    fields=("id_type", "id_number"),
    rationale="同一证件号码只能登记一人（DOMAIN.md 7）；重复多为抄错或一人两户。",
    field="id_number",
)
def _dup_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, "该证件号码在本系统中出现多次：请核对是否抄错或重复登记。")
        for m in f.members
        if _s(m.get("id_number")) and (m["id_type"], m["id_number"]) in f.duplicate_keys
    ]


@batch_of("Q-M-001")
def _dup_batch(fr: Frames) -> ir.Table:
    m = fr.members.filter(fr.members.id_number != "")
    dups = (
        m.group_by(["id_type", "id_number"])
        .aggregate(n=m.count())
        .filter(lambda t: t.n > 1)
        .select(d_type="id_type", d_number="id_number")
    )
    m = m.semi_join(dups, (m.id_type == dups.d_type) & (m.id_number == dups.d_number))
    return _members(m, ibis.literal(True))


def duplicate_keys(members: list[Row]) -> frozenset[tuple[str, str]]:
    """Keys (ID type, number) that occur more than once among ``members``."""
    seen: dict[tuple[str, str], int] = {}
    for m in members:
        if _s(m.get("id_number")):
            key = (m["id_type"], m["id_number"])
            seen[key] = seen.get(key, 0) + 1
    return frozenset(k for k, n in seen.items() if n > 1)


@check(
    "Q-M-002",
    "证件号码缺失或为占位号码",
    severity=ERROR,
    level=MEMBER,
    fields=("id_number",),
    rationale="成员须有证件号码；连续6个相同数字（如999999）是为通过表单填写的占位号。",
    field="id_number",
)
def _missing_id_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, "缺少证件号码或为占位号码：请填写真实证件号码。")
        for m in f.members
        if not _s(m.get("id_number")) or re.match(PLACEHOLDER_RE, _s(m.get("id_number")))
    ]


@batch_of("Q-M-002")
def _missing_id_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return _members(m, (m.id_number == "") | m.id_placeholder)


def _check_char(number: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11]


@check(
    "Q-M-003",
    "身份证号码格式或校验位错误",
    severity=ERROR,
    level=MEMBER,
    fields=("id_type", "id_number"),
    rationale="GB 11643-1999：18位，前17位数字，末位校验码按加权和计算（DOMAIN.md 9）。",
    field="id_number",
)
def _checkdigit_entry(f: Facts) -> list[EntryHit]:
    hits: list[EntryHit] = []
    for m in f.members:
        number = _s(m.get("id_number"))
        if m.get("id_type") != "resident_id" or not number or re.match(PLACEHOLDER_RE, number):
            continue
        if not re.match(ID18_RE, number) or _check_char(number) != number[17]:
            hits.append((m, "身份证号码位数、字符或校验位不正确：请对照证件核对。"))
    return hits


@batch_of("Q-M-003")
def _checkdigit_batch(fr: Frames) -> ir.Table:
    m = fr.members
    shape = m.id_shape
    expected = ibis.literal(CHECK_CHARS).substr(m.id_checksum, 1)
    return _members(
        m,
        (m.id_type == "resident_id")
        & (m.id_number != "")
        & ~m.id_placeholder
        & (~shape | (expected != m.id_number.substr(17, 1))),
    )


@check(
    "Q-M-004",
    "出生日期与身份证号码不一致",
    severity=ERROR,
    level=MEMBER,
    fields=("id_number", "birth_date"),
    rationale="身份证第7至14位是出生日期（DOMAIN.md 9）。",
    field="birth_date",
)
def _birth_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, f"出生日期{m['birth_date']}与证件号码中的{m['id_number'][6:14]}不一致：请核对。")
        for m in f.members
        if _id_ok(m)
        and m.get("birth_date") is not None
        and m["birth_date"].strftime("%Y%m%d") != m["id_number"][6:14]
    ]


@batch_of("Q-M-004")
def _birth_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return _members(
        m, _id_ok_expr(m) & (m.birth_date.strftime("%Y%m%d") != m.id_number.substr(6, 8))
    )


@check(
    "Q-M-005",
    "性别与身份证号码不一致",
    severity=ERROR,
    level=MEMBER,
    fields=("id_number", "sex"),
    rationale="身份证第17位奇数为男、偶数为女（DOMAIN.md 9）。",
    field="sex",
)
def _sex_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, "性别与证件号码第17位不符：请核对。")
        for m in f.members
        if _id_ok(m) and ("M" if int(m["id_number"][16]) % 2 else "F") != m.get("sex")
    ]


@batch_of("Q-M-005")
def _sex_batch(fr: Frames) -> ir.Table:
    m = fr.members
    digit = ibis.ifelse(_id_ok_expr(m), m.id_number.substr(16, 1), "0").cast("int64")
    from_id = ibis.ifelse(digit % 2 == 1, "M", "F")
    return _members(m, _id_ok_expr(m) & (from_id != m.sex))


# --- labour, schooling, ages (DOMAIN.md 7) ----------------------------------------------------


@check(
    "Q-M-010",
    "未满16周岁应为无劳动力",
    severity=ERROR,
    level=MEMBER,
    fields=("birth_date", "labour_skill"),
    rationale="劳动年龄下限（政策参数 labour_age_min）以下的儿童劳动技能应为“无劳动力”。",
    field="labour_skill",
    parameters=("labour_age_min",),
)
def _child_labour_entry(f: Facts) -> list[EntryHit]:
    low = f.params["p_labour_min"]
    return [
        (m, f"{m['age']}岁未满{low}周岁，劳动技能应为“无劳动力”。")
        for m in f.members
        if low is not None
        and m["age"] is not None
        and m["age"] < low
        and m.get("labour_skill") != "none"
    ]


@batch_of("Q-M-010")
def _child_labour_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return _members(m, (m.age < m.p_labour_min) & (m.labour_skill != "none"))


@check(
    "Q-M-011",
    "在校生应为无劳动力",
    severity=ERROR,
    level=MEMBER,
    fields=("student_status", "labour_skill"),
    rationale="在校生（含学前教育）劳动技能应为“无劳动力”（DOMAIN.md 7）。",
    field="labour_skill",
)
def _student_labour_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, "在校生的劳动技能应为“无劳动力”：请核对在校生状况或劳动技能。")
        for m in f.members
        if m.get("student_status") != "not_student" and m.get("labour_skill") != "none"
    ]


@batch_of("Q-M-011")
def _student_labour_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return _members(m, (m.student_status != "not_student") & (m.labour_skill != "none"))


@check(
    "Q-M-012",
    "劳动年龄内弱劳动力但健康状况为健康",
    severity=WARNING,
    level=MEMBER,
    fields=("birth_date", "labour_skill", "health"),
    rationale="16至59周岁、健康的人一般不应是弱劳动力或半劳动力（DOMAIN.md 7）。",
    field="labour_skill",
    parameters=("labour_age_min", "labour_age_max"),
)
def _weak_healthy_entry(f: Facts) -> list[EntryHit]:
    low, high = f.params["p_labour_min"], f.params["p_labour_max"]
    return [
        (m, "劳动年龄内的弱劳动力，健康状况却为“健康”：请核对健康状况或劳动技能。")
        for m in f.members
        if low is not None
        and high is not None
        and m["age"] is not None
        and low <= m["age"] <= high
        and m.get("labour_skill") == "weak"
        and m.get("health") == "healthy"
    ]


@batch_of("Q-M-012")
def _weak_healthy_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return _members(
        m,
        (m.age >= m.p_labour_min)
        & (m.age <= m.p_labour_max)
        & (m.labour_skill == "weak")
        & (m.health == "healthy"),
    )


@check(
    "Q-M-013",
    "文化程度与在校生状况矛盾",
    severity=WARNING,
    level=MEMBER,
    fields=("education", "student_status"),
    rationale="在校生的文化程度应为所在学段或刚完成的学段（如七年级：初中或小学）。",
    field="education",
)
def _education_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, "文化程度与在校生状况不符：请核对。")
        for m in f.members
        if _s(m.get("education"))
        and m.get("student_status") in EDUCATION_FOR_STATUS
        and m["education"] not in EDUCATION_FOR_STATUS[m["student_status"]]
    ]


@batch_of("Q-M-013")
def _education_batch(fr: Frames) -> ir.Table:
    m = fr.members
    wrong = ibis.literal(False)
    for status, allowed in EDUCATION_FOR_STATUS.items():
        wrong = wrong | ((m.student_status == status) & ~m.education.isin(allowed))
    return _members(m, (m.education != "") & wrong)


@check(
    "Q-M-014",
    "义务教育适龄儿童未在校",
    severity=WARNING,
    level=MEMBER,
    fields=("birth_date", "student_status", "dropout_reason"),
    rationale="义务教育有保障：适龄（政策参数，6至15周岁）儿童不应失学（DOMAIN.md 2）。",
    field="student_status",
    parameters=("compulsory_school_age_min", "compulsory_school_age_max"),
)
def _out_of_school_entry(f: Facts) -> list[EntryHit]:
    low, high = f.params["p_school_min"], f.params["p_school_max"]
    return [
        (m, f"{m['age']}岁处于义务教育阶段却是非在校生：请核实并劝返，或更正在校生状况。")
        for m in f.members
        if low is not None
        and high is not None
        and m["age"] is not None
        and low <= m["age"] <= high
        and m.get("student_status") == "not_student"
    ]


@batch_of("Q-M-014")
def _out_of_school_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return _members(
        m,
        (m.age >= m.p_school_min) & (m.age <= m.p_school_max) & (m.student_status == "not_student"),
    )


@check(
    "Q-M-015",
    "年龄与义务教育年级不符",
    severity=WARNING,
    level=MEMBER,
    fields=("birth_date", "student_status"),
    rationale="小学至九年级学生的年龄应在义务教育年龄前后（容差为政策参数 school_age_tolerance）。",
    field="student_status",
    parameters=("compulsory_school_age_min", "compulsory_school_age_max", "school_age_tolerance"),
)
def _grade_age_entry(f: Facts) -> list[EntryHit]:
    low, high, tol = f.params["p_school_min"], f.params["p_school_max"], f.params["p_school_tol"]
    if low is None or high is None or tol is None:
        return []
    return [
        (m, f"{m['age']}岁与所填年级不符：请核对出生日期或在校生状况。")
        for m in f.members
        if m["age"] is not None
        and m.get("student_status") in COMPULSORY
        and not (low - tol <= m["age"] <= high + tol)
    ]


@batch_of("Q-M-015")
def _grade_age_batch(fr: Frames) -> ir.Table:
    m = fr.members
    inside = (m.age >= m.p_school_min - m.p_school_tol) & (m.age <= m.p_school_max + m.p_school_tol)
    return _members(m, m.student_status.isin(COMPULSORY) & ~inside)


# --- insurance, work ----------------------------------------------------------------------


@check(
    "Q-M-020",
    "脱贫人口未参加基本医疗保险",
    severity=ERROR,
    level=MEMBER,
    fields=("household_type", "monitoring_category", "resident_medical_insurance"),
    rationale="基本医疗有保障：脱贫人口应参加城乡居民医保或职工医保（DOMAIN.md 2、7）。",
    field="resident_medical_insurance",
)
def _insurance_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    exited = (
        h.get("household_type") == "exited" or h.get("monitoring_category") == "unstable_exited"
    )
    if not exited:
        return []
    return [
        (m, "脱贫人口未参加城乡居民基本医疗保险或职工医保：请核实参保。")
        for m in f.members
        if not m.get("resident_medical_insurance") and not m.get("employee_medical_insurance")
    ]


@batch_of("Q-M-020")
def _insurance_batch(fr: Frames) -> ir.Table:
    m = fr.members
    exited = (m.household_type == "exited") | (m.monitoring_category == "unstable_exited")
    return _members(m, exited & ~m.resident_medical_insurance & ~m.employee_medical_insurance)


@check(
    "Q-M-021",
    "外出务工人员月均工资收入低于标准",
    severity=WARNING,
    level=MEMBER,
    fields=("work_status", "work_months", "wage"),
    rationale=(
        "务工月收入低于政策参数 migrant_min_monthly_income（400元）的外出务工信息多为错填"
        "（DOMAIN.md 7）。登记表只有户的工资性收入和每人的务工月数，按"
        "“户工资性收入 ÷ 全户务工月数”估算每人月收入。"
    ),
    field="work_months",
    parameters=("migrant_min_monthly_income",),
)
def _migrant_entry(f: Facts) -> list[EntryHit]:
    low = f.params["p_migrant_min"]
    if low is None or f.income is None:
        return []
    months = sum(
        int(m.get("work_months") or 0)
        for m in f.members
        if m.get("work_status") != "not_working" and int(m.get("work_months") or 0) > 0
    )
    if months == 0 or Decimal(f.income["wage"]) >= low * months:
        return []
    return [
        (m, f"全户工资性收入按务工月数折算低于每月{low}元：请核对务工时间或收入。")
        for m in f.members
        if m.get("work_status") in MIGRANT_STATUSES and int(m.get("work_months") or 0) > 0
    ]


@batch_of("Q-M-021")
def _migrant_batch(fr: Frames) -> ir.Table:
    m = fr.members
    working = m.filter((m.work_status != "not_working") & (m.work_months > 0))
    months = working.group_by("household_id").aggregate(months=working.work_months.sum())
    months = months.rename(mh_id="household_id")
    i = fr.incomes.select(ih_id="household_id", wage="wage")
    low_pay = months.join(i, months.mh_id == i.ih_id)
    low_pay = low_pay.select("mh_id", "months", "wage")
    migrants = m.filter(m.work_status.isin(MIGRANT_STATUSES) & (m.work_months > 0))
    j = migrants.join(low_pay, migrants.household_id == low_pay.mh_id)
    return _members(j, j.wage < j.p_migrant_min * j.months)


# --- relations --------------------------------------------------------------------------------


def _one_head(fr: Frames) -> ir.Table:
    m = fr.members
    heads = m.filter(m.relation == "head")
    return (
        heads.group_by("household_id")
        .aggregate(n=heads.count(), head_sex=heads.sex.max(), head_birth=heads.birth_date.max())
        .filter(lambda t: t.n == 1)
        .select(hh_id="household_id", head_sex="head_sex", head_birth="head_birth")
    )


@check(
    "Q-M-030",
    "配偶与户主性别相同",
    severity=ERROR,
    level=MEMBER,
    fields=("relation", "sex"),
    rationale="“配偶”应与户主性别不同（DOMAIN.md 7）。",
    field="relation",
)
def _spouse_entry(f: Facts) -> list[EntryHit]:
    if len(f.heads) != 1:
        return []
    head = f.heads[0]
    return [
        (m, "配偶与户主性别相同：请核对与户主关系或性别。")
        for m in f.members
        if m.get("relation") == "spouse" and m.get("sex") == head.get("sex")
    ]


@batch_of("Q-M-030")
def _spouse_batch(fr: Frames) -> ir.Table:
    m, head = fr.members, _one_head(fr)
    j = m.join(head, m.household_id == head.hh_id)
    return _members(j, (j.relation == "spouse") & (j.sex == j.head_sex))


@check(
    "Q-M-031",
    "与户主关系与年龄不符",
    severity=WARNING,
    level=MEMBER,
    fields=("relation", "birth_date"),
    rationale="子女、孙辈不应比户主年长；父母、祖父母不应比户主年轻。",
    field="relation",
)
def _generation_entry(f: Facts) -> list[EntryHit]:
    if len(f.heads) != 1 or f.heads[0].get("birth_date") is None:
        return []
    head_birth = f.heads[0]["birth_date"]
    hits: list[EntryHit] = []
    for m in f.members:
        birth = m.get("birth_date")
        if birth is None:
            continue
        if m.get("relation") in YOUNGER_GENERATION and birth < head_birth:
            hits.append((m, "晚辈比户主年长：请核对与户主关系或出生日期。"))
        elif m.get("relation") in OLDER_GENERATION and birth > head_birth:
            hits.append((m, "长辈比户主年轻：请核对与户主关系或出生日期。"))
    return hits


@batch_of("Q-M-031")
def _generation_batch(fr: Frames) -> ir.Table:
    m, head = fr.members, _one_head(fr)
    j = m.join(head, m.household_id == head.hh_id)
    return _members(
        j,
        (j.relation.isin(YOUNGER_GENERATION) & (j.birth_date < j.head_birth))
        | (j.relation.isin(OLDER_GENERATION) & (j.birth_date > j.head_birth)),
    )


@check(
    "Q-M-032",
    "与户主关系与性别矛盾",
    severity=ERROR,
    level=MEMBER,
    fields=("relation", "sex"),
    rationale="“之子”“之女婿”“之父”等关系本身决定性别。",
    field="relation",
)
def _relation_sex_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, "与户主关系与性别矛盾：请核对。")
        for m in f.members
        if m.get("relation") in RELATION_SEX and RELATION_SEX[m["relation"]] != m.get("sex")
    ]


@batch_of("Q-M-032")
def _relation_sex_batch(fr: Frames) -> ir.Table:
    m = fr.members
    wrong = ibis.literal(False)
    for relation, sex in RELATION_SEX.items():
        wrong = wrong | ((m.relation == relation) & (m.sex != sex))
    return _members(m, wrong)


@check(
    "Q-H-001",
    "户主人数不是一人",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("relation",),
    rationale="每户有且只有一名户主。",
    field="members",
)
def _heads_entry(f: Facts) -> list[EntryHit]:
    n = len(f.heads)
    return [] if n == 1 else [(None, f"本户登记了{n}名户主：应有且只有一名。")]


@batch_of("Q-H-001")
def _heads_batch(fr: Frames) -> ir.Table:
    h, m = fr.households, fr.members
    heads = m.filter(m.relation == "head")
    counts = heads.group_by("household_id").aggregate(n=heads.count()).rename(ch_id="household_id")
    j = h.left_join(counts, h.id == counts.ch_id)
    return _households(j, j.n.fill_null(0) != 1)


# --- risks (DOMAIN.md 5, 7) -------------------------------------------------------------------


def _risk_without_member(fr: Frames, kind: str, healths: tuple[str, ...]) -> ir.Table:
    h, r, m = fr.households, fr.risks, fr.members
    with_risk = r.filter(r.kind == kind).select(rh_id="household_id")
    fitting = m.filter(m.health.isin(healths)).select(fh_id="household_id")
    h = h.semi_join(with_risk, h.id == with_risk.rh_id).anti_join(fitting, h.id == fitting.fh_id)
    return _households(h)


@check(
    "Q-H-010",
    "风险为“因残”但无残疾成员",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("risks", "health"),
    rationale="“因残”风险应有健康状况为“残疾”的成员（DOMAIN.md 7）。",
    field="risks",
)
def _disability_entry(f: Facts) -> list[EntryHit]:
    if any(r.get("kind") == "disability" for r in f.risks) and not any(
        m.get("health") == "disabled" for m in f.members
    ):
        return [(None, "风险为“因残”，但没有健康状况为“残疾”的成员：请核对。")]
    return []


@batch_of("Q-H-010")
def _disability_batch(fr: Frames) -> ir.Table:
    return _risk_without_member(fr, "disability", ("disabled",))


@check(
    "Q-H-011",
    "风险为“因病”但无患病成员",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("risks", "health"),
    rationale="“因病”风险应有长期慢性病或患有大病的成员（DOMAIN.md 7）。",
    field="risks",
)
def _illness_entry(f: Facts) -> list[EntryHit]:
    if any(r.get("kind") == "illness" for r in f.risks) and not any(
        m.get("health") in ILL_HEALTH for m in f.members
    ):
        return [(None, "风险为“因病”，但没有患长期慢性病或大病的成员：请核对。")]
    return []


@batch_of("Q-H-011")
def _illness_batch(fr: Frames) -> ir.Table:
    return _risk_without_member(fr, "illness", ILL_HEALTH)


@check(
    "Q-H-012",
    "风险为“其他”未填写说明",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("risks",),
    rationale="风险类型“其他”必须说明具体风险（DOMAIN.md 5）。",
    field="risks",
)
def _other_risk_entry(f: Facts) -> list[EntryHit]:
    if any(r.get("kind") == "other" and not _s(r.get("remark")).strip() for r in f.risks):
        return [(None, "风险类型为“其他”但未填写说明。")]
    return []


@batch_of("Q-H-012")
def _other_risk_batch(fr: Frames) -> ir.Table:
    h, r = fr.households, fr.risks
    bad = r.filter((r.kind == "other") & (r.remark.fill_null("").strip() == ""))
    bad = bad.select(rh_id="household_id")
    return _households(h.semi_join(bad, h.id == bad.rh_id))


# --- monitoring and elimination (DOMAIN.md 4, 5, 7) -------------------------------------------


@check(
    "Q-H-020",
    "识别监测不足规定月数即消除风险",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("monitoring_identified_on", "risk_eliminated_on"),
    rationale=(
        "原则上监测满政策参数 min_months_before_elimination（6个月）方可消除风险（DOMAIN.md 4）。"
    ),
    field="risk_eliminated_on",
    parameters=("min_months_before_elimination",),
)
def _early_entry(f: Facts) -> list[EntryHit]:
    h, months = f.household, f.params["p_min_months"]
    start, end = h.get("monitoring_identified_on"), h.get("risk_eliminated_on")
    if (
        h.get("risk_eliminated")
        and start
        and end
        and months is not None
        and end < add_months(start, months)
    ):
        return [(None, f"从识别监测（{start}）到消除（{end}）不足{months}个月。")]
    return []


@batch_of("Q-H-020")
def _early_batch(fr: Frames) -> ir.Table:
    h = fr.households
    due = h.monitoring_identified_on + h.p_min_months.as_interval("M")
    return _households(h, (h.risk_eliminated == True) & (h.risk_eliminated_on < due))  # noqa: E712


def _income_join(fr: Frames) -> ir.Table:
    h, i = fr.households, fr.incomes.select(ih_id="household_id", pcn="per_capita_net")
    return h.join(i, h.id == i.ih_id)


@check(
    "Q-H-021",
    "风险已消除但人均纯收入低于监测线",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("risk_eliminated", "per_capita_net"),
    rationale="消除风险须收入高于当年监测线（政策参数 monitoring_threshold，按县取值）。",
    field="risk_eliminated",
    parameters=("monitoring_threshold",),
)
def _eliminated_low_entry(f: Facts) -> list[EntryHit]:
    line = f.params["p_threshold"]
    if (
        f.household.get("risk_eliminated")
        and f.income is not None
        and line is not None
        and Decimal(f.income["per_capita_net"]) < line
    ):
        pcn = f.income["per_capita_net"]
        return [(None, f"{f.year}年人均纯收入{pcn}元低于监测线{line}元，却已标注风险消除。")]
    return []


@batch_of("Q-H-021")
def _eliminated_low_batch(fr: Frames) -> ir.Table:
    j = _income_join(fr)
    return _households(j, (j.risk_eliminated == True) & (j.pcn < j.p_threshold))  # noqa: E712


@check(
    "Q-H-022",
    "风险已消除但住房或饮水不安全",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("risk_eliminated", "is_dangerous_house", "housing_grade", "safe_drinking_water"),
    rationale="消除风险须住房安全（A、B级）和饮水安全有保障（DOMAIN.md 2、4）。",
    field="risk_eliminated",
)
def _eliminated_unsafe_entry(f: Facts) -> list[EntryHit]:
    cond = f.conditions
    if f.household.get("risk_eliminated") and cond is not None:
        unsafe = (
            bool(cond.get("is_dangerous_house"))
            or cond.get("housing_grade") in ("C", "D")
            or not cond.get("safe_drinking_water")
        )
        if unsafe:
            return [(None, f"{f.year}年仍为危房或未解决安全饮水，却已标注风险消除。")]
    return []


@batch_of("Q-H-022")
def _eliminated_unsafe_batch(fr: Frames) -> ir.Table:
    h, cond = fr.households, fr.conditions
    bad = cond.filter(
        cond.is_dangerous_house | cond.housing_grade.isin(("C", "D")) | ~cond.safe_drinking_water
    ).select(ch_id="household_id")
    return _households(
        h.filter(h.risk_eliminated == True).semi_join(bad, h.id == bad.ch_id)  # noqa: E712
    )


@check(
    "Q-H-023",
    "脱贫户收入低于监测线但未纳入监测",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("household_type", "monitoring_category", "per_capita_net"),
    rationale="收入低于当年监测线的脱贫户应纳入监测（DOMAIN.md 5、7）。",
    field="monitoring_category",
    parameters=("monitoring_threshold",),
)
def _unmonitored_entry(f: Facts) -> list[EntryHit]:
    h, line = f.household, f.params["p_threshold"]
    if (
        h.get("household_type") == "exited"
        and not _s(h.get("monitoring_category"))
        and f.income is not None
        and line is not None
        and Decimal(f.income["per_capita_net"]) < line
    ):
        return [(None, f"{f.year}年人均纯收入低于监测线{line}元：请核实是否纳入监测。")]
    return []


@batch_of("Q-H-023")
def _unmonitored_batch(fr: Frames) -> ir.Table:
    j = _income_join(fr)
    return _households(
        j,
        (j.household_type == "exited")
        & (j.monitoring_category.fill_null("") == "")
        & (j.pcn < j.p_threshold),
    )


@check(
    "Q-H-024",
    "无劳动年龄劳动力的户已消除风险",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("risk_eliminated", "labour_skill", "birth_date"),
    rationale="无劳动年龄劳动力的监测户原则上不消除风险，继续监测（DOMAIN.md 4）。",
    field="risk_eliminated",
    parameters=("labour_age_min", "labour_age_max"),
)
def _no_labour_eliminated_entry(f: Facts) -> list[EntryHit]:
    low, high = f.params["p_labour_min"], f.params["p_labour_max"]
    if not f.household.get("risk_eliminated") or low is None or high is None:
        return []
    if any(
        m["age"] is not None and low <= m["age"] <= high and m.get("labour_skill") in WORKING_LABOUR
        for m in f.members
    ):
        return []
    return [(None, "全户没有劳动年龄内的劳动力，原则上应继续监测而不消除风险。")]


@batch_of("Q-H-024")
def _no_labour_eliminated_batch(fr: Frames) -> ir.Table:
    h, m = fr.households, fr.members
    workers = m.filter(
        (m.age >= m.p_labour_min) & (m.age <= m.p_labour_max) & m.labour_skill.isin(WORKING_LABOUR)
    ).select(wh_id="household_id")
    h = h.filter((h.risk_eliminated == True) & h.p_labour_min.notnull() & h.p_labour_max.notnull())  # noqa: E712
    return _households(h.anti_join(workers, h.id == workers.wh_id))


# --- assistance measures (DOMAIN.md 6, 7) -----------------------------------------------------


@check(
    "Q-M-040",
    "中职、高职在校生所在监测户未享受雨露计划",
    severity=WARNING,
    level=MEMBER,
    fields=("household_type", "student_status", "education_aid", "yulu_plan"),
    rationale=(
        "监测户中的中职、高职学生应享受雨露计划（DOMAIN.md 6、7）：当年帮扶措施的教育帮扶"
        "未写明“雨露计划”（或当年未录入帮扶措施）即报告。"
    ),
    field="student_status",
)
def _yulu_entry(f: Facts) -> list[EntryHit]:
    if f.household.get("household_type") != "monitored":
        return []
    if f.measures is not None and f.measures.get("yulu_plan"):
        return []
    return [
        (m, f"中职、高职在校生，所在监测户{f.year}年帮扶措施中没有雨露计划：请核实并落实或补录。")
        for m in f.members
        if m.get("student_status") in VOCATIONAL
    ]


@batch_of("Q-M-040")
def _yulu_batch(fr: Frames) -> ir.Table:
    m, ms = fr.members, fr.measures
    yulu = ms.filter(ms.yulu_plan.fill_null(False)).select(yh_id="household_id")
    m = m.filter((m.household_type == "monitored") & m.student_status.isin(VOCATIONAL))
    return _members(m.anti_join(yulu, m.household_id == yulu.yh_id), ibis.literal(True))


@check(
    "Q-H-041",
    "有劳动力的监测户仅落实综合保障措施",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=(
        "household_type",
        "birth_date",
        "labour_skill",
        "basic_guarantee",
        *NON_GUARANTEE_MEASURES,
    ),
    rationale=(
        "有劳动年龄（政策参数 labour_age_min 至 labour_age_max）劳动力的监测户应有产业、就业等"
        "开发式帮扶，不能只有综合保障（兜底）（DOMAIN.md 7）。"
    ),
    field="basic_guarantee",
    parameters=("labour_age_min", "labour_age_max"),
)
def _only_guarantee_entry(f: Facts) -> list[EntryHit]:
    low, high = f.params["p_labour_min"], f.params["p_labour_max"]
    ms = f.measures
    if f.household.get("household_type") != "monitored" or ms is None:
        return []
    if low is None or high is None:
        return []
    if _s(ms.get("basic_guarantee")) == "" or any(
        _s(ms.get(k)) != "" for k in NON_GUARANTEE_MEASURES
    ):
        return []
    if not any(
        m["age"] is not None and low <= m["age"] <= high and m.get("labour_skill") in WORKING_LABOUR
        for m in f.members
    ):
        return []
    return [(None, f"有劳动年龄内的劳动力，{f.year}年却只落实了综合保障：请落实产业、就业等帮扶。")]


@batch_of("Q-H-041")
def _only_guarantee_batch(fr: Frames) -> ir.Table:
    h, m, ms = fr.households, fr.members, fr.measures
    workers = m.filter(
        (m.age >= m.p_labour_min) & (m.age <= m.p_labour_max) & m.labour_skill.isin(WORKING_LABOUR)
    ).select(wh_id="household_id")
    nothing_else = ibis.literal(True)
    for name in NON_GUARANTEE_MEASURES:
        nothing_else = nothing_else & (ms[name].fill_null("") == "")
    only = ms.filter((ms.basic_guarantee.fill_null("") != "") & nothing_else)
    only = only.select(oh_id="household_id")
    h = h.filter(
        (h.household_type == "monitored") & h.p_labour_min.notnull() & h.p_labour_max.notnull()
    )
    return _households(
        h.semi_join(only, h.id == only.oh_id).semi_join(workers, h.id == workers.wh_id)
    )


# --- internal consistency ---------------------------------------------------------------------


@check(
    "Q-H-030",
    "日期先后顺序错误",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=(
        "identified_on",
        "exited_on",
        "exit_year",
        "monitoring_identified_on",
        "risk_eliminated_on",
    ),
    rationale="脱贫不能早于识别，消除不能早于识别监测，脱贫年度不能早于识别年份。",
    field="exited_on",
)
def _dates_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    ident, exited, year = h.get("identified_on"), h.get("exited_on"), h.get("exit_year")
    mon, elim = h.get("monitoring_identified_on"), h.get("risk_eliminated_on")
    if (
        (ident and exited and exited < ident)
        or (mon and elim and elim < mon)
        or (ident and year and year < ident.year)
    ):
        return [(None, "识别、脱贫、监测、消除的日期先后顺序不对：请核对。")]
    return []


@batch_of("Q-H-030")
def _dates_batch(fr: Frames) -> ir.Table:
    h = fr.households
    wrong = (
        (h.exited_on < h.identified_on).fill_null(False)
        | (h.risk_eliminated_on < h.monitoring_identified_on).fill_null(False)
        | (h.exit_year < h.identified_on.year()).fill_null(False)
    )
    return _households(h, wrong)


@check(
    "Q-H-031",
    "人均纯收入与各项收入不符",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=(
        "wage",
        "business",
        "property_income",
        "transfer",
        "business_expense",
        "per_capita_net",
    ),
    rationale=(
        "人均纯收入 =（工资性+生产经营性+财产性+转移性−生产经营性支出）÷家庭人口数（DOMAIN.md 2）；"
        "存储值与重算值相差超过每人 income_rounding_tolerance 即报告。"
    ),
    field="per_capita_net",
    parameters=("income_rounding_tolerance",),
)
def _income_sum_entry(f: Facts) -> list[EntryHit]:
    i, tol = f.income, f.params["p_round_tol"]
    if i is None or tol is None:
        return []
    transfer = sum(
        Decimal(i[k])
        for k in (
            "dibao_benefit",
            "tekun_benefit",
            "pension_benefit",
            "family_planning_benefit",
            "ecological_compensation",
            "other_transfer",
        )
    )
    net = (
        Decimal(i["wage"])
        + Decimal(i["business"])
        + Decimal(i["property_income"])
        + transfer
        - Decimal(i["business_expense"])
    )
    size = int(i["household_size"])
    if (
        Decimal(i["transfer"]) != transfer
        or Decimal(i["net_income"]) != net
        or abs(Decimal(i["per_capita_net"]) * size - net) > tol * size
    ):
        return [(None, f"{f.year}年人均纯收入与各项收入重算结果不符：请重新保存收入。")]
    return []


@batch_of("Q-H-031")
def _income_sum_batch(fr: Frames) -> ir.Table:
    i = fr.incomes
    h = fr.households.select("id", "p_round_tol")
    j = i.join(h, i.household_id == h.id)
    transfer = (
        j.dibao_benefit
        + j.tekun_benefit
        + j.pension_benefit
        + j.family_planning_benefit
        + j.ecological_compensation
        + j.other_transfer
    )
    net = j.wage + j.business + j.property_income + transfer - j.business_expense
    wrong = (
        (j.transfer != transfer)
        | (j.net_income != net)
        | ((j.per_capita_net * j.household_size - net).abs() > j.p_round_tol * j.household_size)
    )
    j = j.filter(j.p_round_tol.notnull() & wrong)
    return j.select(
        household_id=j.household_id, member_id=ibis.null().cast("int64"), details=ibis.literal("")
    )


@check(
    "Q-H-032",
    "当年家庭人口数与在册成员数不符",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("household_size", "members"),
    rationale="人均纯收入按家庭人口数计算，人口数与在册成员不符会使人均收入失真。",
    field="household_size",
)
def _size_entry(f: Facts) -> list[EntryHit]:
    if f.income is not None and int(f.income["household_size"]) != len(f.members):
        n = f.income["household_size"]
        return [(None, f"{f.year}年收入按{n}人计算，在册成员为{len(f.members)}人：请核对。")]
    return []


@batch_of("Q-H-032")
def _size_batch(fr: Frames) -> ir.Table:
    m, i = fr.members, fr.incomes
    counts = m.group_by("household_id").aggregate(n=m.count()).rename(ch_id="household_id")
    j = i.left_join(counts, i.household_id == counts.ch_id)
    j = j.filter(j.household_size != j.n.fill_null(0))
    return j.select(
        household_id=j.household_id, member_id=ibis.null().cast("int64"), details=ibis.literal("")
    )


# --- completeness per 户类型 ------------------------------------------------------------------


@check(
    "Q-H-040",
    "脱贫户缺少脱贫年度",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("household_type", "exit_year"),
    rationale="脱贫户必须有脱贫年度。",
    field="exit_year",
)
def _exit_year_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    if h.get("household_type") == "exited" and not h.get("exit_year"):
        return [(None, "脱贫户请填写脱贫年度。")]
    return []


@batch_of("Q-H-040")
def _exit_year_batch(fr: Frames) -> ir.Table:
    h = fr.households
    return _households(h, (h.household_type == "exited") & h.exit_year.isnull())


@check(
    "Q-H-042",
    "监测户缺少类别、风险或识别监测时间",
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("monitoring_category", "risks", "monitoring_identified_on"),
    rationale="监测户必须有监测对象类别、至少一项风险和识别监测时间。",
    field="monitoring_category",
)
def _monitored_complete_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    if h.get("household_type") != "monitored":
        return []
    if not _s(h.get("monitoring_category")) or not f.risks or not h.get("monitoring_identified_on"):
        return [(None, "监测户请填写监测对象类别、致贫/返贫风险和识别监测时间。")]
    return []


@batch_of("Q-H-042")
def _monitored_complete_batch(fr: Frames) -> ir.Table:
    h, r = fr.households, fr.risks
    has_risk = r.select(rh_id="household_id").distinct()
    j = h.filter(h.household_type == "monitored").left_join(has_risk, h.id == has_risk.rh_id)
    return _households(
        j,
        (j.monitoring_category.fill_null("") == "")
        | j.monitoring_identified_on.isnull()
        | j.rh_id.isnull(),
    )


@check(
    "Q-H-043",
    "脱贫户或监测户缺少当年收入",
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("household_type", "incomes"),
    rationale="脱贫户和监测户每年须有收入记录，监测线比对才有依据。",
    field="incomes",
)
def _income_missing_entry(f: Facts) -> list[EntryHit]:
    if f.household.get("household_type") in ("exited", "monitored") and f.income is None:
        return [(None, f"缺少{f.year}年收入：请录入年度收入。")]
    return []


@batch_of("Q-H-043")
def _income_missing_batch(fr: Frames) -> ir.Table:
    h, i = fr.households, fr.incomes.select(ih_id="household_id")
    h = h.filter(h.household_type.isin(("exited", "monitored")))
    return _households(h.anti_join(i, h.id == i.ih_id))


# --- villages: all the households of one village at once ------------------------------------


def village_check(
    code: str,
    title: str,
    *,
    severity: str,
    fields: tuple[str, ...],
    rationale: str,
    parameters: tuple[str, ...] = (),
) -> Callable[[Callable[[VillageFacts], list[EntryHit]]], Callable[[VillageFacts], list[EntryHit]]]:
    """Register a village check with its evaluation over one village's :class:`VillageFacts`;
    :func:`batch_of` adds the batch one, which returns rows ``(village_code, details)``."""

    def register(
        fn: Callable[[VillageFacts], list[EntryHit]],
    ) -> Callable[[VillageFacts], list[EntryHit]]:
        CATALOGUE[code] = Check(
            code, title, severity, VILLAGE, fields, rationale, "", "", fn, None, parameters
        )
        return fn

    return register


@village_check(
    "Q-V-001",
    "村内多户人均纯收入完全相同",
    severity=WARNING,
    fields=("village_code", "per_capita_net"),
    rationale=(
        "同一村当年人均纯收入精确到分完全相同的户达到政策参数 "
        "village_identical_income_min_households（户数）时，多为照抄、估填或批量填报，"
        "请逐户核实收入。"
    ),
    parameters=("village_identical_income_min_households",),
)
def _same_income_entry(v: VillageFacts) -> list[EntryHit]:
    least = v.params.get("p_same_income_min")
    if least is None:
        return []
    counts = Counter(Decimal(f.income["per_capita_net"]) for f in v.households if f.income)
    groups = [n for n in counts.values() if n >= least]
    if not groups:
        return []
    return [
        (
            None,
            f"{len(groups)}组共{sum(groups)}户的{v.year}年人均纯收入完全相同"
            f"（每组至少{least}户）：请逐户核实，是否照抄或估填。",
        )
    ]


@batch_of("Q-V-001")
def _same_income_batch(fr: Frames) -> ir.Table:
    h = fr.households.select(vh_id="id", vc="village_code", least="p_same_income_min")
    i = fr.incomes.select(ih_id="household_id", pcn="per_capita_net")
    j = i.join(h, i.ih_id == h.vh_id)
    same = j.group_by(["vc", "pcn"]).aggregate(n=j.count(), least=j.least.max())
    same = same.filter(same.least.notnull() & (same.n >= same.least))
    v = same.group_by("vc").aggregate(groups=same.count(), households=same.n.sum())
    return v.select(
        village_code=v.vc,
        details=v.groups.cast("string") + "组共" + v.households.cast("string") + "户收入相同",
    )


@village_check(
    "Q-V-002",
    "村内当年收入未录入比例过高",
    severity=WARNING,
    fields=("village_code", "household_type", "incomes"),
    rationale=(
        "村内脱贫户和监测户中缺少当年收入的户所占比例超过政策参数 "
        "village_missing_income_max_share（%）时，多为整村未完成收入录入，监测线比对无从谈起。"
    ),
    parameters=("village_missing_income_max_share",),
)
def _missing_income_entry(v: VillageFacts) -> list[EntryHit]:
    share = v.params.get("p_missing_income_pct")
    required = [
        f for f in v.households if f.household.get("household_type") in INCOME_REQUIRED_TYPES
    ]
    if share is None or not required:
        return []
    missing = sum(1 for f in required if f.income is None)
    if missing * 100 <= share * len(required):
        return []
    return [
        (
            None,
            f"脱贫户和监测户{len(required)}户中{missing}户缺少{v.year}年收入，超过{share}%："
            "请督促本村完成收入录入。",
        )
    ]


@batch_of("Q-V-002")
def _missing_income_batch(fr: Frames) -> ir.Table:
    h = fr.households.filter(fr.households.household_type.isin(INCOME_REQUIRED_TYPES))
    i = fr.incomes.select(ih_id="household_id").distinct()
    j = h.left_join(i, h.id == i.ih_id)
    g = j.group_by("village_code").aggregate(
        total=j.count(),
        missing=j.count(where=j.ih_id.isnull()),
        share=j.p_missing_income_pct.max(),
    )
    g = g.filter(g.share.notnull() & (g.missing * 100 > g.share * g.total))
    return g.select(
        village_code=g.village_code,
        details=g.missing.cast("string") + "/" + g.total.cast("string") + f"户缺少{fr.year}年收入",
    )


def village_findings_expr(frames: Frames, checks: Iterable[Check] | None = None) -> ir.Table | None:
    """The village checks' findings (default: every runnable village check) in the shape of the
    batch result: ``check_code, household_id`` (null), ``member_id`` (null), ``village_code,
    details``. None when no village check is selected."""
    selected = [c for c in (village_checks() if checks is None else checks) if c.per_village]
    parts = []
    for check in selected:
        assert check.batch is not None
        part = check.batch(frames)
        parts.append(
            part.select(
                check_code=ibis.literal(check.code),
                household_id=ibis.null().cast("int64"),
                member_id=ibis.null().cast("int64"),
                village_code=part.village_code.cast("string"),
                details=part.details.cast("string"),
            )
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=True)


def runnable_checks() -> list[Check]:
    """The checks evaluated household by household (member and household level): entry-time
    warnings, import previews and the batch union. Village checks: :func:`village_checks`."""
    return [c for c in CATALOGUE.values() if c.runnable and not c.per_village]


def village_checks() -> list[Check]:
    """The runnable village checks (evaluated per village, in batch runs)."""
    return [c for c in CATALOGUE.values() if c.runnable and c.per_village]


def catalogue() -> list[Check]:
    return sorted(CATALOGUE.values(), key=lambda c: c.code)
