"""Reading projects: the one scoping function, the filters of the list, and the figures of the
funds page and the reports — every figure computed from the rows, nothing typed in.

Scope is the area code range, as for households: a project serves a village, township or
county and is seen by the users whose area holds it (out of scope answers like absent).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level, code_range
from jingzhun.core.actions import NotFound
from jingzhun.policy import parameters
from jingzhun.projects import choices as pc
from jingzhun.projects.models import Allocation, Benefit, BudgetLine, Disbursement, Project

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

ZERO = Decimal(0)
INDUSTRY_PARAMETER = "industry_share_min"


def projects_for(user: User, *, within: str = "") -> QuerySet[Project]:
    """The projects under the user's area (and under ``within`` when given)."""
    low, high = code_range(user.scope_prefix)
    if within:
        w_low, w_high = code_range(within)
        low, high = max(low, w_low), min(high, w_high)
    return Project.objects.filter(area_code__gte=low, area_code__lt=high)


def access_project(user: User, project_id: int | str) -> Project:
    try:
        return projects_for(user).select_related("area", "created_by").get(pk=int(project_id))
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(project_id) from None


def benefits_of_household(user: User, household_id: int) -> list[Benefit]:
    """The household page's card: the household's benefit links with their projects, one
    query. The household is already in the user's scope (the page checked); a link to a
    project of a wider area (a county project) is shown too — the household benefits from it."""
    return list(
        Benefit.objects.filter(household_id=household_id)
        .select_related("project")
        .order_by("-project__year", "project_id", "id")
    )


def waiting_for(user: User) -> QuerySet[Project]:
    """Open projects whose current step waits for the user's role, in scope, oldest first."""
    return (
        projects_for(user)
        .filter(status=pc.ProjectStatus.OPEN, step_roles__contains=f",{user.role},")
        .order_by("step_due_on", "step_since", "id")
    )


# --- the list ------------------------------------------------------------------------------------


@dataclass
class ProjectFilters:
    year: int | None = None
    project_type: str = ""
    step: str = ""  # a step code, or "completed" / "rejected"
    area: str = ""  # an area code within the user's scope
    source: str = ""

    @classmethod
    def from_query(cls, query: Any) -> ProjectFilters:
        year = query.get("year", "")
        return cls(
            year=int(year) if str(year).isdigit() else None,
            project_type=query.get("type", "")
            if query.get("type") in pc.ProjectType.values
            else "",
            step=str(query.get("step", ""))[:32],
            area=str(query.get("area", ""))[:15] if str(query.get("area", "")).isdigit() else "",
            source=query.get("source", "") if query.get("source") in pc.FundSource.values else "",
        )

    def apply(self, user: User) -> QuerySet[Project]:
        qs = projects_for(user, within=_prefix_of(self.area) if self.area else "")
        if self.year:
            qs = qs.filter(year=self.year)
        if self.project_type:
            qs = qs.filter(project_type=self.project_type)
        if self.step == pc.ProjectStatus.COMPLETED:
            qs = qs.filter(status=pc.ProjectStatus.COMPLETED)
        elif self.step == pc.ProjectStatus.REJECTED:
            qs = qs.filter(status=pc.ProjectStatus.REJECTED)
        elif self.step:
            qs = qs.filter(status=pc.ProjectStatus.OPEN, step_code=self.step)
        if self.source:
            qs = qs.filter(budget__source=self.source)
        return qs

    def query(self) -> str:
        parts = {
            "year": self.year or "",
            "type": self.project_type,
            "step": self.step,
            "area": self.area,
            "source": self.source,
        }
        return "&".join(f"{k}={v}" for k, v in parts.items() if v)


def _prefix_of(code: str) -> str:
    """The scope prefix of an area code as stored (a village 12 digits, a county 6 …)."""
    area = Area.objects.filter(code=code).only("code", "level").first()
    return area.scope_prefix if area is not None else code


