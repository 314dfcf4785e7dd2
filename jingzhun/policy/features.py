"""Per-household facts for year Y: what the policy criteria read, computed two ways.

* :func:`features_from_data` — pure Python over one household's plain dicts (the snapshot's
  column names, see docs/snapshot.md): the household page and the API;
* :func:`features_expr` — ONE Ibis expression over a backend's snapshot tables giving one row
  per household: batch evaluation on DuckDB, PostgreSQL (and Spark, behind the same interface).

Both return the same columns (:data:`FEATURES`) with the same values; the property test in
tests/policy/test_agreement.py proves it on generated households. **NULL means the data is
missing**: no income record for Y, no conditions record, no member, a birth date or status that
would decide the answer left empty, or no parameter in force. Criteria turn a NULL into
"unknown" naming the missing field — never a silent pass.

Parameters are those in force on 31 December of Y for the household's county (county, then
province, then national; see :mod:`jingzhun.policy.parameters`), joined from a small per-county
table built in Python (:func:`parameter_table`), so the SQL never holds a threshold literal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.utils.translation import gettext_noop

from jingzhun.analytics.backend import Backend
from jingzhun.areas.models import code_range
from jingzhun.policy.parameters import ParameterSet, default_parameters
from jingzhun.registry import choices as c
from jingzhun.registry.models import MEASURE_FIELDS

Row = dict[str, Any]

MONEY = pa.decimal128(14, 2)
CENT = Decimal("0.01")
COMPULSORY_NOT_STUDENT = c.StudentStatus.NOT_STUDENT.value
WORKING_LABOUR = tuple(sorted(str(x) for x in c.WORKING_LABOUR))
ILL_HEALTH = (c.Health.CHRONIC.value, c.Health.SERIOUS.value)
DISABLED = c.Health.DISABLED.value
# Features counted from members' health (健康状况): sensitive personal information, shown for one
# household only to the roles that see health (accounts.roles.HEALTH_READERS).
HEALTH_FEATURES = frozenset({"ill_members", "disabled_members"})
UNSAFE_GRADES = (c.HousingSafetyGrade.C.value, c.HousingSafetyGrade.D.value)
# What ``str.strip`` and Ibis ``strip()`` both remove: a measure of only blanks is no measure.
BLANKS = " \t\n\r\v\f"


@dataclass(frozen=True)
class PolicyParameter:
    """A parameter the criteria read: its column in the feature row (the version is in
    ``<column>_version``) and whether it is a whole number (ages, months) or money."""

    name: str
    integer: bool


POLICY_PARAMETERS: tuple[PolicyParameter, ...] = (
    PolicyParameter("poverty_line", False),
    PolicyParameter("monitoring_threshold", False),
    PolicyParameter("min_months_before_elimination", True),
    PolicyParameter("compulsory_school_age_min", True),
    PolicyParameter("compulsory_school_age_max", True),
    PolicyParameter("labour_age_min", True),
    PolicyParameter("labour_age_max", True),
)
PARAMETER_NAMES = tuple(p.name for p in POLICY_PARAMETERS)


@dataclass(frozen=True)
class Feature:
    name: str
    type: pa.DataType
    label: str  # Chinese: what the value is
    missing: str = ""  # Chinese: what to fill in when it is NULL (default: the label)


# The feature row, column by column (the parameters and their versions follow).
FEATURES: tuple[Feature, ...] = (
    Feature("household_id", pa.int64(), gettext_noop("农户编号")),
    Feature("village_code", pa.string(), gettext_noop("所在村")),
    Feature("county_code", pa.string(), gettext_noop("所在县")),
    Feature("household_type", pa.string(), gettext_noop("户类型")),
    Feature("monitoring_category", pa.string(), gettext_noop("监测对象类别")),
    Feature("exit_year", pa.int32(), gettext_noop("脱贫年度")),
    Feature("risk_eliminated", pa.bool_(), gettext_noop("风险是否已消除")),
    Feature("formerly_poor", pa.bool_(), gettext_noop("曾为建档立卡贫困户")),
    Feature("under_monitoring", pa.bool_(), gettext_noop("监测中（风险未消除）")),
    Feature("per_capita_net", MONEY, gettext_noop("当年人均纯收入"), gettext_noop("当年收入记录")),
    Feature(
        "per_capita_after_spending",
        MONEY,
        gettext_noop("扣除合规自付支出后的人均纯收入"),
        gettext_noop("当年收入记录（家庭纯收入、合规自付支出、家庭人口数）"),
    ),
    Feature("members", pa.int32(), gettext_noop("家庭成员数")),
    Feature(
        "uninsured",
        pa.int32(),
        gettext_noop("未参加基本医疗保险的成员数"),
        gettext_noop("家庭成员"),
    ),
    Feature(
        "without_serious_illness_insurance",
        pa.int32(),
        gettext_noop("未参加大病保险的成员数"),
        gettext_noop("家庭成员"),
    ),
    Feature(
        "school_age_out_of_school",
        pa.int32(),
        gettext_noop("义务教育适龄的非在校生人数"),
        gettext_noop("家庭成员的出生日期或义务教育适龄成员的在校生状况"),
    ),
    Feature(
        "school_age_status_unknown",
        pa.int32(),
        gettext_noop("在校生状况不明的成员数"),
        gettext_noop("家庭成员"),
    ),
    Feature(
        "working_labour",
        pa.int32(),
        gettext_noop("劳动年龄内的劳动力人数"),
        gettext_noop("家庭成员的出生日期或劳动年龄成员的劳动技能"),
    ),
    Feature(
        "ill_members", pa.int32(), gettext_noop("长期慢性病或大病成员数"), gettext_noop("家庭成员")
    ),
    Feature("disabled_members", pa.int32(), gettext_noop("残疾成员数"), gettext_noop("家庭成员")),
    Feature(
        "safe_drinking_water",
        pa.bool_(),
        gettext_noop("是否解决安全饮用水"),
        gettext_noop("当年生产生活条件记录"),
    ),
    Feature(
        "water_difficulty",
        pa.bool_(),
        gettext_noop("是否饮水困难"),
        gettext_noop("当年生产生活条件记录"),
    ),
    Feature(
        "is_dangerous_house",
        pa.bool_(),
        gettext_noop("是否危房户"),
        gettext_noop("当年生产生活条件记录"),
    ),
    Feature(
        "housing_grade", pa.string(), gettext_noop("危房等级"), gettext_noop("当年生产生活条件记录")
    ),
    Feature(
        "water_safe", pa.bool_(), gettext_noop("饮水安全"), gettext_noop("当年生产生活条件记录")
    ),
    Feature(
        "housing_safe", pa.bool_(), gettext_noop("住房安全"), gettext_noop("当年生产生活条件记录")
    ),
    Feature(
        "has_measure",
        pa.bool_(),
        gettext_noop("当年落实了帮扶措施"),
        gettext_noop("当年帮扶措施记录"),
    ),
    Feature(
        "months_monitored", pa.int32(), gettext_noop("已监测整月数"), gettext_noop("识别监测时间")
    ),
)
PARAMETER_LABELS = {
    "poverty_line": gettext_noop("贫困线"),
    "monitoring_threshold": gettext_noop("防返贫监测线"),
    "min_months_before_elimination": gettext_noop("风险消除前最短监测月数"),
    "compulsory_school_age_min": gettext_noop("义务教育起始年龄"),
    "compulsory_school_age_max": gettext_noop("义务教育截止年龄"),
    "labour_age_min": gettext_noop("劳动年龄下限"),
    "labour_age_max": gettext_noop("劳动年龄上限"),
}
LABELS = {f.name: f.label for f in FEATURES} | PARAMETER_LABELS
# What a user must fill in when a value is NULL; a missing parameter names the parameter.
MISSING_FORMAT = gettext_noop("%(label)s参数（当年无生效值）")
MISSING_LABELS = {f.name: f.missing or f.label for f in FEATURES} | {
    name: MISSING_FORMAT % {"label": label} for name, label in PARAMETER_LABELS.items()
}


def feature_schema() -> pa.Schema:
    fields = [pa.field(f.name, f.type) for f in FEATURES]
    for p in POLICY_PARAMETERS:
        fields.append(pa.field(p.name, pa.int32() if p.integer else MONEY))
        fields.append(pa.field(f"{p.name}_version", pa.string()))
    return pa.schema(fields)


# --- parameters per county ----------------------------------------------------------------------


def parameters_for(county_code: str, year: int, parameters: ParameterSet | None = None) -> Row:
    """The policy parameters in force on 31 December ``year`` for a county: ``{name: value,
    name_version: version}``, ``None`` (both) where no value is in force."""
    parameters = parameters or default_parameters()
    row: Row = {}
    for p in POLICY_PARAMETERS:
        found = parameters.value_or_none(p.name, on=year, area_code=county_code)
        if found is None:
            row[p.name] = row[f"{p.name}_version"] = None
        else:
            row[p.name] = int(found.value) if p.integer else found.value.quantize(CENT)
            row[f"{p.name}_version"] = found.version
    return row


def parameter_table(
    county_codes: Iterable[str], year: int, parameters: ParameterSet | None = None
) -> pa.Table:
    """One row per county: ``county_code`` and the columns of :func:`parameters_for`."""
    schema = feature_schema()
    fields = [pa.field("county_code", pa.string())]
    for p in POLICY_PARAMETERS:
        fields += [schema.field(p.name), schema.field(f"{p.name}_version")]
    rows = [
        {"county_code": code, **parameters_for(code, year, parameters)}
        for code in sorted(set(county_codes))
    ]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


# --- shared pieces, written once for Python and once for Ibis ----------------------------------


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - (1 if (birth.month, birth.day) > (day.month, day.day) else 0)


def _age_expr(birth: ir.DateValue, day: dt.date) -> ir.IntegerValue:
    later = (birth.month() * 100 + birth.day()) > (day.month * 100 + day.day)
    return (day.year - birth.year() - ibis.ifelse(later, 1, 0)).cast("int32")


def per_capita_cents(net_cents: int, size: int) -> int:
    """``net_cents / size`` rounded half away from zero (as ``registry.income.derive`` rounds),
    in integers so that every engine computes exactly the same."""
    q = (2 * abs(net_cents) + size) // (2 * size)
    return -q if net_cents < 0 else q


def _per_capita_expr(net: ir.DecimalValue, size: ir.IntegerValue) -> ir.DecimalValue:
    cents = (net * 100).cast("int64")
    # NULL instead of zero: no division by zero is ever evaluated (PostgreSQL would raise).
    n = ibis.ifelse(size > 0, size.cast("int64"), ibis.null().cast("int64"))
    q = (2 * cents.abs() + n) // (2 * n)
    signed = ibis.ifelse(cents < 0, -q, q)
    # Cents back to yuan by a decimal product (exact on every engine; a division is not).
    value = signed.cast("decimal(18, 2)") * ibis.literal(Decimal("0.01"), type="decimal(18, 2)")
    return ibis.ifelse(size > 0, value.cast("decimal(14, 2)"), ibis.null().cast("decimal(14, 2)"))


def _and(*values: bool | None) -> bool | None:
    """SQL's three-valued AND."""
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _between(value: int | None, low: int | None, high: int | None) -> bool | None:
    if value is None or low is None or high is None:
        return None
    return low <= value <= high


