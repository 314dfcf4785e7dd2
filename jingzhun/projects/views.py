"""Project library pages: the list, a project's page and the forms it posts, the funds page,
the reports (with their xlsx) and the disclosure list. Thin: the actions decide, the queries
read (scoped), the views render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from jingzhun.accounts.roles import DISCLOSURE_PUBLISHERS, FUND_KEEPERS, REGISTRY_WRITERS
from jingzhun.areas.models import Area
from jingzhun.cases.procedures import project_procedure_for, project_procedure_of
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.projects import actions, disclosure, queries
from jingzhun.projects import choices as pc
from jingzhun.projects.models import Benefit, Project
from jingzhun.projects.spreadsheets import XLSX, Book
from jingzhun.registry import scoping

PAGE = 50


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _year(request: HttpRequest, default: int | None = None) -> int | None:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return default


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _role(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


# --- list ----------------------------------------------------------------------------------------


@login_required
@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page by keyset (``?before=<id>``); no count over the whole list."""
    filters = queries.ProjectFilters.from_query(request.GET)
    qs = filters.apply(request.user)  # type: ignore[arg-type]
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    rows = list(
        qs.select_related("area")
        .annotate(planned=Sum("budget__amount"))
        .order_by("-id")[: PAGE + 1]
    )
    next_before = rows[PAGE - 1].pk if len(rows) > PAGE else None
    rows = rows[:PAGE]
    titles = dict(queries.step_choices(request.user))  # type: ignore[arg-type]
    areas = (
        scoping.areas_for(request.user)
        .filter(level__gte=request.user.area.level)
        .order_by("code")[:300]
    )  # type: ignore[union-attr]
    context = {
        "rows": [{"project": p, "step_title": titles.get(p.step_code, p.step_code)} for p in rows],
        "filters": filters,
        "query": filters.query(),
        "types": pc.ProjectType.choices,
        "sources": pc.FundSource.choices,
        "steps": queries.step_choices(request.user),  # type: ignore[arg-type]
        "areas": areas,
        "next_before": next_before,
        "paged": before.isdigit(),
        "can_create": _role(request) in REGISTRY_WRITERS,
    }
    return render(request, "projects/project_list.html", context)


# --- create --------------------------------------------------------------------------------------


def _budget_from(post: Any) -> dict[str, str]:
    return {s: post.get(f"budget_{s}", "") for s in pc.FundSource.values}


def _targets_from(post: Any) -> list[dict[str, str]]:
    return [
        {
            "indicator": post.get(f"target_{n}_indicator", ""),
            "target": post.get(f"target_{n}_target", ""),
            "actual": post.get(f"target_{n}_actual", ""),
        }
        for n in range(1, 6)
    ]


@login_required
@domain_errors
def project_new(request: HttpRequest) -> HttpResponse:
    """入库申报 form: offered to the roles the configured first step allows."""
    user = request.user
    first = project_procedure_for(pc.ProjectType.OTHER, user.area.code).step(0)  # type: ignore[union-attr]
    if _role(request) not in first.allowed_roles:
        raise PermissionDenied(f"项目入库申报由{first.role_label}办理。")
    areas = scoping.areas_for(user).filter(level__in=[3, 4, 5]).order_by("code")[:500]  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        area = scoping.areas_for(user).filter(code=values.get("area", "")).first()  # type: ignore[arg-type]
        try:
            if area is None:
                raise ValidationError({"area": ["请选择您管辖范围内的实施地区。"]})
            project = actions.do_create_project(
                actor=_actor(request),
                name=values.get("name", ""),
                project_type=values.get("project_type", ""),
                area=area,
                year=values.get("year", ""),
                implementing_unit=values.get("implementing_unit", ""),
                content=values.get("content", ""),
                starts_on=values.get("starts_on") or None,
                ends_on=values.get("ends_on") or None,
                budget=_budget_from(request.POST),
                targets=_targets_from(request.POST),
                note=values.get("note", ""),
            )
        except ValidationError as error:
            _errors(request, error)
            status = 400
        else:
            messages.success(request, f"项目{project.number}已入库申报。")
            return redirect("projects:detail", pk=project.pk)
    else:
        status = 200
    context = {
        "areas": areas,
        "types": pc.ProjectType.choices,
        "sources": pc.FundSource.choices,
        "values": values,
        "target_rows": range(1, 6),
    }
    return render(request, "projects/project_form.html", context, status=status)


# --- one project ---------------------------------------------------------------------------------


