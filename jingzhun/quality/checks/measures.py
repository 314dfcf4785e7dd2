"""Assistance measures 帮扶措施 (docs/domain.md, 帮扶 and 全国系统导出与问题数据).

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.quality.checks.base import (
    HOUSEHOLD,
    MEMBER,
    NON_GUARANTEE_MEASURES,
    VOCATIONAL,
    WARNING,
    WORKING_LABOUR,
    EntryHit,
    Facts,
    Frames,
    batch_of,
    check,
    household_hits,
    member_hits,
    text_of,
)

# --- assistance measures (docs/domain.md, 帮扶) ----------------------------------------------


@check(
    "Q-M-040",
    gettext_noop("中职、高职在校生所在监测户未享受雨露计划"),
    severity=WARNING,
    level=MEMBER,
    fields=("household_type", "student_status", "education_aid", "yulu_plan"),
    rationale=gettext_noop(
        "监测户中的中职、高职学生应享受雨露计划（docs/domain.md“帮扶”）：当年帮扶措施的教育帮扶"
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
        (
            m,
            gettext(
                "中职、高职在校生，所在监测户%(year)s年帮扶措施中没有雨露计划：请核实并落实或补录。"
            )
            % {"year": f.year},
        )
        for m in f.members
        if m.get("student_status") in VOCATIONAL
    ]


@batch_of("Q-M-040")
def _yulu_batch(fr: Frames) -> ir.Table:
    m, ms = fr.members, fr.measures
    yulu = ms.filter(ms.yulu_plan.fill_null(False)).select(yh_id="household_id")
    m = m.filter((m.household_type == "monitored") & m.student_status.isin(VOCATIONAL))
    return member_hits(m.anti_join(yulu, m.household_id == yulu.yh_id), ibis.literal(True))


@check(
    "Q-H-041",
    gettext_noop("有劳动力的监测户仅落实综合保障措施"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=(
        "household_type",
        "birth_date",
        "labour_skill",
        "basic_guarantee",
        *NON_GUARANTEE_MEASURES,
    ),
    rationale=gettext_noop(
        "有劳动年龄（政策参数 labour_age_min 至 labour_age_max）劳动力的监测户应有产业、就业等"
        "开发式帮扶，不能只有综合保障（兜底）（docs/domain.md“帮扶”）。"
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
    if text_of(ms.get("basic_guarantee")) == "" or any(
        text_of(ms.get(k)) != "" for k in NON_GUARANTEE_MEASURES
    ):
        return []
    if not any(
        m["age"] is not None and low <= m["age"] <= high and m.get("labour_skill") in WORKING_LABOUR
        for m in f.members
    ):
        return []
    return [
        (
            None,
            gettext("有劳动年龄内的劳动力，%(year)s年却只落实了综合保障：请落实产业、就业等帮扶。")
            % {"year": f.year},
        )
    ]


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
    return household_hits(
        h.semi_join(only, h.id == only.oh_id).semi_join(workers, h.id == workers.wh_id)
    )
