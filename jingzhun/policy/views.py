"""The parameters page: every dated parameter with its history and source, and the
administrator's form for adding a value (through jingzhun.policy.actions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.areas.models import SCOPE_DIGITS, Level
from jingzhun.core import jobs
from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.core.links import households_url
from jingzhun.policy import actions, runs, whatif
from jingzhun.policy.criteria import STATUS_LABELS
from jingzhun.policy.decisions import DECISIONS
from jingzhun.policy.features import PARAMETER_LABELS
from jingzhun.policy.forms import ParameterValueForm
from jingzhun.policy.models import WhatIfRun
from jingzhun.policy.parameters import (
    NATIONAL,
    TITLES,
    UNITS,
    Parameter,
    default_parameters,
    region_name,
)
from jingzhun.policy.tasks import STORED_AFFECTED, run_evaluation, run_whatif
from jingzhun.policy.whatif import OVERRIDABLE
from jingzhun.quality.context import default_year
from jingzhun.registry import scoping
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


@dataclass
class InForce:
    """One row of the "in force for your area" table: the value a rule uses today for the
    user's area (county, else province, else national), with the region it comes from."""

    name: str
    title: Any
    unit: str
    value: Parameter | None  # None: no value in force today for this area
    region_name: str  # "" for national (the template says 全国) or an unknown code


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


def in_force_for(area_code: str, today: dt.date) -> list[InForce]:
    """For every parameter, the value in force on ``today`` for ``area_code`` as the rules
    resolve it (county → city → province → national), in the order of :data:`UNITS`."""
    params = default_parameters()
    rows = []
    for name, unit in UNITS.items():
        p = params.value_or_none(name, on=today, area_code=area_code)
        where = "" if p is None or p.region == NATIONAL else region_name(p.region)
        rows.append(InForce(name, TITLES.get(name, name), unit, p, where))
    return rows


