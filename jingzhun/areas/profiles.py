"""村情信息: who may enter a village's yearly facts, and the one action that writes them.

The same optimistic versioning as the registry's yearly records
(:func:`jingzhun.registry.actions.do_set_conditions`): the first entry of a year is created;
changing it needs the version the user saw, and a concurrent save is refused with what the
other person changed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.roles import Role
from jingzhun.areas.models import PROFILE_FLAGS, Area, Level, VillageProfile
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, PermissionDenied, diff_fields, jsonable, raise_if_errors
from jingzhun.registry.actions import concurrent_error

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

M = TypeVar("M", bound=models.Model)

# Township reviewers verify their villages' facts; the county signs the exit off.
PROFILE_EDITORS = frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN})
YEARS = (2000, 2100)


def can_edit_village_profile(user: User | None, village: Area) -> bool:
    """Whether ``user`` may enter ``village``'s facts (None: the system, always)."""
    if user is None:
        return True
    return user.role in PROFILE_EDITORS and village.code.startswith(user.scope_prefix)


def check_year(year: Any, errors: dict[str, list[str]]) -> int | None:
    try:
        value = int(year)
    except (TypeError, ValueError):
        errors["year"] = ["请填写年度（四位数字）。"]
        return None
    if not YEARS[0] <= value <= YEARS[1]:
        errors["year"] = [f"年度应在{YEARS[0]}至{YEARS[1]}年之间。"]
        return None
    return value


def check_count(
    values: dict[str, Any], name: str, label: str, errors: dict[str, list[str]], *, required: bool
) -> int | None:
    """A whole number of people or households ≥ 0 (None when left empty and not required)."""
    raw = values.get(name)
    if raw is None or raw == "":
        if required:
            errors[name] = [f"请填写{label}。"]
        return None
    if isinstance(raw, bool):
        errors[name] = [f"{label}应为整数。"]
        return None
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        errors[name] = [f"{label}应为整数。"]
        return None
    if number != number.to_integral_value():
        errors[name] = [f"{label}应为整数。"]
        return None
    if number < 0:
        errors[name] = [f"{label}不能为负数。"]
        return None
    return int(number)


def profile_errors(values: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    unknown = set(values) - {"rural_population", *PROFILE_FLAGS, "collective_income", "notes"}
    if unknown:
        errors["__all__"] = [f"不认识的字段：{'、'.join(sorted(unknown))}。"]
    population = check_count(values, "rural_population", "农业户籍人口", errors, required=True)
    if population == 0:
        errors["rural_population"] = ["农业户籍人口应大于0。"]
    clean["rural_population"] = population
    for name in PROFILE_FLAGS:
        flag = values.get(name)
        if flag not in (True, False, None):
            label = VillageProfile._meta.get_field(name).verbose_name
            errors[name] = [f"{label}应为“是”“否”或“未核实”。"]
        clean[name] = flag
    income = values.get("collective_income")
    if income is None or income == "":
        clean["collective_income"] = None
    else:
        try:
            amount = Decimal(str(income))
        except InvalidOperation:
            errors["collective_income"] = ["村集体经济收入应为金额（元）。"]
        else:
            if not amount.is_finite() or amount < 0:
                errors["collective_income"] = ["村集体经济收入不能为负数。"]
            elif amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
                errors["collective_income"] = ["村集体经济收入最多精确到分，且小于一万亿元。"]
            else:
                clean["collective_income"] = amount.quantize(Decimal("0.01"))
    clean["notes"] = str(values.get("notes") or "").strip()
    return errors, clean


def set_versioned(
    model: type[M],
    lookup: dict[str, Any],
    clean: dict[str, Any],
    *,
    actor: Actor,
    action: str,
    area_code: str,
    label: str,
    expected_version: int | None,
    reason: str,
) -> M:
    """Create the yearly record ``lookup`` identifies, or update it when ``expected_version``
    (the version the user saw) is given; audited either way. Must run inside a transaction.
    Raises ValidationError (exists, no version) or ConcurrentEditError (someone saved first)."""
    existing = model.objects.filter(**lookup).first()  # type: ignore[attr-defined]
    if existing is None:
        obj = model.objects.create(**lookup, **clean)  # type: ignore[attr-defined]
        recorder.record(
            actor=actor,
            action=action,
            obj=obj,
            area_code=area_code,
            changes={k: [None, jsonable(v)] for k, v in clean.items()},
            reason=reason,
        )
        return obj  # type: ignore[no-any-return]
    if expected_version is None:
        raise_if_errors(
            {"year": [f"{label}已录入：请打开该年度修改（需带版本号），以免覆盖他人录入。"]}
        )
        raise AssertionError  # unreachable: raise_if_errors raised
    diff = diff_fields(existing, clean)
    if not diff:
        return existing  # type: ignore[no-any-return]
    updated = model.objects.filter(  # type: ignore[attr-defined]
        pk=existing.pk, version=expected_version
    ).update(**clean, version=F("version") + 1, updated_at=timezone.now())
    if updated != 1:
        raise concurrent_error(existing, label, expected_version)
    diff["version"] = [expected_version, expected_version + 1]
    existing.refresh_from_db()
    recorder.record(
        actor=actor, action=action, obj=existing, area_code=area_code, changes=diff, reason=reason
    )
    return existing  # type: ignore[no-any-return]


@transaction.atomic
def do_set_village_profile(
    village: Area,
    *,
    actor: Actor,
    year: Any,
    values: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> VillageProfile:
    """Enter (or, with ``expected_version``, change) ``village``'s facts for ``year``.
    ``values``: ``rural_population`` (required, > 0), the flags of :data:`PROFILE_FLAGS`
    (True, False or None for "not verified"), ``collective_income`` (yuan, ≥ 0, or None),
    ``notes``. Raises PermissionDenied, ValidationError or ConcurrentEditError."""
    if not can_edit_village_profile(actor.user, village):
        raise PermissionDenied("只有乡镇审核员、县级审批员或系统管理员可以录入本辖区的村情信息。")
    errors, clean = profile_errors(values)
    if village.level != Level.VILLAGE:
        errors["village"] = ["村情信息只能录入到行政村。"]
    year_value = check_year(year, errors)
    raise_if_errors(errors)
    return set_versioned(
        VillageProfile,
        {"village": village, "year": year_value},
        clean,
        actor=actor,
        action="set_village_profile",
        area_code=village.code,
        label=f"{village.name}{year_value}年村情信息",
        expected_version=expected_version,
        reason=reason,
    )
