"""The figures of an area's dashboard (工作台), derived from the data, each with the link to the
records behind it. Above the domains: it reads them through their scoping functions and
queries, and none of them imports it.

An area is read at one level (province, city, county, township, village); the same figures
serve every level, and the areas one level down are compared side by side (table, chart, map).
Every figure is one aggregate over the scope index or a stored run — no per-household loop.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhun.areas.maps import area_map
from jingzhun.areas.models import SCOPE_DIGITS, Area, Level, code_range
from jingzhun.cases import choices as cc
from jingzhun.cases.queries import cases_for, overdue_q
from jingzhun.core.links import households_url
from jingzhun.crosscheck.models import AlertStatus
from jingzhun.crosscheck.queries import alerts_for
from jingzhun.policy import parameters
from jingzhun.projects.queries import fund_figures
from jingzhun.quality import queries as quality
from jingzhun.quality.models import VillageScore
from jingzhun.registry import choices as c
from jingzhun.registry.models import Income, RiskFactor
from jingzhun.registry.queries import AT_RISK
from jingzhun.registry.scoping import households_for, measures_for
from jingzhun.supervision.listing_queries import listings_for
from jingzhun.supervision.listings import ListingStatus, ListingTask, TaskStatus
from jingzhun.supervision.queries import overdue_q as problem_overdue_q
from jingzhun.supervision.queries import problems_for, rate

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

INCOME_YEARS = 5  # years of exited households' incomes shown against the line


@dataclass
class Figure:
    label: str
    value: Any
    url: str = ""
    note: str = ""
    alert: bool = False  # shown in red: overdue, below the line


@dataclass
class Child:
    """One area one level down, side by side with its siblings."""

    area: Area
    households: int = 0
    at_risk: int = 0
    new: int = 0
    problems_open: int = 0
    problems_overdue: int = 0
    quality_score: Decimal | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def at_risk_share(self) -> float | None:
        return None if not self.households else round(100 * self.at_risk / self.households, 2)


@dataclass
class IncomeYear:
    year: int
    households: int
    average: Decimal | None
    line: Decimal | None
    threshold: Decimal | None
    below_line: int
    below_threshold: int
    links: dict[str, str]


@dataclass
class Dashboard:
    area: Area
    year: int
    today: dt.date
    monitoring: list[Figure]
    categories: list[Figure]
    risks: list[Figure]
    timeliness: list[Figure]
    incomes: list[IncomeYear]
    quality: list[Figure]
    problems: list[Figure]
    assistance: list[Figure]
    children: list[Child]

    @property
    def level_label(self) -> str:
        return str(Level(self.area.level).label)

    def charts(self) -> dict[str, Any]:
        """What the page's charts draw (static/js/dashboard.js), links included."""
        return {
            "categories": [
                {"name": f.label, "value": f.value, "url": f.url} for f in self.categories
            ],
            "risks": [{"name": f.label, "value": f.value, "url": f.url} for f in self.risks],
            "incomes": {
                "years": [str(y.year) for y in self.incomes],
                "average": [_number(y.average) for y in self.incomes],
                "line": [_number(y.line) for y in self.incomes],
                "threshold": [_number(y.threshold) for y in self.incomes],
                "below": [y.below_threshold for y in self.incomes],
                "urls": [y.links.get("below_threshold", "") for y in self.incomes],
                "labels": {
                    "average": _("脱贫户人均纯收入（平均）"),
                    "line": _("贫困标准"),
                    "threshold": _("监测标准"),
                    "below": _("低于监测标准的脱贫户"),
                },
            },
            "children": {
                "names": [ch.area.name for ch in self.children],
                "at_risk": [ch.at_risk for ch in self.children],
                "new": [ch.new for ch in self.children],
                "urls": [ch.links["at_risk"] for ch in self.children],
                "labels": {"at_risk": _("风险未消除"), "new": _("本月新识别")},
            },
        }