def _page(request: HttpRequest, form: ParameterValueForm | None, status: int = 200) -> HttpResponse:
    can_add = actions.can_add_parameter_values(request.user)
    if can_add and form is None:
        form = ParameterValueForm()
    today = timezone.localdate()
    histories, current = _histories(today)
    area = request.user.area
    return render(
        request,
        "policy/parameter_list.html",
        {
            "histories": histories,
            "current": current,
            "in_force": in_force_for(area.code, today),
            "area": area,
            "today": today,
            "national": NATIONAL,
            "opened": request.GET.get("history", ""),
            "form": form if can_add else None,
        },
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
            return redirect(f"{reverse('parameter_list')}?history={row.name}#{row.name}")
    return _page(request, form, status=400)


# --- stored evaluation runs ---------------------------------------------------------------------


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """Stored runs covering or within the user's area, counts over the user's villages only;
    the selected run (default: the latest) by child area of the user's area."""
    user = request.user
    listed = list(runs.runs_for(user).order_by("-id")[:50])
    totals = runs.counts_in_scope(user, listed)
    selected = None
    if request.GET.get("run"):
        selected = next((r for r in listed if str(r.pk) == request.GET["run"]), None)
        if selected is None:
            raise Http404(_("未找到该记录。"))
    elif listed:
        selected = listed[0]
    level = min(user.area.level + 1, Level.VILLAGE)
    digits = SCOPE_DIGITS[Level(level)]
    by_area: list[dict[str, Any]] = []
    if selected is not None:
        counts = runs.counts_by_area(user, selected, digits)
        names = dict(
            scoping.areas_for(user)
            .filter(code__in=[code.ljust(12, "0")[:12] for code in counts] + list(counts))
            .values_list("code", "name")
        )
        for code, per in counts.items():
            full = code if code in names else code.ljust(12, "0")[:12]
            name = names.get(full) or code
            area = full if full in names else ""
            by_area.append({"code": code, "name": name, "cells": _cells(per, selected.pk, area)})
    rows = [{"run": r, "cells": _cells(totals.get(r.pk, {}), r.pk)} for r in listed]
    recent_jobs = [jobs.settled(j) for j in runs.evaluation_jobs_for(user).order_by("-id")[:5]]
    return render(
        request,
        "policy/evaluation_list.html",
        {
            "rows": rows,
            "jobs": recent_jobs,
            "working": any(j.status in ("queued", "running") for j in recent_jobs),
            "can_start": user.role in runs.EVALUATION_STARTERS,
            "year": default_year(),
            "selected": selected,
            "by_area": by_area,
            "decisions": [_(DECISIONS[d].title) for d in DECISIONS] + [_("在监测范围内未纳入监测")],
            "statuses": [_(label) for label in STATUS_LABELS.values()],
        },
    )


@login_required
@domain_errors
@require_POST
def evaluation_start(request: HttpRequest) -> HttpResponse:
    """Start the batch evaluation of the user's area (or an area under it) for a year, as a
    background job; the list page shows its progress and, when done, the stored run."""
    user = request.user
    if user.role not in runs.EVALUATION_STARTERS:
        raise PermissionDenied(_("只有乡镇及以上的人员可以发起批量判定。"))
    raw_year = request.POST.get("year") or str(default_year())
    if not (raw_year.isdigit() and 2013 <= int(raw_year) <= 2100):
        messages.error(request, _("年度应为四位数字，如2025。"))
        return redirect("evaluation_list")
    area = scoping.access_area_by_code(user, request.POST.get("area") or user.area.code)
    job = runs.do_queue_evaluation(Actor.from_request(request), area=area, year=int(raw_year))
    run_evaluation.enqueue(job.pk)
    messages.success(
        request,
        _("已发起%(area)s %(year)s年度的批量判定，完成后结果列在下方。")
        % {"area": area.name, "year": raw_year},
    )
    return redirect(f"{reverse('evaluation_list')}?job={job.pk}")


def _cells(
    per: dict[str, dict[str, int]], run_id: int, area: str = ""
) -> list[list[dict[str, Any]]]:
    """[[{n, url} per status] per decision], in DECISIONS and STATUS_LABELS order, then the
    households in the range but not monitored; each url opens exactly those households."""
    cells = [
        [
            {
                "n": per.get(d, {}).get(s, 0),
                "url": households_url(run=run_id, decision=d, status=s, area=area),
            }
            for s in STATUS_LABELS
        ]
        for d in DECISIONS
    ]
    unmonitored = sum(per.get(runs.UNMONITORED, {}).values())
    url = households_url(run=run_id, decision=runs.UNMONITORED, area=area)
    return [*cells, [{"n": unmonitored, "url": url}]]


# --- what-if --------------------------------------------------------------------------------------

OVERRIDE_ROWS = 3


class WhatIfForm(forms.Form):
    """Year, area and up to three overrides (parameter, region, value); the engine checks them."""

    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    area = forms.CharField(
        label=gettext_lazy("模拟范围（区划代码）"),
        max_length=15,
        help_text=gettext_lazy("默认为您所辖区域"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(n, f"{_(PARAMETER_LABELS[n])}（{n}）") for n in OVERRIDABLE]
        for i in range(1, OVERRIDE_ROWS + 1):
            self.fields[f"name_{i}"] = forms.ChoiceField(
                label=gettext_lazy("参数"), choices=choices, required=False
            )
            self.fields[f"region_{i}"] = forms.CharField(
                label=gettext_lazy("适用区划代码"),
                max_length=6,
                required=False,
                help_text=gettext_lazy("不填则为模拟范围所在县（或更高一级的模拟范围本身）"),
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=gettext_lazy("假设的数值"), max_length=40, required=False
            )

    def rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"name_{i}"], self[f"region_{i}"], self[f"value_{i}"]]
            for i in range(1, OVERRIDE_ROWS + 1)
        ]

    def overrides(self, area_code: str) -> list[whatif.Override]:
        found: list[whatif.Override] = []
        for i in range(1, OVERRIDE_ROWS + 1):
            name = self.cleaned_data.get(f"name_{i}") or ""
            value = (self.cleaned_data.get(f"value_{i}") or "").strip()
            if not name and not value:
                continue
            if not value:
                self.add_error(f"value_{i}", _("请填写假设的数值。"))
                continue
            try:
                found.append(
                    whatif.check_override(
                        name, self.cleaned_data.get(f"region_{i}") or "", value, area_code=area_code
                    )
                )
            except whatif.OverrideError as error:
                self.add_error(
                    f"value_{i}" if name in whatif.OVERRIDABLE else f"name_{i}", str(error)
                )
        if not found and not self.errors:
            self.add_error("name_1", _("请至少填写一个假设的参数值。"))
        return found


def sync_limit() -> int:
    """Up to this many households in scope the page answers at once (a snapshot and two
    evaluations take a few seconds); above, the background worker does it with a progress page."""
    return int(getattr(settings, "JINGZHUN_WHATIF_SYNC_MAX", 20_000))


