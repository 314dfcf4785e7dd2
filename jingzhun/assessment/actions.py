"""Entering a county's third-party assessment figures: the one write path, audited, with the
same optimistic versioning as the village facts (jingzhun.areas.profiles); and the sample
surveys behind them: drawing the sample, entering what the surveyors found, applying the
results to the figures."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingzhun.accounts.roles import SURVEY_MANAGERS, Role
from jingzhun.areas.models import Area, Level, code_range
from jingzhun.areas.profiles import check_count, check_year, set_versioned
from jingzhun.assessment.models import (
    ASSESSMENT_COUNTS,
    ASSESSMENT_LABEL,
    SURVEY_LABEL,
    AssessmentSurvey,
    CountyAssessment,
    SurveyHousehold,
    SurveyStatus,
    SurveyVillage,
)
from jingzhun.assessment.results import survey_totals
from jingzhun.assessment.sampling import draw_sample
from jingzhun.audit import recorder
from jingzhun.core.actions import (
    Actor,
    Errors,
    PermissionDenied,
    date_value,
    diff_fields,
    ensure_area,
    ensure_role,
    raise_if_errors,
    text_value,
)
from jingzhun.registry.choices import HouseholdType
from jingzhun.registry.models import Household

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


# --- sample surveys (抽样调查) ---------------------------------------------------------------

MAX_SAMPLE = 10_000
HOUSEHOLD_MAX_PEOPLE = 30


def _ensure_survey_manager(actor: Actor, what: str) -> None:
    ensure_role(actor, SURVEY_MANAGERS, what)


def survey_frame(county: Area) -> dict[str, list[str]]:
    """The sample frame of ``county``: every village (code) → its exited households' numbers."""
    low, high = code_range(county.scope_prefix)
    frame: dict[str, list[str]] = {
        code: []
        for code in Area.objects.filter(
            code__gte=low, code__lt=high, level=Level.VILLAGE
        ).values_list("code", flat=True)
    }
    exited = Household.objects.filter(
        village_code__gte=low,
        village_code__lt=high,
        is_deleted=False,
        household_type=HouseholdType.EXITED,
    ).values_list("village_code", "number")
    for village_code, number in exited:
        frame.setdefault(village_code, []).append(number)
    return frame


