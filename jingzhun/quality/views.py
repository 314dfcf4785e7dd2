"""Quality pages: counts per check and area, drill-down, village scores, trend, runs, exemptions.

Scoped like everything else: a user sees the latest run that covers their area, restricted to
the villages under their area; records are read through jingzhun.registry.scoping. A village
check's findings belong to a village (no household): the drill-down lists the villages and links
to each village's household list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level, code_range
from jingzhun.core import jobs
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors
from jingzhun.core.links import households_url
from jingzhun.quality import actions, queries
from jingzhun.quality.checks import CATALOGUE, catalogue
from jingzhun.quality.context import default_year
from jingzhun.quality.models import (
    Exemption,
    QualityCount,
    QualityFinding,
    QualityRun,
    RunStatus,
    VillageScore,
)
from jingzhun.quality.tasks import run_quality
from jingzhun.registry import scoping

PAGE = 100


def _in_scope(user: Any) -> dict[str, str]:
    low, high = code_range(user.scope_prefix)
    return {"village_code__gte": low, "village_code__lt": high}


@login_required
def quality_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    runs = queries.latest_runs(user)
    run = runs[0] if runs else None
    scope = _in_scope(user)
    per_check: list[dict[str, Any]] = []
    per_area: list[dict[str, Any]] = []
    scores: list[Any] = []
    summary: dict[str, Any] = {}
    if run is not None:
        sums = {
            row["check_code"]: row
            for row in QualityCount.objects.filter(run__in=runs, **scope)
            .values("check_code")
            .annotate(n=Sum("findings"), x=Sum("exempted"))
        }
        # Households per check (a household may have several findings of one check): the
        # number that the household list opened from this row shows as its total.
        households = dict(
            QualityFinding.objects.filter(run__in=runs, household_id__isnull=False, **scope)
            .values("check_code")
            .annotate(h=Count("household_id", distinct=True))
            .values_list("check_code", "h")
        )
        for check in catalogue():
            row = sums.get(check.code, {})
            per_check.append(
                {
                    "check": check,
                    "n": row.get("n") or 0,
                    "x": row.get("x") or 0,
                    "households": households.get(check.code, 0),
                    "url": households_url(check=check.code),
                }
            )
        per_area = _per_area(user, runs, scope)
        scores = list(
            VillageScore.objects.filter(run__in=runs, **scope).order_by("score", "village_code")[
                :50
            ]
        )
        # The user's area only (a village cadre's, not the county run's totals).
        summary = VillageScore.objects.filter(run__in=runs, **scope).aggregate(
            households=Sum("households")
        ) | {
            "findings": sum(r["n"] or 0 for r in sums.values()),
            "exempted": sum(r["x"] or 0 for r in sums.values()),
            "year": run.year,
            "runs": runs,
        }
        names = dict(
            Area.objects.filter(code__in=[s.village_code for s in scores]).values_list(
                "code", "name"
            )
        )
        for s in scores:
            s.name = names.get(s.village_code, s.village_code)
            s.url = households_url(area=s.village_code)
            s.errors_url = households_url(area=s.village_code, check=queries.ERRORS)
    trend_runs = list(queries.runs_for(user).filter(status=RunStatus.DONE).order_by("-id")[:12])
    totals = dict(
        QualityCount.objects.filter(run__in=trend_runs, **scope)
        .values("run")
        .annotate(n=Sum("findings"))
        .values_list("run", "n")
    )
    trend = [{"run": r, "findings": totals.get(r.pk, 0)} for r in reversed(trend_runs)]
    recent = list(queries.runs_for(user).order_by("-id")[:5])
    return render(
        request,
        "quality/home.html",
        {
            "run": run,
            "summary": summary,
            "per_check": per_check,
            "per_area": per_area,
            "scores": scores,
            "trend": trend,
            "recent": recent,
            "year": default_year(),
            "can_run": user.role in actions.QUALITY_RUNNERS,
        },
    )


def _per_area(user: Any, runs: list[QualityRun], scope: dict[str, str]) -> list[dict[str, Any]]:
    """Findings and households per child area of the user's area (one level down)."""
    level = min(user.area.level + 1, Level.VILLAGE)
    digits = SCOPE_DIGITS[Level(level)]
    findings: dict[str, int] = {}
    for village, n in (
        QualityCount.objects.filter(run__in=runs, **scope)
        .values("village_code")
        .annotate(n=Sum("findings"))
        .values_list("village_code", "n")
    ):
        findings[village[:digits]] = findings.get(village[:digits], 0) + (n or 0)
    households: dict[str, int] = {}
    errors: dict[str, int] = {}
    for s in VillageScore.objects.filter(run__in=runs, **scope).values_list(
        "village_code", "households", "households_with_error"
    ):
        key = s[0][:digits]
        households[key] = households.get(key, 0) + s[1]
        errors[key] = errors.get(key, 0) + s[2]
    areas = scoping.areas_for(user).filter(level=level).order_by("code")
    rows = []
    for area in areas:
        key = area.scope_prefix
        if key not in households and key not in findings:
            continue
        total = households.get(key, 0)
        rows.append(
            {
                "area": area,
                "url": households_url(area=area.code),
                "errors_url": households_url(area=area.code, check=queries.ERRORS),
                "with_error": errors.get(key, 0),
                "findings": findings.get(key, 0),
                "households": total,
                "score": actions.village_score(total, errors.get(key, 0)),
            }
        )
    return rows


