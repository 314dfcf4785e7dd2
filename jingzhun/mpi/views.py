"""The multidimensional poverty page (/mpi/): for the user's area (or an area beneath it,
``?area=CODE``), a year and optionally k, the headline H, A, M0, M1, M2, the indicator table
with a bar chart of contributions, and the decomposition by the areas one level below, each
linking to the same page for that area.

Reads the registry's snapshot of that year (the area's own, or one of an area above it, or of
everything), as written by ``jingzhun mpi --year Y`` or ``jingzhun snapshot``; computes
nothing from the live database. Area outside the user's scope: 404, like a missing one."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhun.analytics.backend import (
    SnapshotMismatch,
    check_snapshot,
    open_backend,
    snapshot_directory,
)
from jingzhun.analytics.snapshot import SnapshotInfo
from jingzhun.areas.models import Area, Level
from jingzhun.core.http import domain_errors
from jingzhun.mpi.compute import registry_measures
from jingzhun.mpi.spec import fraction_value, k_error, registry_spec
from jingzhun.quality.context import default_year
from jingzhun.registry import scoping


def find_snapshot(area: Area, year: int) -> SnapshotInfo | None:
    """The snapshot of ``year`` that holds ``area``: its own, then one of an area above it,
    then the snapshot of everything; None when there is none."""
    codes = [area.code] + [a.code for a in reversed(area.ancestors())] + [""]
    for code in codes:
        directory = snapshot_directory(year=year, area_code=code)
        try:
            return check_snapshot(Path(directory), year=year, area_code=code)
        except SnapshotMismatch:
            continue
    return None


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return default_year()


def page_url(area: Area, year: int, k: str) -> str:
    query = {"area": area.code, "year": year} | ({"k": k} if k else {})
    return reverse("mpi:overview") + "?" + urlencode(query)


@login_required
@domain_errors
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    code = request.GET.get("area", "")
    area = scoping.access_area_by_code(user, code) if code else user.area
    year = _year(request)
    spec = registry_spec()
    raw_k = request.GET.get("k", "").strip()
    k = spec.k or 1.0
    error = ""
    if raw_k:
        error = k_error(raw_k) or ""
        if not error:
            k = fraction_value(raw_k) or k
    context: dict[str, Any] = {
        "area": area,
        "year": year,
        "k": k,
        "raw_k": raw_k if not error else "",
        "error": error,
        "spec": spec,
        "ancestors": area.ancestors() if user.has_role else [],
        "result": None,
        "snapshot": None,
    }
    if user.has_role:
        snapshot = find_snapshot(area, year)
        context["snapshot"] = snapshot
        if snapshot is not None:
            context.update(_measures(area, year, k, raw_k if not error else "", snapshot))
    return render(request, "mpi/overview.html", context)


def _measures(area: Area, year: int, k: float, raw_k: str, snapshot: SnapshotInfo) -> dict:
    backend = open_backend(
        "duckdb", year=year, area_code=snapshot.area_code, snapshot=snapshot.directory
    )
    try:
        result = registry_measures(
            backend,
            year,
            registry_spec(),
            k,
            area=area,
            by_area=area.level < Level.VILLAGE,
        )
    finally:
        backend.con.disconnect()  # type: ignore[attr-defined]
    children = {a.code: a for a in Area.objects.filter(code__in=[g.group for g in result.groups])}
    groups = [
        {
            "measure": g,
            "area": children.get(g.group),
            "url": page_url(children[g.group], year, raw_k) if g.group in children else "",
        }
        for g in result.groups
    ]
    chart = {
        "years": [i.name for i in result.indicators],
        "series": [
            {
                "name": _("对M0的贡献（%）"),
                "kind": "bar",
                "data": [
                    None if i.contribution is None else round(i.contribution * 100, 1)
                    for i in result.indicators
                ],
            }
        ],
        "unit": "%",
    }
    return {"result": result, "groups": groups, "chart": chart}


@login_required
@domain_errors
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """The headline of the page for an area and year, as a fragment the dashboards load after
    they are shown (the measures take a second on a county's snapshot): H, A, M0 and the
    largest contributions, linking to the full page."""
    user: Any = request.user
    code = request.GET.get("area", "")
    area = scoping.access_area_by_code(user, code) if code else user.area
    year = _year(request)
    context: dict[str, Any] = {"area": area, "year": year, "result": None, "top": []}
    snapshot = find_snapshot(area, year) if user.has_role else None
    if snapshot is not None:
        spec = registry_spec()
        found = _measures(area, year, spec.k or 1.0, "", snapshot)["result"]
        context["result"] = found
        context["top"] = sorted(
            (i for i in found.indicators if i.contribution),
            key=lambda i: i.contribution,
            reverse=True,
        )[:3]
    context["url"] = page_url(area, year, "")
    return render(request, "mpi/_summary.html", context)