def _whole(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal(1))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _url(name: str, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in ("", None)}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def _area_param(area: Area, user: User) -> str:
    """The list's ``area`` filter for ``area`` (none when it is the user's own area)."""
    return "" if area.code == user.area.code else area.code  # type: ignore[union-attr]


def _monitoring(user: User, area: Area, today: dt.date) -> tuple[list[Figure], list[Figure]]:
    qs = households_for(user, within=area.scope_prefix)
    month_start = today.replace(day=1)
    year_start = today.replace(month=1, day=1)
    counts = qs.aggregate(
        total=Count("id"),
        people=Sum("member_count"),
        exited=Count("id", filter=Q(household_type=c.HouseholdType.EXITED)),
        at_risk=Count("id", filter=AT_RISK),
        new=Count("id", filter=Q(monitoring_identified_on__gte=month_start)),
        eliminated=Count("id", filter=Q(risk_eliminated=True, risk_eliminated_on__gte=year_start)),
        **{
            f"cat_{value}": Count("id", filter=AT_RISK & Q(monitoring_category=value))
            for value in c.MonitoringCategory.values
        },
    )
    a = _area_param(area, user)
    monitoring = [
        Figure(_("农户（户）"), counts["total"], households_url(area=a)),
        Figure(_("人口（人）"), counts["people"] or 0, households_url(area=a)),
        Figure(
            str(c.HouseholdType.EXITED.label),
            counts["exited"],
            households_url(area=a, household_type=c.HouseholdType.EXITED),
        ),
        Figure(_("风险未消除的监测对象"), counts["at_risk"], households_url(area=a, at_risk="1")),
        Figure(
            _("本月新识别"),
            counts["new"],
            households_url(area=a, identified_from=month_start.isoformat()),
        ),
        Figure(
            _("今年消除风险"),
            counts["eliminated"],
            households_url(
                area=a, eliminated_from=year_start.isoformat(), eliminated_to=today.isoformat()
            ),
        ),
    ]
    categories = [
        Figure(
            str(label),
            counts[f"cat_{value}"],
            households_url(area=a, at_risk="1", monitoring_category=value),
        )
        for value, label in c.MonitoringCategory.choices
    ]
    return monitoring, categories


def _risks(user: User, area: Area) -> list[Figure]:
    scope = households_for(user, within=area.scope_prefix).filter(AT_RISK)
    rows = (
        RiskFactor.objects.filter(household__in=scope.values("id"))
        .values("kind")
        .annotate(n=Count("household_id", distinct=True))
    )
    counts = {row["kind"]: row["n"] for row in rows}
    a = _area_param(area, user)
    return [
        Figure(str(label), counts.get(value, 0), households_url(area=a, at_risk="1", risk=value))
        for value, label in c.RiskType.choices
        if counts.get(value)
    ]


def _timeliness(user: User, area: Area, today: dt.date) -> list[Figure]:
    """From the first signal to the decision, for the monitoring procedures decided this year;
    the open cases past their deadline; department alerts waiting and overdue."""
    low, high = code_range(area.scope_prefix)
    cases = cases_for(user).filter(village_code__gte=low, village_code__lt=high)
    decided = cases.filter(
        case_type__in=(cc.CaseType.MONITORING, cc.CaseType.REVERSAL),
        decided_on__gte=today.replace(month=1, day=1),
        decided_on__isnull=False,
    ).values_list("first_signal_on", "opened_on", "decided_on")
    days = [(d - (s or o)).days for s, o, d in decided]
    overdue = cases.filter(status=cc.CaseStatus.OPEN).filter(overdue_q(today)).count()
    alerts = alerts_for(user).filter(village_code__gte=low, village_code__lt=high)
    alert_counts = alerts.filter(status=AlertStatus.OPEN).aggregate(
        n=Count("id"), late=Count("id", filter=Q(due_on__lt=today))
    )
    a = _area_param(area, user)
    return [
        Figure(
            _("今年作出纳入监测决定（件）"),
            len(days),
            _url("cases:overview"),
        ),
        Figure(
            _("从发现风险到作出决定（中位数，天）"),
            statistics.median(days) if days else None,
            _url("cases:overview"),
            note=_("平均 %(d).1f 天") % {"d": statistics.fmean(days)} if days else "",
        ),
        Figure(
            _("逾期未办结的案件（户）"),
            overdue,
            households_url(area=a, overdue="1"),
            alert=bool(overdue),
        ),
        Figure(
            _("待核实的部门预警（条）"),
            alert_counts["n"],
            _url("crosscheck:inbox", village=area.scope_prefix, status=AlertStatus.OPEN),
        ),
        Figure(
            _("其中已逾期"),
            alert_counts["late"],
            _url("crosscheck:inbox", village=area.scope_prefix, status=AlertStatus.OPEN),
            alert=bool(alert_counts["late"]),
        ),
    ]


