"""Project asset pages: the list, an asset's page and the forms it posts (status, income and
its distribution, disposal request and decision), the report with its xlsx."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from jingzhun.accounts.roles import ASSET_WRITERS, DISPOSAL_APPROVERS
from jingzhun.areas.models import Area, Level
from jingzhun.assets import actions, queries
from jingzhun.assets import choices as ac
from jingzhun.assets.models import Asset
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.projects.queries import projects_for
from jingzhun.projects.spreadsheets import Book
from jingzhun.projects.views import _xlsx
from jingzhun.registry import scoping

PAGE = 50
LINES = 8


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _role(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_safe
def asset_list(request: HttpRequest) -> HttpResponse:
    qs = queries.assets_for(request.user)  # type: ignore[arg-type]
    filters = {k: request.GET.get(k, "") for k in ("asset_class", "kind", "status")}
    if filters["asset_class"] in ac.AssetClass.values:
        qs = qs.filter(asset_class=filters["asset_class"])
    if filters["kind"] in ac.AssetKind.values:
        qs = qs.filter(kind=filters["kind"])
    if filters["status"] in ac.AssetStatus.values:
        qs = qs.filter(status=filters["status"])
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    rows = list(qs.select_related("area", "project").order_by("-id")[: PAGE + 1])
    context = {
        "rows": rows[:PAGE],
        "next_before": rows[PAGE - 1].pk if len(rows) > PAGE else None,
        "filters": filters,
        "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
        "classes": ac.AssetClass.choices,
        "kinds": ac.AssetKind.choices,
        "statuses": ac.AssetStatus.choices,
        "can_create": _role(request) in ASSET_WRITERS,
    }
    return render(request, "assets/asset_list.html", context)


@login_required
@domain_errors
def asset_new(request: HttpRequest) -> HttpResponse:
    if _role(request) not in ASSET_WRITERS:
        raise PermissionDenied("项目资产由村、乡、县经办人员登记。")
    user = request.user
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.POST.dict()
        area = scoping.areas_for(user).filter(code=values.get("area", "")).first()  # type: ignore[arg-type]
        project = (
            projects_for(user).filter(number=values.get("project", "").strip()).first()  # type: ignore[arg-type]
            if values.get("project")
            else None
        )
        household = (
            scoping.households_for(user)
            .filter(number=values.get("owner_household", "").strip())
            .first()  # type: ignore[arg-type]
            if values.get("owner_household")
            else None
        )
        try:
            if area is None:
                raise ValidationError({"area": ["请选择您管辖范围内的所在地区。"]})
            if values.get("project") and project is None:
                raise ValidationError({"project": ["未找到该项目编号（须在您的管辖范围内）。"]})
            asset = actions.do_create_asset(
                actor=_actor(request),
                name=values.get("name", ""),
                asset_class=values.get("asset_class", ""),
                kind=values.get("kind", ""),
                area=area,
                owner_type=values.get("owner_type", ""),
                owner_name=values.get("owner_name", ""),
                owner_household=household,
                custodian=values.get("custodian", ""),
                value=values.get("value", ""),
                project=project,
                capacity=values.get("capacity") or None,
                capacity_unit=values.get("capacity_unit", ""),
                built_on=values.get("built_on") or None,
                handed_over_on=values.get("handed_over_on") or None,
            )
        except ValidationError as error:
            _errors(request, error)
            status = 400
        else:
            messages.success(request, f"资产{asset.number}已登记。")
            return redirect("assets:detail", pk=asset.pk)
    context = {
        "values": values,
        "areas": scoping.areas_for(user)
        .filter(level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
        .order_by("code")[:500],  # type: ignore[arg-type]
        "classes": ac.AssetClass.choices,
        "kinds": ac.AssetKind.choices,
        "owners": ac.OwnerType.choices,
    }
    return render(request, "assets/asset_form.html", context, status=status)


@login_required
@require_safe
@domain_errors
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = queries.access_asset(request.user, pk)  # type: ignore[arg-type]
    incomes = list(asset.incomes.prefetch_related("lines").order_by("-period_start")[:60])
    context = {
        "asset": asset,
        "incomes": incomes,
        "disposals": list(asset.disposals.select_related("requested_by", "decided_by")),
        "can_write": _role(request) in ASSET_WRITERS and asset.status != ac.AssetStatus.DISPOSED,
        "can_decide": _role(request) in DISPOSAL_APPROVERS,
        "statuses": [(k, v) for k, v in ac.AssetStatus.choices if k != ac.AssetStatus.DISPOSED],
        "methods": ac.DisposalMethod.choices,
        "periods": ac.PeriodKind.choices,
        "line_kinds": ac.DistributionKind.choices,
        "line_rows": range(1, LINES + 1),
        "operating": asset.asset_class == ac.AssetClass.OPERATING,
    }
    return render(request, "assets/asset_detail.html", context)


def _back(asset: Asset) -> HttpResponse:
    return redirect("assets:detail", pk=asset.pk)


def _writer(request: HttpRequest) -> None:
    if _role(request) not in ASSET_WRITERS:
        raise PermissionDenied("项目资产由村、乡、县经办人员登记。")


@login_required
@require_POST
@domain_errors
def asset_status(request: HttpRequest, pk: int) -> HttpResponse:
    asset = queries.access_asset(request.user, pk)  # type: ignore[arg-type]
    _writer(request)
    try:
        actions.do_change_asset_status(
            asset,
            actor=_actor(request),
            expected_version=int(request.POST.get("version") or 0),
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        _errors(request, error)
    except ConcurrentEditError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "资产状态已变更。")
    return _back(asset)


@login_required
@require_POST
@domain_errors
def asset_income(request: HttpRequest, pk: int) -> HttpResponse:
    asset = queries.access_asset(request.user, pk)  # type: ignore[arg-type]
    _writer(request)
    post = request.POST
    households = scoping.households_for(request.user)  # type: ignore[arg-type]
    lines = []
    for n in range(1, LINES + 1):
        kind, amount = post.get(f"line_{n}_kind", ""), post.get(f"line_{n}_amount", "")
        if not kind or not amount:
            continue
        number = post.get(f"line_{n}_household", "").strip()
        household = households.filter(number=number).first() if number else None
        lines.append(
            {
                "kind": kind,
                "amount": amount,
                "household": household,
                "recipient": post.get(f"line_{n}_recipient", "")
                or ("" if household or not number else number),
            }
        )
    try:
        actions.do_record_asset_income(
            asset,
            actor=_actor(request),
            period_kind=post.get("period_kind", ""),
            period_start=post.get("period_start", ""),
            period_end=post.get("period_end", ""),
            income=post.get("income", ""),
            costs=post.get("costs", "") or 0,
            lines=lines,
            note=post.get("note", ""),
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "已登记收益和收益分配。")
    return _back(asset)


@login_required
@require_POST
@domain_errors
def asset_disposal(request: HttpRequest, pk: int) -> HttpResponse:
    asset = queries.access_asset(request.user, pk)  # type: ignore[arg-type]
    _writer(request)
    try:
        actions.do_request_disposal(
            asset,
            actor=_actor(request),
            method=request.POST.get("method", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "已提出处置申请，待县级审批。")
    return _back(asset)


@login_required
@require_POST
@domain_errors
def disposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    disposal = queries.access_disposal(request.user, pk)  # type: ignore[arg-type]
    if _role(request) not in DISPOSAL_APPROVERS:
        raise PermissionDenied("资产处置由县级审批员审批。")
    try:
        actions.do_decide_disposal(
            disposal,
            actor=_actor(request),
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "已审批处置申请。")
    return _back(disposal.asset)


@login_required
@require_safe
@domain_errors
def asset_report(request: HttpRequest) -> HttpResponse:
    """Idle, damaged and loss-making assets for a year, and PV capacity by village with its
    share of the chosen area's total (the user's area, or a county, city or province within or
    above it); ``?format=xlsx`` downloads both sheets."""
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    area: Area = request.user.area  # type: ignore[union-attr]
    code = request.GET.get("area", "")
    if code:
        found = Area.objects.filter(code=code, level__lte=Level.COUNTY).first()
        if found is None or not (
            found.code.startswith(request.user.scope_prefix)  # type: ignore[union-attr]
            or request.user.scope_prefix.startswith(found.scope_prefix)  # type: ignore[union-attr]
        ):
            raise NotFound(code)
        area = found
    problems = queries.problem_assets(request.user, year=year)  # type: ignore[arg-type]
    pv = queries.pv_figures(request.user, area)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        book = Book()
        book.sheet(
            "闲置和亏损资产",
            f"{request.user.area.name}{year}年度闲置、损坏和亏损资产",  # type: ignore[union-attr]
            [
                "序号",
                "资产编号",
                "资产名称",
                "资产类型",
                "所在地区",
                "情况",
                "期间",
                "收益（元）",
                "成本（元）",
            ],
            [
                [
                    n,
                    p.asset.number,
                    p.asset.name,
                    p.asset.get_kind_display(),
                    p.asset.area.name,
                    p.reason,
                    p.period,
                    p.income,
                    p.costs,
                ]
                for n, p in enumerate(problems, 1)
            ],
            formats=["text"] * 7 + ["money", "money"],
        )
        rows: list[list[Any]] = [
            [n, v.name, v.code, v.stations, v.capacity, v.share]
            for n, v in enumerate(pv.villages, 1)
        ]
        rows.append(
            ["", "村级光伏电站合计", "", pv.village_stations, pv.village_total, pv.village_share]
        )
        rows.append(
            [
                "",
                "其余电站（集中式等）",
                "",
                pv.stations - pv.village_stations,
                pv.other_total,
                pv.other_share,
            ]
        )
        rows.append(["", f"{area.name}合计", "", pv.stations, pv.total, 100 if pv.total else None])
        book.sheet(
            "光伏装机容量",
            f"{area.name}光伏电站装机容量（kW）及占比",
            ["序号", "行政村", "代码", "电站数", "装机容量（kW）", f"占{area.name}比重（%）"],
            rows,
            formats=["text", "text", "text", "number", "number", "percent"],
        )
        return _xlsx(request, book.close(), f"{area.name}{year}年度项目资产情况.xlsx", area)
    context = {
        "year": year,
        "area": area,
        "problems": problems,
        "pv": pv,
        "areas": [*request.user.area.ancestors(), request.user.area],  # type: ignore[union-attr]
    }
    return render(request, "assets/report.html", context)
