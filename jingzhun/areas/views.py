"""Area browser: an area, its ancestors, its children with household counts (one query); on a
village page its 村情信息 and exit decision, on a county page its exit decision (三率一度), its
villages' decisions and the third-party assessment figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingzhun.areas.actions import CHILD_LEVEL, do_create_area
from jingzhun.areas.forms import VillageProfileForm
from jingzhun.areas.models import SCOPE_DIGITS, Area, Level, VillageProfile
from jingzhun.areas.profiles import can_edit_village_profile, do_set_village_profile
from jingzhun.assessment.actions import can_edit_assessment, do_set_county_assessment
from jingzhun.assessment.forms import CountyAssessmentForm
from jingzhun.assessment.models import CountyAssessment
from jingzhun.core.actions import Actor, ConcurrentEditError
from jingzhun.core.http import domain_errors
from jingzhun.core.links import households_url
from jingzhun.policy.exits import (
    EXIT_STANDARD_STATUSES,
    county_evaluation_for,
    village_evaluation_for,
)
from jingzhun.policy.panel import YEARS_SHOWN, panel_year
from jingzhun.quality.context import default_year
from jingzhun.registry import scoping
from jingzhun.registry.forms import AreaForm, attach_errors


def _years(year: int) -> list[int]:
    latest = max(default_year(), year)
    return list(range(latest, min(year, latest - YEARS_SHOWN + 1) - 1, -1))


def _conflict(request: HttpRequest, error: ConcurrentEditError, model: Any) -> None:
    labels = {f.name: str(f.verbose_name) for f in model._meta.get_fields() if f.concrete}
    lines = [
        f"{labels.get(name, name)}：您看到的是“{'空' if seen in (None, '') else seen}”，"
        f"现在是“{'空' if now in (None, '') else now}”"
        for name, (seen, now) in error.changes.items()
    ]
    messages.error(request, str(error) + ("　" + "；".join(lines) if lines else ""))


def _exit_context(
    request: HttpRequest,
    area: Area,
    year: int,
    profile_form: VillageProfileForm | None = None,
    assessment_form: CountyAssessmentForm | None = None,
) -> dict[str, Any]:
    """The exit panel of a village or county page (nothing for other levels). Its household
    counts open their households in the list (``exit_standard``, jingzhun.front.drilldown)."""
    user = request.user
    links = {
        which: households_url(area=area.code, exit_year=year, exit_standard=which)
        for which in EXIT_STANDARD_STATUSES
    }
    if area.level == Level.VILLAGE:
        evaluation = village_evaluation_for(user, area, year)  # type: ignore[arg-type]
        if profile_form is None and can_edit_village_profile(user, area):  # type: ignore[arg-type]
            profile = VillageProfile.objects.filter(village=area, year=year).first()
            initial = {"year": year, "version": profile.version if profile else None}
            profile_form = VillageProfileForm(instance=profile, initial=initial)
        return {
            "exit": {
                "year": year,
                "years": _years(year),
                "evaluation": evaluation,
                "villages": [],
                "links": links,
            },
            "profile_form": profile_form,
        }
    if area.level == Level.COUNTY:
        county, villages = county_evaluation_for(user, area, year)  # type: ignore[arg-type]
        if assessment_form is None and can_edit_assessment(user, area):  # type: ignore[arg-type]
            found = CountyAssessment.objects.filter(county=area, year=year).first()
            initial = {"year": year, "version": found.version if found else None}
            assessment_form = CountyAssessmentForm(instance=found, initial=initial)
        names = dict(
            scoping.areas_for(user)  # type: ignore[arg-type]
            .filter(code__in=[v.village_code for v in villages])
            .values_list("code", "name")
        )
        rows = [(v, names.get(v.village_code, v.village_code)) for v in villages]
        return {
            "exit": {
                "year": year,
                "years": _years(year),
                "evaluation": county,
                "villages": rows,
                "links": links,
            },
            "assessment_form": assessment_form,
        }
    return {}


def _page(request: HttpRequest, area: Area, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    children = list(area.children.order_by("code"))
    counts: dict[str, int] = {}
    if children and area.level < Level.VILLAGE:
        digits = SCOPE_DIGITS[Level(children[0].level)]
        rows = (
            scoping.households_for(user)  # type: ignore[arg-type]
            .filter(village_code__startswith=area.scope_prefix)
            .annotate(child=Substr("village_code", 1, digits))
            .values("child")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {row["child"]: row["n"] for row in rows}
    for child in children:
        child.household_count = counts.get(child.scope_prefix, 0)  # type: ignore[attr-defined]
    form = forms.pop("form", None)
    if form is None and (
        (Level(area.level) in CHILD_LEVEL and user.can_manage_areas)  # type: ignore[union-attr]
        or (area.level == Level.VILLAGE and user.can_edit_registry)  # type: ignore[union-attr]
    ):
        form = AreaForm()
    year = panel_year(request)
    for bound in (forms.get("profile_form"), forms.get("assessment_form")):
        posted = str(bound.data.get("year", "")) if bound is not None else ""
        if posted.isdigit() and 2000 <= int(posted) <= 2100:
            year = int(posted)  # show the decision of the year being corrected
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "ancestors": [a for a in area.ancestors() if a.level >= user.area.level],  # type: ignore[union-attr]
            "children": children,
            "form": form,
            "child_level": CHILD_LEVEL.get(Level(area.level)),
            **_exit_context(request, area, year, **forms),
        },
        status=status,
    )


@login_required
@domain_errors
def area_detail(request: HttpRequest, code: str | None = None) -> HttpResponse:
    user = request.user
    area = scoping.access_area_by_code(user, code) if code else user.area  # type: ignore[arg-type, union-attr]
    if request.method != "POST":
        return _page(request, area)
    if not (
        (Level(area.level) in CHILD_LEVEL and user.can_manage_areas)  # type: ignore[union-attr]
        or (area.level == Level.VILLAGE and user.can_edit_registry)  # type: ignore[union-attr]
    ):
        return _page(request, area)
    form = AreaForm(request.POST)
    if form.is_valid():
        try:
            child = do_create_area(
                area,
                actor=Actor.from_request(request),
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request, f"已新建{child.get_level_display()}：{child.name}（{child.code}）。"
            )
            return redirect("area_detail", code=area.code)
    return _page(request, area, form=form)


def _year_of(request: HttpRequest) -> str:
    raw = request.POST.get("year", "")
    return f"?policy_year={raw}#exit" if raw.isdigit() else "#exit"


@login_required
@domain_errors
@require_POST
def village_profile_save(request: HttpRequest, code: str) -> HttpResponse:
    return _save_area_year_record(
        request,
        code,
        VillageProfileForm,
        do_set_village_profile,
        VillageProfile,
        "村情信息已保存。",
        "profile_form",
    )


@login_required
@domain_errors
@require_POST
def county_assessment_save(request: HttpRequest, code: str) -> HttpResponse:
    return _save_area_year_record(
        request,
        code,
        CountyAssessmentForm,
        do_set_county_assessment,
        CountyAssessment,
        "第三方评估数据已保存。",
        "assessment_form",
    )


def _save_area_year_record(
    request: HttpRequest,
    code: str,
    form_class: Any,
    action: Any,
    model: Any,
    saved: str,
    form_name: str,
) -> HttpResponse:
    """Save one of an area's yearly records (村情信息, 三率一度) through its action; on error the
    area page again with the form and its messages."""
    area = scoping.access_area_by_code(request.user, code)  # type: ignore[arg-type]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(
                area,
                actor=Actor.from_request(request),
                year=form.cleaned_data["year"],
                values=form.values(),
                expected_version=form.cleaned_data.get("version"),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            attach_errors(form, error)
        except ConcurrentEditError as error:
            _conflict(request, error, model)
        else:
            messages.success(request, saved)
            return redirect(reverse("area_detail", args=[area.code]) + _year_of(request))
    return _page(request, area, status=400, **{form_name: form})