def _known_count(found: int, unknown: int, members: int, params_ok: bool) -> int | None:
    """A count that decides a criterion: any found member decides it; otherwise a member whose
    data is missing (or a missing age parameter, or no member at all) leaves it unknown."""
    if members == 0 or not params_ok:
        return None
    if found > 0:
        return found
    return None if unknown > 0 else 0


# --- (a) one household, in Python ---------------------------------------------------------------


def features_from_data(
    household: Row,
    members: Iterable[Row] = (),
    incomes: Iterable[Row] = (),
    conditions: Iterable[Row] = (),
    measures: Iterable[Row] = (),
    *,
    year: int,
    parameters: ParameterSet | None = None,
    **_ignored: Any,
) -> Row:
    """The feature row of one household given as plain dicts (records of other years are
    ignored). Extra keys (``risks``, names) are accepted and ignored."""
    as_of = dt.date(year, 12, 31)
    county = str(household.get("village_code") or "")[:6]
    params = parameters_for(county, year, parameters)
    income = next((i for i in incomes if int(i["year"]) == year), None)
    cond = next((x for x in conditions if int(x["year"]) == year), None)
    aid = next((a for a in measures if int(a["year"]) == year), None)

    s_min, s_max = params["compulsory_school_age_min"], params["compulsory_school_age_max"]
    l_min, l_max = params["labour_age_min"], params["labour_age_max"]
    n = uninsured = no_serious = out = s_unknown = working = l_unknown = ill = disabled = 0
    for m in members:
        n += 1
        age = age_on(m.get("birth_date"), as_of)
        if not (m.get("resident_medical_insurance") or m.get("employee_medical_insurance")):
            uninsured += 1
        if not m.get("serious_illness_insurance"):
            no_serious += 1
        school_age = _between(age, s_min, s_max)
        status = m.get("student_status") or ""
        out += school_age is True and status == COMPULSORY_NOT_STUDENT
        s_unknown += age is None or (school_age is True and status == "")
        labour_age = _between(age, l_min, l_max)
        skill = m.get("labour_skill") or ""
        working += labour_age is True and skill in WORKING_LABOUR
        l_unknown += age is None or (labour_age is True and skill == "")
        ill += m.get("health") in ILL_HEALTH
        disabled += m.get("health") == DISABLED

    per_capita = after = None
    if income is not None:
        per_capita = income.get("per_capita_net")
        size, net = income.get("household_size"), income.get("net_income")
        spending = income.get("compliant_out_of_pocket")
        if size and size > 0 and net is not None and spending is not None:
            cents = int((Decimal(net) - Decimal(spending)) * 100)
            after = Decimal(per_capita_cents(cents, int(size))).scaleb(-2)

    water = water_difficulty = dangerous = grade = water_safe = housing_safe = None
    if cond is not None:
        water, water_difficulty = cond.get("safe_drinking_water"), cond.get("water_difficulty")
        dangerous, grade = cond.get("is_dangerous_house"), cond.get("housing_grade")
        water_safe = _and(water, _not(water_difficulty))
        housing_safe = _and(_not(dangerous), (grade or "") not in UNSAFE_GRADES)

    has_measure = None
    if aid is not None:
        has_measure = any((aid.get(f) or "").strip(BLANKS) != "" for f in MEASURE_FIELDS)

    identified = household.get("monitoring_identified_on")
    months = None if identified is None else (year - identified.year) * 12 + 12 - identified.month
    category = household.get("monitoring_category") or ""
    household_type = household.get("household_type") or ""
    eliminated = household.get("risk_eliminated")
    members_or_none = n if n else None
    return {
        "household_id": household.get("id"),
        "village_code": household.get("village_code"),
        "county_code": county,
        "household_type": household_type,
        "monitoring_category": category,
        "exit_year": household.get("exit_year"),
        "risk_eliminated": eliminated,
        "formerly_poor": household_type == c.HouseholdType.EXITED.value
        or household.get("exit_year") is not None
        or household.get("identified_on") is not None,
        "under_monitoring": (category != "" or household_type == c.HouseholdType.MONITORED.value)
        and eliminated is not True,
        "per_capita_net": per_capita,
        "per_capita_after_spending": after,
        "members": n,
        "uninsured": uninsured if n else None,
        "without_serious_illness_insurance": no_serious if n else None,
        "school_age_out_of_school": _known_count(
            out, s_unknown, n, s_min is not None and s_max is not None
        ),
        "school_age_status_unknown": s_unknown if n else None,
        "working_labour": _known_count(
            working, l_unknown, n, l_min is not None and l_max is not None
        ),
        "ill_members": ill if members_or_none else None,
        "disabled_members": disabled if members_or_none else None,
        "safe_drinking_water": water,
        "water_difficulty": water_difficulty,
        "is_dangerous_house": dangerous,
        "housing_grade": grade,
        "water_safe": water_safe,
        "housing_safe": housing_safe,
        "has_measure": has_measure,
        "months_monitored": months,
        **params,
    }


