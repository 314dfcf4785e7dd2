"""One household's records, loaded once for the household page and handed to every domain that
shows something about it (the registry's own cards, the quality checks, the policy engine, the
cases card), so no panel reads the household or its members again.

Every read goes through the registry's scoping functions as the requesting user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model

from jingzhun.analytics.schema import TABLES
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