def _parameter(name: str, year: int, code: str) -> Decimal | None:
    found = parameters.default_parameters().value_or_none(name, on=year, area_code=code)
    return None if found is None else found.value


def _incomes(user: User, area: Area, year: int) -> list[IncomeYear]:
    """Exited households' per-capita net income by year against that year's poverty line and
    monitoring threshold (dated, per-region parameters). One query per year."""
    exited = households_for(user, within=area.scope_prefix).filter(
        household_type=c.HouseholdType.EXITED
    )
    a = _area_param(area, user)
    out = []
    for y in range(year - INCOME_YEARS + 1, year + 1):
        line = _parameter("poverty_line", y, area.code)
        threshold = _parameter("monitoring_threshold", y, area.code)
        incomes = Income.objects.filter(household__in=exited.values("id"), year=y)
        below = {
            key: Count("id", filter=Q(per_capita_net__lt=limit))
            for key, limit in (("below_line", line), ("below_threshold", threshold))
            if limit is not None
        }
        counts = incomes.aggregate(n=Count("id"), average=Avg("per_capita_net"), **below)
        base = {"area": a, "household_type": c.HouseholdType.EXITED, "year": y}
        out.append(
            IncomeYear(
                y,
                counts["n"],
                _whole(counts["average"]),
                line,
                threshold,
                counts.get("below_line", 0),
                counts.get("below_threshold", 0),
                {
                    "all": households_url(**base),
                    "below_line": households_url(**base, income_max=line) if line else "",
                    "below_threshold": households_url(**base, income_max=threshold)
                    if threshold
                    else "",
                },
            )
        )
    return out


def _score(households: int | None, with_error: int | None) -> Decimal | None:
    """质量得分: 100 × (1 − households with an error ÷ households checked)."""
    if not households:
        return None
    share = Decimal(with_error or 0) / Decimal(households)
    return (Decimal(100) * (1 - share)).quantize(Decimal("0.1"))


def _quality(user: User, area: Area) -> list[Figure]:
    """The data-quality score of the area over its villages in the latest runs."""
    runs = quality.latest_runs(user)
    low, high = code_range(area.scope_prefix)
    scores = VillageScore.objects.filter(run__in=runs, village_code__gte=low, village_code__lt=high)
    totals = scores.aggregate(h=Sum("households"), e=Sum("households_with_error"))
    score = _score(totals["h"], totals["e"])
    a = _area_param(area, user)
    return [
        Figure(_("数据质量得分"), score, _url("quality_home"), note=_("满分100")),
        Figure(
            _("有错误的农户（户）"),
            totals["e"] or 0,
            households_url(area=a, check=quality.ERRORS),
            alert=bool(totals["e"]),
        ),
    ]


