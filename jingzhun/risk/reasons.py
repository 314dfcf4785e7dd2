"""A household's main reasons in words a cadre reads: "收入较上年下降38%", "家中有2名大病患者".

A reason is stored as {"feature", "value", "effect", "health"} (:func:`reason_record`) and
worded when shown (:func:`reason_text`), so a role that may not see health reads that the
reason concerns health, and not which illness."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from jingzhun.risk.features import BY_NAME

HIDDEN_HEALTH = "健康方面的情况（无权查看详情）"


def _change(what: str) -> Callable[[float], str]:
    def say(v: float) -> str:
        pct = round(abs(v) * 100)
        if v < 0:
            return f"{what}较上年下降{pct}%"
        return f"{what}较上年增长{pct}%"

    return say


def _count(template: str) -> Callable[[float], str]:
    return lambda v: template.format(n=round(v))


def _flag(yes: str, no: str) -> Callable[[float], str]:
    return lambda v: yes if v >= 0.5 else no


WORDING: dict[str, Callable[[float], str]] = {
    "income_per_capita": lambda v: f"人均纯收入{round(v):,}元",
    "income_change": _change("人均纯收入"),
    "wage_change": _change("工资性收入"),
    "income_to_threshold": lambda v: f"人均纯收入为当年监测线的{v:.2f}倍",
    "transfer_share": lambda v: f"转移性收入占收入的{round(v * 100)}%",
    "medical_spending_per_capita": lambda v: f"人均合规自付医疗支出{round(v):,}元",
    "household_size": _count("家庭人口{n}人"),
    "labour_count": lambda v: "家中没有劳动力" if v < 0.5 else f"劳动力{round(v)}人",
    "dependants_ratio": lambda v: f"非劳动力占家庭人口的{round(v * 100)}%",
    "serious_ill_members": _count("家中有{n}名大病患者"),
    "disabled_members": _count("家中有{n}名残疾人"),
    "chronic_ill_members": _count("家中有{n}名慢性病患者"),
    "students": _count("在校生{n}人"),
    "elderly": _count("60岁以上老人{n}人"),
    "registered_poor": _flag("建档立卡脱贫户", "非建档立卡户"),
    "assistance_household": _flag("低保或特困户", "非低保特困户"),
    "monitored_at_cutoff": _flag("年底仍在监测中，风险未消除", "年底不在监测中"),
    "monitoring_eliminated": _flag("曾纳入监测，风险已消除", "未曾纳入监测"),
    "dangerous_house": _flag("住房为危房", "住房安全"),
    "water_difficulty": _flag("饮水困难", "饮水无困难"),
    "alerts_health": _count("部门预警（医疗、残疾）{n}条"),
    "alerts_employment": _count("部门预警（失业）{n}条"),
    "alerts_housing": _count("部门预警（住房、灾害）{n}条"),
    "alerts_education": _count("部门预警（辍学）{n}条"),
    "alerts_assistance": _count("部门预警（低保特困未纳入监测）{n}条"),
}


def reason_record(feature: str, value: float, effect: float) -> dict[str, Any]:
    known = value is not None and not (isinstance(value, float) and math.isnan(value))
    return {
        "feature": feature,
        "value": round(float(value), 4) if known else None,
        "effect": round(float(effect), 4),
        "health": BY_NAME[feature].health,
    }


def reason_text(reason: dict[str, Any], *, sees_health: bool) -> str:
    """The reason in words; a health reason for a role without health access says only that it
    concerns health."""
    if reason.get("health") and not sees_health:
        return HIDDEN_HEALTH
    feature = str(reason["feature"])
    value = reason.get("value")
    if value is None:
        return f"{BY_NAME[feature].label}：无记录"
    return WORDING[feature](float(value))
