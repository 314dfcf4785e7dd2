"""Entry-time rules of the registry: each returns ``{field: [Chinese message naming the fix]}``.

These are the refusals every write path applies (forms, API, import, demo). Softer data-quality
findings (warnings) belong to the quality engine, not here.

Two kinds of message come back. A plain ``str`` says the record cannot be stored or identified
(an unreadable ID, an impossible date or amount, a value outside its list): every path refuses
it. A :class:`Flag` says the record is stored-but-inconsistent in a way a data-quality check
lists (its code in ``Flag.check``): forms and the API refuse it so that no new problem is typed
in, while imports store the record and let the quality engine flag it for rectification
(:func:`refusals` keeps only the first kind) — a household refused at import is a household
lost to its county.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from jingzhun.core.idnumber import IdNumberError, parse_id_number
from jingzhun.registry import choices as c
from jingzhun.registry.income import INPUT_FIELDS

Errors = dict[str, list[str]]
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
PHONE_MESSAGE = "电话号码格式不正确：手机号11位，座机如0350-1234567。"
BANK_ACCOUNT = re.compile(r"\d{10,25}")
BANK_ACCOUNT_MESSAGE = "银行账号应为10至25位数字：请去掉空格和其他字符。"
HOUSEHOLD_NUMBER = re.compile(r"^[0-9A-Za-z\-]{4,32}$")
FIRST_INCOME_YEAR = 2013


def today() -> dt.date:
    return timezone.localdate()


class Flag(str):
    """A message about an inconsistency that the quality check ``check`` lists."""

    check: str

    def __new__(cls, message: str, check: str = "") -> Flag:
        flag = super().__new__(cls, message)
        flag.check = check
        return flag


def _add(errors: Errors, field: str, message: str, check: str = "") -> None:
    """Record ``message`` for ``field``; with ``check`` it is a :class:`Flag` of that check."""
    errors.setdefault(field, []).append(Flag(message, check) if check else message)


def refusals(errors: Errors) -> Errors:
    """Only the messages that refuse on every path (a :class:`Flag` is left to the quality
    engine by imports)."""
    out: Errors = {}
    for field, messages in errors.items():
        hard = [m for m in messages if not isinstance(m, Flag)]
        if hard:
            out[field] = hard
    return out


def prefixed(prefix: str, message: str) -> str:
    """``message`` with ``prefix`` before it, still a :class:`Flag` if it was one."""
    if isinstance(message, Flag):
        return Flag(prefix + message, message.check)
    return prefix + message


def flags(errors: Errors) -> list[Flag]:
    return [m for messages in errors.values() for m in messages if isinstance(m, Flag)]


@functools.cache
def _values_of(enum: type) -> frozenset[str]:
    # Django's ``Choices.values`` rebuilds a list on every access; imports call this per cell.
    return frozenset(enum.values)


def _check_choice(errors: Errors, data: dict[str, Any], field: str, enum: type, label: str) -> None:
    value = data.get(field)
    if value and value not in _values_of(enum):
        allowed = "、".join(str(x) for x in enum.labels)
        _add(errors, field, f"{label}“{value}”不在取值范围内：可选{allowed}。")


def check_household(data: dict[str, Any], risks: list[tuple[str, str]] | None) -> Errors:
    """``data`` holds the household's fields after the change."""
    errors: Errors = {}
    number = data.get("number") or ""
    if not HOUSEHOLD_NUMBER.match(number):
        _add(errors, "number", "户编号应为4至32位数字或字母：请按国家系统的户编号填写。")
    if not data.get("household_type"):
        _add(errors, "household_type", "请选择户类型（脱贫户、监测户或一般农户）。")
    _check_choice(errors, data, "household_type", c.HouseholdType, "户类型")
    _check_choice(errors, data, "monitoring_category", c.MonitoringCategory, "监测对象类别")
    _check_choice(errors, data, "elimination_method", c.EliminationMethod, "风险消除方式")
    for field in ("main_cause", "other_cause_1", "other_cause_2"):
        _check_choice(errors, data, field, c.PovertyCause, "致贫原因")
    causes = [data.get(f) for f in ("main_cause", "other_cause_1", "other_cause_2") if data.get(f)]
    if len(causes) != len(set(causes)):
        _add(errors, "other_cause_1", "其他致贫原因不能与主要致贫原因重复。")
    if not data.get("main_cause") and (data.get("other_cause_1") or data.get("other_cause_2")):
        _add(errors, "main_cause", "填写了其他致贫原因时必须先填写主要致贫原因。")
    if c.PovertyCause.OTHER in causes and not (data.get("cause_remark") or "").strip():
        _add(errors, "cause_remark", "致贫原因选择“其他”时请填写说明。")

    if data.get("household_type") == c.HouseholdType.MONITORED and not data.get(
        "monitoring_category"
    ):
        _add(errors, "monitoring_category", "监测户必须选择监测对象类别。", "Q-H-042")
    if data.get("monitoring_category") and not data.get("monitoring_identified_on"):
        _add(
            errors,
            "monitoring_identified_on",
            "有监测对象类别时请填写识别监测时间。",
            "Q-H-042",
        )
    if data.get("monitoring_category") == c.MonitoringCategory.UNSTABLE_EXITED and not (
        data.get("exit_year") or data.get("exited_on")
    ):
        _add(
            errors,
            "monitoring_category",
            "脱贫不稳定户应已脱贫：请填写脱贫年度，或改选边缘易致贫户。",
            "Q-H-040",
        )

    if data.get("risk_eliminated"):
        if not data.get("risk_eliminated_on"):
            _add(errors, "risk_eliminated_on", "风险已消除时请填写消除监测时间。", "Q-H-044")
        if not data.get("elimination_method"):
            _add(
                errors,
                "elimination_method",
                "风险已消除时请选择风险消除方式（帮扶消除或自然消除）。",
                "Q-H-044",
            )
        if not data.get("monitoring_category"):
            _add(errors, "risk_eliminated", "只有监测对象才能标注风险消除。", "Q-H-044")
    elif data.get("risk_eliminated_on") or data.get("elimination_method"):
        _add(
            errors,
            "risk_eliminated",
            "填写了消除时间或消除方式，但“风险是否已消除”不是“是”：请核对。",
            "Q-H-044",
        )

    now = today()
    for field, label in (
        ("identified_on", "建档立卡识别时间"),
        ("exited_on", "脱贫时间"),
        ("monitoring_identified_on", "识别监测时间"),
        ("risk_eliminated_on", "消除监测时间"),
    ):
        value = data.get(field)
        if value and value > now:
            _add(errors, field, f"{label}{value}晚于今天：请填写实际日期。")
    _check_order(errors, data, "identified_on", "exited_on", "脱贫时间不能早于建档立卡识别时间。")
    _check_order(
        errors,
        data,
        "monitoring_identified_on",
        "risk_eliminated_on",
        "消除监测时间不能早于识别监测时间。",
    )
    exit_year = data.get("exit_year")
    if exit_year and not (2013 <= int(exit_year) <= now.year):
        _add(errors, "exit_year", f"脱贫年度应在2013至{now.year}年之间。")
    if exit_year and data.get("exited_on") and data["exited_on"].year != int(exit_year):
        _add(errors, "exit_year", "脱贫年度与脱贫时间的年份不一致：请核对。", "Q-H-030")
    for field in ("phone",):
        if data.get(field) and not PHONE.match(data[field]):
            _add(errors, field, PHONE_MESSAGE)
    account = data.get("bank_account") or ""
    if account and not BANK_ACCOUNT.fullmatch(account):
        _add(errors, "bank_account", BANK_ACCOUNT_MESSAGE)

    if risks is not None:
        if len(risks) > 5:
            _add(errors, "risks", "致贫/返贫风险最多填写5项。")
        kinds = [k for k, _ in risks]
        if len(kinds) != len(set(kinds)):
            _add(errors, "risks", "致贫/返贫风险不能重复填写同一类型。")
        for kind, remark in risks:
            if kind not in c.RiskType.values:
                _add(errors, "risks", f"风险类型“{kind}”不在取值范围内。")
            if kind == c.RiskType.OTHER and not remark.strip():
                _add(errors, "risks", "风险类型为“其他”时必须填写说明。", "Q-H-012")
        if data.get("household_type") == c.HouseholdType.MONITORED and not risks:
            _add(errors, "risks", "监测户至少填写一项致贫/返贫风险。", "Q-H-042")
    return errors


