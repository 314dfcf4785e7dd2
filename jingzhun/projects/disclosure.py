"""Public disclosure of projects and funds (扶贫资金项目公告公示) through the notice machinery.

Three notices: an area's annual plan (the year's projects approved into the library), its fund
allocations (资金下达), and one project's implementation and result. Each is a
:class:`~jingzhun.cases.models.Notice` with its own table, published by
:func:`jingzhun.cases.actions.do_publish_listing_notice`: the same public page and PDF (with the
embedded CJK font), public by link until it ends, archived and listed per area. The minimum
period is the parameter ``disclosure_days_min`` (10 days in principle).

No personal data: the tables are built here from project, budget and allocation fields only —
never from household or member rows. Beneficiaries appear as a count of households, never by
name or number (tests/projects/test_disclosure.py reads the public page and the PDF for them).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import translation

from jingzhun.accounts.roles import DISCLOSURE_PUBLISHERS
from jingzhun.areas.models import Area
from jingzhun.cases import choices as cc
from jingzhun.cases.actions import Listing, do_publish_listing_notice
from jingzhun.cases.models import Notice
from jingzhun.core.actions import Actor, NotFound, PermissionDenied, raise_if_errors
from jingzhun.projects import choices as pc
from jingzhun.projects.models import Allocation, BudgetLine, Project

ZERO = Decimal(0)


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _place(project: Project) -> str:
    return project.area.name


def _period(project: Project) -> str:
    if project.starts_on and project.ends_on:
        return f"{project.starts_on:%Y.%m}—{project.ends_on:%Y.%m}"
    return "—"


def _targets(project: Project, *, with_actual: bool = False) -> str:
    parts = []
    for t in project.targets:
        text = f"{t['indicator']}：{t['target']}"
        if with_actual and t.get("actual"):
            text += f"（完成{t['actual']}）"
        parts.append(text)
    return "；".join(parts) or "—"


def _budgets(ids: list[int]) -> dict[int, list[tuple[str, Decimal]]]:
    out: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for line in BudgetLine.objects.filter(project_id__in=ids).order_by("project_id", "source"):
        out[line.project_id].append((line.source, line.amount))
    return out


def _beneficiaries(ids: list[int]) -> dict[int, int]:
    rows = (
        Project.objects.filter(pk__in=ids)
        .annotate(n=Count("benefits__household", distinct=True))
        .values_list("pk", "n")
    )
    return dict(rows)


def plan_listing(area: Area, year: int, projects: list[Project]) -> Listing:
    """The annual plan: the year's projects approved into the library under ``area``."""
    ids = [p.pk for p in projects]
    budgets, counts = _budgets(ids), _beneficiaries(ids)
    rows = []
    for n, p in enumerate(projects, start=1):
        lines = budgets.get(p.pk, [])
        total = sum((a for _, a in lines), ZERO)
        sources = "、".join(f"{pc.FundSource(s).label}{money(a)}" for s, a in lines)
        rows.append(
            [
                str(n),
                f"{p.name}（{p.get_project_type_display()}）",
                _place(p),
                p.implementing_unit,
                p.content,
                _period(p),
                f"{money(total)}（{sources}）" if sources else money(total),
                f"{_targets(p)}；带贫益贫{counts.get(p.pk, 0)}户",
            ]
        )
    return Listing(
        subject=cc.NoticeSubject.PROJECTS,
        kind=cc.NoticeKind.ANNOUNCEMENT,
        title=f"{area.name}{year}年度巩固拓展脱贫攻坚成果和乡村振兴项目计划公告",
        body=(
            f"经项目申报、论证审核和批复入库，现将{area.name}{year}年度项目计划"
            f"（共{len(projects)}个项目）予以公告。公告期{{start}}至{{end}}（共{{days}}天）。"
            "如有异议，请于公告期内向异议受理单位反映。"
        ),
        columns=[
            "序号",
            "项目名称（类型）",
            "实施地点",
            "实施单位",
            "建设内容和规模",
            "实施期限",
            "资金（元）及来源",
            "绩效目标和带贫益贫",
        ],
        rows=rows,
        year=year,
        project_ids=tuple(ids),
    )


