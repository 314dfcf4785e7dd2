"""Internal consistency of a household's records, and completeness per 户类型.

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.quality.checks.base import (
    ERROR,
    HOUSEHOLD,
    WARNING,
    EntryHit,
    Facts,
    Frames,
    batch_of,
    check,
    household_hits,
    text_of,
)

# --- internal consistency ---------------------------------------------------------------------


@check(
    "Q-H-030",
    gettext_noop("日期先后顺序错误"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=(
        "identified_on",
        "exited_on",
        "exit_year",
        "monitoring_identified_on",
        "risk_eliminated_on",
    ),
    rationale=gettext_noop(
        "脱贫不能早于识别，消除不能早于识别监测，脱贫年度不能早于识别年份，"
        "脱贫年度应与脱贫时间的年份一致。"
    ),
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
        or (exited and year and exited.year != year)
    ):
        return [(None, gettext("识别、脱贫、监测、消除的日期先后顺序不对：请核对。"))]
    return []


@batch_of("Q-H-030")
def _dates_batch(fr: Frames) -> ir.Table:
    h = fr.households
    wrong = (
        (h.exited_on < h.identified_on).fill_null(False)
        | (h.risk_eliminated_on < h.monitoring_identified_on).fill_null(False)
        | (h.exit_year < h.identified_on.year()).fill_null(False)
        | (h.exited_on.year() != h.exit_year).fill_null(False)
    )
    return household_hits(h, wrong)


@check(
    "Q-H-031",
    gettext_noop("人均纯收入与各项收入不符"),
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
    rationale=gettext_noop(
        "人均纯收入 =（工资性+生产经营性+财产性+转移性−生产经营性支出）÷家庭人口数"
        "（docs/domain.md“贫困标准与户退出标准”）；"
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
        return [
            (
                None,
                gettext("%(year)s年人均纯收入与各项收入重算结果不符：请重新保存收入。")
                % {"year": f.year},
            )
        ]
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
    gettext_noop("当年家庭人口数与在册成员数不符"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("household_size", "members"),
    rationale=gettext_noop("人均纯收入按家庭人口数计算，人口数与在册成员不符会使人均收入失真。"),
    field="household_size",
)
def _size_entry(f: Facts) -> list[EntryHit]:
    if f.income is not None and int(f.income["household_size"]) != len(f.members):
        n = f.income["household_size"]
        return [
            (
                None,
                gettext("%(year)s年收入按%(n)s人计算，在册成员为%(members)s人：请核对。")
                % {"year": f.year, "n": n, "members": len(f.members)},
            )
        ]
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
    gettext_noop("脱贫户或脱贫不稳定户缺少脱贫年度"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("household_type", "monitoring_category", "exit_year", "exited_on"),
    rationale=gettext_noop(
        "脱贫户必须有脱贫年度；脱贫不稳定户是已脱贫的户，应有脱贫年度或脱贫时间。"
    ),
    field="exit_year",
)
def _exit_year_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    if h.get("household_type") == "exited" and not h.get("exit_year"):
        return [(None, gettext("脱贫户请填写脱贫年度。"))]
    if (
        h.get("monitoring_category") == "unstable_exited"
        and not h.get("exit_year")
        and not h.get("exited_on")
    ):
        return [(None, gettext("脱贫不稳定户应已脱贫：请填写脱贫年度，或改为边缘易致贫户。"))]
    return []


@batch_of("Q-H-040")
def _exit_year_batch(fr: Frames) -> ir.Table:
    h = fr.households
    return household_hits(
        h,
        ((h.household_type == "exited") & h.exit_year.isnull())
        | (
            (h.monitoring_category == "unstable_exited")
            & h.exit_year.isnull()
            & h.exited_on.isnull()
        ),
    )


@check(
    "Q-H-042",
    gettext_noop("监测户缺少类别、风险或识别监测时间"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("monitoring_category", "risks", "monitoring_identified_on"),
    rationale=gettext_noop(
        "监测户必须有监测对象类别、至少一项风险和识别监测时间；"
        "有监测对象类别的户（含已消除风险的）也必须有识别监测时间。"
    ),
    field="monitoring_category",
)
def _monitored_complete_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    category = text_of(h.get("monitoring_category"))
    if h.get("household_type") == "monitored" and (
        not category or not f.risks or not h.get("monitoring_identified_on")
    ):
        return [(None, gettext("监测户请填写监测对象类别、致贫/返贫风险和识别监测时间。"))]
    if category and not h.get("monitoring_identified_on"):
        return [(None, gettext("有监测对象类别时请填写识别监测时间。"))]
    return []


@batch_of("Q-H-042")
def _monitored_complete_batch(fr: Frames) -> ir.Table:
    h, r = fr.households, fr.risks
    has_risk = r.select(rh_id="household_id").distinct()
    j = h.left_join(has_risk, h.id == has_risk.rh_id)
    category = j.monitoring_category.fill_null("")
    return household_hits(
        j,
        (
            (j.household_type == "monitored")
            & ((category == "") | j.monitoring_identified_on.isnull() | j.rh_id.isnull())
        )
        | ((category != "") & j.monitoring_identified_on.isnull()),
    )


@check(
    "Q-H-044",
    gettext_noop("风险消除信息不完整或矛盾"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=(
        "risk_eliminated",
        "risk_eliminated_on",
        "elimination_method",
        "monitoring_category",
    ),
    rationale=gettext_noop(
        "风险已消除的户应为监测对象，并有消除监测时间和风险消除方式；"
        "未消除风险的户不应有消除时间或消除方式。"
    ),
    field="risk_eliminated",
)
def _elimination_complete_entry(f: Facts) -> list[EntryHit]:
    h = f.household
    method = text_of(h.get("elimination_method"))
    if h.get("risk_eliminated"):
        if (
            not h.get("risk_eliminated_on")
            or not method
            or not text_of(h.get("monitoring_category"))
        ):
            return [(None, gettext("风险已消除：请填写消除监测时间、风险消除方式和监测对象类别。"))]
    elif h.get("risk_eliminated_on") or method:
        return [(None, gettext("填写了消除时间或消除方式，但“风险是否已消除”不是“是”：请核对。"))]
    return []


@batch_of("Q-H-044")
def _elimination_complete_batch(fr: Frames) -> ir.Table:
    h = fr.households
    eliminated = h.risk_eliminated.fill_null(False)
    method = h.elimination_method.fill_null("")
    return household_hits(
        h,
        (
            eliminated
            & (
                h.risk_eliminated_on.isnull()
                | (method == "")
                | (h.monitoring_category.fill_null("") == "")
            )
        )
        | (~eliminated & (h.risk_eliminated_on.notnull() | (method != ""))),
    )


@check(
    "Q-H-043",
    gettext_noop("脱贫户或监测户缺少当年收入"),
    severity=WARNING,
    level=HOUSEHOLD,
    fields=("household_type", "incomes"),
    rationale=gettext_noop("脱贫户和监测户每年须有收入记录，监测线比对才有依据。"),
    field="incomes",
)
def _income_missing_entry(f: Facts) -> list[EntryHit]:
    if f.household.get("household_type") in ("exited", "monitored") and f.income is None:
        return [(None, gettext("缺少%(year)s年收入：请录入年度收入。") % {"year": f.year})]
    return []


@batch_of("Q-H-043")
def _income_missing_batch(fr: Frames) -> ir.Table:
    h, i = fr.households, fr.incomes.select(ih_id="household_id")
    h = h.filter(h.household_type.isin(("exited", "monitored")))
    return household_hits(h.anti_join(i, h.id == i.ih_id))
