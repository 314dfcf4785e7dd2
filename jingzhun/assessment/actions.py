"""Entering a county's third-party assessment figures: the one write path, audited, with the
same optimistic versioning as the village facts (jingzhun.areas.profiles)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from jingzhun.accounts.roles import Role
from jingzhun.areas.models import Area, Level
from jingzhun.areas.profiles import check_count, check_year, set_versioned
from jingzhun.assessment.models import ASSESSMENT_COUNTS, ASSESSMENT_LABEL, CountyAssessment
from jingzhun.core.actions import Actor, PermissionDenied, raise_if_errors

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

ASSESSMENT_EDITORS = frozenset({Role.COUNTY_APPROVER, Role.ADMIN})
# (part, whole): a part found in a sample cannot exceed the sample.
PARTS = (
    ("wrongly_exited_people", "sampled_exited_people"),
    ("missed_poor_people", "sampled_non_registered_people"),
    ("households_approving", "households_surveyed"),
    ("remaining_poor_people", "rural_population"),
)


def can_edit_assessment(user: User | None, county: Area) -> bool:
    if user is None:
        return True
    return user.role in ASSESSMENT_EDITORS and county.code.startswith(user.scope_prefix)


def _label(name: str) -> str:
    return str(CountyAssessment._meta.get_field(name).verbose_name)


def assessment_errors(values: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    unknown = set(values) - {*ASSESSMENT_COUNTS, "source", "notes"}
    if unknown:
        errors["__all__"] = [f"不认识的字段：{'、'.join(sorted(unknown))}。"]
    for name in ASSESSMENT_COUNTS:
        clean[name] = check_count(values, name, _label(name), errors, required=False)
    for part, whole in PARTS:
        if clean[part] is not None and clean[whole] is not None and clean[part] > clean[whole]:
            errors.setdefault(part, []).append(
                f"{_label(part)}（{clean[part]}）不能大于{_label(whole)}（{clean[whole]}）。"
            )
    clean["source"] = str(values.get("source") or "").strip()
    if not clean["source"]:
        errors["source"] = ["请填写数据来源（评估机构、报告名称或文号）。"]
    elif len(clean["source"]) > 200:
        errors["source"] = ["数据来源最多200字。"]
    clean["notes"] = str(values.get("notes") or "").strip()
    return errors, clean


@transaction.atomic
def do_set_county_assessment(
    county: Area,
    *,
    actor: Actor,
    year: Any,
    values: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> CountyAssessment:
    """Enter (or, with ``expected_version``, change) ``county``'s assessment figures for
    ``year``: the counts of :data:`ASSESSMENT_COUNTS` (whole numbers ≥ 0, or None while not
    reported; a part never above its sample) and ``source`` (required). Raises
    PermissionDenied, ValidationError or ConcurrentEditError."""
    if not can_edit_assessment(actor.user, county):
        raise PermissionDenied("只有县级审批员或系统管理员可以录入本县的第三方评估数据。")
    errors, clean = assessment_errors(values)
    if county.level != Level.COUNTY:
        errors["county"] = ["第三方评估数据只能录入到县。"]
    year_value = check_year(year, errors)
    raise_if_errors(errors)
    return set_versioned(
        CountyAssessment,
        {"county": county, "year": year_value},
        clean,
        actor=actor,
        action="set_county_assessment",
        area_code=county.code,
        label=ASSESSMENT_LABEL % {"area": county.name, "year": year_value},
        expected_version=expected_version,
        reason=reason,
    )
