"""Per-person achievements from the registry's snapshot tables, for the registry's spec.

One Ibis expression over a :class:`~jingzhun.analytics.backend.Backend`: one row per member
(``person_id``, ``household_id``, ``village_code``) with one achievement column per indicator
of ``specs/registry.yaml``. Indicators recorded for the household (income, housing, water …)
apply to every member, as is standard in Alkire–Foster practice (the household is the unit of
identification, people the unit of count). Binary indicators are 1 (achieved) or 0, with the
spec's cutoff 1 and ``deprived: below``. NULL means the data is missing (no income or
conditions record for the year, no adult with an education level): such a person is left out
of the population and counted as missing (jingzhun.mpi.measures).

The poverty line and the compulsory-school ages are the policy parameters in force on 31
December of the year for each county (jingzhun.policy.parameters), joined from the same
per-county table the policy engine builds (jingzhun.policy.features.parameter_table): income
enters as the ratio per-capita net income ÷ that year's line, so its cutoff in the spec is 1
and its normalised gap is (line − income) ÷ line.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from jingzhun.analytics.backend import Backend
from jingzhun.areas.models import code_range
from jingzhun.policy.features import _age_expr, parameter_table
from jingzhun.policy.parameters import ParameterSet
from jingzhun.registry import choices as c

# Nominal years of schooling of each completed level (小学6年、初中3年、高中或中职3年、
# 大专3年、本科4年: the 6-3-3 学制 of the 义务教育法 and the 教育法). "文盲或半文盲" and
# "学龄前儿童" count as none.
SCHOOLING_YEARS: dict[str, int] = {
    c.Education.ILLITERATE.value: 0,
    c.Education.PRESCHOOL.value: 0,
    c.Education.PRIMARY.value: 6,
    c.Education.JUNIOR.value: 9,
    c.Education.SENIOR.value: 12,
    c.Education.VOCATIONAL.value: 12,
    c.Education.COLLEGE.value: 15,
    c.Education.BACHELOR.value: 16,
}
NOT_STUDENT = c.StudentStatus.NOT_STUDENT.value
UNSAFE_GRADES = (c.HousingSafetyGrade.C.value, c.HousingSafetyGrade.D.value)

# The achievement columns person_expr gives (what a registry spec may name).
ACHIEVEMENTS = (
    "income_ratio",
    "schooling_years",
    "school_attendance",
    "medical_insurance",
    "housing_safe",
    "drinking_water",
    "electricity",
    "road",
    "sanitation",
)


def _flag(condition: ir.BooleanValue) -> ir.FloatingValue:
    """1.0 / 0.0, NULL stays NULL."""
    return ibis.ifelse(condition, 1.0, 0.0)


def person_expr(
    backend: Backend,
    year: int,
    *,
    area_prefix: str = "",
    parameters: ParameterSet | None = None,
) -> ir.Table:
    """One row per member of the households under ``area_prefix`` (a scope prefix), with
    ``person_id``, ``household_id``, ``village_code`` and the :data:`ACHIEVEMENTS`. Runs one
    small query first (the distinct county codes, for the parameter table)."""
    as_of = dt.date(year, 12, 31)
    h = backend.table("households")
    if area_prefix:
        low, high = code_range(area_prefix)
        h = h.filter((h.village_code >= low) & (h.village_code < high))
    h = h.select(hh_id=h.id, village_code=h.village_code, county_code=h.village_code.substr(0, 6))
    counties = backend.execute(h.select("county_code").distinct())
    codes = [code for code in counties.column("county_code").to_pylist() if code is not None]
    params = backend.materialize(
        "mpi_params", ibis.memtable(parameter_table(codes, year, parameters))
    )
    params = params.select(
        pc_code=params.county_code,
        line=params.poverty_line.cast("float64"),
        s_min=params.compulsory_school_age_min,
        s_max=params.compulsory_school_age_max,
    )
    h = h.left_join(params, h.county_code == params.pc_code).drop("pc_code")

    m = backend.table("members")
    m = m.join(h.select("hh_id", "s_min", "s_max"), m.household_id == h.hh_id)
    age = _age_expr(m.birth_date, as_of)
    school_age = (age >= m.s_min) & (age <= m.s_max)
    out_of_school = school_age & (m.student_status.fill_null("") == NOT_STUDENT)
    insured = m.resident_medical_insurance.fill_null(
        False
    ) | m.employee_medical_insurance.fill_null(False)
    years = m.education.fill_null("").substitute(
        {code: ibis.literal(n) for code, n in SCHOOLING_YEARS.items()}, else_=ibis.null()
    )
    # Schooling of the household: the most years any member past compulsory school age has.
    adult_years = ibis.ifelse(age > m.s_max, years.cast("float64"), ibis.null().cast("float64"))
    per_household = m.group_by(mh_id=m.household_id).aggregate(
        schooling_years=adult_years.max(),
        out_of_school=ibis.ifelse(out_of_school.fill_null(False), 1, 0).sum(),
        uninsured=ibis.ifelse(insured, 0, 1).sum(),
    )

    i = backend.table("incomes")
    i = i.filter(i.year == year)
    i = i.select(ih_id=i.household_id, per_capita=i.per_capita_net.cast("float64"))
    cd = backend.table("conditions")
    cd = cd.filter(cd.year == year)
    grade = cd.housing_grade.fill_null("")
    cd = cd.select(
        ch_id=cd.household_id,
        housing_safe=_flag(~cd.is_dangerous_house & ~grade.isin(UNSAFE_GRADES)),
        drinking_water=_flag(cd.safe_drinking_water & ~cd.water_difficulty),
        electricity=_flag(cd.has_electricity),
        road=_flag(cd.road_hardened),
        sanitation=_flag(cd.has_sanitary_toilet),
    )

    j = h.left_join(per_household, h.hh_id == per_household.mh_id)
    j = j.left_join(i, j.hh_id == i.ih_id)
    j = j.left_join(cd, j.hh_id == cd.ch_id)
    household = j.select(
        household_id=j.hh_id,
        village_code=j.village_code,
        income_ratio=ibis.ifelse(j.line > 0, j.per_capita / j.line, ibis.null().cast("float64")),
        schooling_years=j.schooling_years,
        school_attendance=_flag(j.out_of_school == 0),
        medical_insurance=_flag(j.uninsured == 0),
        housing_safe=j.housing_safe,
        drinking_water=j.drinking_water,
        electricity=j.electricity,
        road=j.road,
        sanitation=j.sanitation,
    )
    people = backend.table("members")
    people = people.select(person_id=people.id, ph_id=people.household_id)
    joined = people.join(household, people.ph_id == household.household_id)
    return joined.select("person_id", "household_id", "village_code", *ACHIEVEMENTS)


def child_code_expr(village_code: ir.StringValue, level: int | None) -> ir.StringValue:
    """The code of the area one level below an area of ``level`` (None: the whole country)
    that holds ``village_code``: the province, city, county, township or village."""
    if level is None:
        return village_code.substr(0, 2) + "0000"
    if level == 1:
        return village_code.substr(0, 4) + "00"
    return village_code.substr(0, {2: 6, 3: 9}.get(level, 12))