@login_required
@require_safe
@domain_errors
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.access_project(request.user, pk)  # type: ignore[arg-type]
    procedure = project_procedure_of(project)
    budget = {line.source: line.amount for line in project.budget.all()}
    allocations = list(project.allocations.order_by("on", "id"))
    disbursements = list(project.disbursements.order_by("on", "id"))
    money: dict[str, queries.Money] = {}
    for source, amount in budget.items():
        money.setdefault(source, queries.Money()).planned += amount
    for a in allocations:
        money.setdefault(a.source, queries.Money()).allocated += a.amount
    for d in disbursements:
        money.setdefault(d.source, queries.Money()).disbursed += d.amount
    total = queries.Money()
    for m in money.values():
        total.add(m)
    benefits = list(
        Benefit.objects.filter(project=project)
        .select_related("household")
        .order_by("village_code", "household_id", "kind")
    )
    # A household outside the reader's own area (a county project seen by a village cadre is
    # not possible: projects are scoped the same way) is shown by count only.
    visible = [b for b in benefits if b.village_code.startswith(request.user.scope_prefix)]  # type: ignore[union-attr]
    by_kind: dict[str, dict[str, Any]] = {}
    for b in benefits:
        row = by_kind.setdefault(
            b.kind, {"label": b.get_kind_display(), "households": set(), "amount": Decimal(0)}
        )
        row["households"].add(b.household_id)
        row["amount"] += b.amount_per_year
    steps = list(project.steps.select_related("performed_by").order_by("id"))
    step = actions.current_step(project)
    context = {
        "project": project,
        "procedure": procedure,
        "step": step,
        "can_act": actions.can_act(request.user, project),
        "money": [(s, pc.FundSource(s).label, m) for s, m in sorted(money.items())],
        "total": total,
        "allocations": allocations,
        "disbursements": disbursements,
        "benefits": visible,
        "benefit_kinds": [
            {"label": r["label"], "households": len(r["households"]), "amount": r["amount"]}
            for r in by_kind.values()
        ],
        "beneficiary_count": len({b.household_id for b in benefits}),
        "steps": steps,
        "decisions": pc.Decision.choices,
        "sources": pc.FundSource.choices,
        "benefit_choices": pc.BenefitKind.choices,
        "can_fund": _role(request) in FUND_KEEPERS,
        "can_link": _role(request) in REGISTRY_WRITERS
        and project.status != pc.ProjectStatus.REJECTED,
        "can_disclose": _role(request) in DISCLOSURE_PUBLISHERS and project.approved_on is not None,
        # The area's project notices of the project's year that name it (a JSON list: read
        # in Python, the same on every database).
        "notices": [
            n
            for n in disclosure.disclosures_for(request.user).filter(year=project.year)[:200]
            if project.pk in (n.project_ids or [])
        ],
    }
    return render(request, "projects/project_detail.html", context)


