"""Sample-survey pages of the third-party assessment: the list with the drawing form, a survey
(its sample, the entry of results, 三率一度 with intervals, applying the results to the county's
figures) and the sample list as xlsx for the survey team. Thin: reads through ``results``,
writes through ``actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhun.accounts.roles import SURVEY_MANAGERS
from jingzhun.areas.models import Level
from jingzhun.assessment import actions, results
from jingzhun.assessment.actions import ASSESSMENT_EDITORS
from jingzhun.assessment.models import AssessmentSurvey, SurveyHousehold, SurveyVillage
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.exports.reports import Report, report_download
from jingzhun.registry import scoping

BOOLEAN = {"1": True, "0": False, "": None}


def _role(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


@login_required
@domain_errors
def survey_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    counties = scoping.areas_for(user).filter(level=Level.COUNTY).order_by("code")  # type: ignore[arg-type]
    values = {
        "county": request.POST.get("county", ""),
        "year": request.POST.get("year", str(timezone.localdate().year)),
        "villages": request.POST.get("villages", "10"),
        "households_per_village": request.POST.get("households_per_village", "10"),
        "seed": request.POST.get("seed", ""),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if _role(request) not in SURVEY_MANAGERS:
            raise PermissionDenied(_("只有县级审批员、县级分析员和系统管理员可以抽取样本。"))
        county = scoping.access_area_by_code(user, values["county"])  # type: ignore[arg-type]
        try:
            survey = actions.do_draw_survey(
                actor=Actor.from_request(request),
                county=county,
                year=values["year"],
                villages=values["villages"],
                households_per_village=values["households_per_village"],
                seed=values["seed"],
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, _("已抽取样本。"))
            return redirect("assessment:survey", pk=survey.pk)
    surveys = results.surveys_for(user).select_related("county", "drawn_by")[:200]  # type: ignore[arg-type]
    return render(
        request,
        "assessment/surveys.html",
        {
            "surveys": surveys,
            "counties": counties,
            "values": values,
            "errors": errors,
            "can_draw": _role(request) in SURVEY_MANAGERS and counties.exists(),
        },
        status=400 if errors else 200,
    )


@login_required
@domain_errors
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    survey = results.access_survey_by_id(user, pk)  # type: ignore[arg-type]
    if request.method == "POST":
        return _act(request, survey)
    totals = results.survey_totals(survey)
    exited, registered = results.registry_people(survey.county)
    rates = results.survey_rates(survey, totals, exited_people=exited, registered_people=registered)
    households = list(
        SurveyHousehold.objects.filter(survey=survey).select_related("household", "village")
    )
    by_village: dict[int, list[SurveyHousehold]] = {}
    for row in households:
        by_village.setdefault(row.village_id, []).append(row)
    return render(
        request,
        "assessment/survey.html",
        {
            "survey": survey,
            "totals": totals,
            "rates": rates,
            "rate_rows": [
                (_("错退率"), rates.wrong_exit),
                (_("漏评率"), rates.missed),
                (_("群众认可度"), rates.approval),
            ],
            "villages": [(v, by_village.get(v.village.pk, [])) for v in totals.villages],
            "exited_people": exited,
            "registered_people": registered,
            "confidence": round(rates.confidence * 100),
            "can_enter": _role(request) in SURVEY_MANAGERS,
            "can_apply": _role(request) in ASSESSMENT_EDITORS,
        },
    )


def _act(request: HttpRequest, survey: AssessmentSurvey) -> HttpResponse:
    if _role(request) not in SURVEY_MANAGERS | ASSESSMENT_EDITORS:
        raise PermissionDenied(_("您的角色不能录入抽样调查结果。"))
    actor = Actor.from_request(request)
    post = request.POST
    what = post.get("action", "")
    try:
        if what == "household":
            row = _sampled(SurveyHousehold, survey, post.get("row"))
            values = {
                key: post.get(key, "")
                for key in ("people", "wrongly_exited_people", "surveyed_on", "notes")
            }
            values["approves"] = BOOLEAN.get(post.get("approves", ""), post.get("approves"))
            changed = actions.do_record_survey_household(
                actor=actor, survey_household=row, values=values
            )
        elif what == "village":
            row = _sampled(SurveyVillage, survey, post.get("row"))
            keys = (
                "non_registered_people",
                "missed_poor_people",
                "non_registered_households",
                "non_registered_approving",
                "surveyed_on",
                "notes",
            )
            changed = actions.do_record_survey_village(
                actor=actor, survey_village=row, values={k: post.get(k, "") for k in keys}
            )
        elif what == "apply":
            actions.do_apply_survey(actor=actor, survey=survey, reason=post.get("reason", ""))
            messages.success(request, _("已计入本县第三方评估数据，县退出评估已按新数据计算。"))
            return redirect("assessment:survey", pk=survey.pk)
        else:
            messages.error(request, _("请选择要办理的操作。"))
            return redirect("assessment:survey", pk=survey.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{row}：{message}" if what != "apply" else message)
    else:
        messages.success(request, _("已保存。") if changed else _("没有变化。"))
    return redirect("assessment:survey", pk=survey.pk)


def _sampled(model: type, survey: AssessmentSurvey, row_id: Any) -> Any:
    try:
        return model.objects.select_related("survey").get(survey=survey, pk=int(row_id))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound(row_id) from None


@login_required
@require_GET
@domain_errors
def survey_sample_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The sample as the survey team takes it to the villages: villages, then households."""
    survey = results.access_survey_by_id(request.user, pk)  # type: ignore[arg-type]
    villages = SurveyVillage.objects.filter(survey=survey).select_related("village")
    households = SurveyHousehold.objects.filter(survey=survey).select_related(
        "household", "village__village"
    )
    area = survey.county.name
    villages = villages.select_related("village__parent")
    blank = [None] * 4
    return report_download(
        request,
        [
            Report(
                _("抽样户"),
                area,
                [
                    _("调查编号"),
                    _("行政村"),
                    _("户编号"),
                    _("户主姓名"),
                    _("登记人口数"),
                    _("家庭人口数"),
                    _("错退人口数"),
                    _("是否认可"),
                    _("调查日期"),
                    _("备注"),
                ],
                [
                    [
                        survey.pk,
                        h.village.village.name,
                        h.household.number,
                        h.household.head_name,
                        h.household.member_count,
                        h.people,
                        h.wrongly_exited_people,
                        None if h.approves is None else (_("是") if h.approves else _("否")),
                        h.surveyed_on and h.surveyed_on.isoformat(),
                        h.notes,
                    ]
                    for h in households
                ],
            ),
            Report(
                _("抽样村"),
                area,
                [
                    _("调查编号"),
                    _("顺序"),
                    _("乡镇"),
                    _("行政村"),
                    _("村脱贫户数"),
                    _("核查的非建档立卡人口数"),
                    _("发现的漏评人口数"),
                    _("调查的非建档立卡户数"),
                    _("其中认可户数"),
                ],
                [
                    [
                        survey.pk,
                        v.position,
                        v.village.parent.name if v.village.parent else "",
                        v.village.name,
                        v.exited_households,
                        *(
                            [
                                v.non_registered_people,
                                v.missed_poor_people,
                                v.non_registered_households,
                                v.non_registered_approving,
                            ]
                            if v.entered
                            else blank
                        ),
                    ]
                    for v in villages
                ],
            ),
            # The instructions on a sheet of their own: the two sample sheets are uploaded back
            # as they are, and a note under a table would be read as a row.
            Report(
                _("说明"),
                area,
                [_("说明")],
                [
                    [_("抽样种子：%(seed)s（用同一种子可重抽核对）。") % {"seed": survey.seed}],
                    [
                        _(
                            "抽样户：填写家庭人口数、错退人口数、是否认可和调查日期后，在“台账导入”按“第三方评估抽样户调查结果”上传本文件。"
                        )
                    ],
                    [
                        _(
                            "抽样村：填写核查的非建档立卡人口数、发现的漏评人口数、调查户数和认可户数后，按“第三方评估抽样村调查结果”上传本文件。"
                        )
                    ],
                ],
            ),
        ],
        file_stem=f"assessment-sample-{survey.pk}",
        area_code=survey.county_code,
    )
