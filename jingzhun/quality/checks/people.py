"""Members' labour, schooling, ages, insurance and work (docs/domain.md, 全国系统导出与问题数据).

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.quality.checks.base import (
    COMPULSORY,
    DATA_PROBLEMS_DOC,
    EDUCATION_FOR_STATUS,
    ERROR,
    MEMBER,
    MIGRANT_STATUSES,
    WARNING,
    EntryHit,
    Facts,
    Frames,
    batch_of,
    check,
    member_hits,
    text_of,
)

# --- labour, schooling, ages (docs/domain.md, 全国系统导出与问题数据) -------------------------


@check(
    "Q-M-010",
    gettext_noop("未满16周岁应为无劳动力"),
    severity=ERROR,
    level=MEMBER,
    fields=("birth_date", "labour_skill"),
    rationale=gettext_noop(
        "劳动年龄下限（政策参数 labour_age_min）以下的儿童劳动技能应为“无劳动力”。"
    ),
    field="labour_skill",
    parameters=("labour_age_min",),
)
def _child_labour_entry(f: Facts) -> list[EntryHit]:
    low = f.params["p_labour_min"]
    return [
        (
            m,
            gettext("%(age)s岁未满%(low)s周岁，劳动技能应为“无劳动力”。")
            % {"age": m["age"], "low": low},
        )
        for m in f.members
        if low is not None
        and m["age"] is not None
        and m["age"] < low
        and m.get("labour_skill") != "none"
    ]


@batch_of("Q-M-010")
def _child_labour_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return member_hits(m, (m.age < m.p_labour_min) & (m.labour_skill != "none"))


@check(
    "Q-M-011",
    gettext_noop("在校生应为无劳动力"),
    severity=ERROR,
    level=MEMBER,
    fields=("student_status", "labour_skill"),
    rationale=f"在校生（含学前教育）劳动技能应为“无劳动力”（{DATA_PROBLEMS_DOC}）。",
    field="labour_skill",
)
def _student_labour_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, gettext("在校生的劳动技能应为“无劳动力”：请核对在校生状况或劳动技能。"))
        for m in f.members
        if m.get("student_status") != "not_student" and m.get("labour_skill") != "none"
    ]


@batch_of("Q-M-011")
def _student_labour_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return member_hits(m, (m.student_status != "not_student") & (m.labour_skill != "none"))


@check(
    "Q-M-012",
    gettext_noop("劳动年龄内弱劳动力但健康状况为健康"),
    severity=WARNING,
    level=MEMBER,
    fields=("birth_date", "labour_skill", "health"),
    rationale=f"16至59周岁、健康的人一般不应是弱劳动力或半劳动力（{DATA_PROBLEMS_DOC}）。",
    field="labour_skill",
    parameters=("labour_age_min", "labour_age_max"),
)
def _weak_healthy_entry(f: Facts) -> list[EntryHit]:
    low, high = f.params["p_labour_min"], f.params["p_labour_max"]
    return [
        (m, gettext("劳动年龄内的弱劳动力，健康状况却为“健康”：请核对健康状况或劳动技能。"))
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
    return member_hits(
        m,
        (m.age >= m.p_labour_min)
        & (m.age <= m.p_labour_max)
        & (m.labour_skill == "weak")
        & (m.health == "healthy"),
    )


@check(
    "Q-M-013",
    gettext_noop("文化程度与在校生状况矛盾"),
    severity=WARNING,
    level=MEMBER,
    fields=("education", "student_status"),
    rationale=gettext_noop("在校生的文化程度应为所在学段或刚完成的学段（如七年级：初中或小学）。"),
    field="education",
)
def _education_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, gettext("文化程度与在校生状况不符：请核对。"))
        for m in f.members
        if text_of(m.get("education"))
        and m.get("student_status") in EDUCATION_FOR_STATUS
        and m["education"] not in EDUCATION_FOR_STATUS[m["student_status"]]
    ]


@batch_of("Q-M-013")
def _education_batch(fr: Frames) -> ir.Table:
    m = fr.members
    wrong = ibis.literal(False)
    for status, allowed in EDUCATION_FOR_STATUS.items():
        wrong = wrong | ((m.student_status == status) & ~m.education.isin(allowed))
    return member_hits(m, (m.education != "") & wrong)


@check(
    "Q-M-014",
    gettext_noop("义务教育适龄儿童未在校"),
    severity=WARNING,
    level=MEMBER,
    fields=("birth_date", "student_status", "dropout_reason"),
    rationale=gettext_noop(
        "义务教育有保障：适龄（政策参数，6至15周岁，《中华人民共和国义务教育法》）儿童不应失学"
        "（《关于建立贫困退出机制的意见》（厅字〔2016〕16号））。"
    ),
    field="student_status",
    parameters=("compulsory_school_age_min", "compulsory_school_age_max"),
)
def _out_of_school_entry(f: Facts) -> list[EntryHit]:
    low, high = f.params["p_school_min"], f.params["p_school_max"]
    return [
        (
            m,
            gettext("%(age)s岁处于义务教育阶段却是非在校生：请核实并劝返，或更正在校生状况。")
            % {"age": m["age"]},
        )
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
    return member_hits(
        m,
        (m.age >= m.p_school_min) & (m.age <= m.p_school_max) & (m.student_status == "not_student"),
    )


@check(
    "Q-M-015",
    gettext_noop("年龄与义务教育年级不符"),
    severity=WARNING,
    level=MEMBER,
    fields=("birth_date", "student_status"),
    rationale=gettext_noop(
        "小学至九年级学生的年龄应在义务教育年龄前后（容差为政策参数 school_age_tolerance）。"
    ),
    field="student_status",
    parameters=("compulsory_school_age_min", "compulsory_school_age_max", "school_age_tolerance"),
)
def _grade_age_entry(f: Facts) -> list[EntryHit]:
    low, high, tol = f.params["p_school_min"], f.params["p_school_max"], f.params["p_school_tol"]
    if low is None or high is None or tol is None:
        return []
    return [
        (m, gettext("%(age)s岁与所填年级不符：请核对出生日期或在校生状况。") % {"age": m["age"]})
        for m in f.members
        if m["age"] is not None
        and m.get("student_status") in COMPULSORY
        and not (low - tol <= m["age"] <= high + tol)
    ]


@batch_of("Q-M-015")
def _grade_age_batch(fr: Frames) -> ir.Table:
    m = fr.members
    inside = (m.age >= m.p_school_min - m.p_school_tol) & (m.age <= m.p_school_max + m.p_school_tol)
    return member_hits(m, m.student_status.isin(COMPULSORY) & ~inside)


# --- insurance, work ----------------------------------------------------------------------


@check(
    "Q-M-020",
    gettext_noop("脱贫人口未参加基本医疗保险"),
    severity=ERROR,
    level=MEMBER,
    fields=("household_type", "monitoring_category", "resident_medical_insurance"),
    rationale=gettext_noop(
        "基本医疗有保障：脱贫人口应参加城乡居民医保或职工医保"
        "（《关于建立贫困退出机制的意见》（厅字〔2016〕16号））。"
    ),
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
        (m, gettext("脱贫人口未参加城乡居民基本医疗保险或职工医保：请核实参保。"))
        for m in f.members
        if not m.get("resident_medical_insurance") and not m.get("employee_medical_insurance")
    ]


@batch_of("Q-M-020")
def _insurance_batch(fr: Frames) -> ir.Table:
    m = fr.members
    exited = (m.household_type == "exited") | (m.monitoring_category == "unstable_exited")
    return member_hits(m, exited & ~m.resident_medical_insurance & ~m.employee_medical_insurance)


@check(
    "Q-M-021",
    gettext_noop("外出务工人员月均工资收入低于标准"),
    severity=WARNING,
    level=MEMBER,
    fields=("work_status", "work_months", "wage"),
    rationale=(
        "务工月收入低于政策参数 migrant_min_monthly_income（400元）的外出务工信息多为错填"
        f"（县级问题数据清洗的口径，{DATA_PROBLEMS_DOC}）。"
        "登记表只有户的工资性收入和每人的务工月数，按“户工资性收入 ÷ 全户务工月数”估算每人月收入。"
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
        (
            m,
            gettext("全户工资性收入按务工月数折算低于每月%(low)s元：请核对务工时间或收入。")
            % {"low": low},
        )
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
    return member_hits(j, j.wage < j.p_migrant_min * j.months)
