"""Standard report pages: the list of reports with the area and period to draw, the report as a
table, and its xlsx and PDF (logged like every download). Thin: :mod:`build` computes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingzhun.areas.models import Level
from jingzhun.core.actions import NotFound
from jingzhun.core.http import domain_errors
from jingzhun.core.idnumber import local_today
from jingzhun.exports.reports import report_download
from jingzhun.registry import scoping
from jingzhun.reporting import periods
from jingzhun.reporting.build import build
from jingzhun.reporting.definitions import definitions

AREA_CHOICES = 300


def _areas(user):  # type: ignore[no-untyped-def]
    return scoping.areas_for(user).filter(level__lte=Level.VILLAGE).order_by("code")[:AREA_CHOICES]


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    today = local_today()
    return render(
        request,
        "reporting/list.html",
        {
            "definitions": [
                (d, periods.current(d.period, today).key) for d in definitions().values()
            ],
            "areas": _areas(request.user) if getattr(request.user, "has_role", False) else [],
        },
    )


@login_required
@require_GET
@domain_errors
def report_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    definition = definitions().get(code)
    if definition is None or not getattr(user, "has_role", False):
        raise Http404
    raw_area = request.GET.get("area", "")
    area = scoping.access_area_by_code(user, raw_area) if raw_area else user.area  # type: ignore[arg-type, union-attr]
    if area.level > Level.VILLAGE:
        raise NotFound(raw_area)
    error = ""
    raw_period = request.GET.get("period", "")
    try:
        period = (
            periods.parse(definition.period, raw_period)
            if raw_period
            else periods.current(definition.period, local_today())
        )
    except periods.PeriodError as refused:
        error = str(refused)
        period = periods.current(definition.period, local_today())
    report = build(user, definition, area, period)  # type: ignore[arg-type]
    file_format = request.GET.get("format", "")
    if file_format in ("xlsx", "pdf") and not error:
        return report_download(
            request,
            [report],
            file_stem=f"{definition.code}-{period.key}",
            area_code=area.code,
            details={"period": period.key},
            file_format=file_format,
        )
    return render(
        request,
        "reporting/detail.html",
        {
            "definition": definition,
            "report": report,
            "area": area,
            "period": period,
            "error": error,
            "areas": _areas(user),
        },
        status=400 if error else 200,
    )
