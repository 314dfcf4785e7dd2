"""The catalogue of figures a standard report's columns name (``measure:`` in a definition).

Each measure counts or sums the records of an area's scope for a period, grouped by the leading
``digits`` of their area code (the rows of the report: the areas one level down, or the area
itself), in one aggregate query, through the records' own scoping functions. A definition
combines them; it cannot run anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from jingzhun.areas.models import VillageProfile, code_range
from jingzhun.assistance.queries import visits_for
from jingzhun.cases import choices as cc
from jingzhun.cases.queries import cases_for, overdue_q
from jingzhun.core.idnumber import local_today
from jingzhun.crosscheck.models import AlertStatus
from jingzhun.crosscheck.queries import alerts_for
from jingzhun.policy import parameters
from jingzhun.projects.models import Allocation, Disbursement
from jingzhun.projects.queries import projects_for
from jingzhun.registry import choices as c
from jingzhun.registry.models import Income
from jingzhun.registry.queries import AT_RISK
from jingzhun.registry.scoping import households_for
from jingzhun.reporting.periods import Period
from jingzhun.supervision.queries import overdue_q as problem_overdue_q
from jingzhun.supervision.queries import problems_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User
    from jingzhun.areas.models import Area

Values = dict[str, Any]  # area-code prefix → figure
WATCHED_CASES = (cc.CaseType.MONITORING, cc.CaseType.REVERSAL)


@dataclass(frozen=True)
class Scope:
    """Whose records, under which area, grouped how, for which period."""

    user: User
    area: Area
    digits: int
    period: Period

    @property
    def range(self) -> tuple[str, str]:
        return code_range(self.area.scope_prefix)

    @property
    def as_of(self):  # type: ignore[no-untyped-def]
        """The day figures "as of the period" are read on: its end, or today if sooner."""
        return min(self.period.end, local_today())


def grouped(qs: QuerySet[Any], field: str, digits: int, **aggregates: Any) -> dict[str, Values]:
    """``aggregates`` of ``qs`` per prefix of ``field``: {aggregate name: {prefix: value}}."""
    rows = (
        qs.order_by()
        .annotate(prefix=Substr(field, 1, digits))
        .values("prefix")
        .annotate(**aggregates)
    )
    out: dict[str, Values] = {name: {} for name in aggregates}
    for row in rows:
        for name in aggregates:
            out[name][row["prefix"]] = row[name] or 0
    return out


def _households(s: Scope) -> QuerySet[Any]:
    return households_for(s.user, within=s.area.scope_prefix)


def _count_households(condition: Callable[[Scope], Q]) -> Callable[[Scope], Values]:
    def measure(s: Scope) -> Values:
        return grouped(
            _households(s), "village_code", s.digits, n=Count("id", filter=condition(s))
        )["n"]

    return measure


def _people(s: Scope) -> Values:
    return grouped(_households(s), "village_code", s.digits, n=Sum("member_count"))["n"]


def _at_risk_people(s: Scope) -> Values:
    qs = _households(s).filter(AT_RISK)
    return grouped(qs, "village_code", s.digits, n=Sum("member_count"))["n"]


def _rural_population(s: Scope) -> Values:
    """农业户籍人口 of the villages' profiles (村情信息) of the period's year."""
    low, high = s.range
    qs = VillageProfile.objects.filter(
        village__code__gte=low, village__code__lt=high, year=s.period.end.year
    )
    return grouped(qs, "village__code", s.digits, n=Sum("rural_population"))["n"]


def _cases(s: Scope) -> QuerySet[Any]:
    low, high = s.range
    return cases_for(s.user).filter(
        village_code__gte=low, village_code__lt=high, case_type__in=WATCHED_CASES
    )


def _cases_opened(s: Scope) -> Values:
    qs = _cases(s).filter(opened_on__range=(s.period.start, s.period.end))
    return grouped(qs, "village_code", s.digits, n=Count("id"))["n"]


def _cases_decided(s: Scope) -> Values:
    qs = _cases(s).filter(decided_on__range=(s.period.start, s.period.end))
    return grouped(qs, "village_code", s.digits, n=Count("id"))["n"]


def _cases_overdue(s: Scope) -> Values:
    qs = _cases(s).filter(status=cc.CaseStatus.OPEN).filter(overdue_q(s.as_of))
    return grouped(qs, "village_code", s.digits, n=Count("id"))["n"]


def _alerts(s: Scope) -> QuerySet[Any]:
    low, high = s.range
    return alerts_for(s.user).filter(village_code__gte=low, village_code__lt=high)


def _alerts_raised(s: Scope) -> Values:
    qs = _alerts(s).filter(raised_on__range=(s.period.start, s.period.end))
    return grouped(qs, "village_code", s.digits, n=Count("id"))["n"]


def _alerts_open(s: Scope) -> Values:
    qs = _alerts(s).filter(status=AlertStatus.OPEN)
    return grouped(qs, "village_code", s.digits, n=Count("id"))["n"]


def _visits(s: Scope) -> Values:
    low, high = s.range
    qs = visits_for(s.user).filter(
        village_code__gte=low,
        village_code__lt=high,
        visited_on__range=(s.period.start, s.period.end),
    )
    return grouped(qs, "village_code", s.digits, n=Count("id"))["n"]


def _problems(s: Scope) -> QuerySet[Any]:
    return problems_for(s.user, within=s.area.scope_prefix)


def _problems_found(s: Scope) -> Values:
    qs = _problems(s).filter(found_on__range=(s.period.start, s.period.end))
    return grouped(qs, "area_code", s.digits, n=Count("id"))["n"]


def _problems_closed(s: Scope) -> Values:
    qs = _problems(s).filter(closed_on__range=(s.period.start, s.period.end))
    return grouped(qs, "area_code", s.digits, n=Count("id"))["n"]


def _problems_open(s: Scope) -> Values:
    qs = (
        _problems(s)
        .filter(found_on__lte=s.period.end)
        .exclude(closed_on__lte=s.period.end, status="closed")
    )
    return grouped(qs, "area_code", s.digits, n=Count("id"))["n"]


def _problems_overdue(s: Scope) -> Values:
    qs = _problems(s).filter(problem_overdue_q(s.as_of))
    return grouped(qs, "area_code", s.digits, n=Count("id"))["n"]


def _exited_below_threshold(s: Scope) -> Values:
    """脱贫户 whose per-capita net income of the period's year is below that year's monitoring
    threshold (the dated, per-region parameter of the report's area)."""
    year = s.period.end.year
    found = parameters.default_parameters().value_or_none(
        "monitoring_threshold", on=year, area_code=s.area.code
    )
    if found is None:
        return {}
    exited = _households(s).filter(household_type=c.HouseholdType.EXITED)
    qs = Income.objects.filter(
        household__in=exited.values("id"), year=year, per_capita_net__lt=found.value
    )
    return grouped(qs, "household__village_code", s.digits, n=Count("id"))["n"]


def _money(model: Any) -> Callable[[Scope], Values]:
    def measure(s: Scope) -> Values:
        projects = projects_for(s.user, within=s.area.scope_prefix)
        qs = model.objects.filter(
            project__in=projects.values("id"), on__range=(s.period.start, s.period.end)
        )
        sums = grouped(qs, "project__area_code", s.digits, n=Sum("amount"))["n"]
        return {k: Decimal(v) for k, v in sums.items()}

    return measure


@dataclass(frozen=True)
class Measure:
    label: str  # the column's default title (Chinese)
    compute: Callable[[Scope], Values]
    unit: str = ""


MEASURES: dict[str, Measure] = {
    "households": Measure("农户数", _count_households(lambda s: Q()), "户"),
    "people": Measure("人口数", _people, "人"),
    "exited_households": Measure(
        "脱贫户", _count_households(lambda s: Q(household_type=c.HouseholdType.EXITED)), "户"
    ),
    "monitored_households": Measure(
        "监测户", _count_households(lambda s: Q(household_type=c.HouseholdType.MONITORED)), "户"
    ),
    "at_risk": Measure("风险未消除的监测对象", _count_households(lambda s: AT_RISK), "户"),
    "at_risk_people": Measure("风险未消除的监测对象人口", _at_risk_people, "人"),
    "rural_population": Measure("农业户籍人口（村情信息）", _rural_population, "人"),
    "identified_in_period": Measure(
        "本期新识别监测对象",
        _count_households(
            lambda s: Q(monitoring_identified_on__range=(s.period.start, s.period.end))
        ),
        "户",
    ),
    "eliminated_in_period": Measure(
        "本期消除风险",
        _count_households(
            lambda s: Q(
                risk_eliminated=True, risk_eliminated_on__range=(s.period.start, s.period.end)
            )
        ),
        "户",
    ),
    "cases_opened_in_period": Measure("本期启动监测程序", _cases_opened, "件"),
    "cases_decided_in_period": Measure("本期作出监测决定", _cases_decided, "件"),
    "cases_overdue": Measure("逾期未办结的监测程序", _cases_overdue, "件"),
    "alerts_raised_in_period": Measure("本期部门预警", _alerts_raised, "条"),
    "alerts_open": Measure("待核实的部门预警", _alerts_open, "条"),
    "visits_in_period": Measure("本期走访", _visits, "次"),
    "problems_found_in_period": Measure("本期发现问题", _problems_found, "个"),
    "problems_closed_in_period": Measure("本期整改销号", _problems_closed, "个"),
    "problems_open": Measure("期末未销号问题", _problems_open, "个"),
    "problems_overdue": Measure("逾期未整改问题", _problems_overdue, "个"),
    "exited_below_threshold": Measure("收入低于监测标准的脱贫户", _exited_below_threshold, "户"),
    "funds_allocated_in_period": Measure("本期资金下达", _money(Allocation), "元"),
    "funds_disbursed_in_period": Measure("本期资金拨付", _money(Disbursement), "元"),
}