# --- (b) every household, one Ibis expression -------------------------------------------------


def features_expr(
    backend: Backend,
    year: int,
    *,
    parameters: ParameterSet | None = None,
    area_prefix: str = "",
) -> ir.Table:
    """One row per household (under ``area_prefix``, a scope prefix) with the columns of
    :func:`feature_schema`. Runs one small query first: the distinct county codes, for the
    per-county parameter table (stored with :meth:`Backend.materialize`)."""
    as_of = dt.date(year, 12, 31)
    h = backend.table("households")
    if area_prefix:
        low, high = code_range(area_prefix)
        h = h.filter((h.village_code >= low) & (h.village_code < high))
    h = h.mutate(county_code=h.village_code.substr(0, 6))
    counties = backend.execute(h.select("county_code").distinct())
    codes = [code for code in counties.column("county_code").to_pylist() if code is not None]
    params = backend.materialize(
        "policy_params", ibis.memtable(parameter_table(codes, year, parameters))
    )
    params = params.rename(pc_code="county_code")
    h = h.left_join(params, h.county_code == params.pc_code).drop("pc_code")

    # Members, each with its household's age parameters and its age on 31 December.
    hp = h.select(
        hp_id=h.id,
        s_min=h.compulsory_school_age_min,
        s_max=h.compulsory_school_age_max,
        l_min=h.labour_age_min,
        l_max=h.labour_age_max,
    )
    m = backend.table("members")
    m = m.join(hp, m.household_id == hp.hp_id)
    age = _age_expr(m.birth_date, as_of)
    school_age = (age >= m.s_min) & (age <= m.s_max)
    labour_age = (age >= m.l_min) & (age <= m.l_max)
    status = m.student_status.fill_null("")
    skill = m.labour_skill.fill_null("")
    insured = m.resident_medical_insurance.fill_null(
        False
    ) | m.employee_medical_insurance.fill_null(False)

    def count(condition: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.ifelse(condition, 1, 0).sum()

    per_member = m.group_by(mh_id=m.household_id).aggregate(
        n=m.count(),
        uninsured=count(~insured),
        no_serious=count(~m.serious_illness_insurance.fill_null(False)),
        out=count(school_age & (status == COMPULSORY_NOT_STUDENT)),
        s_unknown=count(age.isnull() | (school_age & (status == ""))),
        working=count(labour_age & skill.isin(WORKING_LABOUR)),
        l_unknown=count(age.isnull() | (labour_age & (skill == ""))),
        ill=count(m.health.isin(ILL_HEALTH)),
        disabled=count(m.health == DISABLED),
    )

    i = backend.table("incomes")
    i = i.filter(i.year == year)
    i = i.select(
        ih_id=i.household_id,
        per_capita_net=i.per_capita_net,
        per_capita_after_spending=_per_capita_expr(
            i.net_income - i.compliant_out_of_pocket, i.household_size
        ),
    )
    cd = backend.table("conditions")
    cd = cd.filter(cd.year == year)
    grade = cd.housing_grade.fill_null("")
    cd = cd.select(
        ch_id=cd.household_id,
        safe_drinking_water=cd.safe_drinking_water,
        water_difficulty=cd.water_difficulty,
        is_dangerous_house=cd.is_dangerous_house,
        housing_grade=cd.housing_grade,
        water_safe=cd.safe_drinking_water & ~cd.water_difficulty,
        housing_safe=~cd.is_dangerous_house & ~grade.isin(UNSAFE_GRADES),
    )
    ms = backend.table("measures")
    ms = ms.filter(ms.year == year)
    anything = ibis.literal(False)
    for name in MEASURE_FIELDS:
        anything = anything | (ms[name].fill_null("").strip() != "")
    ms = ms.select(mm_id=ms.household_id, has_measure=anything)

    j = h.left_join(per_member, h.id == per_member.mh_id)
    j = j.left_join(i, j.id == i.ih_id)
    j = j.left_join(cd, j.id == cd.ch_id)
    j = j.left_join(ms, j.id == ms.mm_id)

    n = j.n.fill_null(0)
    none_int = ibis.null().cast("int32")

    def known_count(
        found: ir.IntegerValue, unknown: ir.IntegerValue, low: ir.Value, high: ir.Value
    ) -> ir.IntegerValue:
        return ibis.cases(
            ((n == 0) | low.isnull() | high.isnull(), none_int),
            (found > 0, found.cast("int32")),
            (unknown > 0, none_int),
            else_=ibis.literal(0, type="int32"),
        )

    def if_members(value: ir.IntegerValue) -> ir.IntegerValue:
        return ibis.ifelse(n > 0, value.cast("int32"), none_int)

    category = j.monitoring_category.fill_null("")
    household_type = j.household_type.fill_null("")
    identified = j.monitoring_identified_on
    out = j.select(
        household_id=j.id.cast("int64"),
        village_code=j.village_code,
        county_code=j.county_code,
        household_type=household_type,
        monitoring_category=category,
        exit_year=j.exit_year.cast("int32"),
        risk_eliminated=j.risk_eliminated,
        formerly_poor=(household_type == c.HouseholdType.EXITED.value)
        | j.exit_year.notnull()
        | j.identified_on.notnull(),
        under_monitoring=((category != "") | (household_type == c.HouseholdType.MONITORED.value))
        & ~j.risk_eliminated.fill_null(False),
        per_capita_net=j.per_capita_net.cast("decimal(14, 2)"),
        per_capita_after_spending=j.per_capita_after_spending,
        members=n.cast("int32"),
        uninsured=if_members(j.uninsured),
        without_serious_illness_insurance=if_members(j.no_serious),
        school_age_out_of_school=known_count(
            j.out, j.s_unknown, j.compulsory_school_age_min, j.compulsory_school_age_max
        ),
        school_age_status_unknown=if_members(j.s_unknown),
        working_labour=known_count(j.working, j.l_unknown, j.labour_age_min, j.labour_age_max),
        ill_members=if_members(j.ill),
        disabled_members=if_members(j.disabled),
        safe_drinking_water=j.safe_drinking_water,
        water_difficulty=j.water_difficulty,
        is_dangerous_house=j.is_dangerous_house,
        housing_grade=j.housing_grade,
        water_safe=j.water_safe,
        housing_safe=j.housing_safe,
        has_measure=j.has_measure,
        months_monitored=((year - identified.year()) * 12 + 12 - identified.month()).cast("int32"),
        **{name: j[name] for p in POLICY_PARAMETERS for name in (p.name, f"{p.name}_version")},
    )
    return out