# --- money figures -------------------------------------------------------------------------------


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage with two decimals, rounded half up (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Money:
    planned: Decimal = ZERO
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO

    def add(self, other: Money) -> None:
        self.planned += other.planned
        self.allocated += other.allocated
        self.disbursed += other.disbursed

    @property
    def rate(self) -> Decimal | None:
        """支出进度: disbursed as a share of allocated (下达)."""
        return rate(self.disbursed, self.allocated)

    @property
    def allocation_rate(self) -> Decimal | None:
        """下达进度: allocated as a share of planned."""
        return rate(self.allocated, self.planned)


@dataclass
class FundFigures:
    year: int | None
    projects: list[tuple[Project, Money]]
    by_source: list[tuple[str, str, Money]]  # (source, label, money)
    by_area: list[tuple[str, str, Money, int]]  # (code, name, money, projects)
    total: Money
    industry: IndustryCheck | None = None


@dataclass
class IndustryCheck:
    """The share of central 衔接资金 used for industry projects (产业发展) against its floor."""

    year: int
    central_allocated: Decimal
    industry_allocated: Decimal
    central_disbursed: Decimal
    industry_disbursed: Decimal
    share: Decimal | None  # of allocations (资金安排), the figure the rule reads
    spent_share: Decimal | None  # of disbursements, shown beside it
    floor: Decimal | None
    source: str = ""
    confirmed: bool = False
    version: str = ""

    @property
    def passes(self) -> bool | None:
        if self.floor is None or self.share is None:
            return None
        return self.share >= self.floor


def _grouped(model: Any, ids: list[int]) -> dict[tuple[int, str], Decimal]:
    rows = (
        model.objects.filter(project_id__in=ids)
        .values("project_id", "source")
        .annotate(total=Sum("amount"))
    )
    return {(r["project_id"], r["source"]): r["total"] for r in rows}


def fund_figures(user: User, *, year: int | None, area: Area | None = None) -> FundFigures:
    """Planned (budget), allocated (下达), disbursed (拨付) and the spending rate by fund
    source, by project and by the areas one level below ``area`` (default the user's area), for
    the year's projects (all years when None) that were not refused. Four queries."""
    area = area or user.area
    qs = projects_for(user, within=area.scope_prefix).exclude(status=pc.ProjectStatus.REJECTED)
    if year:
        qs = qs.filter(year=year)
    projects = list(qs.select_related("area").order_by("area_code", "id"))
    ids = [p.pk for p in projects]
    planned = _grouped(BudgetLine, ids)
    allocated = _grouped(Allocation, ids)
    disbursed = _grouped(Disbursement, ids)
    per_source: dict[str, Money] = defaultdict(Money)
    per_project: dict[int, Money] = defaultdict(Money)
    for key in set(planned) | set(allocated) | set(disbursed):
        money = Money(planned.get(key, ZERO), allocated.get(key, ZERO), disbursed.get(key, ZERO))
        per_source[key[1]].add(money)
        per_project[key[0]].add(money)
    total = Money()
    for money in per_source.values():
        total.add(money)
    by_source = [
        (source, str(label), per_source[source])
        for source, label in pc.FundSource.choices
        if source in per_source
    ]
    # The areas one level below: each project counts under the child area holding it, or under
    # the area itself ("本级") when it serves the whole area.
    child_level = Level(min(area.level + 1, Level.VILLAGE))
    digits = SCOPE_DIGITS[child_level]
    children = {
        a.scope_prefix: a
        for a in Area.objects.filter(parent=area, level=child_level).only("code", "name", "level")
    }
    by_child: dict[str, Money] = defaultdict(Money)
    counts: dict[str, int] = defaultdict(int)
    for project in projects:
        key = project.area_code[:digits] if project.area_code[:digits] in children else ""
        by_child[key].add(per_project[project.pk])
        counts[key] += 1
    by_area = [
        (
            children[k].code if k else area.code,
            children[k].name if k else f"{area.name}（本级）",
            by_child[k],
            counts[k],
        )
        for k in sorted(by_child)
    ]
    figures = FundFigures(
        year=year,
        projects=[(p, per_project[p.pk]) for p in projects],
        by_source=by_source,
        by_area=by_area,
        total=total,
    )
    if year:
        figures.industry = industry_check(projects, allocated, disbursed, year=year, area=area)
    return figures


def industry_check(
    projects: list[Project],
    allocated: dict[tuple[int, str], Decimal],
    disbursed: dict[tuple[int, str], Decimal],
    *,
    year: int,
    area: Area,
) -> IndustryCheck:
    industry = {p.pk for p in projects if p.project_type == pc.ProjectType.INDUSTRY}
    central = pc.FundSource.CENTRAL

    def total(sums: dict[tuple[int, str], Decimal], only: set[int] | None = None) -> Decimal:
        return sum(
            (v for (pid, s), v in sums.items() if s == central and (only is None or pid in only)),
            ZERO,
        )

    c_alloc, i_alloc = total(allocated), total(allocated, industry)
    c_paid, i_paid = total(disbursed), total(disbursed, industry)
    floor = parameters.default_parameters().value_or_none(
        INDUSTRY_PARAMETER, on=year, area_code=area.code.ljust(6, "0")[:6]
    )
    return IndustryCheck(
        year=year,
        central_allocated=c_alloc,
        industry_allocated=i_alloc,
        central_disbursed=c_paid,
        industry_disbursed=i_paid,
        share=rate(i_alloc, c_alloc),
        spent_share=rate(i_paid, c_paid),
        floor=floor.value if floor is not None else None,
        source=floor.source if floor is not None else "",
        confirmed=bool(floor and floor.confirmed),
        version=floor.version if floor is not None else "",
    )


# --- benefits ------------------------------------------------------------------------------------


@dataclass
class BenefitRow:
    label: str
    projects: int = 0
    households: int = 0
    links: int = 0
    amount: Decimal = ZERO
    code: str = ""


@dataclass
class BenefitFigures:
    year: int | None
    by_type: list[BenefitRow] = field(default_factory=list)
    by_area: list[BenefitRow] = field(default_factory=list)
    by_kind: list[BenefitRow] = field(default_factory=list)
    total: BenefitRow = field(default_factory=lambda: BenefitRow(label="合计"))


def benefit_figures(user: User, *, year: int | None, area: Area | None = None) -> BenefitFigures:
    """Projects and the households benefiting from them (带贫益贫), by project type, by the
    areas one level below ``area`` and by how they benefit: projects, distinct households,
    links and the yearly amount. Households counted once per row however many links."""
    area = area or user.area
    qs = projects_for(user, within=area.scope_prefix).exclude(status=pc.ProjectStatus.REJECTED)
    if year:
        qs = qs.filter(year=year)
    projects = {p.pk: p for p in qs.only("pk", "project_type", "area_code")}
    links = list(
        Benefit.objects.filter(project_id__in=list(projects)).values_list(
            "project_id", "household_id", "kind", "amount_per_year"
        )
    )
    child_level = Level(min(area.level + 1, Level.VILLAGE))
    digits = SCOPE_DIGITS[child_level]
    children = {
        a.scope_prefix: a
        for a in Area.objects.filter(parent=area, level=child_level).only("code", "name", "level")
    }

    def child(code: str) -> str:
        return code[:digits] if code[:digits] in children else ""

    def rows(key_of_project: Any, key_of_link: Any, labels: dict[str, str]) -> list[BenefitRow]:
        out: dict[str, BenefitRow] = {}
        households: dict[str, set[int]] = defaultdict(set)
        for p in projects.values():
            key = key_of_project(p)
            if key is not None:
                out.setdefault(key, BenefitRow(label=labels.get(key, key), code=key)).projects += 1
        for pid, hid, kind, amount in links:
            key = key_of_link(projects[pid], kind)
            row = out.setdefault(key, BenefitRow(label=labels.get(key, key), code=key))
            row.links += 1
            row.amount += amount
            households[key].add(hid)
        for key, row in out.items():
            row.households = len(households[key])
        return [out[k] for k in labels if k in out]

    type_labels = {k: str(v) for k, v in pc.ProjectType.choices}
    area_labels = {k: children[k].name for k in sorted(children)}
    area_labels[""] = f"{area.name}（本级）"
    kind_labels = {k: str(v) for k, v in pc.BenefitKind.choices}
    figures = BenefitFigures(year=year)
    figures.by_type = rows(lambda p: p.project_type, lambda p, k: p.project_type, type_labels)
    figures.by_area = rows(
        lambda p: child(p.area_code), lambda p, k: child(p.area_code), area_labels
    )
    for row in figures.by_area:
        row.code = children[row.code].code if row.code else area.code
    figures.by_kind = rows(lambda p: None, lambda p, k: k, kind_labels)
    figures.total = BenefitRow(
        label="合计",
        projects=len(projects),
        households=len({hid for _, hid, _, _ in links}),
        links=len(links),
        amount=sum((a for *_, a in links), ZERO),
    )
    return figures


def step_choices(user: User) -> list[tuple[str, str]]:
    """The step codes the list can filter on: every step title of the configured project
    procedures (national and regional), then completed and rejected."""
    from jingzhun.cases.procedures import project_procedures

    seen: dict[str, str] = {}
    for procedure in project_procedures().values():
        for step in procedure.steps[1:]:
            seen.setdefault(step.code, step.title)
    return [
        *seen.items(),
        (pc.ProjectStatus.COMPLETED, str(pc.ProjectStatus.COMPLETED.label)),
        (pc.ProjectStatus.REJECTED, str(pc.ProjectStatus.REJECTED.label)),
    ]


def counts_by_step(user: User, year: int | None) -> dict[str, int]:
    qs = projects_for(user)
    if year:
        qs = qs.filter(year=year)
    return {
        r["step_code"] if r["status"] == pc.ProjectStatus.OPEN else r["status"]: r["n"]
        for r in qs.values("status", "step_code").annotate(n=Count("id"))
    }


def default_year() -> int:
    return dt.date.today().year


__all__ = ["Q"]