def do_draw_survey(
    *,
    actor: Actor,
    county: Area,
    year: Any,
    villages: Any,
    households_per_village: Any,
    seed: str = "",
) -> AssessmentSurvey:
    """Draw and store a two-stage sample of ``county`` for ``year``
    (:func:`jingzhun.assessment.sampling.draw_sample`): ``villages`` villages, then up to
    ``households_per_village`` exited households in each. ``seed`` (any text; a random one
    when blank) is stored so the sample can be drawn again and checked."""
    _ensure_survey_manager(actor, "抽取第三方评估样本")
    ensure_area(actor, county.code, county.pk)
    errors: Errors = {}
    if county.level != Level.COUNTY:
        errors["county"] = ["抽样调查按县进行：请选择一个县。"]
    year_value = check_year(year, errors)
    sizes = {"villages": villages, "households_per_village": households_per_village}
    labels = {"villages": "抽取村数", "households_per_village": "每村抽取脱贫户数"}
    counts = {key: check_count(sizes, key, labels[key], errors, required=True) for key in sizes}
    for key, count in counts.items():
        if count is not None and not 1 <= count <= MAX_SAMPLE:
            errors[key] = [f"{labels[key]}应在1至{MAX_SAMPLE}之间。"]
    seed = str(seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        errors["seed"] = ["抽样种子最多64个字符。"]
    raise_if_errors(errors)
    assert year_value is not None
    frame = survey_frame(county)
    if not frame:
        raise ValidationError({"county": [f"{county.name}没有行政村，无法抽样。"]})
    sample = draw_sample(
        seed,
        frame,
        villages=counts["villages"] or 0,
        households_per_village=counts["households_per_village"] or 0,
    )
    numbers = [n for code in sample.villages for n in sample.households[code]]
    household_ids = dict(
        Household.objects.filter(number__in=numbers, is_deleted=False).values_list("number", "id")
    )
    village_ids = dict(Area.objects.filter(code__in=sample.villages).values_list("code", "id"))
    with transaction.atomic():
        survey = AssessmentSurvey.objects.create(
            county=county,
            county_code=county.code,
            year=year_value,
            seed=seed,
            village_sample=counts["villages"] or 0,
            household_sample=counts["households_per_village"] or 0,
            villages_in_frame=len(frame),
            households_in_frame=sum(len(v) for v in frame.values()),
            drawn_by=actor.user,
        )
        sampled = SurveyVillage.objects.bulk_create(
            SurveyVillage(
                survey=survey,
                village_id=village_ids[code],
                position=position,
                exited_households=len(frame[code]),
            )
            for position, code in enumerate(sample.villages, 1)
        )
        SurveyHousehold.objects.bulk_create(
            SurveyHousehold(
                survey=survey, village=village, household_id=household_ids[number], position=i
            )
            for village, code in zip(sampled, sample.villages, strict=True)
            for i, number in enumerate(sample.households[code], 1)
        )
        recorder.record(
            actor=actor,
            action="draw_assessment_survey",
            obj=survey,
            area_code=county.code,
            label=SURVEY_LABEL % {"area": county.name, "year": year_value},
            changes={
                "seed": [None, seed],
                "village_sample": [None, len(sample.villages)],
                "household_sample": [None, len(numbers)],
                "villages_in_frame": [None, survey.villages_in_frame],
                "households_in_frame": [None, survey.households_in_frame],
            },
        )
    return survey


def _surveyed_on(values: dict[str, Any], errors: Errors) -> Any:
    day = date_value(values, errors, "surveyed_on", "调查日期", required=False)
    if day is not None and day > timezone.localdate():
        errors.setdefault("surveyed_on", []).append("调查日期不能晚于今天。")
    return day


def _part(
    clean: dict[str, Any], part: str, whole: str, labels: dict[str, str], errors: Errors
) -> None:
    if clean.get(part) is not None and clean.get(whole) is not None and clean[part] > clean[whole]:
        errors.setdefault(part, []).append(
            f"{labels[part]}（{clean[part]}）不能大于{labels[whole]}（{clean[whole]}）。"
        )


def _label_of(model: type, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _write_result(
    actor: Actor,
    survey: AssessmentSurvey,
    row: SurveyHousehold | SurveyVillage,
    clean: dict[str, Any],
    action: str,
) -> bool:
    """Store ``clean`` on ``row`` (audited); False when nothing changed. A survey whose results
    were applied goes back to 录入 so its figures are applied again."""
    changes = diff_fields(row, clean)
    if not changes:
        return False
    with transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**clean)
        AssessmentSurvey.objects.filter(pk=survey.pk, status=SurveyStatus.APPLIED).update(
            status=SurveyStatus.ENTERING
        )
        recorder.record(
            actor=actor,
            action=action,
            obj=survey,
            area_code=survey.county_code,
            label=f"{survey} {row}",
            changes=changes,
        )
    for key, value in clean.items():
        setattr(row, key, value)
    return True


def do_record_survey_household(
    *, actor: Actor, survey_household: SurveyHousehold, values: dict[str, Any]
) -> bool:
    """Enter what the surveyors found at a sampled exited household: ``people`` (家庭人口数,
    1–30), ``wrongly_exited_people`` (people still below the exit standard, ≤ people),
    ``approves`` (True/False/None), ``surveyed_on`` and ``notes``. False: nothing changed."""
    _ensure_survey_manager(actor, "录入抽样调查结果")
    survey = survey_household.survey
    ensure_area(actor, survey.county_code, survey.pk)
    errors: Errors = {}
    labels = {n: _label_of(SurveyHousehold, n) for n in ("people", "wrongly_exited_people")}
    clean: dict[str, Any] = {
        name: check_count(values, name, labels[name], errors, required=True) for name in labels
    }
    if clean["people"] is not None and not 1 <= clean["people"] <= HOUSEHOLD_MAX_PEOPLE:
        errors["people"] = [f"家庭人口数应在1至{HOUSEHOLD_MAX_PEOPLE}之间。"]
    _part(clean, "wrongly_exited_people", "people", labels, errors)
    approves = values.get("approves")
    if approves not in (None, "", True, False):
        errors["approves"] = ["是否认可请填“是”“否”或留空（未答）。"]
    clean["approves"] = None if approves == "" else approves
    clean["surveyed_on"] = _surveyed_on(values, errors)
    clean["notes"] = text_value(values, errors, "notes", "备注", size=500, required=False)
    raise_if_errors(errors)
    return _write_result(actor, survey, survey_household, clean, "record_survey_household")


def do_record_survey_village(
    *, actor: Actor, survey_village: SurveyVillage, values: dict[str, Any]
) -> bool:
    """Enter what the surveyors found among a sampled village's non-registered rural people
    and households: people checked and missed poor found (漏评), households surveyed and
    approving. False: nothing changed."""
    _ensure_survey_manager(actor, "录入抽样调查结果")
    survey = survey_village.survey
    ensure_area(actor, survey.county_code, survey.pk)
    errors: Errors = {}
    names = (
        "non_registered_people",
        "missed_poor_people",
        "non_registered_households",
        "non_registered_approving",
    )
    labels = {n: _label_of(SurveyVillage, n) for n in names}
    clean: dict[str, Any] = {
        name: check_count(values, name, labels[name], errors, required=name in names[:2])
        for name in names
    }
    _part(clean, "missed_poor_people", "non_registered_people", labels, errors)
    _part(clean, "non_registered_approving", "non_registered_households", labels, errors)
    if clean["non_registered_households"] is not None and clean["non_registered_approving"] is None:
        errors["non_registered_approving"] = ["填写了调查户数时请同时填写认可户数。"]
    clean["surveyed_on"] = _surveyed_on(values, errors)
    clean["notes"] = text_value(values, errors, "notes", "备注", size=500, required=False)
    raise_if_errors(errors)
    return _write_result(actor, survey, survey_village, clean, "record_survey_village")


def do_apply_survey(
    *, actor: Actor, survey: AssessmentSurvey, reason: str = ""
) -> CountyAssessment:
    """Write the survey's sample counts (抽查的退出人口数, 错退人口数, 非建档立卡人口数,
    漏评人口数, 调查户数, 认可户数) into the county's assessment figures for the survey's
    year, keeping the figures the survey does not give (剩余贫困人口数, 农村人口数); the
    county-exit decision then reads them. Refused while a sampled village or household has no
    result."""
    ensure_role(actor, ASSESSMENT_EDITORS, "把抽样调查结果计入第三方评估数据")
    ensure_area(actor, survey.county_code, survey.pk)
    totals = survey_totals(survey)
    if totals.missing:
        raise ValidationError({"__all__": [f"还有{totals.missing}个抽样村或抽样户未录入结果。"]})
    existing = CountyAssessment.objects.filter(county=survey.county, year=survey.year).first()
    values: dict[str, Any] = {name: None for name in ASSESSMENT_COUNTS}
    if existing is not None:
        values.update({name: getattr(existing, name) for name in ASSESSMENT_COUNTS})
        values["notes"] = existing.notes
    values.update(totals.assessment_counts())
    values["source"] = f"本系统抽样调查（种子 {survey.seed}，{survey.drawn_at:%Y-%m-%d}抽样）"
    with transaction.atomic():
        assessment = do_set_county_assessment(
            survey.county,
            actor=actor,
            year=survey.year,
            values=values,
            expected_version=None if existing is None else existing.version,
            reason=reason or "计入抽样调查结果",
        )
        AssessmentSurvey.objects.filter(pk=survey.pk).update(status=SurveyStatus.APPLIED)
        recorder.record(
            actor=actor,
            action="apply_assessment_survey",
            obj=survey,
            area_code=survey.county_code,
            label=str(survey),
            changes={"status": [survey.status, SurveyStatus.APPLIED]},
            reason=reason,
        )
    survey.status = SurveyStatus.APPLIED
    return assessment
