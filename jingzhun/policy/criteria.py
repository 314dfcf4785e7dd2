"""The catalogue of household policy criteria (政策判定标准).

Each criterion is ONE declarative comparison over the feature row of
:mod:`jingzhun.policy.features`: ``<feature> <op> <parameter or constant>``. Because it is data,
not a function, the same definition evaluates

* in Python (:meth:`Criterion.evaluate`, one household: the page and the API), returning the
  status, the value, the threshold, the parameter version and the missing field; and
* in Ibis (:meth:`Criterion.status_expr`, every household at once in batch),

with the same null semantics: when the feature or the parameter is NULL (data missing, or no
parameter in force for that year and county) the status is ``unknown``, never pass or fail.

Thresholds are never literals here: a criterion names the parameter it compares against, and
the feature row carries that parameter's value and version for the household's county and year.
The only constants are definitional (zero uninsured members, a safe house: ``True``).

Adding a criterion: add a feature if none reads the data (both evaluations in features.py),
add a :class:`Criterion` below, list its code in a decision (decisions.py), add a passing, a
failing and an unknown fixture in tests/policy/test_criteria.py. See docs/policy.md.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.policy.features import LABELS, MISSING_FORMAT, MISSING_LABELS, PARAMETER_NAMES
from jingzhun.registry import choices as c

PASS, FAIL, UNKNOWN, NOT_APPLICABLE = "pass", "fail", "unknown", "not_applicable"
# Chinese, as stored (case records, exports); pages translate them with gettext at display.
STATUS_LABELS = {
    PASS: gettext_noop("符合"),
    FAIL: gettext_noop("不符合"),
    UNKNOWN: gettext_noop("数据不全"),
    NOT_APPLICABLE: gettext_noop("不适用"),
}
STATUS_MARKS = {PASS: "✓", FAIL: "✗", UNKNOWN: "?", NOT_APPLICABLE: "—"}

EXIT, MONITORING, ELIMINATION = "exit_standard", "monitoring", "elimination"
# A criterion is a ``condition`` of its decision, or a ``signal``: listed (e.g. a risk type the
# data supports) but not part of the decision's pass/fail.
CONDITION, SIGNAL = "condition", "signal"

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
OPERATOR_WORDS = {
    "<": gettext_noop("低于"),
    "<=": gettext_noop("不高于"),
    ">": gettext_noop("高于"),
    ">=": gettext_noop("不低于"),
    "==": gettext_noop("为"),
    "!=": gettext_noop("不为"),
}


@dataclass(frozen=True)
class Result:
    """One criterion on one household: the status and what it compared."""

    code: str
    title: str
    status: str
    value: Any
    threshold: Any
    parameter: str | None  # the parameter compared against (None: a definitional constant)
    version: str | None  # the parameter version in force (None when missing or constant)
    missing: tuple[str, ...]  # Chinese labels of what is missing (status unknown)
    explanation: str
    # The explanation as a :class:`Text` (village and county exit criteria, which are not in
    # :data:`CRITERIA`), rendered in the interface language by :attr:`explanation_display`.
    message: Text | None = field(default=None, compare=False, repr=False)

    @property
    def mark(self) -> str:
        return STATUS_MARKS[self.status]

    @property
    def status_label(self) -> str:
        """In the interface language (the stored records keep :data:`STATUS_LABELS`)."""
        return gettext(STATUS_LABELS[self.status])

    @property
    def title_display(self) -> str:
        return gettext(self.title)

    @property
    def explanation_display(self) -> str:
        """The explanation in the interface language; :attr:`explanation` stays Chinese
        because case records store it."""
        if self.message is not None:
            return self.message.render(gettext)
        criterion = CRITERIA.get(self.code)
        if criterion is None:
            return gettext(self.explanation)
        missing = tuple(
            name
            for name, v in ((criterion.feature, self.value), (criterion.parameter, self.threshold))
            if name is not None and v is None
        )
        return criterion.explain(
            self.status, self.value, self.threshold, self.version, missing, gettext
        )

    @property
    def value_display(self) -> str:
        return "—" if self.value is None else _show(self.value, gettext)

    @property
    def threshold_display(self) -> str:
        return "—" if self.threshold is None else _show(self.threshold, gettext)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "value": _plain(self.value),
            "threshold": _plain(self.threshold),
            "parameter": self.parameter,
            "version": self.version,
            "missing": list(self.missing),
            "explanation": self.explanation,
        }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str  # Chinese
    decision: str
    feature: str  # the feature row column it reads
    op: str
    parameter: str | None = None  # compared against this parameter (a feature row column) …
    constant: Any = None  # … or against this definitional constant
    rationale: str = ""  # Chinese: the rule, its source, how the registry's data stands in
    role: str = CONDITION
    risk_type: str = ""  # for risk-type signals: the RiskType code the data supports

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"{self.code}: unknown operator {self.op}")
        if (self.parameter is None) == (self.constant is None):
            raise ValueError(f"{self.code}: give a parameter or a constant, not both")
        if self.parameter is not None and self.parameter not in PARAMETER_NAMES:
            raise ValueError(f"{self.code}: unknown parameter {self.parameter}")

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.feature,) + ((self.parameter,) if self.parameter else ())

    # --- (a) Python, one household ----------------------------------------------------------

    def evaluate(self, row: dict[str, Any]) -> Result:
        value = row.get(self.feature)
        if self.parameter is not None:
            threshold, version = row.get(self.parameter), row.get(f"{self.parameter}_version")
        else:
            threshold, version = self.constant, None
        missing_names = tuple(
            name
            for name, v in ((self.feature, value), (self.parameter, threshold))
            if name is not None and v is None
        )
        missing = tuple(_missing_label(name, _same) for name in missing_names)
        status = UNKNOWN if missing else PASS if OPERATORS[self.op](value, threshold) else FAIL
        return Result(
            code=self.code,
            title=self.title,
            status=status,
            value=value,
            threshold=threshold,
            parameter=self.parameter,
            version=version,
            missing=missing,
            explanation=self.explain(status, value, threshold, version, missing_names, _same),
        )

    def explain(
        self,
        status: str,
        value: Any,
        threshold: Any,
        version: str | None,
        missing: tuple[str, ...],
        tr: Callable[[str], str],
    ) -> str:
        """The explanation of a result: Chinese with ``tr=_same`` (what is stored), the
        interface language with ``tr=gettext``. ``missing`` names the missing fields."""
        if status == UNKNOWN:
            labels = tr(gettext_noop("、")).join(_missing_label(name, tr) for name in missing)
            return tr(gettext_noop("无法判定：缺少%(missing)s。")) % {"missing": labels}
        feature = tr(LABELS[self.feature])
        names = {"feature": feature, "word": tr(OPERATOR_WORDS[self.op])}
        if self.parameter is not None:
            wanted = tr(
                gettext_noop("%(feature)s应%(word)s%(label)s%(threshold)s（参数版本 %(version)s）")
            ) % (
                names
                | {"label": tr(LABELS[self.parameter]), "threshold": threshold, "version": version}
            )
        else:
            wanted = tr(gettext_noop("%(feature)s应%(word)s%(threshold)s")) % (
                names | {"threshold": _show(threshold, tr)}
            )
        return tr(gettext_noop("%(verdict)s：%(feature)s为%(value)s；%(wanted)s。")) % {
            "verdict": tr(STATUS_LABELS[status]),
            "feature": feature,
            "value": _show(value, tr),
            "wanted": wanted,
        }

    # --- (b) Ibis, every household --------------------------------------------------------

    def status_expr(self, t: ir.Table) -> ir.StringValue:
        value = t[self.feature]
        threshold = t[self.parameter] if self.parameter is not None else ibis.literal(self.constant)
        missing = value.isnull() | threshold.isnull()
        return ibis.cases(
            (missing, UNKNOWN),
            (OPERATORS[self.op](value, threshold), PASS),
            else_=FAIL,
        )


def _same(text: str) -> str:
    """No translation: the Chinese text as stored (evaluation records, case steps, the API)."""
    return text


@dataclass(frozen=True)
class Text:
    """A sentence shown in the interface language: a Chinese msgid (marked with gettext_noop)
    and its arguments — values, msgids, lists (joined with 、) or other Texts. Rendered Chinese
    with ``tr=_same`` (what is stored), the interface language with ``tr=gettext``; gettext
    leaves a string that is not a msgid (a name, a version) as it is."""

    msgid: str
    args: dict[str, Any] = field(default_factory=dict)

    def render(self, tr: Callable[[str], str] = _same) -> str:
        if not self.args:
            return tr(self.msgid)
        return tr(self.msgid) % {k: _argument(v, tr) for k, v in self.args.items()}

    def __str__(self) -> str:
        return self.render()


def _argument(value: Any, tr: Callable[[str], str]) -> str:
    if isinstance(value, Text):
        return value.render(tr)
    if isinstance(value, list | tuple):
        return tr(gettext_noop("、")).join(_argument(v, tr) for v in value)
    if isinstance(value, str):
        return tr(value) if value else ""  # gettext("") is the catalogue's header
    return str(value)


def _missing_label(name: str, tr: Callable[[str], str]) -> str:
    """What to fill in for a missing feature or parameter, through ``tr``."""
    if name in PARAMETER_NAMES:
        return tr(MISSING_FORMAT) % {"label": tr(LABELS[name])}
    return tr(MISSING_LABELS[name])


def _show(value: Any, tr: Callable[[str], str] = _same) -> str:
    if value is True:
        return tr(gettext_noop("是"))
    if value is False:
        return tr(gettext_noop("否"))
    return str(value)


CRITERIA: dict[str, Criterion] = {}


def _add(criterion: Criterion) -> Criterion:
    CRITERIA[criterion.code] = criterion
    return criterion


# --- household exit standard (两不愁三保障, 厅字〔2016〕16号; docs/domain.md) ---------------------

_add(
    Criterion(
        "E-INCOME",
        gettext_noop("人均纯收入高于贫困线"),
        EXIT,
        "per_capita_net",
        ">",
        parameter="poverty_line",
        rationale=gettext_noop(
            "贫困户退出：当年人均纯收入稳定超过当年贫困线（国家线或更高的省定线）。"
        ),
    )
)
_add(
    Criterion(
        "E-FOOD",
        gettext_noop("不愁吃（饮水安全）"),
        EXIT,
        "water_safe",
        "==",
        constant=True,
        rationale=gettext_noop("不愁吃，并按饮水安全核查：已解决安全饮用水且不饮水困难。"),
    )
)
_add(
    Criterion(
        "E-CLOTHING",
        gettext_noop("不愁穿（以收入判定）"),
        EXIT,
        "per_capita_net",
        ">",
        parameter="poverty_line",
        rationale=gettext_noop(
            "建档立卡信息中没有“不愁穿”的字段：本系统以人均纯收入高于贫困线视为不愁穿，"
            "与收入标准同时判定；需要实地核实的地方请在入户核查中确认。"
        ),
    )
)
_add(
    Criterion(
        "E-EDUCATION",
        gettext_noop("义务教育有保障"),
        EXIT,
        "school_age_out_of_school",
        "==",
        constant=0,
        rationale=gettext_noop(
            "义务教育适龄（政策参数）成员无失学辍学（非在校生）；适龄成员在校生状况或出生日期未填则无法判定。"
        ),
    )
)
_add(
    Criterion(
        "E-MEDICAL",
        gettext_noop("基本医疗保险全员参保"),
        EXIT,
        "uninsured",
        "==",
        constant=0,
        rationale=gettext_noop(
            "基本医疗有保障：每位成员参加城乡居民基本医疗保险或职工基本医疗保险。"
        ),
    )
)
_add(
    Criterion(
        "E-SERIOUS-ILLNESS",
        gettext_noop("大病保险全员参保"),
        EXIT,
        "without_serious_illness_insurance",
        "==",
        constant=0,
        rationale=gettext_noop("基本医疗有保障还要求参加大病保险。"),
    )
)
_add(
    Criterion(
        "E-HOUSING",
        gettext_noop("住房安全有保障"),
        EXIT,
        "housing_safe",
        "==",
        constant=True,
        rationale=gettext_noop(
            "住房安全有保障：不是危房户，且危房等级不是C级或D级（A、B级或未鉴定）。"
        ),
    )
)

# --- monitoring (中农组发〔2021〕7号; docs/domain.md, 防返贫动态监测) ----------------------

_add(
    Criterion(
        "M-INCOME",
        gettext_noop("人均纯收入低于防返贫监测线"),
        MONITORING,
        "per_capita_net",
        "<",
        parameter="monitoring_threshold",
        rationale=gettext_noop("收入在监测范围内：脱贫户为脱贫不稳定户，一般农户为边缘易致贫户。"),
    )
)
_add(
    Criterion(
        "M-SPENDING",
        gettext_noop("扣除合规自付支出后低于防返贫监测线"),
        MONITORING,
        "per_capita_after_spending",
        "<",
        parameter="monitoring_threshold",
        rationale=gettext_noop(
            "（家庭纯收入−合规自付支出）÷家庭人口数低于监测线：收入本身高于监测线时，"
            "为突发严重困难户（大额刚性支出）。"
        ),
    )
)
_RISK_SIGNALS = (
    (
        "M-RISK-ILLNESS",
        gettext_noop("有长期慢性病或大病成员"),
        "ill_members",
        ">",
        0,
        c.RiskType.ILLNESS,
        "因病",
    ),
    (
        "M-RISK-DISABILITY",
        gettext_noop("有残疾成员"),
        "disabled_members",
        ">",
        0,
        c.RiskType.DISABILITY,
        "因残",
    ),
    (
        "M-RISK-LABOUR",
        gettext_noop("无劳动年龄内的劳动力"),
        "working_labour",
        "==",
        0,
        c.RiskType.LACK_LABOUR,
        "缺劳动力",
    ),
    (
        "M-RISK-HOUSING",
        gettext_noop("住房不安全"),
        "housing_safe",
        "==",
        False,
        c.RiskType.UNSAFE_HOUSING,
        "因安全住房",
    ),
    (
        "M-RISK-WATER",
        gettext_noop("饮水不安全"),
        "water_safe",
        "==",
        False,
        c.RiskType.UNSAFE_WATER,
        "因安全饮水",
    ),
)
for _code, _title, _feature, _op, _constant, _risk, _label in _RISK_SIGNALS:
    _add(
        Criterion(
            _code,
            _title,
            MONITORING,
            _feature,
            _op,
            constant=_constant,
            rationale=f"数据支持的风险类型：{_label}（供核实，不单独决定是否纳入监测）。",
            role=SIGNAL,
            risk_type=_risk.value,
        )
    )

# --- risk elimination (中农组发〔2021〕7号; docs/domain.md, 办理程序) -------------------------

_add(
    Criterion(
        "R-INCOME",
        gettext_noop("人均纯收入高于当年防返贫监测线"),
        ELIMINATION,
        "per_capita_net",
        ">",
        parameter="monitoring_threshold",
        rationale=gettext_noop("风险消除：收入稳定且高于当年监测线。"),
    )
)
for _source, _code in (
    ("E-EDUCATION", "R-EDUCATION"),
    ("E-MEDICAL", "R-MEDICAL"),
    ("E-SERIOUS-ILLNESS", "R-SERIOUS-ILLNESS"),
    ("E-HOUSING", "R-HOUSING"),
    ("E-FOOD", "R-WATER"),
):
    _base = CRITERIA[_source]
    _add(
        Criterion(
            _code,
            _base.title if _source != "E-FOOD" else gettext_noop("饮水安全有保障"),
            ELIMINATION,
            _base.feature,
            _base.op,
            constant=_base.constant,
            rationale=f"风险消除要求“三保障”和饮水安全有保障：{_base.rationale}",
        )
    )
_add(
    Criterion(
        "R-MONTHS",
        gettext_noop("监测时间达到最短月数"),
        ELIMINATION,
        "months_monitored",
        ">=",
        parameter="min_months_before_elimination",
        rationale=gettext_noop(
            "原则上监测满规定月数（政策参数）方可消除风险；按识别监测时间至当年12月31日的整月数计。"
        ),
    )
)
_add(
    Criterion(
        "R-MEASURE",
        gettext_noop("当年至少落实一项帮扶措施"),
        ELIMINATION,
        "has_measure",
        "==",
        constant=True,
        rationale=gettext_noop("原则上至少落实一项帮扶措施（当年帮扶措施记录中任一项不为空）。"),
    )
)
_add(
    Criterion(
        "R-LABOUR",
        gettext_noop("有劳动年龄内的劳动力（无劳动力户不消除）"),
        ELIMINATION,
        "working_labour",
        ">",
        constant=0,
        rationale=gettext_noop(
            "无劳动年龄内劳动力（普通、技能或弱劳动力）的户不作风险消除，继续监测、兜底保障。"
        ),
    )
)


def criteria_for(decision: str) -> list[Criterion]:
    return [x for x in CRITERIA.values() if x.decision == decision]
