"""Alert rules: each named, with the dataset kinds it reads and what a confirmed alert leads to.
Every threshold is a dated, per-region policy parameter (``policy/parameters/alerts.yaml`` and
``ages.yaml``), read for the household's village on the date of the signal, and its version is
shown with the values compared. A rule says nothing about a record it does not apply to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from jingzhun.cases.choices import CaseType
from jingzhun.policy import parameters
from jingzhun.registry import choices as c

Values = list[list[str]]


# What a confirmed alert leads to: a procedure (a case type), or a correction of the registry
# that the alert page makes through the registry's actions.
REMOVE_MEMBER = "remove_member"
SET_ASSISTANCE = "set_assistance"
CORRECTIONS = {
    REMOVE_MEMBER: gettext_noop("家庭成员减员（死亡或户籍注销）"),
    SET_ASSISTANCE: gettext_noop("按民政数据更正成员享受低保、特困情况"),
}
RISK = (CaseType.MONITORING, CaseType.REVERSAL)
REGISTERED_TYPES = (c.HouseholdType.EXITED, c.HouseholdType.MONITORED)
INELIGIBLE = (CaseType.REMOVAL,)


@dataclass(frozen=True)
class Signal:
    """A linked record with what the rules compare it to."""

    record: Any  # crosscheck.models.Record
    member: Any  # registry.models.Member
    household: Any  # registry.models.Household
    labour_members: int  # members of working labour (普通、技能、弱劳动力) not removed

    def parameter(self, name: str) -> parameters.Parameter:
        return parameters.value(
            name, on=self.record.event_date, area_code=self.household.village_code
        )


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    outcomes: tuple[str, ...]  # case types or corrections a confirmed alert may lead to
    check: Callable[[Signal], Values | None]  # the values compared, or None: no alert
    risk: str = ""  # the risk type (致贫/返贫风险) a monitoring case opened from it starts with
    # The same rule over a whole table of linked records (crosscheck/screening.py): a boolean
    # expression over the columns listed there.
    where: Callable[[Any], Any] | None = None

    def __str__(self) -> str:
        return self.name


# The values compared are stored in Chinese (they record the comparison as it was made); every
# label and fixed word below is a msgid, and every composite value is built from one of the
# patterns of SHAPES, so that pages can show both in the reader's language
# (jingzhun/crosscheck/display.py).
YUAN = gettext_noop("%(amount)s元")
THRESHOLD = gettext_noop("%(amount)s元（%(unit)s；参数版本 %(version)s）")
YEARS_OLD = gettext_noop("%(age)s岁")
AGE_RANGE = gettext_noop("%(low)s–%(high)s岁（%(low_name)s、%(high_name)s）")
HOUSE_GRADE = gettext_noop("%(grade)s级")
RECEIVES_SINCE = gettext_noop("享受%(assistance)s（%(date)s起）")
NOT_RECEIVING = gettext_noop("未享受%(assistance)s")
LINKED_WITH = gettext_noop("%(method)s，匹配概率%(probability)s")
SHAPES = (
    THRESHOLD,
    AGE_RANGE,
    RECEIVES_SINCE,
    LINKED_WITH,
    NOT_RECEIVING,
    YUAN,
    YEARS_OLD,
    HOUSE_GRADE,
)
DIBAO = gettext_noop("低保")
TEKUN = gettext_noop("特困供养")


def chinese(label: Callable[[], Any]) -> str:
    """A choice's label as stored: in Chinese, whatever language the request that raised the
    alert was in (its msgid, which pages translate)."""
    with translation.override("zh-hans"):
        return str(label())


def _yuan(amount: Decimal | None) -> str:
    return YUAN % {"amount": f"{amount:,.2f}"} if amount is not None else "—"


def _threshold(parameter: parameters.Parameter) -> list[str]:
    value = THRESHOLD % {
        "amount": f"{parameter.value:,}",
        "unit": parameter.unit,
        "version": parameter.version,
    }
    return [gettext_noop("预警线"), value]


def _registered_or_monitored(h: Any) -> bool:
    return h.household_type in REGISTERED_TYPES or bool(h.identified_on)


def _type_value(h: Any) -> list[str]:
    return [gettext_noop("户类型"), chinese(h.get_household_type_display)]


def _deceased(s: Signal) -> Values | None:
    if s.member.is_deleted:
        return None
    return [
        [gettext_noop("注销/死亡日期"), s.record.event_date.isoformat()],
        [gettext_noop("登记状态"), gettext_noop("仍在家庭成员中")],
    ]


def _medical_stay(s: Signal) -> Values | None:
    exited = s.household.household_type in REGISTERED_TYPES
    p = s.parameter("alert_medical_stay_exited" if exited else "alert_medical_stay_others")
    if s.record.amount is None or s.record.amount < p.value:
        return None
    amount = [gettext_noop("单次住院合规自付"), _yuan(s.record.amount)]
    return [amount, _threshold(p), _type_value(s.household)]


def _outpatient(s: Signal) -> Values | None:
    p = s.parameter("alert_outpatient_monthly")
    if s.record.amount is None or s.record.amount < p.value:
        return None
    return [[gettext_noop("当月门诊合规自付"), _yuan(s.record.amount)], _threshold(p)]


def _age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _dropout(s: Signal) -> Values | None:
    if s.record.category != "dropout":
        return None
    low, high = s.parameter("compulsory_school_age_min"), s.parameter("compulsory_school_age_max")
    age = _age_on(s.member.birth_date, s.record.event_date)
    if not low.value <= age <= high.value:
        return None
    return [
        [gettext_noop("学籍状态"), gettext_noop("辍学")],
        [gettext_noop("辍学时年龄"), YEARS_OLD % {"age": age}],
        [
            gettext_noop("义务教育年龄"),
            AGE_RANGE
            % {"low": low.value, "high": high.value, "low_name": low.name, "high_name": high.name},
        ],
    ]


def _unsafe_house(s: Signal) -> Values | None:
    if s.record.category not in ("C", "D"):
        return None
    return [
        [gettext_noop("房屋安全等级"), HOUSE_GRADE % {"grade": s.record.category}],
        [gettext_noop("鉴定日期"), s.record.event_date.isoformat()],
    ]


def _vehicle(s: Signal) -> Values | None:
    p = s.parameter("alert_vehicle_value")
    if not _registered_or_monitored(s.household):
        return None
    if s.record.amount is None or s.record.amount <= p.value:
        return None
    amount = [gettext_noop("车辆价值"), _yuan(s.record.amount)]
    return [amount, _threshold(p), _type_value(s.household)]


def _eligibility(label: str) -> Callable[[Signal], Values | None]:
    def check(s: Signal) -> Values | None:
        if not _registered_or_monitored(s.household):
            return None
        detail = next(iter(s.record.details.values()), "") if s.record.details else ""
        return [[label, detail or gettext_noop("有记录")], _type_value(s.household)]

    return check


def _new_disability(s: Signal) -> Values | None:
    if s.member.health == c.Health.DISABLED:
        return None
    grade = s.record.details.get("grade", "")
    return [
        [gettext_noop("残疾人证核发"), f"{s.record.event_date.isoformat()} {grade}".strip()],
        [gettext_noop("登记的健康状况"), chinese(s.member.get_health_display)],
    ]


def _disaster(s: Signal) -> Values | None:
    p = s.parameter("alert_disaster_loss")
    if s.record.amount is None or s.record.amount < p.value:
        return None
    return [[gettext_noop("直接经济损失"), _yuan(s.record.amount)], _threshold(p)]


def _unemployed(s: Signal) -> Values | None:
    if s.record.category != "unemployed":
        return None
    return [
        [gettext_noop("人社登记"), gettext_noop("失业登记")],
        [gettext_noop("登记日期"), s.record.event_date.isoformat()],
    ]


def _insurance_stopped(s: Signal) -> Values | None:
    if s.record.category != "stopped":
        return None
    return [[gettext_noop("医保参保状态"), gettext_noop("停保或中断")], _type_value(s.household)]


def _assistance_not_monitored(s: Signal) -> Values | None:
    if s.record.category not in ("dibao", "tekun") or s.labour_members:
        return None
    if s.household.monitoring_category and s.household.risk_eliminated is not True:
        return None
    return [
        [gettext_noop("民政救助"), DIBAO if s.record.category == "dibao" else TEKUN],
        [gettext_noop("家庭劳动力"), gettext_noop("无")],
        [gettext_noop("监测状态"), gettext_noop("未纳入监测（或风险已消除）")],
    ]


def _assistance_mismatch(s: Signal) -> Values | None:
    if not s.household.monitoring_category or s.record.category not in ("dibao", "tekun"):
        return None
    registered = s.member.dibao if s.record.category == "dibao" else s.member.tekun
    if registered:
        return None
    label = DIBAO if s.record.category == "dibao" else TEKUN
    since = s.record.event_date.isoformat()
    return [
        [gettext_noop("民政数据"), RECEIVES_SINCE % {"assistance": label, "date": since}],
        [gettext_noop("登记的成员信息"), NOT_RECEIVING % {"assistance": label}],
        [gettext_noop("监测类别"), chinese(s.household.get_monitoring_category_display)],
    ]


# --- the same rules over a table of linked records (crosscheck/screening.py) -------------------
# Columns: category, amount, age (on the record's date), health, dibao, tekun, labour,
# household_type, registered, monitored, and the thresholds t_<parameter> of the county.


def _registered_types(t: Any) -> Any:
    return t.household_type.isin(list(REGISTERED_TYPES))


def _stay_where(t: Any) -> Any:
    limit = _registered_types(t).ifelse(
        t.t_alert_medical_stay_exited, t.t_alert_medical_stay_others
    )
    return t.amount >= limit


def _dropout_where(t: Any) -> Any:
    return (t.category == "dropout") & t.age.between(
        t.t_compulsory_school_age_min, t.t_compulsory_school_age_max
    )


def _assistance_where(t: Any) -> Any:
    return t.category.isin(["dibao", "tekun"]) & (t.labour == 0) & ~t.monitored


def _mismatch_where(t: Any) -> Any:
    on_dibao = (t.category == "dibao") & ~t.dibao.fill_null(False)
    on_tekun = (t.category == "tekun") & ~t.tekun.fill_null(False)
    return t.monitored & (on_dibao | on_tekun)


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "deceased_listed",
            gettext_noop("已死亡（户籍注销）人员仍在册"),
            (REMOVE_MEMBER,),
            _deceased,
            where=lambda t: t.member_id.notnull(),  # the snapshot holds listed members only
        ),
        Rule(
            "medical_stay",
            gettext_noop("住院合规自付费用达到预警线"),
            RISK,
            _medical_stay,
            c.RiskType.ILLNESS,
            where=_stay_where,
        ),
        Rule(
            "medical_outpatient",
            gettext_noop("月门诊合规自付费用达到预警线"),
            RISK,
            _outpatient,
            c.RiskType.ILLNESS,
            where=lambda t: t.amount >= t.t_alert_outpatient_monthly,
        ),
        Rule(
            "insurance_stopped",
            gettext_noop("家庭成员医保停保或中断"),
            RISK,
            _insurance_stopped,
            c.RiskType.ILLNESS,
            where=lambda t: t.category == "stopped",
        ),
        Rule(
            "school_dropout",
            gettext_noop("义务教育阶段辍学"),
            RISK,
            _dropout,
            c.RiskType.SCHOOLING,
            where=_dropout_where,
        ),
        Rule(
            "unsafe_house",
            gettext_noop("住房为C级或D级危房"),
            RISK,
            _unsafe_house,
            c.RiskType.UNSAFE_HOUSING,
            where=lambda t: t.category.isin(["C", "D"]),
        ),
        Rule(
            "vehicle_value",
            gettext_noop("家庭成员有超过规定价值的车辆"),
            INELIGIBLE,
            _vehicle,
            where=lambda t: t.registered & (t.amount > t.t_alert_vehicle_value),
        ),
        Rule(
            "business_owner",
            gettext_noop("家庭成员登记经营企业"),
            INELIGIBLE,
            _eligibility(gettext_noop("经营主体")),
            where=lambda t: t.registered,
        ),
        Rule(
            "payroll_staff",
            gettext_noop("家庭成员为财政供养人员"),
            INELIGIBLE,
            _eligibility(gettext_noop("工作单位")),
            where=lambda t: t.registered,
        ),
        Rule(
            "urban_property",
            gettext_noop("家庭成员有城镇房产"),
            INELIGIBLE,
            _eligibility(gettext_noop("房产坐落")),
            where=lambda t: t.registered,
        ),
        Rule(
            "new_disability",
            gettext_noop("新办残疾人证"),
            RISK,
            _new_disability,
            c.RiskType.DISABILITY,
            where=lambda t: t.health != c.Health.DISABLED,
        ),
        Rule(
            "disaster_loss",
            gettext_noop("自然灾害损失达到预警线"),
            RISK,
            _disaster,
            c.RiskType.NATURAL_DISASTER,
            where=lambda t: t.amount >= t.t_alert_disaster_loss,
        ),
        Rule(
            "unemployment",
            gettext_noop("家庭成员失业登记"),
            RISK,
            _unemployed,
            c.RiskType.UNSTABLE_EMPLOYMENT,
            where=lambda t: t.category == "unemployed",
        ),
        Rule(
            "assistance_not_monitored",
            gettext_noop("低保或特困对象无劳动力且未纳入监测"),
            (CaseType.MONITORING, CaseType.REVERSAL),
            _assistance_not_monitored,
            c.RiskType.LACK_LABOUR,
            where=_assistance_where,
        ),
        Rule(
            "assistance_category_mismatch",
            gettext_noop("监测户成员的低保、特困情况与民政数据不符"),
            (SET_ASSISTANCE,),
            _assistance_mismatch,
            where=_mismatch_where,
        ),
    )
}


def rule_label(code: str) -> str:
    rule = RULES.get(code)
    return rule.name if rule else code


def outcome_label(code: str) -> str:
    if code in CORRECTIONS:
        return gettext(CORRECTIONS[code])
    return str(CaseType(code).label) if code in CaseType.values else code
