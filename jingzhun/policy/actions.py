"""Writing policy parameters: an administrator adds a dated value; history is never rewritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jingzhun.accounts.roles import Role
from jingzhun.areas.models import Level
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, PermissionDenied, jsonable, raise_if_errors
from jingzhun.policy import parameters
from jingzhun.policy.models import ParameterValue
from jingzhun.policy.parameters import (
    NATIONAL,
    UNITS,
    AddedParameter,
    Parameter,
    ParameterFileError,
)

ONE_DAY = dt.timedelta(days=1)


def can_add_parameter_values(user: Any) -> bool:
    """Whether the parameters page offers this user the form (the action checks the region)."""
    return user is not None and user.role == Role.ADMIN


def _check_role(actor: Actor, region: str) -> None:
    """Administrators only; a county or city administrator sets values for their own area, a
    province administrator also the national default. A superuser administrator and the
    system (commands) may set any region."""
    user = actor.user
    if user is None:
        return
    if not can_add_parameter_values(user):
        raise PermissionDenied("只有系统管理员可以添加政策参数值。")
    if user.is_superuser:
        return
    if region == NATIONAL:
        if user.area.level != Level.PROVINCE:
            raise PermissionDenied("全国默认值只能由省级系统管理员添加。")
    elif not region.startswith(user.scope_prefix):
        raise PermissionDenied(f"区划{region}不在您的管辖范围内。")


def _clean(
    name: str,
    region: str,
    effective_from: Any,
    effective_to: Any,
    value: Any,
    unit: str,
    source: str,
) -> tuple[str, Decimal | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if name not in UNITS:
        errors["name"] = [f"未知参数名“{name}”。"]
    elif unit != UNITS[name]:
        errors["unit"] = [
            f"参数{name}的单位应为“{UNITS[name]}”，填写的是“{unit}”：请核对数值与单位。"
        ]
    if region not in parameters.known_region_codes():
        errors["region"] = [
            "区划代码不在行政区划表中：请填写全国“000000”，或现行省、市、县6位代码。"
        ]
    if not isinstance(effective_from, dt.date):
        errors["effective_from"] = ["请填写生效日期。"]
    elif effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = [f"失效日期{effective_to}早于生效日期{effective_from}。"]
    amount: Decimal | None = None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["value"] = [f"数值“{value}”不是数字。"]
    else:
        if not amount.is_finite() or amount < 0:
            errors["value"] = ["数值应为不小于0的数字。"]
    if not source.strip():
        errors["source"] = ["请填写出处：文件号、网页或“本系统默认值”。"]
    return region, amount, errors


def _place_after(history: list[Parameter], start: dt.date) -> tuple[Parameter | None, list[str]]:
    """The open period the new value closes (or None), and the reasons it cannot start then."""
    if not history:
        return None, []
    latest = history[-1]
    if any(p.effective_from >= start for p in history):
        return None, [
            f"该参数在此区划已有自{latest.effective_from}起的值：新值的生效日期必须晚于"
            "已有的每一个期间的起始日，历史值不能改写。"
        ]
    if latest.effective_to is None:
        return latest, []
    if latest.effective_to >= start:
        return None, [
            f"已有的期间{latest.effective_from}至{latest.effective_to}覆盖该日期：已确定的期间"
            f"不能缩短，请从{latest.effective_to + ONE_DAY}起生效。"
        ]
    if latest.effective_to + ONE_DAY != start:
        return None, [
            f"上一期间至{latest.effective_to}止：新值应自{latest.effective_to + ONE_DAY}起生效"
            "（期间应首尾相接），或先补录中间的期间。"
        ]
    return None, []


@transaction.atomic
def do_add_parameter_value(
    actor: Actor,
    *,
    name: str,
    region: str,
    effective_from: dt.date,
    value: Decimal | int | str,
    unit: str,
    source: str,
    confirmed: bool,
    effective_to: dt.date | None = None,
) -> ParameterValue:
    """Add a dated value of ``name`` for ``region`` ("000000" national, or a province, city or
    county code). It must start after every existing period of that name and region; the
    currently open period, if any, is closed the day before (recorded on the new row and in the
    audit trail). Raises PermissionDenied (not an administrator, region outside their area) or
    ValidationError ({field: [message]})."""
    region = (region or "").strip()
    if region.upper() == "CN":
        region = NATIONAL
    _check_role(actor, region)
    source = (source or "").strip()
    region, amount, errors = _clean(name, region, effective_from, effective_to, value, unit, source)
    raise_if_errors(errors)
    assert amount is not None
    # Serialise adds for one name and region (the unique constraints are the last guard).
    list(ParameterValue.objects.select_for_update().filter(name=name, region=region))
    current = parameters.build_parameters()
    history = [p for p in current.all() if (p.name, p.region) == (name, region)]
    closed, problems = _place_after(history, effective_from)
    if problems:
        raise ValidationError({"effective_from": problems})
    now = timezone.now()
    row = ParameterValue(
        name=name,
        region=region,
        effective_from=effective_from,
        effective_to=effective_to,
        value=amount,
        unit=unit,
        source=source,
        confirmed=confirmed,
        closes=closed.version if closed else "",
        added_by=actor.user,
        added_by_name=actor.name,
        added_at=now,
    )
    # The same period checks as the files, over the whole set with the new value in it.
    candidate: AddedParameter = row.as_parameter()
    try:
        parameters.combine(
            [p for p in current.all() if not isinstance(p, AddedParameter)],
            [*(p for p in current.all() if isinstance(p, AddedParameter)), candidate],
        )
    except ParameterFileError as error:
        raise ValidationError({"effective_from": [str(error)]}) from None
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(
            {"effective_from": ["另一位管理员刚为该参数和区划添加了值：请刷新页面后重试。"]}
        ) from None
    if closed is not None and isinstance(closed, AddedParameter):
        # The previous value was added in the UI too: end its row as well (conditional update).
        ended = ParameterValue.objects.filter(
            name=name,
            region=region,
            effective_from=closed.effective_from,
            effective_to__isnull=True,
        ).update(effective_to=effective_from - ONE_DAY)
        if ended != 1:
            raise ValidationError(
                {"effective_from": ["另一位管理员刚修改了该参数：请刷新页面后重试。"]}
            )
    # National values are filed under the administrator's own area, where the audit trail of
    # their inspectors can read them.
    area_code = region
    if region == NATIONAL:
        area_code = actor.user.area.code if actor.user is not None else NATIONAL
    recorder.record(
        actor=actor,
        action="add_parameter_value",
        obj=row,
        area_code=area_code,
        changes={
            "name": [None, name],
            "region": [None, region],
            "effective_from": [None, jsonable(effective_from)],
            "effective_to": [None, jsonable(effective_to)],
            "value": [None, jsonable(row.as_parameter().value)],
            "unit": [None, unit],
            "source": [None, source],
            "confirmed": [None, confirmed],
        },
    )
    if closed is not None:
        recorder.record(
            actor=actor,
            action="close_parameter_period",
            obj=row,
            object_type="parameter_period",
            object_id=closed.version,
            label=f"{closed.version}（{closed.origin}）",
            area_code=area_code,
            changes={"effective_to": [None, jsonable(effective_from - ONE_DAY)]},
            reason=f"新值{row}自{effective_from}起生效",
        )
    parameters.invalidate_cache()
    transaction.on_commit(parameters.invalidate_cache)
    return row