def _back(project: Project) -> HttpResponse:
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
@domain_errors
def project_step(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.access_project(request.user, pk)  # type: ignore[arg-type]
    step = actions.current_step(project)
    if step is None or not actions.can_act(request.user, project):
        if step is not None:
            actions.ensure_step_role(_actor(request), step)
        raise PermissionDenied("该项目当前没有需要您办理的环节。")
    post = request.POST
    assets = []
    if post.get("asset_name"):
        assets.append(
            {
                "name": post.get("asset_name", ""),
                "asset_class": post.get("asset_class", ""),
                "kind": post.get("asset_kind", ""),
                "area": project.area,
                "owner_type": post.get("asset_owner_type", ""),
                "owner_name": post.get("asset_owner_name", ""),
                "custodian": post.get("asset_custodian", ""),
                "value": post.get("asset_value", ""),
                "capacity": post.get("asset_capacity") or None,
            }
        )
    try:
        actions.do_perform_project_step(
            project,
            actor=_actor(request),
            expected_version=int(post.get("version") or 0),
            step_code=post.get("step_code") or None,
            on=post.get("on") or None,
            decision=post.get("decision", ""),
            note=post.get("note", ""),
            document=post.get("document", ""),
            attachment=request.FILES.get("attachment"),
            targets=_targets_from(post) if post.get("targets") else None,
            assets=assets,
        )
    except ValidationError as error:
        _errors(request, error)
    except ConcurrentEditError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已办理“{step.title}”。")
    return _back(project)


@login_required
@require_POST
@domain_errors
def project_money(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    project = queries.access_project(request.user, pk)  # type: ignore[arg-type]
    actor = _actor(request)
    actions.ensure_fund_keeper(actor)
    post = request.POST
    try:
        if what == "allocation":
            actions.do_add_allocation(
                project,
                actor=actor,
                source=post.get("source", ""),
                on=post.get("on", ""),
                amount=post.get("amount", ""),
                document=post.get("document", ""),
            )
        else:
            actions.do_add_disbursement(
                project,
                actor=actor,
                source=post.get("source", ""),
                on=post.get("on", ""),
                amount=post.get("amount", ""),
                voucher=post.get("voucher", ""),
                payee=post.get("payee", ""),
            )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, "已登记资金下达。" if what == "allocation" else "已登记资金拨付。"
        )
    return _back(project)


@login_required
@require_POST
@domain_errors
def project_allocation(request: HttpRequest, pk: int) -> HttpResponse:
    return project_money(request, pk, "allocation")


@login_required
@require_POST
@domain_errors
def project_disbursement(request: HttpRequest, pk: int) -> HttpResponse:
    return project_money(request, pk, "disbursement")


@login_required
@require_POST
@domain_errors
def project_benefit(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.access_project(request.user, pk)  # type: ignore[arg-type]
    if _role(request) not in REGISTRY_WRITERS:
        raise PermissionDenied("带贫益贫联结由村、乡、县经办人员登记。")
    post = request.POST
    household = (
        scoping.households_for(request.user)  # type: ignore[arg-type]
        .filter(number=post.get("household_number", "").strip())
        .first()
    )
    try:
        if household is None:
            raise ValidationError({"household": ["未找到该户编号的农户（须在您的管辖范围内）。"]})
        actions.do_link_benefit(
            project,
            actor=_actor(request),
            household=household,
            kind=post.get("kind", ""),
            amount_per_year=post.get("amount_per_year", ""),
            note=post.get("note", ""),
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"已登记受益农户{household.number}。")
    return _back(project)


def _notice_record(post: Any) -> dict[str, Any]:
    return {
        "starts_on": post.get("starts_on", ""),
        "place": post.get("place", ""),
        "contact": post.get("contact", ""),
        "days": post.get("days", ""),
    }


@login_required
@require_POST
@domain_errors
def project_disclose(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.access_project(request.user, pk)  # type: ignore[arg-type]
    if _role(request) not in DISCLOSURE_PUBLISHERS:
        raise PermissionDenied("项目和资金公告公示由村、乡、县经办人员发布。")
    try:
        notice = disclosure.do_publish_disclosure(
            actor=_actor(request),
            kind=pc.DisclosureKind.PROJECT,
            project=project,
            record=_notice_record(request.POST),
        )
    except ValidationError as error:
        _errors(request, error)
        return _back(project)
    messages.success(request, f"已发布“{notice.title}”。")
    return redirect("notices:detail", notice_id=notice.pk)


# --- funds, reports, disclosures -----------------------------------------------------------------


def _area(request: HttpRequest) -> Area:
    code = request.GET.get("area", "")
    if code:
        area = scoping.areas_for(request.user).filter(code=code).first()  # type: ignore[arg-type]
        if area is None:
            raise NotFound(code)
        return area
    return request.user.area  # type: ignore[union-attr]


def _xlsx(request: HttpRequest, data: bytes, name: str, area: Area) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store"
    return response


def _money_row(m: queries.Money) -> list[Any]:
    return [m.planned, m.allocated, m.disbursed, m.allocation_rate, m.rate]


@login_required
@require_safe
@domain_errors
def funds(request: HttpRequest) -> HttpResponse:
    """Spending progress (支出进度) by fund source, area and project, and the industry-share
    check of central 衔接资金, for a year; ``?format=xlsx`` downloads the county's sheet."""
    from django.utils import timezone

    year = _year(request, timezone.localdate().year)
    area = _area(request)
    figures = queries.fund_figures(request.user, year=year, area=area)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        book = Book()
        header = [
            "序号",
            "资金来源",
            "计划（元）",
            "已下达（元）",
            "已拨付（元）",
            "下达进度（%）",
            "支出进度（%）",
        ]
        fmt = ["text", "text", "money", "money", "money", "percent", "percent"]
        rows = [[n, label, *_money_row(m)] for n, (_, label, m) in enumerate(figures.by_source, 1)]
        rows.append(["", "合计", *_money_row(figures.total)])
        notes = []
        if figures.industry is not None:
            i = figures.industry
            notes.append(
                "中央衔接资金用于产业发展的比重（按下达）："
                f"{i.share if i.share is not None else '—'}%，"
                f"底线{i.floor if i.floor is not None else '—'}%（{i.source}）："
                f"{'达标' if i.passes else ('未达标' if i.passes is False else '无法判断')}"
            )
        book.sheet(
            f"{year}按资金来源",
            f"{area.name}{year}年度资金计划、下达和支出情况（按资金来源）",
            header,
            rows,
            formats=fmt,
            notes=notes,
        )
        header_a = [
            "序号",
            "地区",
            "项目数",
            "计划（元）",
            "已下达（元）",
            "已拨付（元）",
            "下达进度（%）",
            "支出进度（%）",
        ]
        rows_a = [
            [n, name, count, *_money_row(m)]
            for n, (_, name, m, count) in enumerate(figures.by_area, 1)
        ]
        rows_a.append(["", "合计", len(figures.projects), *_money_row(figures.total)])
        book.sheet(
            "按地区",
            f"{area.name}{year}年度资金计划、下达和支出情况（按地区）",
            header_a,
            rows_a,
            formats=["text", "text", "number", "money", "money", "money", "percent", "percent"],
        )
        header_p = [
            "序号",
            "项目编号",
            "项目名称",
            "项目类型",
            "实施地点",
            "计划（元）",
            "已下达（元）",
            "已拨付（元）",
            "下达进度（%）",
            "支出进度（%）",
        ]
        rows_p = [
            [n, p.number, p.name, p.get_project_type_display(), p.area.name, *_money_row(m)]
            for n, (p, m) in enumerate(figures.projects, 1)
        ]
        book.sheet(
            "按项目",
            f"{area.name}{year}年度项目资金明细",
            header_p,
            rows_p,
            formats=["text"] * 5 + ["money"] * 3 + ["percent"] * 2,
        )
        return _xlsx(request, book.close(), f"{area.name}{year}年度资金支出进度.xlsx", area)
    context = {
        "figures": figures,
        "year": year,
        "area": area,
        "areas": scoping.areas_for(request.user).filter(level__lte=4).order_by("code")[:200],  # type: ignore[arg-type]
    }
    return render(request, "projects/funds.html", context)


@login_required
@require_safe
@domain_errors
def report(request: HttpRequest) -> HttpResponse:
    """Projects and households benefiting (带贫益贫) by project type, area and how."""
    from django.utils import timezone

    year = _year(request, timezone.localdate().year)
    area = _area(request)
    figures = queries.benefit_figures(request.user, year=year, area=area)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        book = Book()
        fmt = ["text", "text", "number", "number", "number", "money"]

        def rows(items: list[queries.BenefitRow]) -> list[list[Any]]:
            out: list[list[Any]] = [
                [n, r.label, r.projects, r.households, r.links, r.amount]
                for n, r in enumerate(items, 1)
            ]
            t = figures.total
            out.append(["", "合计", t.projects, t.households, t.links, t.amount])
            return out

        header = ["序号", "项目类型", "项目数", "受益农户（户）", "联结（条）", "年收益（元）"]
        book.sheet(
            "按项目类型",
            f"{area.name}{year}年度项目和带贫益贫情况（按项目类型）",
            header,
            rows(figures.by_type),
            formats=fmt,
        )
        header[1] = "地区"
        book.sheet(
            "按地区",
            f"{area.name}{year}年度项目和带贫益贫情况（按地区）",
            header,
            rows(figures.by_area),
            formats=fmt,
        )
        header[1] = "联结方式"
        book.sheet(
            "按联结方式",
            f"{area.name}{year}年度带贫益贫情况（按联结方式）",
            header,
            rows(figures.by_kind),
            formats=fmt,
        )
        return _xlsx(request, book.close(), f"{area.name}{year}年度项目带贫益贫情况.xlsx", area)
    context = {
        "figures": figures,
        "year": year,
        "area": area,
        "areas": scoping.areas_for(request.user).filter(level__lte=4).order_by("code")[:200],  # type: ignore[arg-type]
    }
    return render(request, "projects/report.html", context)


@login_required
@domain_errors
def disclosures(request: HttpRequest) -> HttpResponse:
    """The project and fund notices of the user's area; the form publishing an annual plan or
    the year's fund allocations."""
    if request.method == "POST":
        if _role(request) not in DISCLOSURE_PUBLISHERS:
            raise PermissionDenied("项目和资金公告公示由村、乡、县经办人员发布。")
        post = request.POST
        year = post.get("year", "")
        try:
            notice = disclosure.do_publish_disclosure(
                actor=_actor(request),
                kind=post.get("kind", ""),
                year=int(year) if year.isdigit() else None,
                record=_notice_record(post),
            )
        except ValidationError as error:
            _errors(request, error)
            return redirect("projects:disclosures")
        messages.success(request, f"已发布“{notice.title}”。")
        return redirect("notices:detail", notice_id=notice.pk)
    before = request.GET.get("before", "")
    qs = disclosure.disclosures_for(request.user)
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    notices = list(qs[: PAGE + 1])
    next_before = notices[PAGE - 1].pk if len(notices) > PAGE else None
    from django.utils import timezone

    today = timezone.localdate()
    context = {
        "rows": [
            {
                "notice": n,
                "public": today <= n.ends_on,
                "public_url": reverse("notices:public", args=[n.token]),
            }
            for n in notices[:PAGE]
        ],
        "next_before": next_before,
        "can_publish": _role(request) in DISCLOSURE_PUBLISHERS,
        "kinds": [(k, v) for k, v in pc.DisclosureKind.choices if k != pc.DisclosureKind.PROJECT],
        "year": today.year,
    }
    return render(request, "projects/disclosures.html", context)
