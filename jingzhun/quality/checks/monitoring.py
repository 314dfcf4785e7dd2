"""Risks, monitoring and elimination (中农组发〔2021〕7号; docs/domain.md, 办理程序,
防返贫动态监测 and 全国系统导出与问题数据).

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

from decimal import Decimal

import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.quality.checks.base import (
    DATA_PROBLEMS_DOC,
    ERROR,
    HOUSEHOLD,
    ILL_HEALTH,
    WARNING,
    WORKING_LABOUR,
    EntryHit,
    Facts,
    Frames,
    add_months,
    batch_of,
    check,
    household_hits,
    text_of,
)

# --- risks (docs/domain.md, 防返贫动态监测 and 全国系统导出与问题数据) ---------------------


def _risk_without_member(fr: Frames, kind: str, healths: tuple[str, ...]) -> ir.Table:
    h, r, m = fr.households, fr.risks, fr.members
    with_risk = r.filter(r.kind == kind).select(rh_id="household_id")
    fitting = m.filter(m.health.isin(healths)).select(fh_id="household_id")
    h = h.semi_join(with_risk, h.id == with_risk.rh_id).anti_join(fitting, h.id == fitting.fh_id)
    return household_hits(h)


@check(
    "Q-H-010",
    gettext_noop("风险为“因残”但无残疾成员"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("risks", "health"),
    rationale=f"“因残”风险应有健康状况为“残疾”的成员（{DATA_PROBLEMS_DOC}）。",
    field="risks",
)
def _disability_entry(f: Facts) -> list[EntryHit]:
    if any(r.get("kind") == "disability" for r in f.risks) and not any(
        m.get("health") == "disabled" for m in f.members
    ):
        return [(None, gettext("风险为“因残”，但没有健康状况为“残疾”的成员：请核对。"))]
    return []


@batch_of("Q-H-010")
def _disability_batch(fr: Frames) -> ir.Table:
    return _risk_without_member(fr, "disability", ("disabled",))


@check(
    "Q-H-011",
    gettext_noop("风险为“因病”但无患病成员"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("risks", "health"),
    rationale=f"“因病”风险应有长期慢性病或患有大病的成员（{DATA_PROBLEMS_DOC}）。",
    field="risks",
)
def _illness_entry(f: Facts) -> list[EntryHit]:
    if any(r.get("kind") == "illness" for r in f.risks) and not any(
        m.get("health") in ILL_HEALTH for m in f.members
    ):
        return [(None, gettext("风险为“因病”，但没有患长期慢性病或大病的成员：请核对。"))]
    return []


@batch_of("Q-H-011")
def _illness_batch(fr: Frames) -> ir.Table:
    return _risk_without_member(fr, "illness", ILL_HEALTH)


@check(
    "Q-H-012",
    gettext_noop("风险为“其他”未填写说明"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("risks",),
    rationale=gettext_noop("风险类型“其他”必须说明具体风险（docs/domain.md“防返贫动态监测”）。"),
    field="risks",
)
def _other_risk_entry(f: Facts) -> list[EntryHit]:
    if any(r.get("kind") == "other" and not text_of(r.get("remark")).strip() for r in f.risks):
        return [(None, gettext("风险类型为“其他”但未填写说明。"))]
    return []


@batch_of("Q-H-012")
def _other_risk_batch(fr: Frames) -> ir.Table:
    h, r = fr.households, fr.risks
    bad = r.filter((r.kind == "other") & (r.remark.fill_null("").strip() == ""))
    bad = bad.select(rh_id="household_id")
    return household_hits(h.semi_join(bad, h.id == bad.rh_id))


# --- monitoring and elimination (中农组发〔2021〕7号; docs/domain.md, 办理程序) --------------


@check(
    "Q-H-020",
    gettext_noop("识别监测不足规定月数即消除风险"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("monitoring_identified_on", "risk_eliminated_on"),
    rationale=gettext_noop(
        "原则上监测满政策参数 min_months_before_elimination（6个月）方可消除风险"
        "（各地风险消除规定，docs/domain.md“办理程序”）。"
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
        return [
            (
                None,
                gettext("从识别监测（%(start)s）到消除（%(end)s）不足%(months)s个月。")
                % {"start": start, "end": end, "months": months},
            )
        ]
    return []


@batch_of("Q-H-020")
def _early_batch(fr: Frames) -> ir.Table:
    h = fr.households
    due = h.monitoring_identified_on + h.p_min_months.as_interval("M")
    return household_hits(h, (h.risk_eliminated == True) & (h.risk_eliminated_on < due))  # noqa: E712


def _income_join(fr: Frames) -> ir.Table:
    h, i = fr.households, fr.incomes.select(ih_id="household_id", pcn="per_capita_net")
    return h.join(i, h.id == i.ih_id)


@check(
    "Q-H-021",
    gettext_noop("风险已消除但人均纯收入低于监测线"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("risk_eliminated", "per_capita_net"),
    rationale=gettext_noop(
        "消除风险须收入高于当年监测线（政策参数 monitoring_threshold，按县取值）。"
    ),
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
        return [
            (
                None,
                gettext("%(year)s年人均纯收入%(income)s元低于监测线%(line)s元，却已标注风险消除。")
                % {"year": f.year, "income": pcn, "line": line},
            )
        ]
    return []


@batch_of("Q-H-021")
def _eliminated_low_batch(fr: Frames) -> ir.Table:
    j = _income_join(fr)
    return household_hits(j, (j.risk_eliminated == True) & (j.pcn < j.p_threshold))  # noqa: E712


@check(
    "Q-H-022",
    gettext_noop("风险已消除但住房或饮水不安全"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("risk_eliminated", "is_dangerous_house", "housing_grade", "safe_drinking_water"),
    rationale=gettext_noop(
        "消除风险须住房安全（A、B级）和饮水安全有保障"
        "（《中央农村工作领导小组关于健全防止返贫动态监测和帮扶机制的指导意见》（中农组发〔2021〕7号））。"
    ),
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
            return [
                (
                    None,
                    gettext("%(year)s年仍为危房或未解决安全饮水，却已标注风险消除。")
                    % {"year": f.year},
                )
            ]
    return []


@batch_of("Q-H-022")
def _eliminated_unsafe_batch(fr: Frames) -> ir.Table:
    h, cond = fr.households, fr.conditions
    bad = cond.filter(
        cond.is_dangerous_house | cond.housing_grade.isin(("C", "D")) | ~cond.safe_drinking_water
    ).select(ch_id="household_id")
    return household_hits(
        h.filter(h.risk_eliminated == True).semi_join(bad, h.id == bad.ch_id)  # noqa: E712
    )


@check(
    "Q-H-023",
    gettext_noop("脱贫户收入低于监测线但未纳入监测"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("household_type", "monitoring_category", "per_capita_net"),
    rationale=gettext_noop(
        "收入低于当年监测线的脱贫户应纳入监测"
        "（《中央农村工作领导小组关于健全防止返贫动态监测和帮扶机制的指导意见》（中农组发〔2021〕7号））。"
    ),
    field="monitoring_category",
    parameters=("monitoring_threshold",),
)
def _unmonitored_entry(f: Facts) -> list[EntryHit]:
    h, line = f.household, f.params["p_threshold"]
    if (
        h.get("household_type") == "exited"
        and not text_of(h.get("monitoring_category"))
        and f.income is not None
        and line is not None
        and Decimal(f.income["per_capita_net"]) < line
    ):
        return [
            (
                None,
                gettext("%(year)s年人均纯收入低于监测线%(line)s元：请核实是否纳入监测。")
                % {"year": f.year, "line": line},
            )
        ]
    return []


@batch_of("Q-H-023")
def _unmonitored_batch(fr: Frames) -> ir.Table:
    j = _income_join(fr)
    return household_hits(
        j,
        (j.household_type == "exited")
        & (j.monitoring_category.fill_null("") == "")
        & (j.pcn < j.p_threshold),
    )


@check(
    "Q-H-024",
    gettext_noop("无劳动年龄劳动力的户已消除风险"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("risk_eliminated", "labour_skill", "birth_date"),
    rationale=gettext_noop(
        "无劳动年龄劳动力的监测户原则上不消除风险，继续监测（docs/domain.md“办理程序”）。"
    ),
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
    return [(None, gettext("全户没有劳动年龄内的劳动力，原则上应继续监测而不消除风险。"))]


@batch_of("Q-H-024")
def _no_labour_eliminated_batch(fr: Frames) -> ir.Table:
    h, m = fr.households, fr.members
    workers = m.filter(
        (m.age >= m.p_labour_min) & (m.age <= m.p_labour_max) & m.labour_skill.isin(WORKING_LABOUR)
    ).select(wh_id="household_id")
    h = h.filter((h.risk_eliminated == True) & h.p_labour_min.notnull() & h.p_labour_max.notnull())  # noqa: E712
    return household_hits(h.anti_join(workers, h.id == workers.wh_id))
