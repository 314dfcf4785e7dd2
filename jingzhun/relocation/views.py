"""Relocation pages: the relocated households list, the sites (list, page, forms, reports), the
report by year, and a household's relocation page (its record, its members' jobs, its
follow-up support). Thin: read through ``queries``, write through ``actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.roles import RELOCATION_WRITERS, SITE_MANAGERS
from jingzhun.areas.models import Level
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.exports.actions import do_log_download
from jingzhun.registry import scoping
from jingzhun.registry.models import Conditions, Member
from jingzhun.relocation import actions, forms, queries, reports
from jingzhun.relocation.models import Relocation, ResettlementSite

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _writer(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") in RELOCATION_WRITERS


def _site_manager(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") in SITE_MANAGERS


def _xlsx(request: HttpRequest, content: bytes, rows: int, name: str, what: dict) -> HttpResponse:
    """The workbook as a download, logged like every export (the export log and its audit
    entry)."""
    do_log_download(
        actor=_actor(request),
        what="relocation",
        area_code=request.user.area.code,  # type: ignore[union-attr]
        file_format="xlsx",
        masked=True,  # no personal numbers are exported; free text is masked for masked roles
        rows=rows,
        file_name=name,
        details=what,
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the relocated households list ---------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def relocation_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = queries.ListFilters.from_params(request.GET)
    after = request.GET.get("after", "")
    result = queries.page(user, filters, int(after) if after.isdigit() else None)  # type: ignore[arg-type]
    return render(
        request,
        "relocation/list.html",
        {
            "page": result,
            "filters": filters,
            "params": filters.as_params(),
            "sites": list(queries.sites_for(user).values_list("pk", "name")),  # type: ignore[arg-type]
            "modes": forms.c.RelocationMode.choices,
        },
    )


# --- sites ---------------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def site_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    sites = list(queries.sites_for(user))  # type: ignore[arg-type]
    on = actions.today()
    figures = queries.site_figures(user, sites, on)  # type: ignore[arg-type]
    rows = [{"site": s, "f": figures[s.pk]} for s in sites]
    return render(
        request,
        "relocation/site_list.html",
        {"rows": rows, "on": on, "can_manage": _site_manager(request)},
    )


def _site_areas(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    levels = [Level.COUNTY, Level.TOWNSHIP]
    if user.area.level >= Level.TOWNSHIP:  # type: ignore[union-attr]
        levels.append(Level.VILLAGE)
    areas = scoping.areas_for(user).filter(level__in=levels).order_by("code")  # type: ignore[arg-type]
    return [(a.code, a.name) for a in areas[:500]]


def _site_form_page(
    request: HttpRequest, form: forms.SiteForm, site: ResettlementSite | None, status: int = 200
) -> HttpResponse:
    return render(request, "relocation/site_form.html", {"form": form, "site": site}, status=status)


@login_required
@domain_errors
def site_new(request: HttpRequest) -> HttpResponse:
    if not _site_manager(request):
        raise PermissionDenied(_("只有乡镇审核员、县级审批员和管理员可以维护集中安置点。"))
    areas = _site_areas(request)
    form = forms.SiteForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = scoping.access_area_by_code(request.user, data["area"])  # type: ignore[arg-type]
        try:
            site = actions.do_create_site(
                actor=_actor(request),
                area=area,
                name=data["name"],
                resettlement_type=data["resettlement_type"],
                capacity_households=data["capacity_households"],
                capacity_people=data["capacity_people"],
                built_year=data["built_year"],
                services=data["services"],
                managing_unit=data["managing_unit"],
            )
        except ValidationError as error:
            forms.add_errors(form, error)
        else:
            messages.success(request, _("已新建安置点“%s”。") % site.name)
            return redirect("relocation:site", pk=site.pk)
    return _site_form_page(request, form, None, 400 if request.method == "POST" else 200)


@login_required
@domain_errors
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = queries.access_site_by_id(request.user, pk)  # type: ignore[arg-type]
    if not site.area_code.startswith(request.user.scope_prefix):  # type: ignore[union-attr]
        raise NotFound(pk)  # seen from a neighbouring area, edited only by its own
    if not queries.manages_site(request.user, site):  # type: ignore[arg-type]
        raise PermissionDenied(_("只有安置点所在乡镇、县的审核审批人员和管理员可以修改安置点。"))
    initial = {
        "name": site.name,
        "area": site.area_code,
        "resettlement_type": site.resettlement_type,
        "capacity_households": site.capacity_households,
        "capacity_people": site.capacity_people,
        "built_year": site.built_year,
        "services": site.services,
        "managing_unit": site.managing_unit,
        "version": site.version,
    }
    form = forms.SiteForm(
        request.POST or None, initial=initial, areas=[(site.area_code, site.area.name)]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {k: data[k] for k in actions.SITE_FIELDS}
        try:
            actions.do_update_site(
                site, actor=_actor(request), expected_version=data["version"] or 0, **values
            )
        except ValidationError as error:
            forms.add_errors(form, error)
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已保存安置点。"))
            return redirect("relocation:site", pk=site.pk)
    return _site_form_page(request, form, site, 400 if request.method == "POST" else 200)


@login_required
@require_GET
@domain_errors
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    site = queries.access_site_by_id(user, pk)  # type: ignore[arg-type]
    on = actions.today()
    figures = queries.site_figures(user, [site], on)[site.pk]  # type: ignore[arg-type]
    low, high = queries.working_ages(site.area_code, on)
    return render(
        request,
        "relocation/site_detail.html",
        {
            "site": site,
            "f": figures,
            "on": on,
            "ages": (low, high),
            "without": queries.households_without_employment(
                user,  # type: ignore[arg-type]
                figures.without_employment,
                on,
            ),
            "can_manage": queries.manages_site(user, site),  # type: ignore[arg-type]
        },
    )


@login_required
@require_GET
@domain_errors
def site_export(request: HttpRequest, pk: int) -> HttpResponse:
    site = queries.access_site_by_id(request.user, pk)  # type: ignore[arg-type]
    on = actions.today()
    content, rows = reports.site_workbook(request.user, [site], on)  # type: ignore[arg-type]
    name = f"relocation-site-{site.pk}-{on:%Y%m%d}.xlsx"
    return _xlsx(request, content, rows, name, {"report": "site", "site": site.pk})


@login_required
@require_GET
@domain_errors
def sites_export(request: HttpRequest) -> HttpResponse:
    sites = list(queries.sites_for(request.user))  # type: ignore[arg-type]
    on = actions.today()
    content, rows = reports.site_workbook(request.user, sites, on)  # type: ignore[arg-type]
    return _xlsx(request, content, rows, f"relocation-sites-{on:%Y%m%d}.xlsx", {"report": "sites"})


# --- the report by year --------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "relocation/report.html",
        {
            "figures": queries.by_year(user),  # type: ignore[arg-type]
            "mismatches": queries.registry_mismatches(user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_GET
@domain_errors
def report_export(request: HttpRequest) -> HttpResponse:
    on = actions.today()
    content, rows = reports.year_workbook(request.user, on)  # type: ignore[arg-type]
    return _xlsx(request, content, rows, f"relocation-years-{on:%Y%m%d}.xlsx", {"report": "years"})


# --- a household's relocation --------------------------------------------------------------------


def _site_choices(request: HttpRequest, household: Any) -> list[tuple[str, str]]:
    county = household.village_code[:6]
    return [
        (str(pk), name)
        for pk, name in queries.sites_for(request.user)  # type: ignore[arg-type]
        .filter(area_code__gte=county, area_code__lt=county + ":")
        .values_list("pk", "name")
    ]


def _record_initial(relocation: Relocation | None) -> dict[str, Any]:
    if relocation is None:
        return {}
    return {
        "moved_on": relocation.moved_on,
        "mode": relocation.mode,
        "site": str(relocation.site_id or ""),
        "resettlement_type": relocation.resettlement_type,
        "people": relocation.people,
        "housing_area_m2": relocation.housing_area_m2,
        "whole_village": relocation.whole_village,
        "old_house_demolished": relocation.old_house_demolished,
        "demolished_on": relocation.demolished_on,
        "note": relocation.note,
        "version": relocation.version,
    }


def _household_page(
    request: HttpRequest,
    household: Any,
    relocation: Relocation | None,
    *,
    record_form: forms.RelocationForm | None = None,
    job_form: tuple[int, forms.JobForm] | None = None,
    measure_form: forms.MeasureForm | None = None,
    status: int = 200,
) -> HttpResponse:
    on = actions.today()
    members = list(
        Member.objects.filter(household_id=household.pk, is_deleted=False).order_by("id")
    )
    jobs: dict[int, Any] = {}
    measures: list[Any] = []
    mismatched: list[int] = []
    if relocation is not None:
        jobs = {j.member_id: j for j in relocation.jobs.all()}
        measures = list(relocation.measures.all())
        mismatched = queries.disagreements(
            relocation, list(Conditions.objects.filter(household_id=household.pk))
        )
    low, high = queries.working_ages(household.village_code, on)
    rows = []
    for m in members:
        age = m.age_on(on)
        job = jobs.get(m.pk)
        if job_form is not None and job_form[0] == m.pk:
            form = job_form[1]
        else:
            form = forms.JobForm(
                initial={
                    "member": m.pk,
                    "employed": "1" if job is None or job.employed else "0",
                    "place": job.place if job else "",
                    "channel": job.channel if job else "",
                    "employer": job.employer if job else "",
                    "since": job.since if job else None,
                    "version": job.version if job else None,
                },
                auto_id=f"id_job{m.pk}_%s",
            )
        rows.append(
            {
                "member": m,
                "age": age,
                "working_age": low <= age <= high,
                "job": job,
                "form": form,
            }
        )
    writer = _writer(request)
    # A job posted for someone who is not a member of the household has no row to show on.
    stray = (
        [m for ms in job_form[1].errors.values() for m in ms]
        if job_form is not None and job_form[0] not in {m.pk for m in members}
        else []
    )
    return render(
        request,
        "relocation/household.html",
        {
            "household": household,
            "relocation": relocation,
            "record_form": record_form
            or forms.RelocationForm(
                initial=_record_initial(relocation), sites=_site_choices(request, household)
            ),
            "rows": rows,
            "ages": (low, high),
            "measures": measures,
            "measure_form": measure_form or forms.MeasureForm(initial={"on": on}),
            "mismatched": mismatched,
            "job_errors": stray,
            "can_write": writer,
        },
        status=status,
    )


@login_required
@domain_errors
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    household, relocation = queries.relocation_of(request.user, household_id)  # type: ignore[arg-type]
    if request.method != "POST":
        return _household_page(request, household, relocation)
    if not _writer(request):
        raise PermissionDenied(_("只有村、乡、县的经办人员可以录入易地搬迁信息。"))
    form = forms.RelocationForm(request.POST, sites=_site_choices(request, household))
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            if relocation is None:
                actions.do_record_relocation(actor=_actor(request), household=household, **data)
            else:
                actions.do_update_relocation(
                    relocation, actor=_actor(request), expected_version=version or 0, **data
                )
        except ValidationError as error:
            forms.add_errors(form, error)
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已保存搬迁记录，并同步到建档立卡的生产生活条件。"))
            return redirect("relocation:household", household_id=household.pk)
    return _household_page(request, household, relocation, record_form=form, status=400)


def _relocation_for_write(request: HttpRequest, household_id: int) -> tuple[Any, Relocation]:
    household, relocation = queries.relocation_of(request.user, household_id)  # type: ignore[arg-type]
    if not _writer(request):
        raise PermissionDenied(_("只有村、乡、县的经办人员可以录入易地搬迁信息。"))
    if relocation is None:
        raise NotFound(household_id)
    return household, relocation


@login_required
@require_POST
@domain_errors
def job(request: HttpRequest, household_id: int) -> HttpResponse:
    household, relocation = _relocation_for_write(request, household_id)
    form = forms.JobForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_set_member_job(
                relocation,
                actor=_actor(request),
                member=data["member"],
                employed=data["employed"] == "1",
                place=data["place"],
                channel=data["channel"],
                employer=data["employer"],
                since=data["since"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            forms.add_errors(form, error)
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已保存就业情况。"))
            return redirect("relocation:household", household_id=household.pk)
    posted = request.POST.get("member", "")
    return _household_page(
        request,
        household,
        relocation,
        job_form=(int(posted) if posted.isdigit() else 0, form),
        status=400,
    )


@login_required
@require_POST
@domain_errors
def measure(request: HttpRequest, household_id: int) -> HttpResponse:
    household, relocation = _relocation_for_write(request, household_id)
    form = forms.MeasureForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_followup_measure(relocation, actor=_actor(request), **form.cleaned_data)
        except ValidationError as error:
            forms.add_errors(form, error)
        else:
            messages.success(request, _("已添加后续扶持措施。"))
            return redirect("relocation:household", household_id=household.pk)
    return _household_page(request, household, relocation, measure_form=form, status=400)


@login_required
@require_POST
@domain_errors
def sync(request: HttpRequest, household_id: int) -> HttpResponse:
    household, relocation = _relocation_for_write(request, household_id)
    changed = actions.do_sync_registry(relocation, actor=_actor(request))
    messages.success(
        request, _("已按搬迁记录更新建档立卡生产生活条件%(n)s个年度。") % {"n": changed}
    )
    return redirect("relocation:household", household_id=household.pk)


def household_card(household_id: int, conditions: list[Conditions]) -> dict[str, Any] | None:
    """The household page's card: the record (one query) and the registry years that disagree
    with it (from the conditions the page has already loaded)."""
    relocation = queries.card(household_id)
    if relocation is None:
        return None
    return {
        "relocation": relocation,
        "mismatched": queries.disagreements(relocation, conditions),
        "now": timezone.localdate(),
    }