def _problems(user: User, area: Area, today: dt.date) -> list[Figure]:
    qs = problems_for(user, within=area.scope_prefix)
    counts = qs.aggregate(
        found=Count("id"),
        closed=Count("id", filter=Q(status="closed")),
        open=Count("id", filter=~Q(status="closed")),
        overdue=Count("id", filter=problem_overdue_q(today)),
    )
    a = area.code
    return [
        Figure(_("发现问题"), counts["found"], _url("supervision:list", area=a)),
        Figure(
            _("已整改销号"), counts["closed"], _url("supervision:list", area=a, status="closed")
        ),
        Figure(_("未销号"), counts["open"], _url("supervision:list", area=a, open="1")),
        Figure(
            _("逾期未整改"),
            counts["overdue"],
            _url("supervision:list", area=a, overdue="1"),
            alert=bool(counts["overdue"]),
        ),
        Figure(
            _("整改率"),
            None if (r := rate(counts["closed"], counts["found"])) is None else f"{r}%",
            _url("supervision:report"),
        ),
    ]


def _listings(user: User, area: Area, today: dt.date) -> list[Figure]:
    """Listed supervision (挂牌督战) under the area: active listings, their open and overdue
    tasks — each opening the battle map of the area."""
    tasks = ListingTask.objects.filter(
        listing__in=listings_for(user, within=area.scope_prefix)
        .filter(status=ListingStatus.ACTIVE)
        .values("id")
    ).exclude(status=TaskStatus.DONE)
    active = (
        listings_for(user, within=area.scope_prefix).filter(status=ListingStatus.ACTIVE).count()
    )
    counts = tasks.aggregate(n=Count("id"), late=Count("id", filter=Q(deadline__lt=today)))
    url = _url("supervision:battle_map", area=area.code)
    return [
        Figure(_("督战中的挂牌"), active, url),
        Figure(_("督战任务未完成"), counts["n"], url),
        Figure(_("督战任务逾期未完成"), counts["late"], url, alert=bool(counts["late"])),
    ]


def _assistance(user: User, area: Area, year: int) -> list[Figure]:
    funds = fund_figures(user, year=year, area=area)
    a = _area_param(area, user)
    low, high = code_range(area.scope_prefix)
    with_measures = (
        measures_for(user)
        .filter(year=year, household__village_code__gte=low, household__village_code__lt=high)
        .values("household_id")
        .distinct()
        .count()
    )
    return [
        Figure(
            _("%(year)s年有帮扶措施的农户") % {"year": year},
            with_measures,
            households_url(area=a, measures_year=year),
        ),
        Figure(
            _("%(year)s年项目（个）") % {"year": year},
            len(funds.projects),
            _url("projects:list", year=year, area=area.code),
        ),
        Figure(
            _("资金下达（元）"),
            funds.total.allocated,
            _url("projects:funds", year=year, area=area.code),
        ),
        Figure(
            _("资金拨付（元）"),
            funds.total.disbursed,
            _url("projects:funds", year=year, area=area.code),
        ),
        Figure(
            _("支出进度"),
            None if funds.total.rate is None else f"{funds.total.rate}%",
            _url("projects:funds", year=year, area=area.code),
        ),
        Figure(
            _("无帮扶责任人的脱贫户和监测户"),
            None,
            households_url(area=a, assistance="no_cadre"),
            note=_("打开名单"),
        ),
        Figure(
            _("超过走访间隔未走访"),
            None,
            households_url(area=a, assistance="not_visited"),
            note=_("打开名单"),
        ),
    ]


