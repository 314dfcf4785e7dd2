"""One household's records, loaded once for the household page and handed to every domain that
shows something about it (the registry's own cards, the quality checks, the policy engine, the
cases card), so no panel reads the household or its members again.

Every read goes through the registry's scoping functions as the requesting user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils.translation import gettext as _

from jingzhun.analytics.schema import TABLES
from jingzhun.policy.parameters import default_parameters
from jingzhun.registry import scoping
from jingzhun.registry.models import Conditions, Household, Income, Measures, Member, RiskFactor

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def _row(instance: Model, table: str) -> dict[str, Any]:
    """A record as the dicts the checks and the policy engine read (the snapshot's columns)."""
    return {col.name: getattr(instance, col.orm) for col in TABLES[table]}


@dataclass(frozen=True)
class HouseholdRecord:
    household: Household
    members: list[Member]
    risks: list[RiskFactor]
    incomes: list[Income]  # every year, newest first
    conditions: list[Conditions]
    measures: list[Measures]

    @classmethod
    def load(cls, user: User, household_id: int | str) -> HouseholdRecord:
        """Six queries whatever the number of members and years; NotFound when out of scope."""
        household = scoping.access_household_by_id(user, household_id)
        pk = household.pk
        # The household is in the user's scope (the one check above): its own records are
        # read by its id alone, without joining the households table again for each.
        return cls(
            household=household,
            members=list(Member.objects.filter(household_id=pk, is_deleted=False).order_by("id")),
            risks=list(RiskFactor.objects.filter(household_id=pk).order_by("position")),
            incomes=list(Income.objects.filter(household_id=pk).order_by("-year")),
            conditions=list(Conditions.objects.filter(household_id=pk).order_by("-year")),
            measures=list(Measures.objects.filter(household_id=pk).order_by("-year")),
        )

    def data(self, year: int | None = None) -> dict[str, Any]:
        """The plain dicts of the checks and decisions (``year``: only that year's records)."""

        def of(rows: list[Any], table: str) -> list[dict[str, Any]]:
            return [_row(r, table) for r in rows if year is None or r.year == year]

        return {
            "household": _row(self.household, "households"),
            "members": [_row(m, "members") | {"name": m.name} for m in self.members],
            "incomes": of(self.incomes, "incomes"),
            "risks": [_row(r, "risks") for r in self.risks],
            "conditions": of(self.conditions, "conditions"),
            "measures": of(self.measures, "measures"),
        }


def income_chart(household: Household, incomes: list[Income]) -> dict[str, Any] | None:
    """The household page's chart: per-capita net income by year against that year's poverty
    line and monitoring threshold for the household's area (None without incomes). Plain
    numbers for ECharts (``jingzhun/static/js/charts.js``); a year without a parameter in force
    gets a gap, not a guess."""
    if not incomes:
        return None
    params = default_parameters()
    years = sorted({i.year for i in incomes})
    by_year = {i.year: i for i in incomes}

    def line(name: str) -> list[float | None]:
        out: list[float | None] = []
        for year in years:
            p = params.value_or_none(name, on=year, area_code=household.village_code)
            out.append(float(p.value) if p is not None else None)
        return out

    return {
        "years": [str(y) for y in years],
        "series": [
            {
                "name": str(_("人均纯收入")),
                "data": [float(by_year[y].per_capita_net) for y in years],
                "kind": "bar",
            },
            {"name": str(_("扶贫标准线")), "data": line("poverty_line"), "kind": "line"},
            {"name": str(_("防返贫监测线")), "data": line("monitoring_threshold"), "kind": "line"},
        ],
        "unit": str(_("元")),
    }