def _affected_rows(user: Any, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The listed affected households as the user may see them: read again through the registry
    scope (a household out of scope or deleted since drops out), 户主姓名 only for roles that see
    personal data; never ID numbers."""
    listed = summary["affected"]
    ids = [row["household_id"] for row in listed]
    found = {
        row["id"]: row
        for row in scoping.households_for(user)
        .filter(pk__in=ids)
        .values("id", "number", "head_name", "village__name")
    }
    rows = []
    for row in listed:
        h = found.get(row["household_id"])
        if h is None:
            continue
        moves = [
            {
                "title": whatif.DECISION_TITLES[d],
                "before": STATUS_LABELS[row[f"{d}_before"]],
                "after": STATUS_LABELS[row[f"{d}_after"]],
            }
            for d in whatif.TRACKED
            if row[f"{d}_before"] != row[f"{d}_after"]
        ]
        rows.append(
            {
                "id": h["id"],
                "number": h["number"],
                "village": h["village__name"],
                "head_name": h["head_name"] if user.sees_personal_numbers else "",
                "moves": moves,
            }
        )
    return rows


def _result_context(user: Any, run: WhatIfRun) -> dict[str, Any]:
    """The result page's tables. With the run's file of affected households, every count of
    households moving is a link to exactly those households in the household list."""
    summary: dict[str, Any] = run.result or {}
    codes = {code for level in summary["areas"].values() for code in level}
    names = dict(
        scoping.areas_for(user)
        .filter(code__in=[c.ljust(12, "0")[:12] for c in codes] + list(codes))
        .values_list("code", "name")
    )
    linked = bool(run.affected_file)

    def link(decision: str, move: str, area_code: str) -> str:
        if not linked:
            return ""
        return households_url(whatif=run.pk, decision=decision, move=move, area=area_code)

    def cell(decision: str, counts: dict[str, int], area_code: str) -> dict[str, Any]:
        return {
            **counts,
            **{f"{m}_url": link(decision, m, area_code) for m in runs.MOVES if counts.get(m)},
        }

    areas = []
    for level, _digits in whatif.LEVELS:
        for code, per in summary["areas"][level].items():
            found = code if code in names else code.ljust(12, "0")[:12]
            areas.append(
                {
                    "level": level,
                    "code": code,
                    "name": names.get(found) or code,
                    # An area the user cannot see (outside the scope) has no link.
                    "cells": [
                        cell(d, per[d], found) if found in names else per[d] for d in whatif.TRACKED
                    ],
                }
            )
    return {
        "summary": summary,
        "overrides": [whatif.Override.from_dict(o).label for o in summary["overrides"]],
        "totals": [
            {"title": whatif.DECISION_TITLES[d], **cell(d, summary["totals"][d], run.area_code)}
            for d in whatif.TRACKED
        ],
        "titles": [whatif.DECISION_TITLES[d] for d in whatif.TRACKED],
        "areas": areas,
        "affected": _affected_rows(user, summary),
        "show_names": user.sees_personal_numbers,
        "all_affected_url": households_url(whatif=run.pk, area=run.area_code) if linked else "",
    }


@login_required
@domain_errors
def whatif_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {}
    if request.method != "POST":
        form = WhatIfForm(initial={"year": default_year(), "area": user.area.code})
        return render(request, "policy/whatif.html", {"form": form})
    form = WhatIfForm(request.POST)
    status = 400
    if form.is_valid():
        area = scoping.areas_for(user).filter(code=form.cleaned_data["area"].strip()).first()
        if area is None:
            form.add_error("area", _("区划代码不存在或不在您的管辖范围内。"))
        else:
            overrides = form.overrides(area.code)
            if not form.errors:
                year = form.cleaned_data["year"]
                households = scoping.households_for(user, within=area.scope_prefix).count()
                if households > sync_limit():
                    run = runs.do_queue_whatif(
                        Actor.from_request(request),
                        area=area,
                        year=year,
                        overrides=[o.as_dict() for o in overrides],
                    )
                    run_whatif.enqueue(run.pk)
                    return redirect("whatif_run", run_id=run.pk)
                result = whatif.simulate_area(
                    year, overrides, area_code=area.code, area_prefix=area.scope_prefix
                )
                run = runs.do_store_whatif(
                    Actor.from_request(request),
                    area=area,
                    year=year,
                    overrides=[o.as_dict() for o in overrides],
                    summary=result.summary(STORED_AFFECTED),
                    affected=result.affected,
                )
                context = {"run": run, **_result_context(user, run)}
                status = 200
    return render(request, "policy/whatif.html", {"form": form, **context}, status=status)


@login_required
def whatif_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = runs.whatif_runs_for(request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404(_("未找到该记录。"))
    context: dict[str, Any] = {"run": jobs.settled(run)}
    if run.status == WhatIfRun.Status.DONE and run.result:
        context |= _result_context(request.user, run)
    return render(request, "policy/whatif_run.html", context)
