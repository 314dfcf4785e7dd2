"""What a case may be opened on, and what its final step changes in the registry.

The change goes through :func:`jingzhun.registry.actions.do_update_household`, so the registry's
own validation, version lock and audit trail apply; the audit entry names the case as its source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation

from jingzhun.cases import choices as cc
from jingzhun.registry import choices as c
from jingzhun.registry import validation
from jingzhun.registry.actions import HOUSEHOLD_FIELDS
from jingzhun.registry.models import Household


def registered_poor(h: Household) -> bool:
    return h.identified_on is not None and h.exit_year is None


def under_monitoring(h: Household) -> bool:
    return bool(h.monitoring_category) and h.risk_eliminated is not True


def eligibility_error(case_type: str, h: Household, facts: dict[str, Any]) -> str:
    """Why this household cannot start this procedure, or ''."""
    if case_type == cc.CaseType.IDENTIFICATION:
        if h.identified_on or h.exit_year or h.household_type == c.HouseholdType.EXITED:
            return "该户已建档立卡（有识别时间或脱贫年度），不能重复识别。"
    elif case_type == cc.CaseType.EXIT:
        if not registered_poor(h):
            return "只有已建档立卡且尚未脱贫的农户才能办理脱贫退出。"
    elif case_type == cc.CaseType.MONITORING:
        if h.monitoring_category:
            return (
                "该户已是监测对象：风险已消除后再次出现风险的，请办理“返贫重新纳入”。"
                if h.risk_eliminated
                else "该户已是监测对象，不能重复纳入。"
            )
    elif case_type == cc.CaseType.ELIMINATION:
        if not under_monitoring(h):
            return "只有风险未消除的监测对象才能办理风险消除。"
    elif case_type == cc.CaseType.REVERSAL:
        if not (h.monitoring_category and h.risk_eliminated):
            return "只有已标注风险消除的监测对象才能办理返贫重新纳入。"
    elif case_type == cc.CaseType.REMOVAL:
        if facts.get("scope") == cc.RemovalScope.MONITORING and not h.monitoring_category:
            return "该户不是监测对象，不能清退出监测。"
        if facts.get("scope") == cc.RemovalScope.REGISTRATION and not (
            h.identified_on or h.exit_year
        ):
            return "该户未建档立卡，不能清退出建档立卡贫困户。"
    return ""


def _clear_monitoring() -> dict[str, Any]:
    return {
        "monitoring_category": "",
        "monitoring_identified_on": None,
        "risk_eliminated": None,
        "risk_eliminated_on": None,
        "elimination_method": "",
    }


def registry_changes(
    case_type: str, h: Household, facts: dict[str, Any], on: dt.date
) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
    """The household fields the final step sets, and the new risk list (None: unchanged)."""
    risks = [
        (k, facts.get("risk_remark", "") if k == c.RiskType.OTHER else "")
        for k in facts.get("risk_types", [])
    ]
    if case_type == cc.CaseType.IDENTIFICATION:
        return {
            "identified_on": on,
            "main_cause": facts["main_cause"],
            "poverty_attribute": facts["poverty_attribute"],
            "identification_standard": facts["identification_standard"],
            "cause_remark": facts.get("cause_remark", h.cause_remark),
        }, None
    if case_type == cc.CaseType.EXIT:
        return {
            "household_type": c.HouseholdType.EXITED,
            "exit_year": on.year,
            "exited_on": on,
        }, None
    if case_type == cc.CaseType.MONITORING:
        return {
            "household_type": c.HouseholdType.MONITORED,
            "monitoring_category": facts["category"],
            "monitoring_identified_on": on,
            "risk_eliminated": False,
            "risk_eliminated_on": None,
            "elimination_method": "",
        }, risks
    if case_type == cc.CaseType.ELIMINATION:
        return {
            "risk_eliminated": True,
            "risk_eliminated_on": on,
            "elimination_method": facts["method"],
        }, None
    if case_type == cc.CaseType.REVERSAL:
        return {
            "household_type": c.HouseholdType.MONITORED,
            "monitoring_category": facts.get("category") or h.monitoring_category,
            "monitoring_identified_on": on,
            "risk_eliminated": False,
            "risk_eliminated_on": None,
            "elimination_method": "",
        }, risks
    # removal
    if facts.get("scope") == cc.RemovalScope.REGISTRATION:
        return {
            **_clear_monitoring(),
            "household_type": c.HouseholdType.ORDINARY,
            "identified_on": None,
            "identification_standard": "",
            "poverty_attribute": "",
            "exit_year": None,
            "exited_on": None,
        }, []
    return {
        **_clear_monitoring(),
        "household_type": c.HouseholdType.EXITED if h.exit_year else c.HouseholdType.ORDINARY,
    }, []


def registry_errors(case_type: str, h: Household, facts: dict[str, Any], on: dt.date) -> Errors:
    """The registry's own validation of the household as the case would leave it."""
    changes, risks = registry_changes(case_type, h, facts, on)
    merged = {k: getattr(h, k) for k in HOUSEHOLD_FIELDS} | changes
    risk_list = risks if risks is not None else [(r.kind, r.remark) for r in h.risks.all()]
    return validation.check_household(merged, risk_list)


Errors = dict[str, list[str]]


def household_facts(h: Household, year: int) -> dict[str, Any]:
    """The household as it stands when a step is done (no ID, phone or bank number), with the
    value lists' Chinese labels whatever the session's language: it is stored as it was."""
    with translation.override("zh-hans"):
        return _household_facts(h, year)


def _household_facts(h: Household, year: int) -> dict[str, Any]:
    income = h.incomes.filter(year=year).values("per_capita_net").first()
    return {
        "household_type": h.get_household_type_display(),
        "monitoring_category": h.get_monitoring_category_display(),
        "member_count": h.member_count,
        "head_name": h.head_name,
        "identified_on": h.identified_on.isoformat() if h.identified_on else None,
        "exit_year": h.exit_year,
        "monitoring_identified_on": h.monitoring_identified_on.isoformat()
        if h.monitoring_identified_on
        else None,
        "risk_eliminated": h.risk_eliminated,
        "risks": [r.get_kind_display() for r in h.risks.all()],
        "income_year": year,
        "per_capita_net": str(income["per_capita_net"]) if income else None,
        "version": h.version,
    }
