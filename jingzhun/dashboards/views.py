"""The dashboard (工作台) of an area: the user's own, or any area of their scope one click down.
Thin: the figures come from :mod:`jingzhun.dashboards.figures`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhun.areas.models import Level
from jingzhun.core.actions import NotFound
from jingzhun.core.http import domain_errors
from jingzhun.core.idnumber import local_today
from jingzhun.dashboards.figures import MAP_FIGURES, children_map, dashboard
from jingzhun.quality.context import default_year
from jingzhun.registry import scoping

YEARS = (2014, 2100)


def _year(raw: str, default: int) -> int:
    return int(raw) if raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1] else default


@login_required
@require_GET
@domain_errors
def area_dashboard(request: HttpRequest, code: str = "") -> HttpResponse:
    user = request.user
    if not getattr(user, "has_role", False):
        raise NotFound(code)
    area = scoping.access_area_by_code(user, code) if code else user.area  # type: ignore[arg-type, union-attr]
    if area.level > Level.VILLAGE:
        raise NotFound(code)
    today = local_today()
    chosen = request.GET.get("year", "")
    year = _year(chosen, today.year)
    # The multidimensional index reads a year whose incomes are in: last year unless one is
    # chosen.
    mpi_year = year if chosen else default_year(today)
    board = dashboard(user, area, year, today)  # type: ignore[arg-type]
    figure = request.GET.get("map", "")
    figure = figure if figure in MAP_FIGURES else "at_risk"
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "board": board,
            "charts": board.charts(),
            "ancestors": [a for a in area.ancestors() if a.code.startswith(user.scope_prefix)],  # type: ignore[union-attr]
            "years": range(today.year, today.year - 6, -1),
            "mpi_year": mpi_year,
            "map": children_map(board, figure) if board.children else None,
            "map_figure": figure,
            "map_figures": [(key, _(label)) for key, (label, _v, _w) in MAP_FIGURES.items()],
        },
    )