def _children(user: User, area: Area, today: dt.date) -> list[Child]:
    """The areas one level down, each with its figures: grouped by the leading digits of the
    village code (one aggregate per source)."""
    if area.level >= Level.VILLAGE:
        return []
    level = Level(area.level + 1)
    digits = SCOPE_DIGITS[level]
    children = {
        a.scope_prefix: Child(a)
        for a in Area.objects.filter(parent=area, level=level).order_by("code")
    }
    if not children:
        return []
    month_start = today.replace(day=1)
    rows = (
        households_for(user, within=area.scope_prefix)
        .annotate(prefix=Substr("village_code", 1, digits))
        .values("prefix")
        .annotate(
            n=Count("id"),
            at_risk=Count("id", filter=AT_RISK),
            new=Count("id", filter=Q(monitoring_identified_on__gte=month_start)),
        )
    )
    for row in rows:
        child = children.get(row["prefix"])
        if child is not None:
            child.households, child.at_risk, child.new = row["n"], row["at_risk"], row["new"]
    problems = (
        problems_for(user, within=area.scope_prefix)
        .annotate(prefix=Substr("area_code", 1, digits))
        .values("prefix")
        .annotate(
            open=Count("id", filter=~Q(status="closed")),
            overdue=Count("id", filter=problem_overdue_q(today)),
        )
    )
    for row in problems:
        child = children.get(row["prefix"])
        if child is not None:
            child.problems_open, child.problems_overdue = row["open"], row["overdue"]
    low, high = code_range(area.scope_prefix)
    scores = (
        VillageScore.objects.filter(
            run__in=quality.latest_runs(user), village_code__gte=low, village_code__lt=high
        )
        .annotate(prefix=Substr("village_code", 1, digits))
        .values("prefix")
        .annotate(h=Sum("households"), e=Sum("households_with_error"))
    )
    for row in scores:
        child = children.get(row["prefix"])
        if child is not None:
            child.quality_score = _score(row["h"], row["e"])
    for child in children.values():
        code = child.area.code
        child.links = {
            "dashboard": reverse("dashboards:area", args=[code]),
            "households": households_url(area=code),
            "at_risk": households_url(area=code, at_risk="1"),
            "new": households_url(area=code, identified_from=month_start.isoformat()),
            "problems": _url("supervision:list", area=code, open="1"),
        }
    return list(children.values())


def dashboard(user: User, area: Area, year: int, today: dt.date) -> Dashboard:
    """Every figure of ``area``'s dashboard for ``year`` as the user may see it."""
    monitoring, categories = _monitoring(user, area, today)
    return Dashboard(
        area=area,
        year=year,
        today=today,
        monitoring=monitoring,
        categories=categories,
        risks=_risks(user, area),
        timeliness=_timeliness(user, area, today),
        incomes=_incomes(user, area, year),
        quality=_quality(user, area),
        problems=_problems(user, area, today) + _listings(user, area, today),
        assistance=_assistance(user, area, year),
        children=_children(user, area, today),
    )


# The figures the map of the areas one level down can colour: key → (label, value of a child,
# whether more is worse).
MAP_FIGURES: dict[str, tuple[str, Callable[[Child], Any], bool]] = {
    "at_risk": (gettext_noop("风险未消除的监测对象占农户比例"), lambda ch: ch.at_risk_share, True),
    "quality": (gettext_noop("数据质量得分"), lambda ch: ch.quality_score, False),
    "problems": (gettext_noop("逾期未整改问题"), lambda ch: ch.problems_overdue, True),
}


def children_map(board: Dashboard, figure: str) -> dict[str, Any]:
    """The areas one level down on a map (a choropleth where boundaries are loaded, tiles sized
    by households otherwise), coloured by ``figure`` of :data:`MAP_FIGURES`: red is worse."""
    _label, value, worse_when_more = MAP_FIGURES[figure]
    values = {ch.area.code: value(ch) for ch in board.children}
    present = [float(v) for v in values.values() if v is not None]
    top = max(present, default=0.0) or 1.0
    bottom = min(present, default=0.0)
    low, high = (top, bottom) if worse_when_more else (bottom, top)
    unit = "%" if figure == "at_risk" else ""
    return area_map(
        [ch.area for ch in board.children],
        values,
        {ch.area.code: ch.links["dashboard"] for ch in board.children},
        sizes={ch.area.code: ch.households for ch in board.children},
        unit=unit,
        low=low,
        high=high,
    )
