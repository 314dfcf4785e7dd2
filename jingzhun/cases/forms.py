"""What the case pages ask for and how they show what was recorded.

The pages do not validate: :mod:`jingzhun.cases.records` (called by the actions) does, and
names each field in its messages. This module only says which inputs a form shows (their
names ARE the record keys), turns a POST back into the record the actions take, and renders a
stored record with its labels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from jingzhun.cases import choices as cc
from jingzhun.cases import records
from jingzhun.registry import choices as c

TEXT, TEXTAREA, DATE, NUMBER, SELECT, CHECK, MULTI, FILE = (
    "text",
    "textarea",
    "date",
    "number",
    "select",
    "check",
    "multi",
    "file",
)


@dataclass(frozen=True)
class Input:
    """One input of a form: ``name`` is the record key the action reads."""

    name: str
    label: Any
    kind: str = TEXT
    choices: tuple[tuple[str, Any], ...] = ()
    required: bool = True
    help: Any = ""


@dataclass
class Bound:
    """An input with the value to show and its errors (after a refused POST)."""

    input: Input
    value: Any = ""
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.input.name

    @property
    def values(self) -> list[str]:
        """The selected values of a multiple choice."""
        if isinstance(self.value, list | tuple):
            return [str(v) for v in self.value]
        return [str(self.value)] if self.value not in (None, "") else []

    @property
    def checked(self) -> bool:
        return records.bool_field({"v": self.value}, "v")


def _choices(enum: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(enum.choices)


ON = Input("on", _("办理日期"), DATE)
NOTES = Input("notes", _("情况说明"), TEXTAREA, required=False)

APPLICATION_COMMON = (
    Input("on", _("受理（发现）日期"), DATE),
    Input("channel", _("发现渠道"), SELECT, _choices(cc.Channel)),
    Input("reason", _("申请或发现的事由"), TEXTAREA),
)
SIGNAL = Input(
    "first_signal_on",
    _("首次发现风险日期"),
    DATE,
    help=_("从首次发现风险到作出认定决定有期限要求，请如实填写。"),
)
YEAR = Input("year", _("判定收入年度"), NUMBER, help=_("政策判定依据的收入年度，默认上一年度。"))
APPLICATION_BY_TYPE: dict[str, tuple[Input, ...]] = {
    cc.CaseType.IDENTIFICATION: (
        Input("main_cause", _("主要致贫原因"), SELECT, _choices(c.PovertyCause)),
        Input(
            "cause_remark", _("致贫原因说明"), TEXT, required=False, help=_("原因为“其他”时必填")
        ),
        Input("poverty_attribute", _("贫困户属性"), SELECT, _choices(c.PovertyAttribute)),
        Input("identification_standard", _("识别标准"), SELECT, _choices(c.IdentificationStandard)),
    ),
    cc.CaseType.MONITORING: (
        Input("category", _("监测对象类别"), SELECT, _choices(c.MonitoringCategory)),
        Input("risk_types", _("致贫/返贫风险类型"), MULTI, _choices(c.RiskType)),
        Input("risk_remark", _("风险说明"), TEXT, required=False, help=_("风险类型为“其他”时必填")),
    ),
    cc.CaseType.REVERSAL: (
        Input(
            "category",
            _("监测对象类别"),
            SELECT,
            _choices(c.MonitoringCategory),
            required=False,
            help=_("不填则沿用原类别"),
        ),
        Input("risk_types", _("致贫/返贫风险类型"), MULTI, _choices(c.RiskType)),
        Input("risk_remark", _("风险说明"), TEXT, required=False, help=_("风险类型为“其他”时必填")),
    ),
    cc.CaseType.ELIMINATION: (
        Input("method", _("风险消除方式"), SELECT, _choices(c.EliminationMethod)),
    ),
    cc.CaseType.REMOVAL: (Input("scope", _("清退范围"), SELECT, _choices(cc.RemovalScope)),),
    cc.CaseType.EXIT: (),
}
# The application may carry the signed application or another paper (never required here).
APPLICATION_FILES = (
    Input("consent", _("签字申请和授权书"), FILE, required=False),
    Input("report", _("其他材料"), FILE, required=False),
)


def application_inputs(case_type: str, *, needs_signal: bool) -> tuple[Input, ...]:
    signal = SIGNAL if needs_signal else Input(SIGNAL.name, SIGNAL.label, DATE, required=False)
    return (
        *APPLICATION_COMMON,
        signal,
        *APPLICATION_BY_TYPE.get(case_type, ()),
        YEAR,
        *APPLICATION_FILES,
    )


DECISION = (
    ON,
    Input("opinion", _("审核意见"), SELECT, _choices(cc.Opinion)),
    Input("comment", _("意见说明"), TEXTAREA, required=False, help=_("退回或不同意时必填")),
    Input(
        "override_reason",
        _("违背政策判定的理由"),
        TEXTAREA,
        required=False,
        help=_(
            "政策判定与本程序要求不符而仍同意的，须写明不少于10字的理由；该决定将标示给纪检督查。"
        ),
    ),
)
STEP_INPUTS: dict[str, tuple[Input, ...]] = {
    cc.StepKind.VISIT: (
        ON,
        Input("visitors", _("入户核实人员")),
        Input("consent_signed", _("农户已签字提交申请并授权查询家庭经济状况"), CHECK),
        NOTES,
        Input("consent", _("签字申请和授权书"), FILE, required=False),
    ),
    cc.StepKind.COMPARISON: (
        ON,
        Input("departments", _("参与比对的部门")),
        Input("result", _("比对结果"), SELECT, _choices(cc.ComparisonResult)),
        Input("findings", _("比对发现的情况"), TEXTAREA, required=False, help=_("有疑点时必填")),
        Input("report", _("比对报告"), FILE, required=False),
    ),
    cc.StepKind.DELIBERATION: (
        ON,
        Input("participants", _("参会人数"), NUMBER),
        Input("votes_for", _("赞成票数"), NUMBER),
        Input("votes_against", _("反对票数"), NUMBER),
        Input("votes_abstain", _("弃权票数"), NUMBER),
        Input("attendees", _("参会人员（代表、村干部、驻村工作队）"), TEXTAREA),
        Input("minutes", _("评议会议记录"), FILE, help=_("照片或扫描件")),
    ),
    cc.StepKind.VERIFICATION: (
        ON,
        Input("verifiers", _("核实人员")),
        Input("result", _("核实结论"), SELECT, _choices(cc.VerificationResult)),
        NOTES,
    ),
    cc.StepKind.AGREEMENT: (
        ON,
        Input("signed", _("农户已签字认可"), CHECK),
        NOTES,
        Input("consent", _("签字认可书"), FILE, required=False),
    ),
    cc.StepKind.REVIEW: DECISION,
    cc.StepKind.APPROVAL: DECISION,
    cc.StepKind.UPDATE: (ON, NOTES),
}
NOTICE_INPUTS = (
    Input("starts_on", _("开始日期"), DATE),
    Input("place", _("张贴地点")),
    Input("contact", _("异议受理单位和电话")),
)
OBJECTION_INPUTS = (
    Input("raised_on", _("异议提出日期"), DATE),
    Input("raised_by", _("提出人"), required=False),
    Input("content", _("异议内容"), TEXTAREA),
)
WITHDRAW_INPUTS = (Input("reason", _("撤回原因"), TEXTAREA),)
# Steps a township or county may do for many cases with one record (the 民主评议 needs each
# case's minutes and votes, the visit each household's signature: those are done case by case).
BATCH_KINDS = frozenset(
    {cc.StepKind.COMPARISON, cc.StepKind.REVIEW, cc.StepKind.APPROVAL, cc.StepKind.UPDATE}
)


def step_inputs(kind: str) -> tuple[Input, ...]:
    return STEP_INPUTS.get(kind, ())


def record_from(post: QueryDict, inputs: tuple[Input, ...]) -> dict[str, Any]:
    """The record the actions take, from the posted inputs (files aside)."""
    out: dict[str, Any] = {}
    for i in inputs:
        if i.kind == FILE:
            continue
        if i.kind == MULTI:
            out[i.name] = [v for v in post.getlist(i.name) if v]
        elif i.kind == CHECK:
            out[i.name] = post.get(i.name, "")
        else:
            out[i.name] = post.get(i.name, "").strip()
    return out


def files_from(files: Any, inputs: tuple[Input, ...]) -> dict[str, Any]:
    return {i.name: files[i.name] for i in inputs if i.kind == FILE and files.get(i.name)}


def bind(
    inputs: tuple[Input, ...],
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    initial: dict[str, Any] | None = None,
) -> list[Bound]:
    """Inputs with their values (posted, else initial) and the errors of each."""
    values = values if values is not None else (initial or {})
    errors = errors or {}
    return [
        Bound(i, values.get(i.name, "") if i.kind != FILE else "", list(errors.get(i.name, [])))
        for i in inputs
    ]


def other_errors(errors: dict[str, list[str]], inputs: tuple[Input, ...]) -> list[str]:
    """The messages not beside an input of the form (the step, the household, the cases)."""
    names = {i.name for i in inputs}
    return [m for key, ms in errors.items() if key not in names for m in ms]


# --- showing what was recorded -------------------------------------------------------------------

RECORD_LABELS: dict[str, Any] = {
    "channel": _("发现渠道"),
    "first_signal_on": _("首次发现风险日期"),
    "reason": _("事由"),
    "main_cause": _("主要致贫原因"),
    "cause_remark": _("致贫原因说明"),
    "poverty_attribute": _("贫困户属性"),
    "identification_standard": _("识别标准"),
    "category": _("监测对象类别"),
    "risk_types": _("风险类型"),
    "risk_remark": _("风险说明"),
    "method": _("风险消除方式"),
    "scope": _("清退范围"),
    "visitors": _("入户核实人员"),
    "consent_signed": _("已签字申请并授权"),
    "departments": _("比对部门"),
    "findings": _("比对发现"),
    "participants": _("参会人数"),
    "votes_for": _("赞成"),
    "votes_against": _("反对"),
    "votes_abstain": _("弃权"),
    "attendees": _("参会人员"),
    "passed": _("评议通过"),
    "verifiers": _("核实人员"),
    "signed": _("农户签字认可"),
    "opinion": _("意见"),
    "comment": _("意见说明"),
    "starts_on": _("开始日期"),
    "ends_on": _("结束日期"),
    "days": _("天数"),
    "place": _("张贴地点"),
    "contact": _("异议受理"),
    "raised_on": _("异议提出日期"),
    "raised_by": _("提出人"),
    "content": _("异议内容"),
    "objections": _("异议件数"),
    "notes": _("情况说明"),
}
RESULT_CHOICES = {
    cc.StepKind.COMPARISON: cc.ComparisonResult,
    cc.StepKind.VERIFICATION: cc.VerificationResult,
}
CHOICE_KEYS: dict[str, Any] = {
    "channel": cc.Channel,
    "main_cause": c.PovertyCause,
    "poverty_attribute": c.PovertyAttribute,
    "identification_standard": c.IdentificationStandard,
    "category": c.MonitoringCategory,
    "method": c.EliminationMethod,
    "scope": cc.RemovalScope,
    "opinion": cc.Opinion,
}
# Kept with the record for the system; shown elsewhere or not at all.
HIDDEN_KEYS = frozenset({"notice", "objection"})


def _label_of(enum: Any, value: Any) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


def show_value(kind: str, key: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return str(_("是")) if value else str(_("否"))
    if key == "risk_types":
        return str(_("、")).join(_label_of(c.RiskType, v) for v in value)
    if key == "result" and kind in RESULT_CHOICES:
        return _label_of(RESULT_CHOICES[kind], value)
    if key in CHOICE_KEYS:
        return _label_of(CHOICE_KEYS[key], value)
    return str(value)


def readable_record(kind: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of a stored step record, in the order recorded."""
    out = []
    for key, value in (record or {}).items():
        if key in HIDDEN_KEYS:
            continue
        if key == "result":
            label = _("核实结论") if kind == cc.StepKind.VERIFICATION else _("比对结果")
        else:
            label = RECORD_LABELS.get(key, key)
        out.append((str(label), show_value(kind, key, value)))
    return out


FACT_LABELS: tuple[tuple[str, Any], ...] = (
    ("head_name", _("户主")),
    ("member_count", _("家庭人口")),
    ("household_type", _("户类型")),
    ("monitoring_category", _("监测对象类别")),
    ("identified_on", _("建档立卡识别时间")),
    ("exit_year", _("脱贫年度")),
    ("monitoring_identified_on", _("识别监测时间")),
    ("risk_eliminated", _("风险已消除")),
    ("risks", _("风险类型")),
    ("income_year", _("收入年度")),
    ("per_capita_net", _("人均纯收入（元）")),
)


def readable_facts(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The household as it stood when a step was done (no ID, phone, bank or health detail)."""
    out = []
    for key, label in FACT_LABELS:
        if key not in (facts or {}):
            continue
        value = facts[key]
        if isinstance(value, list):
            # Value-list labels stored in Chinese (their msgids): each shown translated.
            text = str(_("、")).join(str(_(str(v))) for v in value) or "—"
        else:
            text = show_value("", key, value)
        out.append((str(label), text))
    return out


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""