def funds_listing(area: Area, year: int, allocations: list[Allocation]) -> Listing:
    """The year's fund allocations (资金下达) to the projects under ``area``."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    rows = []
    for n, a in enumerate(allocations, start=1):
        totals[a.source] += a.amount
        rows.append(
            [
                str(n),
                a.document,
                f"{a.on:%Y-%m-%d}",
                str(pc.FundSource(a.source).label),
                a.project.name,
                _place(a.project),
                money(a.amount),
            ]
        )
    summary = "，".join(f"{pc.FundSource(s).label}{money(v)}元" for s, v in sorted(totals.items()))
    return Listing(
        subject=cc.NoticeSubject.FUNDS,
        kind=cc.NoticeKind.ANNOUNCEMENT,
        title=f"{area.name}{year}年度财政衔接推进乡村振兴补助资金等资金下达情况公告",
        body=(
            f"现将{area.name}{year}年度资金下达情况予以公告：共下达{len(allocations)}笔，"
            f"合计{money(sum(totals.values(), ZERO))}元（{summary or '无'}）。"
            "公告期{start}至{end}（共{days}天）。如有异议，请于公告期内向异议受理单位反映。"
        ),
        columns=["序号", "下达文号", "下达日期", "资金来源", "项目名称", "实施地点", "金额（元）"],
        rows=rows,
        year=year,
        project_ids=tuple(sorted({a.project_id for a in allocations})),
    )


def project_listing(project: Project) -> Listing:
    """One project's implementation and result: name, funds, scale, period, targets (with
    what was achieved once accepted), the number of households benefiting and the stage."""
    budgets = _budgets([project.pk]).get(project.pk, [])
    allocated = Allocation.objects.filter(project=project).aggregate(t=Sum("amount"))["t"] or ZERO
    paid = project.disbursements.aggregate(t=Sum("amount"))["t"] or ZERO
    households = _beneficiaries([project.pk]).get(project.pk, 0)
    kinds = "、".join(
        str(pc.BenefitKind(k).label)
        for k in project.benefits.values_list("kind", flat=True).distinct().order_by("kind")
    )
    if project.status == pc.ProjectStatus.COMPLETED:
        stage = f"已验收（{project.accepted_on}），资产已移交"
    elif project.accepted_on:
        stage = f"已验收（{project.accepted_on}）"
    elif project.status == pc.ProjectStatus.REJECTED:
        stage = "未通过"
    else:
        stage = f"实施中（当前环节：{project.step_code}）"
    result = bool(project.accepted_on)
    rows = [
        ["项目名称", project.name],
        ["项目类型", project.get_project_type_display()],
        ["实施地点", _place(project)],
        ["实施单位", project.implementing_unit],
        ["建设内容和规模", project.content],
        ["实施期限", _period(project)],
        [
            "资金来源和计划金额（元）",
            "、".join(f"{pc.FundSource(s).label}{money(a)}" for s, a in budgets) or "—",
        ],
        ["已下达（元）", money(allocated)],
        ["已拨付（元）", money(paid)],
        ["绩效目标", _targets(project, with_actual=result)],
        ["带贫益贫", f"受益农户{households}户" + (f"（{kinds}）" if kinds else "")],
        ["项目进度", stage],
    ]
    word = "结果公告" if result else "实施情况公示"
    return Listing(
        subject=cc.NoticeSubject.PROJECTS,
        kind=cc.NoticeKind.ANNOUNCEMENT if result else cc.NoticeKind.PUBLICITY,
        title=f"{project.name}项目{word}",
        body=(
            f"现将{project.name}项目{'实施结果' if result else '实施情况'}予以"
            f"{'公告' if result else '公示'}。期限{{start}}至{{end}}（共{{days}}天）。"
            "如有异议，请于期限内向异议受理单位反映。"
        ),
        columns=["项目", "内容"],
        rows=rows,
        year=project.year,
        project_ids=(project.pk,),
    )


def _ensure_publisher(actor: Actor) -> None:
    if getattr(actor.user, "role", "") not in DISCLOSURE_PUBLISHERS:
        raise PermissionDenied("项目和资金公告公示由村、乡、县经办人员发布。")


@transaction.atomic
def do_publish_disclosure(
    *,
    actor: Actor,
    kind: str,
    record: dict[str, Any],
    area: Area | None = None,
    year: int | None = None,
    project: Project | None = None,
) -> Notice:
    """Publish a disclosure notice: ``kind`` plan or funds (for ``area`` — default the actor's
    — and ``year``) or project (for ``project``). ``record``: starts_on, place, contact and
    optionally days (≥ ``disclosure_days_min``). Refused, changing nothing, when there is
    nothing to publish or a field is missing."""
    from jingzhun.projects.queries import projects_for

    if actor.user is None:
        raise PermissionDenied("公告公示须由具名的工作人员发布。")
    _ensure_publisher(actor)
    with translation.override("zh-hans"):  # stored as published: in Chinese
        if kind == pc.DisclosureKind.PROJECT:
            if project is None:
                raise_if_errors({"project": ["请选择要公示的项目。"]})
            assert project is not None
            if not project.area_code.startswith(actor.user.scope_prefix):
                raise NotFound(project.pk)
            if project.approved_on is None:
                raise_if_errors({"project": ["项目尚未批复入库，不能公示实施情况。"]})
            listing = project_listing(project)
            where = project.area
        elif kind in (pc.DisclosureKind.PLAN, pc.DisclosureKind.FUNDS):
            where = area or actor.user.area
            if not where.code.startswith(actor.user.scope_prefix):
                raise NotFound(where.pk)
            if not year:
                raise_if_errors({"year": ["请选择年度。"]})
            assert year is not None
            scoped = projects_for(actor.user, within=where.scope_prefix).filter(year=year)
            if kind == pc.DisclosureKind.PLAN:
                projects = list(
                    scoped.filter(approved_on__isnull=False)
                    .exclude(status=pc.ProjectStatus.REJECTED)
                    .select_related("area")
                    .order_by("area_code", "id")
                )
                listing = plan_listing(where, year, projects)
            else:
                allocations = list(
                    Allocation.objects.filter(project__in=scoped)
                    .select_related("project__area")
                    .order_by("on", "id")
                )
                listing = funds_listing(where, year, allocations)
        else:
            raise_if_errors({"kind": ["请选择公示内容：年度项目计划、资金下达或项目实施情况。"]})
            raise AssertionError  # unreachable: raise_if_errors raised
        return do_publish_listing_notice(
            listing, actor=actor, area=where, record=record, audit_obj=project
        )


def disclosures_for(user: Any) -> Any:
    """The project and fund notices of the user's area, newest first."""
    from jingzhun.cases.queries import notices_for

    return (
        notices_for(user)
        .exclude(subject=cc.NoticeSubject.HOUSEHOLDS)
        .select_related("village")
        .order_by("-id")
    )
