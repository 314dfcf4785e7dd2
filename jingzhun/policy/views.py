"""The parameters page: every dated parameter with its history and source, and the
administrator's form for adding a value (through jingzhun.policy.actions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.policy import actions
from jingzhun.policy.forms import ParameterValueForm
from jingzhun.policy.parameters import (
    NATIONAL,
    TITLES,
    UNITS,
    Parameter,
    default_parameters,
    region_name,
)
from jingzhun.registry.forms import attach_errors


@dataclass
class RegionHistory:
    code: str
    name: str
    periods: list[Parameter]


@dataclass
class ParameterHistory:
    name: str
    title: Any
    unit: str
    regions: list[RegionHistory] = field(default_factory=list)


def _histories(today: dt.date) -> tuple[list[ParameterHistory], set[str]]:
    """Every parameter's history per region, and the versions in force ``today``."""
    by_name: dict[str, ParameterHistory] = {
        name: ParameterHistory(name, TITLES.get(name, name), unit) for name, unit in UNITS.items()
    }
    grouped: dict[tuple[str, str], list[Parameter]] = {}
    current: set[str] = set()
    for p in default_parameters().all():
        grouped.setdefault((p.name, p.region), []).append(p)
        if p.in_force(today):
            current.add(p.version)
    # National first, then provinces, cities and counties by code.
    for (name, region), periods in sorted(grouped.items(), key=lambda kv: kv[0][1] != NATIONAL):
        history = by_name.setdefault(name, ParameterHistory(name, name, periods[0].unit))
        history.regions.append(RegionHistory(region, region_name(region), periods))
    for history in by_name.values():
        history.regions.sort(key=lambda r: (r.code != NATIONAL, r.code))
    return list(by_name.values()), current


def _page(request: HttpRequest, form: ParameterValueForm | None, status: int = 200) -> HttpResponse:
    can_add = actions.can_add_parameter_values(request.user)
    if can_add and form is None:
        form = ParameterValueForm()
    histories, current = _histories(timezone.localdate())
    return render(
        request,
        "policy/parameter_list.html",
        {"histories": histories, "current": current, "form": form if can_add else None},
        status=status,
    )


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@login_required
@domain_errors
@require_POST
def parameter_add(request: HttpRequest) -> HttpResponse:
    if not actions.can_add_parameter_values(request.user):
        raise PermissionDenied(_("只有系统管理员可以添加政策参数值。"))
    form = ParameterValueForm(request.POST)
    if form.is_valid():
        try:
            row = actions.do_add_parameter_value(Actor.from_request(request), **form.values())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("已添加%(name)s自%(date)s起的新值，此前的期间已保留。")
                % {"name": TITLES.get(row.name, row.name), "date": row.effective_from},
            )
            return redirect(f"{reverse('parameter_list')}#{row.name}")
    return _page(request, form, status=400)