@login_required
def quality_catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/catalogue.html", {"checks": catalogue()})


@login_required
def quality_check(request: HttpRequest, code: str) -> HttpResponse:
    check = CATALOGUE.get(code)
    if check is None:
        raise Http404(_("没有该校验规则。"))
    user = request.user
    runs = queries.latest_runs(user)
    run = runs[0] if runs else None
    rows: list[dict[str, Any]] = []
    next_after = None
    if run is not None:
        after = int(request.GET.get("after") or 0)
        qs = QualityFinding.objects.filter(
            run__in=runs, check_code=code, id__gt=after, **_in_scope(user)
        )
        village = request.GET.get("village") or ""
        if village:
            low, high = code_range(village)
            qs = qs.filter(village_code__gte=low, village_code__lt=high)
        findings = list(qs.order_by("id")[: PAGE + 1])
        if len(findings) > PAGE:
            findings = findings[:PAGE]
            next_after = findings[-1].id
        if check.per_village:
            rows = _village_rows(user, findings)
            findings = []
        household_ids = {f.household_id for f in findings}
        member_ids = {f.member_id for f in findings if f.member_id}
        households = {
            h["id"]: h
            for h in scoping.households_for(user)
            .filter(id__in=household_ids)
            .values("id", "number", "head_name", "village_code")
        }
        members = {
            m["id"]: m
            for m in scoping.members_for(user).filter(id__in=member_ids).values("id", "name")
        }
        exempt = set(
            Exemption.objects.filter(check_code=code, household_id__in=household_ids).values_list(
                "household_id", "member_id"
            )
        )
        for f in findings:
            house = households.get(f.household_id)
            if house is None:  # deleted since the run: nothing to fix
                continue
            rows.append(
                {
                    "finding": f,
                    "household": house,
                    "member": members.get(f.member_id) if f.member_id else None,
                    "exempted": (f.household_id, f.member_id) in exempt,
                }
            )
    return render(
        request,
        "quality/check.html",
        {
            "check": check,
            "run": run,
            "rows": rows,
            "next_after": next_after,
            "can_exempt": user.can_edit_registry,
        },
    )


def _village_rows(user: Any, findings: list[QualityFinding]) -> list[dict[str, Any]]:
    """Village findings with the village's name (one query); villages out of scope or gone
    since the run are left out."""
    villages = {
        a.code: a
        for a in scoping.areas_for(user).filter(
            code__in={f.village_code for f in findings}, level=Level.VILLAGE
        )
    }
    return [
        {"finding": f, "village": villages[f.village_code]}
        for f in findings
        if f.village_code in villages
    ]


@login_required
@domain_errors
@require_POST
def quality_run_start(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.POST.get("year") or default_year())
    except ValueError:
        messages.error(request, _("年度应为四位数字，如2025。"))
        return redirect("quality_home")
    run = actions.do_queue_quality_run(
        actor=Actor.from_request(request),
        area_code=request.user.area.code,
        year=year,
        backend="duckdb",
    )
    run_quality.enqueue(run.pk)
    messages.success(request, _("已开始数据质量检查，完成后本页自动显示结果。"))
    return redirect("quality_home")


@login_required
def quality_run_status(request: HttpRequest, run_id: int) -> HttpResponse:
    run = queries.runs_for(request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404(_("未找到该记录。"))
    return render(request, "quality/_run_status.html", {"r": jobs.settled(run)})


@login_required
@domain_errors
@require_http_methods(["POST"])
def quality_exempt(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("check_code", "")
    try:
        actions.do_exempt_finding(
            actor=Actor.from_request(request),
            check_code=code,
            household_id=request.POST.get("household_id"),
            member_id=request.POST.get("member_id") or None,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        for field_errors in error.message_dict.values():
            for message in field_errors:
                messages.error(request, message)
    else:
        messages.success(request, _("已确认无误，下次检查将不再计入该问题。"))
    target = reverse("quality_check", args=[code]) if code in CATALOGUE else reverse("quality_home")
    return redirect(target)
