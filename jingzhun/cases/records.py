"""What each kind of step must record, checked before anything is stored.

``clean_<kind>(record)`` returns the cleaned record (dates as dates, numbers as ints) and the
errors by field, each in Chinese naming what is missing and how to fix it. Attachments are named
by purpose; the 民主评议 needs its minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from jingzhun.cases import choices as cc
from jingzhun.registry import choices as c

Errors = dict[str, list[str]]
Cleaner = Callable[[dict[str, Any], Errors], dict[str, Any]]

MINUTES = "minutes"  # 民主评议会议记录
CONSENT = "consent"  # 签字的申请书和授权承诺书
REPORT = "report"  # 比对报告等其他材料
ATTACHMENT_LABELS = {MINUTES: "评议会议记录", CONSENT: "签字申请和授权书", REPORT: "其他材料"}
REQUIRED_ATTACHMENTS = {cc.StepKind.DELIBERATION: (MINUTES,)}


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def date_field(
    record: dict[str, Any], errors: Errors, field: str, label: str, *, required: bool = True
) -> dt.date | None:
    raw = record.get(field)
    value = as_date(raw)
    if value is None and raw not in (None, ""):
        _add(errors, field, f"{label}“{raw}”不是有效日期：请按2026-05-01的格式填写。")
    elif value is None and required:
        _add(errors, field, f"请填写{label}。")
    return value


def text_field(
    record: dict[str, Any], errors: Errors, field: str, label: str, *, required: bool = True
) -> str:
    value = str(record.get(field) or "").strip()
    if required and not value:
        _add(errors, field, f"请填写{label}。")
    return value[:2000]


def int_field(record: dict[str, Any], errors: Errors, field: str, label: str) -> int | None:
    raw = record.get(field)
    if raw in (None, ""):
        _add(errors, field, f"请填写{label}。")
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        _add(errors, field, f"{label}应为整数。")
        return None
    if value < 0:
        _add(errors, field, f"{label}不能为负数。")
    return value


def choice_field(
    record: dict[str, Any],
    errors: Errors,
    field: str,
    label: str,
    choices: Any,
    *,
    required: bool = True,
) -> str:
    value = str(record.get(field) or "").strip()
    if not value:
        if required:
            _add(errors, field, f"请选择{label}。")
        return ""
    if value not in choices.values:
        _add(errors, field, f"{label}“{value}”无效：可选{'、'.join(map(str, choices.labels))}。")
        return ""
    return value


def bool_field(record: dict[str, Any], field: str) -> bool:
    raw = record.get(field)
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "on", "yes", "是"}
    return bool(raw)


def risk_types(record: dict[str, Any], errors: Errors, *, required: bool) -> list[str]:
    raw = record.get("risk_types") or []
    if isinstance(raw, str):
        raw = [x for x in raw.replace("，", ",").split(",") if x.strip()]
    kinds = [str(x).strip() for x in raw]
    if required and not kinds:
        _add(errors, "risk_types", "请至少选择一项致贫/返贫风险类型。")
    if len(kinds) > 5:
        _add(errors, "risk_types", "致贫/返贫风险最多5项。")
    if len(set(kinds)) != len(kinds):
        _add(errors, "risk_types", "风险类型不能重复。")
    for kind in kinds:
        if kind not in c.RiskType.values:
            _add(errors, "risk_types", f"风险类型“{kind}”不在取值范围内。")
    if c.RiskType.OTHER in kinds and not str(record.get("risk_remark") or "").strip():
        _add(errors, "risk_remark", "风险类型为“其他”时必须填写说明。")
    return kinds


# --- the application, per case type --------------------------------------------------------------


def application_facts(case_type: str, record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """The matters a case decides, given when it opens (category, risks, method, …)."""
    facts: dict[str, Any] = {"reason": text_field(record, errors, "reason", "申请或发现的事由")}
    if case_type == cc.CaseType.IDENTIFICATION:
        facts["main_cause"] = choice_field(
            record, errors, "main_cause", "主要致贫原因", c.PovertyCause
        )
        facts["poverty_attribute"] = choice_field(
            record, errors, "poverty_attribute", "贫困户属性", c.PovertyAttribute
        )
        facts["identification_standard"] = choice_field(
            record, errors, "identification_standard", "识别标准", c.IdentificationStandard
        )
        if facts["main_cause"] == c.PovertyCause.OTHER:
            facts["cause_remark"] = text_field(record, errors, "cause_remark", "致贫原因说明")
    elif case_type in (cc.CaseType.MONITORING, cc.CaseType.REVERSAL):
        facts["category"] = choice_field(
            record,
            errors,
            "category",
            "监测对象类别",
            c.MonitoringCategory,
            required=case_type == cc.CaseType.MONITORING,
        )
        facts["risk_types"] = risk_types(record, errors, required=True)
        facts["risk_remark"] = str(record.get("risk_remark") or "").strip()[:200]
    elif case_type == cc.CaseType.ELIMINATION:
        facts["method"] = choice_field(
            record, errors, "method", "风险消除方式", c.EliminationMethod
        )
    elif case_type == cc.CaseType.REMOVAL:
        facts["scope"] = choice_field(record, errors, "scope", "清退范围", cc.RemovalScope)
    return facts


# --- one cleaner per step kind -------------------------------------------------------------------


def clean_visit(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    out = {"visitors": text_field(record, errors, "visitors", "入户核实人员")}
    out["consent_signed"] = bool_field(record, "consent_signed")
    if not out["consent_signed"]:
        _add(
            errors,
            "consent_signed",
            "农户须签字提交申请并授权查询家庭经济状况后才能继续：未签字的请撤回案件。",
        )
    out["notes"] = text_field(record, errors, "notes", "核实情况", required=False)
    return out


def clean_comparison(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    out = {
        "departments": text_field(record, errors, "departments", "参与比对的部门"),
        "result": choice_field(record, errors, "result", "比对结果", cc.ComparisonResult),
    }
    out["findings"] = text_field(
        record,
        errors,
        "findings",
        "比对发现的情况",
        required=out["result"] not in ("", cc.ComparisonResult.CONSISTENT),
    )
    return out


def clean_deliberation(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    participants = int_field(record, errors, "participants", "参会人数")
    votes = {
        key: int_field(record, errors, key, label)
        for key, label in (
            ("votes_for", "赞成票数"),
            ("votes_against", "反对票数"),
            ("votes_abstain", "弃权票数"),
        )
    }
    if participants is not None and participants < 1:
        _add(errors, "participants", "参会人数至少为1人。")
    if participants and all(v is not None for v in votes.values()):
        total = sum(v for v in votes.values() if v is not None)
        if total > participants:
            _add(
                errors,
                "votes_for",
                f"赞成、反对、弃权票合计{total}票，多于参会人数{participants}人：请核对。",
            )
    out: dict[str, Any] = {
        "participants": participants,
        **votes,
        "attendees": text_field(
            record, errors, "attendees", "参会人员（代表、村干部、驻村工作队）"
        ),
    }
    out["passed"] = bool(participants and (votes["votes_for"] or 0) * 2 > participants)
    return out


def clean_verification(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    return {
        "verifiers": text_field(record, errors, "verifiers", "核实人员"),
        "result": choice_field(record, errors, "result", "核实结论", cc.VerificationResult),
        "notes": text_field(record, errors, "notes", "核实情况", required=False),
    }


def clean_agreement(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    signed = bool_field(record, "signed")
    if not signed:
        _add(errors, "signed", "退出须经农户签字认可：未签字的不能继续，请核实后再办。")
    return {"signed": signed, "notes": text_field(record, errors, "notes", "说明", required=False)}


def clean_decision(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    opinion = choice_field(record, errors, "opinion", "审核意见", cc.Opinion)
    comment = text_field(
        record, errors, "comment", "意见说明", required=opinion not in ("", cc.Opinion.AGREE)
    )
    return {"opinion": opinion, "comment": comment}


def clean_notice(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    return {
        "starts_on": date_field(record, errors, "starts_on", "公示（公告）开始日期"),
        "place": text_field(record, errors, "place", "张贴地点"),
        "contact": text_field(record, errors, "contact", "异议受理单位和电话"),
    }


def clean_objection(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    return {
        "raised_on": date_field(record, errors, "raised_on", "异议提出日期"),
        "raised_by": text_field(record, errors, "raised_by", "提出人", required=False)[:64],
        "content": text_field(record, errors, "content", "异议内容"),
    }


def clean_update(record: dict[str, Any], errors: Errors) -> dict[str, Any]:
    return {"notes": text_field(record, errors, "notes", "说明", required=False)}


CLEANERS: dict[str, Cleaner] = {
    cc.StepKind.VISIT: clean_visit,
    cc.StepKind.COMPARISON: clean_comparison,
    cc.StepKind.DELIBERATION: clean_deliberation,
    cc.StepKind.VERIFICATION: clean_verification,
    cc.StepKind.AGREEMENT: clean_agreement,
    cc.StepKind.REVIEW: clean_decision,
    cc.StepKind.APPROVAL: clean_decision,
    cc.StepKind.UPDATE: clean_update,
}