def _check_order(errors: Errors, data: dict[str, Any], first: str, second: str, msg: str) -> None:
    a, b = data.get(first), data.get(second)
    if a and b and b < a:
        _add(errors, second, msg, "Q-H-030")


def check_member(data: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
    """Validate a member's fields; returns the errors and the normalised values to store
    (ID number normalised, birth date and sex derived from it when not entered)."""
    errors: Errors = {}
    clean: dict[str, Any] = {}
    name = (data.get("name") or "").strip()
    if not name:
        _add(errors, "name", "请填写姓名。")
    elif len(name) > 64 or re.search(r"\d", name):
        _add(errors, "name", "姓名不能包含数字，且不超过64个字：请核对。")
    for field, enum, label in (
        ("sex", c.Sex, "性别"),
        ("id_type", c.IdType, "证件类型"),
        ("relation", c.Relation, "与户主关系"),
        ("ethnicity", c.Ethnicity, "民族"),
        ("education", c.Education, "文化程度"),
        ("student_status", c.StudentStatus, "在校生状况"),
        ("dropout_reason", c.DropoutReason, "未上学原因"),
        ("health", c.Health, "健康状况"),
        ("labour_skill", c.LabourSkill, "劳动技能"),
        ("work_status", c.WorkStatus, "务工状况"),
    ):
        _check_choice(errors, data, field, enum, label)
    if not data.get("relation"):
        _add(errors, "relation", "请选择与户主关系。")
    if not data.get("labour_skill"):
        _add(errors, "labour_skill", "请选择劳动技能。")

    now = today()
    id_type = data.get("id_type") or c.IdType.RESIDENT_ID
    raw_id = data.get("id_number") or ""
    birth = data.get("birth_date")
    sex = data.get("sex")
    if id_type == c.IdType.RESIDENT_ID:
        try:
            parsed = parse_id_number(raw_id, today=now)
        except IdNumberError as error:
            _add(errors, "id_number", str(error))
        else:
            clean["id_number"] = parsed.normalized
            if birth and birth != parsed.birth_date:
                _add(
                    errors,
                    "birth_date",
                    f"出生日期{birth}与身份证号码中的{parsed.birth_date}不一致：请核对证件。",
                    "Q-M-004",
                )
            if sex and sex != parsed.sex:
                shown = c.Sex(parsed.sex).label
                _add(
                    errors,
                    "sex",
                    f"性别与身份证号码第17位不符（号码表示{shown}）：请核对。",
                    "Q-M-005",
                )
            birth = birth or parsed.birth_date
            sex = sex or parsed.sex
            clean["birth_date"], clean["sex"] = birth, sex
    elif id_type == c.IdType.NONE:
        clean["id_number"] = ""
    else:
        clean["id_number"] = re.sub(r"\s", "", raw_id).upper()
        if not clean["id_number"]:
            _add(errors, "id_number", "请填写证件号码，或将证件类型选为“无证件”。")
    if not birth:
        _add(errors, "birth_date", "请填写出生日期（有身份证号码时可自动带出）。")
    elif birth > now:
        _add(errors, "birth_date", "出生日期晚于今天：请核对。")
    if not sex:
        _add(errors, "sex", "请选择性别。")

    relation = data.get("relation")
    expected_sex = c.RELATION_SEX.get(relation) if relation else None
    if expected_sex and sex and sex != expected_sex:
        _add(
            errors,
            "relation",
            f"与户主关系“{c.Relation(relation).label}”与性别“{c.Sex(sex).label}”矛盾：请核对。",
            "Q-M-032",
        )
    for field, label in (("work_months", "务工时间"), ("public_welfare_months", "公益性岗位月数")):
        value = data.get(field)
        if value is not None and not (0 <= int(value) <= 12):
            _add(errors, field, f"{label}应在0至12个月之间。")
    if data.get("dropout_reason") and data.get("student_status") != c.StudentStatus.NOT_STUDENT:
        _add(errors, "dropout_reason", "在校生不应填写未上学原因。")
    if data.get("phone") and not PHONE.match(data["phone"]):
        _add(errors, "phone", PHONE_MESSAGE)
    return errors, clean


def check_income(year: Any, household_size: Any, values: dict[str, Any]) -> tuple[Errors, dict]:
    """Parse and check one year's income. Returns errors and the Decimal values."""
    errors: Errors = {}
    clean: dict[str, Any] = {}
    now = today()
    try:
        year = int(year)
    except (TypeError, ValueError):
        _add(errors, "year", "请填写收入年度（如2024）。")
    else:
        if not (FIRST_INCOME_YEAR <= year <= now.year):
            _add(errors, "year", f"收入年度应在{FIRST_INCOME_YEAR}至{now.year}年之间。")
        clean["year"] = year
    try:
        size = int(household_size)
        if size < 1 or size > 30:
            raise ValueError
        clean["household_size"] = size
    except (TypeError, ValueError):
        _add(errors, "household_size", "当年家庭人口数应为1至30之间的整数。")
    for field in INPUT_FIELDS:
        raw = values.get(field, 0)
        try:
            amount = Decimal(str(raw).replace(",", "").strip() or 0)
        except InvalidOperation:
            _add(errors, field, f"“{raw}”不是有效金额：请只填写数字（元）。")
            continue
        if amount < 0:
            _add(errors, field, "金额不能为负数：支出请填写在“生产经营性支出”。")
        elif amount > Decimal("100000000"):
            _add(errors, field, "金额超过1亿元：请核对单位是否为元。")
        clean[field] = amount.quantize(Decimal("0.01"))
    return errors, clean


# What people type in a measure cell to say "none": stored as blank, the registry's "none".
NO_MEASURE = frozenset({"无", "暂无", "没有", "否", "-", "--", "—", "——", "/", "\\"})


def check_measures(year: Any, values: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
    """Parse and check one year's 帮扶措施 (the families in ``MEASURE_FIELDS``; absent keys are
    left out of the result). Returns the errors and the values to store: text stripped, runs of
    spaces folded, a "none" word (无, 暂无, -, …) stored as blank, and ``yulu_plan`` derived from
    教育帮扶 whenever that family is given."""
    # Imported here: the rest of this module reads no model, and the labels are the models'.
    from jingzhun.registry.models import MEASURE_FIELDS, YULU_PLAN, Measures

    errors: Errors = {}
    clean: dict[str, Any] = {}
    now = today()
    try:
        year = int(year)
    except (TypeError, ValueError):
        _add(errors, "year", "请填写帮扶措施的年度（如2024）。")
    else:
        if not (FIRST_INCOME_YEAR <= year <= now.year):
            _add(errors, "year", f"年度应在{FIRST_INCOME_YEAR}至{now.year}年之间。")
        clean["year"] = year
    for field in MEASURE_FIELDS:
        if field not in values:
            continue
        text = re.sub(r"\s+", " ", str(values[field] or "")).strip()
        if text in NO_MEASURE:
            text = ""
        label = Measures._meta.get_field(field).verbose_name
        if len(text) > 200:
            _add(errors, field, f"{label}超过200字：请只填写措施名称，多项用顿号分隔。")
        clean[field] = text
    if "education_aid" in clean:
        clean["yulu_plan"] = YULU_PLAN in clean["education_aid"]
    return errors, clean
